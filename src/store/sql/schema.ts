/**
 * @module store/sql/schema
 *
 * The tables as Kysely sees them. Column names are snake_case as in SQL; `seq` columns give each
 * listing a stable creation order that page tokens can point into.
 */
import type { ColumnType, Generated } from 'kysely'

type CreatedAt = ColumnType<Date, Date | undefined, never>
type UpdatedAt = ColumnType<Date, Date | undefined, Date>

export interface OrganizationTable {
  id: string
  /** Always true: the primary key that makes this a one-row table. */
  singleton: ColumnType<boolean, true, never>
  display_name: string
  /** Where clusters from the configuration file are registered. */
  default_environment_id: string
  bootstrap_service_account_id: string | null
  jit_enabled: ColumnType<boolean, boolean | undefined, boolean>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface EnvironmentTable {
  seq: Generated<number>
  id: string
  display_name: string
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface KafkaClusterTable {
  seq: Generated<number>
  id: string
  environment_id: string
  display_name: string
  source: 'config' | 'api'
  /** Comma-separated `host:port` list; set for clusters registered through the API. */
  bootstrap_servers: string | null
  sasl_mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | null
  sasl_username: string | null
  /** The SASL password sealed by `SecretBox`, never in clear. */
  sasl_password_sealed: string | null
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface UserTable {
  seq: Generated<number>
  id: string
  email: string
  full_name: string
  auth_type: 'AUTH_TYPE_LOCAL' | 'AUTH_TYPE_SSO'
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface ServiceAccountTable {
  seq: Generated<number>
  id: string
  display_name: string
  description: string
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface ApiKeyTable {
  seq: Generated<number>
  id: string
  display_name: string
  description: string
  owner_id: string
  owner_kind: 'ServiceAccount' | 'User'
  scope_kind: 'cluster' | 'management' | 'global'
  cluster_id: string | null
  environment_id: string | null
  secret_salt: string
  secret_hash: string
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface RoleBindingTable {
  seq: Generated<number>
  id: string
  principal: string
  role_name: string
  crn_pattern: string
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface IdentityProviderTable {
  seq: Generated<number>
  id: string
  display_name: string
  description: string
  issuer: string
  jwks_uri: string
  identity_claim: string
  /** Gatehouse extension: the `aud` value tokens must carry; null for none. */
  audience: string | null
  state: ColumnType<'ENABLED', 'ENABLED' | undefined, 'ENABLED'>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface IdentityPoolTable {
  seq: Generated<number>
  id: string
  provider_id: string
  display_name: string
  description: string
  identity_claim: string
  filter: string
  state: ColumnType<'ENABLED', 'ENABLED' | undefined, 'ENABLED'>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface AuditEventTable {
  seq: Generated<number>
  id: string
  occurred_at: CreatedAt
  actor_principal: string
  actor_credential_id: string | null
  action: string
  resource_kind: string
  resource_id: string
  details: ColumnType<Record<string, unknown>, string, never>
}

export interface MigrationTable {
  version: number
  name: string
  applied_at: CreatedAt
}

export interface CertificateAuthorityTable {
  seq: Generated<number>
  id: string
  display_name: string
  description: string
  certificate_chain: string
  certificate_chain_filename: string
  crl_chain: string | null
  crl_url: string | null
  /** When `crl_chain` was last set; null without one. */
  crl_chain_updated_at: Date | null
  require_crl_on_client_certificate: ColumnType<boolean, boolean | undefined, boolean>
  state: ColumnType<'ENABLED', 'ENABLED' | undefined, 'ENABLED'>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface CertificatePoolTable {
  seq: Generated<number>
  id: string
  certificate_authority_id: string
  display_name: string
  description: string
  external_identifier: string
  filter: string
  state: ColumnType<'ENABLED', 'ENABLED' | undefined, 'ENABLED'>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface GroupMappingTable {
  seq: Generated<number>
  id: string
  display_name: string
  description: string
  filter: string
  state: ColumnType<'ENABLED', 'ENABLED' | undefined, 'ENABLED'>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface InvitationTable {
  seq: Generated<number>
  id: string
  email: string
  auth_type: 'AUTH_TYPE_LOCAL' | 'AUTH_TYPE_SSO'
  status: 'INVITE_STATUS_SENT' | 'INVITE_STATUS_ACCEPTED'
  accepted_at: Date | null
  expires_at: Date
  user_id: string | null
  creator: string
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface ConsoleSessionTable {
  id_hash: string
  user_id: string
  /** JSON object: the ID-token claims group mappings are evaluated on. */
  claims: ColumnType<unknown, string, string>
  /** JSON array of strings. */
  group_principals: ColumnType<unknown, string, string>
  created_at: Date
  last_seen_at: Date
  absolute_expires_at: Date
}

export interface ConsolePendingSignInTable {
  state_hash: string
  code_verifier: string
  nonce: string
  return_to: string
  expires_at: Date
}

export interface Database {
  gatehouse_migrations: MigrationTable
  organization: OrganizationTable
  environments: EnvironmentTable
  kafka_clusters: KafkaClusterTable
  users: UserTable
  service_accounts: ServiceAccountTable
  api_keys: ApiKeyTable
  audit_events: AuditEventTable
  role_bindings: RoleBindingTable
  identity_providers: IdentityProviderTable
  identity_pools: IdentityPoolTable
  certificate_authorities: CertificateAuthorityTable
  certificate_pools: CertificatePoolTable
  group_mappings: GroupMappingTable
  invitations: InvitationTable
  console_sessions: ConsoleSessionTable
  console_pending_sign_ins: ConsolePendingSignInTable
}
