/**
 * @module store/port
 *
 * What the gateway keeps for itself, independent of where. Implementation: `store/sql` (PGlite or
 * PostgreSQL). Every method rejects with an `Error` when the medium fails; callers treat that as
 * "not ready" and fail closed.
 */
import type { SsoStore } from './sso-port.ts'

/** A salted hash of a secret, never the secret itself. */
export interface StoredSecretHash {
  readonly salt: string
  readonly hash: string
}

export interface StoreHealth {
  /** Resolves when the store can be read and written now; rejects with the reason otherwise. */
  checkReady(): Promise<void>
}

// ---------------------------------------------------------------------------------------------
// Identities: the organization, its environments and clusters, users, service accounts, API keys.
// ---------------------------------------------------------------------------------------------

/** Who changed something, recorded with every change (never a secret). */
export interface AuditActor {
  /** Kafka-style principal, e.g. `User:sa-x1y2z3`. */
  readonly principal: string
  /** The credential that was used (an API key id), when there was one. */
  readonly credentialId?: string | undefined
}

/** Timestamps every stored object has. */
export interface Timestamps {
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface OrganizationRecord extends Timestamps {
  /** A UUID, generated once per deployment. */
  readonly id: string
  readonly displayName: string
  /** Whether people who sign in with SSO get a user account created on their first sign-in. */
  readonly jitEnabled: boolean
}

export interface EnvironmentRecord extends Timestamps {
  /** `env-` + 6 characters. */
  readonly id: string
  readonly displayName: string
}

export type ClusterSource = 'config' | 'api'

export type KafkaSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

/** How the gateway reaches a cluster registered through the API. */
export interface KafkaClusterConnection {
  readonly bootstrapServers: readonly string[]
  readonly sasl?: {
    readonly mechanism: KafkaSaslMechanism
    readonly username: string
    readonly password: string
  }
}

export interface KafkaClusterRecord extends Timestamps {
  /** The cluster's own id, as its brokers report it. */
  readonly id: string
  readonly environmentId: string
  readonly displayName: string
  /** Registered from the configuration file at start, or through the API. */
  readonly source: ClusterSource
  /** For clusters registered through the API: where they are, never the password. */
  readonly connection?: {
    readonly bootstrapServers: readonly string[]
    readonly sasl?: { readonly mechanism: KafkaSaslMechanism; readonly username: string }
  }
}

export type UserAuthType = 'AUTH_TYPE_LOCAL' | 'AUTH_TYPE_SSO'

export interface UserRecord extends Timestamps {
  /** `u-` + 6 characters. */
  readonly id: string
  readonly email: string
  readonly fullName: string
  readonly authType: UserAuthType
}

export interface ServiceAccountRecord extends Timestamps {
  /** `sa-` + 6 characters. */
  readonly id: string
  readonly displayName: string
  readonly description: string
}

export type ApiKeyOwnerKind = 'ServiceAccount' | 'User'

/**
 * What a key opens: one Kafka cluster, the management API (`/iam/v2`, `/org/v2`), or everything
 * (`global`, held by the bootstrap key only).
 */
export type ApiKeyScope =
  | { readonly kind: 'cluster'; readonly clusterId: string; readonly environmentId: string }
  | { readonly kind: 'management' }
  | { readonly kind: 'global' }

export interface ApiKeyRecord extends Timestamps {
  /** 16 upper-case base32 characters; safe to log. */
  readonly id: string
  readonly displayName: string
  readonly description: string
  readonly ownerId: string
  readonly ownerKind: ApiKeyOwnerKind
  readonly scope: ApiKeyScope
  readonly secretHash: StoredSecretHash
}

/** A role granted to a principal on the resources a CRN pattern covers. */
export interface RoleBindingRecord extends Timestamps {
  /** `rb-` + 6 characters. */
  readonly id: string
  /** `User:u-…`, `User:sa-…`, `User:pool-…` or `User:group-…`. */
  readonly principal: string
  readonly roleName: string
  /** e.g. `crn://confluent.cloud/organization=<uuid>/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders-*` */
  readonly crnPattern: string
}

/** The only state Confluent defines for providers and pools; kept as a column for later states. */
export type IdentityProviderState = 'ENABLED'

/** An OAuth/OIDC provider whose access tokens workloads may present (through identity pools). */
export interface IdentityProviderRecord extends Timestamps {
  /** `op-` + 6 characters. */
  readonly id: string
  readonly displayName: string
  readonly description: string
  /** The `iss` its tokens carry; unique among providers, compared as an exact string. */
  readonly issuer: string
  readonly jwksUri: string
  /** The claim that names the caller in audit records when no single pool is asked for, e.g. `claims.sub`. */
  readonly identityClaim: string
  /**
   * Gatehouse extension, not in Confluent's API: when set, a token's `aud` must contain this value.
   * Confluent leaves audience checks to pool filters.
   */
  readonly audience?: string | undefined
  readonly state: IdentityProviderState
}

/** A group of a provider's identities, chosen by a filter on their token's claims; a principal of its own. */
export interface IdentityPoolRecord extends Timestamps {
  /** `pool-` + 6 characters; role bindings name the pool as `User:<id>`. */
  readonly id: string
  readonly providerId: string
  readonly displayName: string
  readonly description: string
  /** The claim that names the caller in audit records, e.g. `claims.sub`. */
  readonly identityClaim: string
  /** The filter source as given (a CEL subset), at most 300 characters; compiled by the caller. */
  readonly filter: string
  readonly state: IdentityProviderState
}

/** A provider with every one of its pools, for building the token verifier's view. */
export interface IdentityProviderWithPools {
  readonly provider: IdentityProviderRecord
  /** In creation order. */
  readonly pools: readonly IdentityPoolRecord[]
}

/** A certificate authority whose certificates clients may present (mTLS), and how to learn of revocations. */
export interface CertificateAuthorityRecord extends Timestamps {
  /** `op-` + 6 characters, as Confluent names them. */
  readonly id: string
  readonly displayName: string
  readonly description: string
  /** PEM text of 1 to 4 CA certificates, as accepted by the API (checked there, not here). */
  readonly certificateChain: string
  readonly certificateChainFilename: string
  /** PEM `X509 CRL` blocks; never set together with `crlUrl`. */
  readonly crlChain?: string | undefined
  /** When `crlChain` was last set. */
  readonly crlChainUpdatedAt?: Date | undefined
  /** Where the CRL is fetched from; never set together with `crlChain`. */
  readonly crlUrl?: string | undefined
  /** Refuse client certificates for which no current CRL of their issuer is known. */
  readonly requireCrlOnClientCertificate: boolean
  readonly state: IdentityProviderState
}

/** A group of the certificates of one authority, chosen by a filter on their attributes; a principal of its own. */
export interface CertificatePoolRecord extends Timestamps {
  /** `pool-` + 6 characters, never the id of an OAuth identity pool; role bindings name it `User:<id>`. */
  readonly id: string
  readonly certificateAuthorityId: string
  readonly displayName: string
  readonly description: string
  /** The subject attribute (e.g. `CN`) that names the caller in audit records. */
  readonly externalIdentifier: string
  /** The filter source as given, at most 300 characters; compiled by the caller. */
  readonly filter: string
  readonly state: IdentityProviderState
}

/** An authority with every one of its pools, for building the certificate verifier's view. */
export interface CertificateAuthorityWithPools {
  readonly authority: CertificateAuthorityRecord
  /** In creation order. */
  readonly pools: readonly CertificatePoolRecord[]
}

/** One page of a listing, in creation order. */
export interface Page<T> {
  readonly items: readonly T[]
  /** Opaque token for the next page; absent on the last page. */
  readonly nextPageToken?: string
}

export interface PageRequest {
  /** 1..1000 items. */
  readonly pageSize: number
  /** A token from a previous page of the same listing; undefined for the first page. */
  readonly pageToken?: string | undefined
}

export interface AuditEventRecord {
  readonly id: string
  readonly occurredAt: Date
  readonly actor: AuditActor
  /** `<kind>.<verb>`, e.g. `service_account.created`, `api_key.deleted`. */
  readonly action: string
  readonly resourceKind: string
  readonly resourceId: string
  /** What changed (field names and new values); never a secret. */
  readonly details: Readonly<Record<string, unknown>>
}

/** Changes to identities, for the readers that cache them (the API key verifier). */
export interface IdentityChangeFeed {
  /**
   * Calls `listener` with the id of every API key deleted from now on, by this process or (with a
   * shared database) by another one. Delivery is best effort, and the same id may come more than
   * once (locally and again through the database's notification): a listener must be idempotent
   * and must not rely on it for correctness, only for promptness. Returns a function that stops
   * the calls.
   */
  onApiKeyDeleted(listener: (keyId: string) => void): () => void
  /**
   * Calls `listener` after role bindings were created or deleted, by this process or (with a
   * shared database) by another one. Best effort and possibly repeated: readers that cache
   * bindings must also reload them now and then. Returns a function that stops the calls.
   */
  onRoleBindingsChanged(listener: () => void): () => void
  /**
   * Calls `listener` after identity providers or pools were created, changed or deleted, by this
   * process or (with a shared database) by another one. Same guarantees as
   * `onRoleBindingsChanged`: best effort and possibly repeated, so a reader that caches providers
   * (the token verifier) reloads them on each call and also now and then. Returns a function that
   * stops the calls.
   */
  onIdentityProvidersChanged(listener: () => void): () => void
  /**
   * Calls `listener` after certificate authorities or their pools were created, changed or
   * deleted, here or on another instance. Same guarantees as `onIdentityProvidersChanged`.
   */
  onCertificateAuthoritiesChanged(listener: () => void): () => void
}

/**
 * Errors: every method rejects with `StoreConflictError` on a uniqueness violation, with
 * `StoreReferenceError` when a referenced object does not exist, and with a plain `Error` when the
 * database fails (callers answer 503 and fail closed). Methods that take an `AuditActor` write the
 * change and its audit event in one transaction: both happen or neither does.
 */
export interface IdentityStore extends IdentityChangeFeed, StoreHealth {
  getOrganization(): Promise<OrganizationRecord>
  updateOrganization(
    changes: { displayName?: string; jitEnabled?: boolean },
    actor: AuditActor,
  ): Promise<OrganizationRecord>

