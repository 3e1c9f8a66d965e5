/**
 * @module store/sql/migrations
 *
 * The schema's history, applied in order at start. One list serves PGlite and PostgreSQL alike.
 * A migration, once released, is never edited: changes come as a new migration.
 */
import { sql, type Kysely, type Transaction } from 'kysely'
import { randomUUID } from 'node:crypto'
import type { Database } from './schema.ts'
import { generateResourceId } from './resource-ids.ts'

interface Migration {
  readonly version: number
  readonly name: string
  readonly statements: readonly string[]
}

const timestamps = `created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()`

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'identities',
    statements: [
      `CREATE TABLE environments (
        seq bigserial UNIQUE, id text PRIMARY KEY, display_name text NOT NULL, ${timestamps})`,
      `CREATE TABLE organization (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), id text NOT NULL UNIQUE,
        display_name text NOT NULL, default_environment_id text NOT NULL REFERENCES environments (id),
        bootstrap_service_account_id text, ${timestamps})`,
      `CREATE TABLE kafka_clusters (
        seq bigserial UNIQUE, id text PRIMARY KEY,
        environment_id text NOT NULL REFERENCES environments (id),
        display_name text NOT NULL, source text NOT NULL CHECK (source IN ('config', 'api')), ${timestamps})`,
      `CREATE TABLE users (
        seq bigserial UNIQUE, id text PRIMARY KEY, email text NOT NULL, full_name text NOT NULL,
        auth_type text NOT NULL CHECK (auth_type IN ('AUTH_TYPE_LOCAL', 'AUTH_TYPE_SSO')), ${timestamps})`,
      `CREATE UNIQUE INDEX users_email ON users (lower(email))`,
      `CREATE TABLE service_accounts (
        seq bigserial UNIQUE, id text PRIMARY KEY, display_name text NOT NULL UNIQUE,
        description text NOT NULL, ${timestamps})`,
      `CREATE TABLE api_keys (
        seq bigserial UNIQUE, id text PRIMARY KEY, display_name text NOT NULL, description text NOT NULL,
        owner_id text NOT NULL, owner_kind text NOT NULL CHECK (owner_kind IN ('ServiceAccount', 'User')),
        scope_kind text NOT NULL CHECK (scope_kind IN ('cluster', 'management', 'global')),
        cluster_id text REFERENCES kafka_clusters (id), environment_id text,
        secret_salt text NOT NULL, secret_hash text NOT NULL, ${timestamps},
        CHECK ((scope_kind = 'cluster') = (cluster_id IS NOT NULL)))`,
      `CREATE INDEX api_keys_owner ON api_keys (owner_id)`,
      `CREATE INDEX api_keys_cluster ON api_keys (cluster_id)`,
      `CREATE TABLE audit_events (
        seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, occurred_at timestamptz NOT NULL DEFAULT now(),
        actor_principal text NOT NULL, actor_credential_id text, action text NOT NULL,
        resource_kind text NOT NULL, resource_id text NOT NULL, details jsonb NOT NULL)`,
      `CREATE INDEX audit_events_resource ON audit_events (resource_id)`,
    ],
  },
  {
    version: 2,
    name: 'organization-jit-provisioning',
    statements: [`ALTER TABLE organization ADD COLUMN jit_enabled boolean NOT NULL DEFAULT true`],
  },
  {
    version: 3,
    name: 'kafka-cluster-connections',
    statements: [
      `ALTER TABLE kafka_clusters ADD COLUMN bootstrap_servers text`,
      `ALTER TABLE kafka_clusters ADD COLUMN sasl_mechanism text
        CHECK (sasl_mechanism IN ('PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'))`,
      `ALTER TABLE kafka_clusters ADD COLUMN sasl_username text`,
      `ALTER TABLE kafka_clusters ADD COLUMN sasl_password_sealed text`,
      `ALTER TABLE kafka_clusters ADD CONSTRAINT kafka_clusters_api_connection
        CHECK ((source = 'api') = (bootstrap_servers IS NOT NULL))`,
      `ALTER TABLE kafka_clusters ADD CONSTRAINT kafka_clusters_sasl_complete
        CHECK ((sasl_mechanism IS NULL) = (sasl_username IS NULL)
          AND (sasl_username IS NULL) = (sasl_password_sealed IS NULL))`,
    ],
  },
  {
    version: 4,
    name: 'role-bindings',
    statements: [
      `CREATE TABLE role_bindings (
        seq bigserial UNIQUE, id text PRIMARY KEY, principal text NOT NULL, role_name text NOT NULL,
        crn_pattern text NOT NULL, ${timestamps}, UNIQUE (principal, role_name, crn_pattern))`,
      `CREATE INDEX role_bindings_principal ON role_bindings (principal)`,
    ],
  },
  {
    version: 5,
    name: 'identity-providers-and-pools',
    statements: [
      // audience is a Gatehouse extension (Confluent's providers have none).
      `CREATE TABLE identity_providers (
        seq bigserial UNIQUE, id text PRIMARY KEY, display_name text NOT NULL, description text NOT NULL,
        issuer text NOT NULL UNIQUE, jwks_uri text NOT NULL, identity_claim text NOT NULL, audience text,
        state text NOT NULL DEFAULT 'ENABLED' CHECK (state IN ('ENABLED')), ${timestamps})`,
      // "filter" is quoted: it is a keyword in SQL (aggregate FILTER clauses).
      `CREATE TABLE identity_pools (
        seq bigserial UNIQUE, id text PRIMARY KEY,
        provider_id text NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
        display_name text NOT NULL, description text NOT NULL,
        identity_claim text NOT NULL DEFAULT 'claims.sub', "filter" text NOT NULL,
        state text NOT NULL DEFAULT 'ENABLED' CHECK (state IN ('ENABLED')), ${timestamps})`,
      `CREATE INDEX identity_pools_provider ON identity_pools (provider_id)`,
    ],
  },
  {
    version: 6,
    name: 'certificate-authorities-and-pools',
    statements: [
      // The chain and CRLs are kept as the normalized PEM text the API accepted; what Confluent
      // derives from them (fingerprints, expiration dates, serials) is computed when read.
      `CREATE TABLE certificate_authorities (
        seq bigserial UNIQUE, id text PRIMARY KEY, display_name text NOT NULL, description text NOT NULL,
        certificate_chain text NOT NULL, certificate_chain_filename text NOT NULL,
        crl_chain text, crl_url text, crl_chain_updated_at timestamptz,
        require_crl_on_client_certificate boolean NOT NULL DEFAULT false,
        state text NOT NULL DEFAULT 'ENABLED' CHECK (state IN ('ENABLED')), ${timestamps},
        CHECK (crl_chain IS NULL OR crl_url IS NULL))`,
      `CREATE TABLE certificate_pools (
        seq bigserial UNIQUE, id text PRIMARY KEY,
        certificate_authority_id text NOT NULL REFERENCES certificate_authorities (id) ON DELETE CASCADE,
        display_name text NOT NULL, description text NOT NULL, external_identifier text NOT NULL,
        "filter" text NOT NULL,
        state text NOT NULL DEFAULT 'ENABLED' CHECK (state IN ('ENABLED')), ${timestamps})`,
      `CREATE INDEX certificate_pools_authority ON certificate_pools (certificate_authority_id)`,
    ],
  },
  {
    version: 7,
    name: 'sso-group-mappings-invitations-sessions',
    statements: [
      `CREATE TABLE group_mappings (
        seq bigserial UNIQUE, id text PRIMARY KEY, display_name text NOT NULL, description text NOT NULL,
        "filter" text NOT NULL, state text NOT NULL DEFAULT 'ENABLED' CHECK (state IN ('ENABLED')), ${timestamps})`,
      `CREATE TABLE invitations (
        seq bigserial UNIQUE, id text PRIMARY KEY, email text NOT NULL,
        auth_type text NOT NULL CHECK (auth_type IN ('AUTH_TYPE_LOCAL', 'AUTH_TYPE_SSO')),
        status text NOT NULL CHECK (status IN ('INVITE_STATUS_SENT', 'INVITE_STATUS_ACCEPTED')),
        accepted_at timestamptz, expires_at timestamptz NOT NULL, user_id text, creator text NOT NULL, ${timestamps})`,
      `CREATE UNIQUE INDEX invitations_pending_email ON invitations (lower(email)) WHERE status = 'INVITE_STATUS_SENT'`,
      // Only a hash of the session id is stored; deleting a user ends their sessions.
      `CREATE TABLE console_sessions (
        id_hash text PRIMARY KEY, user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        claims jsonb NOT NULL, group_principals jsonb NOT NULL, created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL, absolute_expires_at timestamptz NOT NULL)`,
      `CREATE INDEX console_sessions_user ON console_sessions (user_id)`,
      `CREATE TABLE console_pending_sign_ins (
        state_hash text PRIMARY KEY, code_verifier text NOT NULL, nonce text NOT NULL, return_to text NOT NULL,
        expires_at timestamptz NOT NULL)`,
    ],
  },
]