  createEnvironment(input: { displayName: string }, actor: AuditActor): Promise<EnvironmentRecord>
  getEnvironment(id: string): Promise<EnvironmentRecord | undefined>
  listEnvironments(page: PageRequest): Promise<Page<EnvironmentRecord>>
  updateEnvironment(
    id: string,
    changes: { displayName?: string },
    actor: AuditActor,
  ): Promise<EnvironmentRecord | undefined>
  /** @returns false when there is no such environment. Rejects with `StoreConflictError` while it holds clusters. */
  deleteEnvironment(id: string, actor: AuditActor): Promise<boolean>

  /**
   * Registers a cluster, or (for `source: 'config'`) updates the display name of one already
   * registered; never moves a cluster to another environment.
   */
  registerKafkaCluster(
    input: {
      id: string
      environmentId: string
      displayName: string
      source: ClusterSource
      /** Required with `source: 'api'`; a SASL password is stored encrypted. */
      connection?: KafkaClusterConnection
    },
    actor: AuditActor,
  ): Promise<KafkaClusterRecord>
  getKafkaCluster(id: string): Promise<KafkaClusterRecord | undefined>
  listKafkaClusters(page: PageRequest, filter?: { environmentId?: string }): Promise<Page<KafkaClusterRecord>>
  /** Renames a cluster; `source` and connection stay. */
  updateKafkaCluster(
    id: string,
    changes: { displayName?: string },
    actor: AuditActor,
  ): Promise<KafkaClusterRecord | undefined>
  /**
   * Unregisters a cluster registered through the API, with every API key scoped to it.
   *
   * @returns false when there is no such cluster. Rejects with `StoreConflictError` for a cluster
   *   of the configuration file.
   */
  deleteKafkaCluster(id: string, actor: AuditActor): Promise<boolean>
  /**
   * The clusters registered through the API with their connections, passwords decrypted, for the
   * gateway to connect to. Rejects with `StoreSecretError` when a password cannot be decrypted.
   */
  listKafkaClusterConnections(): Promise<readonly { clusterId: string; connection: KafkaClusterConnection }[]>

  /** Creates the user, or returns the existing one with that email (case-insensitive). */
  ensureUser(
    input: { email: string; fullName: string; authType: UserAuthType },
    actor: AuditActor,
  ): Promise<UserRecord>
  getUser(id: string): Promise<UserRecord | undefined>
  /** The user with that email (case-insensitive), if there is one. */
  findUserByEmail(email: string): Promise<UserRecord | undefined>
  listUsers(page: PageRequest): Promise<Page<UserRecord>>
  updateUser(id: string, changes: { fullName?: string }, actor: AuditActor): Promise<UserRecord | undefined>
  /** Deletes the user, every API key it owns and its role bindings. @returns false when there is no such user. */
  deleteUser(id: string, actor: AuditActor): Promise<boolean>

  createServiceAccount(
    input: { displayName: string; description: string },
    actor: AuditActor,
  ): Promise<ServiceAccountRecord>
  getServiceAccount(id: string): Promise<ServiceAccountRecord | undefined>
  /** `displayNames`: exact matches, any of them (none = all). */
  listServiceAccounts(
    page: PageRequest,
    filter?: { displayNames?: readonly string[] },
  ): Promise<Page<ServiceAccountRecord>>
  updateServiceAccount(
    id: string,
    changes: { displayName?: string; description?: string },
    actor: AuditActor,
  ): Promise<ServiceAccountRecord | undefined>
  /** Deletes the service account, every API key it owns and its role bindings. @returns false when there is none. */
  deleteServiceAccount(id: string, actor: AuditActor): Promise<boolean>