/** Any fixed number: every instance takes the same advisory lock while it migrates. */
const MIGRATION_LOCK_ID = 4_711_2026

/**
 * Applies the migrations this database lacks and creates the organization on first start, under a
 * transaction-scoped advisory lock so that instances starting together migrate one at a time.
 *
 * @throws Error when the database holds a schema newer than this build knows (a downgrade).
 */
export async function migrate(db: Kysely<Database>): Promise<{ applied: number[] }> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`.execute(trx)
    await sql`CREATE TABLE IF NOT EXISTS gatehouse_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(
      trx,
    )
    const done = new Set(
      (await trx.selectFrom('gatehouse_migrations').select('version').execute()).map((row) => row.version),
    )
    const newest = Math.max(0, ...done)
    const known = MIGRATIONS.at(-1)?.version ?? 0
    if (newest > known) {
      throw new Error(
        `The database schema is at version ${newest}, newer than this Gatehouse knows (${known}). ` +
          'Run the newer Gatehouse, or restore a backup taken before the upgrade.',
      )
    }
    const applied: number[] = []
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue
      for (const statement of migration.statements) await sql.raw(statement).execute(trx)
      await trx
        .insertInto('gatehouse_migrations')
        .values({ version: migration.version, name: migration.name })
        .execute()
      applied.push(migration.version)
    }
    await ensureOrganization(trx)
    return { applied }
  })
}

async function ensureOrganization(trx: Transaction<Database>): Promise<void> {
  const existing = await trx.selectFrom('organization').select('id').executeTakeFirst()
  if (existing) return
  const environmentId = generateResourceId('env')
  await trx.insertInto('environments').values({ id: environmentId, display_name: 'default' }).execute()
  await trx
    .insertInto('organization')
    .values({
      singleton: true,
      id: randomUUID(),
      display_name: 'Gatehouse',
      default_environment_id: environmentId,
      bootstrap_service_account_id: null,
    })
    .execute()
}