  /** Rejects with `StoreReferenceError` when the owner or the scoped cluster does not exist. */
  createApiKey(input: Omit<ApiKeyRecord, 'createdAt' | 'updatedAt'>, actor: AuditActor): Promise<ApiKeyRecord>
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>
  listApiKeys(
    page: PageRequest,
    filter?: { ownerId?: string; resourceId?: string },
  ): Promise<Page<ApiKeyRecord>>
  updateApiKey(
    id: string,
    changes: { displayName?: string; description?: string },
    actor: AuditActor,
  ): Promise<ApiKeyRecord | undefined>
  deleteApiKey(id: string, actor: AuditActor): Promise<boolean>

  /**
   * Makes sure the bootstrap service account and its global key exist, once per deployment even
   * with several instances starting together. With `configured`, the key gets that id and secret
   * hash (replacing an earlier bootstrap key); without, `generate()` is called only when no
   * bootstrap key exists yet, and its result is stored.
   *
   * @returns the bootstrap key, and `created: true` when this call stored a generated one.
   */
  ensureBootstrapApiKey(
    options:
      | {
          readonly configured: {
            readonly id: string
            readonly secretHash: StoredSecretHash
            /** True when a stored hash is of the configured secret (then nothing is rewritten). */
            readonly isSameSecret: (stored: StoredSecretHash) => boolean
          }
        }
      | { readonly generate: () => { readonly id: string; readonly secretHash: StoredSecretHash } },
  ): Promise<{ key: ApiKeyRecord; created: boolean }>

  /**
   * Rejects with `StoreConflictError` (field `/crn_pattern`) when the same principal already holds
   * the role on the same pattern. Role names and patterns are not checked here: the API does.
   */
  createRoleBinding(
    input: { principal: string; roleName: string; crnPattern: string },
    actor: AuditActor,
  ): Promise<RoleBindingRecord>
  /** The identical binding if it exists, else a new one; safe when several instances call it at once. */
  ensureRoleBinding(
    input: { principal: string; roleName: string; crnPattern: string },
    actor: AuditActor,
  ): Promise<RoleBindingRecord>
  getRoleBinding(id: string): Promise<RoleBindingRecord | undefined>
  /**
   * Bindings on `crnPattern` or beneath it (whose pattern continues it after a `/`), optionally
   * of one principal and one role (exact matches), in creation order.
   */
  listRoleBindings(
    page: PageRequest,
    filter: { crnPattern: string; principal?: string; roleName?: string },
  ): Promise<Page<RoleBindingRecord>>
  /** Every binding, for the authorizer's in-memory index. */
  listAllRoleBindings(): Promise<readonly RoleBindingRecord[]>
  /** @returns the deleted binding, or undefined when there was none. */
  deleteRoleBinding(id: string, actor: AuditActor): Promise<RoleBindingRecord | undefined>

  /**
   * Rejects with `StoreConflictError` (field `/issuer`) when another provider has the same issuer.
   * URLs, claims and audience are not checked here: the API does.
   */
  createIdentityProvider(
    input: {
      displayName: string
      description: string
      issuer: string
      jwksUri: string
      identityClaim: string
      audience?: string | undefined
    },
    actor: AuditActor,
  ): Promise<IdentityProviderRecord>
  getIdentityProvider(id: string): Promise<IdentityProviderRecord | undefined>
  /** The provider whose issuer is exactly `issuer`, if any. */
  findIdentityProviderByIssuer(issuer: string): Promise<IdentityProviderRecord | undefined>
  listIdentityProviders(page: PageRequest): Promise<Page<IdentityProviderRecord>>
  /**
   * Changes only the given fields; `audience: null` removes the audience. Rejects with
   * `StoreConflictError` (field `/issuer`) when the new issuer is another provider's.
   *
   * @returns undefined when there is no such provider.
   */
  updateIdentityProvider(
    id: string,
    changes: {
      displayName?: string
      description?: string
      issuer?: string
      jwksUri?: string
      identityClaim?: string
      audience?: string | null
    },
    actor: AuditActor,
  ): Promise<IdentityProviderRecord | undefined>
  /**
   * Deletes the provider, all its pools and every role binding of those pools (`User:pool-…`), in
   * one transaction; listeners of `onIdentityProvidersChanged` and `onRoleBindingsChanged` hear of
   * it. @returns false when there is no such provider.
   */
  deleteIdentityProvider(id: string, actor: AuditActor): Promise<boolean>

  /** @returns undefined when the provider does not exist (nothing is created). */
  createIdentityPool(
    providerId: string,
    input: { displayName: string; description: string; identityClaim: string; filter: string },
    actor: AuditActor,
  ): Promise<IdentityPoolRecord | undefined>
  /** The pool, only when it belongs to `providerId`. */
  getIdentityPool(providerId: string, id: string): Promise<IdentityPoolRecord | undefined>
  /** The provider's pools in creation order; an empty page for a provider that does not exist. */
  listIdentityPools(providerId: string, page: PageRequest): Promise<Page<IdentityPoolRecord>>
  /** @returns undefined when the pool does not exist under `providerId`. */
  updateIdentityPool(
    providerId: string,
    id: string,
    changes: { displayName?: string; description?: string; identityClaim?: string; filter?: string },
    actor: AuditActor,
  ): Promise<IdentityPoolRecord | undefined>
  /**
   * Deletes the pool and its role bindings in one transaction.
   * @returns false when the pool does not exist under `providerId`.
   */
  deleteIdentityPool(providerId: string, id: string, actor: AuditActor): Promise<boolean>
  /** Every provider with its pools, in creation order, read in one consistent snapshot. */
  listAllIdentityProvidersWithPools(): Promise<readonly IdentityProviderWithPools[]>

  createCertificateAuthority(
    input: {
      displayName: string
      description: string
      certificateChain: string
      certificateChainFilename: string
      crlChain?: string | undefined
      crlUrl?: string | undefined
      requireCrlOnClientCertificate: boolean
    },
    actor: AuditActor,
  ): Promise<CertificateAuthorityRecord>
  getCertificateAuthority(id: string): Promise<CertificateAuthorityRecord | undefined>
  listCertificateAuthorities(page: PageRequest): Promise<Page<CertificateAuthorityRecord>>
  /**
   * Changes only the given fields; `null` removes `crlChain` or `crlUrl`. Setting one of the two
   * clears the other.
   *
   * @returns undefined when there is no such authority.
   */
  updateCertificateAuthority(
    id: string,
    changes: {
      displayName?: string
      description?: string
      certificateChain?: string
      certificateChainFilename?: string
      crlChain?: string | null
      crlUrl?: string | null
      requireCrlOnClientCertificate?: boolean
    },
    actor: AuditActor,
  ): Promise<CertificateAuthorityRecord | undefined>
  /**
   * Deletes the authority, its pools and every role binding of those pools in one transaction.
   * @returns the deleted authority, or undefined when there was none.
   */
  deleteCertificateAuthority(id: string, actor: AuditActor): Promise<CertificateAuthorityRecord | undefined>
  /** @returns undefined when the authority does not exist (nothing is created). */
  createCertificatePool(
    certificateAuthorityId: string,
    input: { displayName: string; description: string; externalIdentifier: string; filter: string },
    actor: AuditActor,
  ): Promise<CertificatePoolRecord | undefined>
  /** The pool, only when it belongs to `certificateAuthorityId`. */
  getCertificatePool(certificateAuthorityId: string, id: string): Promise<CertificatePoolRecord | undefined>
  /** The authority's pools in creation order; an empty page for an authority that does not exist. */
  listCertificatePools(
    certificateAuthorityId: string,
    page: PageRequest,
  ): Promise<Page<CertificatePoolRecord>>
  /** @returns undefined when the pool does not exist under `certificateAuthorityId`. */
  updateCertificatePool(
    certificateAuthorityId: string,
    id: string,
    changes: { displayName?: string; description?: string; externalIdentifier?: string; filter?: string },
    actor: AuditActor,
  ): Promise<CertificatePoolRecord | undefined>
  /**
   * Deletes the pool and its role bindings in one transaction.
   * @returns the deleted pool, or undefined when it does not exist under `certificateAuthorityId`.
   */
  deleteCertificatePool(
    certificateAuthorityId: string,
    id: string,
    actor: AuditActor,
  ): Promise<CertificatePoolRecord | undefined>
  /** Every authority with its pools, in creation order, read in one consistent snapshot. */
  listAllCertificateAuthoritiesWithPools(): Promise<readonly CertificateAuthorityWithPools[]>

  /** The most recent audit events first. */
  listAuditEvents(page: PageRequest, filter?: { resourceId?: string }): Promise<Page<AuditEventRecord>>

  /** Group mappings, invitations and console sessions (sso-port.ts), in the same database. */
  readonly sso: SsoStore

  close(): Promise<void>
}

/** A uniqueness rule would be broken (a duplicate display name, an existing id). */
export class StoreConflictError extends Error {
  /** The field that must be unique, as a JSON pointer into the API object (e.g. `/display_name`). */
  readonly field: string
  constructor(message: string, field: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StoreConflictError'
    this.field = field
  }
}

/** A page token that this listing did not hand out (or that was altered). */
export class InvalidPageTokenError extends Error {
  constructor() {
    super('The page_token is not one this listing handed out.')
    this.name = 'InvalidPageTokenError'
  }
}

/** A referenced object (an API key's owner or cluster, a cluster's environment) does not exist. */
export class StoreReferenceError extends Error {
  readonly field: string
  constructor(message: string, field: string) {
    super(message)
    this.name = 'StoreReferenceError'
    this.field = field
  }
}

/**
 * A secret cannot be stored or read back: no encryption key is configured (PostgreSQL without
 * `store.encryptionKey`), or the configured one does not open what is stored.
 */
export class StoreSecretError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StoreSecretError'
  }
}
