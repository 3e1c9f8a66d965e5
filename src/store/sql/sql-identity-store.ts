/**
 * @module store/sql/sql-identity-store
 *
 * `IdentityStore` over SQL through Kysely, the same code for PGlite and PostgreSQL. Every change
 * runs in one transaction with its audit event; deletions of API keys also send a database
 * notification on commit, so that every instance sharing the database can drop the key from its
 * verification cache at once. Changes to identity providers and pools, and to role bindings, send a
 * notification too, so that every instance reloads what it derived from them.
 */
import { randomUUID } from 'node:crypto'
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely'
import {
  InvalidPageTokenError,
  StoreConflictError,
  StoreReferenceError,
  StoreSecretError,
  type ApiKeyRecord,
  type ApiKeyScope,
  type AuditActor,
  type AuditEventRecord,
  type ClusterSource,
  type EnvironmentRecord,
  type IdentityPoolRecord,
  type IdentityProviderRecord,
  type IdentityProviderWithPools,
  type CertificateAuthorityRecord,
  type CertificateAuthorityWithPools,
  type CertificatePoolRecord,
  type IdentityStore,
  type KafkaClusterConnection,
  type KafkaClusterRecord,
  type OrganizationRecord,
  type Page,
  type PageRequest,
  type RoleBindingRecord,
  type ServiceAccountRecord,
  type StoredSecretHash,
  type UserAuthType,
  type UserRecord,
} from '../port.ts'
import { generateResourceId, type ResourceIdPrefix } from './resource-ids.ts'
import type {
  ApiKeyTable,
  Database,
  IdentityPoolTable,
  IdentityProviderTable,
  CertificateAuthorityTable,
  CertificatePoolTable,
  RoleBindingTable,
} from './schema.ts'
import { SecretUnsealError, type SecretBox } from './secret-box.ts'
import { SqlSsoStore } from './sql-sso-store.ts'

/** The notification channel that carries the ids of deleted API keys. */
export const API_KEY_DELETED_CHANNEL = 'gatehouse_api_key_deleted'
/** Notified (payload: the binding id) when a role binding is created or deleted. */
export const ROLE_BINDINGS_CHANGED_CHANNEL = 'gatehouse_role_bindings_changed'
/** Notified (payload: the provider or pool id) when an identity provider or pool changes. */
export const IDENTITY_PROVIDERS_CHANGED_CHANNEL = 'gatehouse_identity_providers_changed'
/** The notification channel that says certificate authorities or their pools changed. */
export const CERTIFICATE_AUTHORITIES_CHANGED_CHANNEL = 'gatehouse_certificate_authorities_changed'

/** Who the store itself acts as when it makes changes no caller asked for (the bootstrap). */
export const SYSTEM_ACTOR: AuditActor = { principal: 'System:gatehouse' }

const BOOTSTRAP_SERVICE_ACCOUNT_NAME = 'gatehouse-bootstrap'
const BOOTSTRAP_LOCK_ID = 4_711_2027
export const UNIQUE_VIOLATION = '23505'
const FOREIGN_KEY_VIOLATION = '23503'
/** Attempts at a random id before giving up; a collision is a one in 10⁹ event. */
const ID_ATTEMPTS = 5

/** Subscribes to a database notification channel; the returned function unsubscribes. */
export type NotificationSubscriber = (
  channel: string,
  onPayload: (payload: string) => void,
) => Promise<() => Promise<void>>

interface DatabaseError {
  readonly code?: string
  readonly constraint?: string
}

export function databaseErrorOf(error: unknown): DatabaseError {
  return typeof error === 'object' && error !== null ? error : {}
}

export function isPrimaryKeyCollision(error: unknown): boolean {
  const { code, constraint } = databaseErrorOf(error)
  return code === UNIQUE_VIOLATION && (constraint?.endsWith('_pkey') ?? false)
}

/** Writes the audit event of a change inside the change's transaction: both happen or neither. */
export async function recordAuditEvent(
  trx: Transaction<Database>,
  actor: AuditActor,
  action: string,
  resource: { kind: string; id: string },
  details: Record<string, unknown> = {},
): Promise<void> {
  await trx
    .insertInto('audit_events')
    .values({
      id: randomUUID(),
      actor_principal: actor.principal,
      actor_credential_id: actor.credentialId ?? null,
      action,
      resource_kind: resource.kind,
      resource_id: resource.id,
      details: JSON.stringify(details),
    })
    .execute()
}

/** Runs `insert` with fresh ids until one does not collide (at most `ID_ATTEMPTS` times). */
export async function withFreshId<T>(
  prefix: ResourceIdPrefix,
  insert: (id: string) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await insert(generateResourceId(prefix))
    } catch (error) {
      if (!isPrimaryKeyCollision(error) || attempt >= ID_ATTEMPTS) throw error
    }
  }
}

/**
 * A fresh `pool-` id that the other kind of pool already uses: shaped like a primary-key collision
 * so that `withFreshId` retries with a new id.
 */
class PoolIdTakenError extends Error {
  readonly code = UNIQUE_VIOLATION
  readonly constraint = 'pool_id_pkey'
  constructor() {
    super('The pool id is taken by a pool of the other kind.')
    this.name = 'PoolIdTakenError'
  }
}

function encodePageToken(seq: number): string {
  return Buffer.from(`after:${seq}`).toString('base64url')
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined) return 0
  const match = /^after:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'))
  if (!match) throw new InvalidPageTokenError()
  return Number(match[1])
}

/** Builds a page from up to `pageSize + 1` rows fetched in listing order. */
export function toPage<Row extends { seq: number | string | bigint }, T>(
  rows: readonly Row[],
  page: PageRequest,
  map: (row: Row) => T,
): Page<T> {
  const items = rows.slice(0, page.pageSize).map(map)
  if (rows.length <= page.pageSize) return { items }
  return { items, nextPageToken: encodePageToken(Number(rows[page.pageSize - 1]!.seq)) }
}

function toOrganization(row: Selectable<Database['organization']>): OrganizationRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    jitEnabled: row.jit_enabled,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toEnvironment(row: Selectable<Database['environments']>): EnvironmentRecord {
  return { id: row.id, displayName: row.display_name, createdAt: row.created_at, updatedAt: row.updated_at }
}

function toCluster(row: Selectable<Database['kafka_clusters']>): KafkaClusterRecord {
  return {
    id: row.id,
    environmentId: row.environment_id,
    displayName: row.display_name,
    source: row.source,
    ...(row.bootstrap_servers === null
      ? {}
      : {
          connection: {
            bootstrapServers: row.bootstrap_servers.split(','),
            ...(row.sasl_mechanism === null || row.sasl_username === null
              ? {}
              : { sasl: { mechanism: row.sasl_mechanism, username: row.sasl_username } }),
          },
        }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toUser(row: Selectable<Database['users']>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    fullName: row.full_name,
    authType: row.auth_type,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toServiceAccount(row: Selectable<Database['service_accounts']>): ServiceAccountRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toScope(row: Selectable<ApiKeyTable>): ApiKeyScope {
  if (row.scope_kind === 'cluster') {
    return { kind: 'cluster', clusterId: row.cluster_id!, environmentId: row.environment_id ?? '' }
  }
  return { kind: row.scope_kind }
}

function toApiKey(row: Selectable<ApiKeyTable>): ApiKeyRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    description: row.description,
    ownerId: row.owner_id,
    ownerKind: row.owner_kind,
    scope: toScope(row),
    secretHash: { salt: row.secret_salt, hash: row.secret_hash },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toRoleBinding(row: Selectable<RoleBindingTable>): RoleBindingRecord {
  return {
    id: row.id,
    principal: row.principal,
    roleName: row.role_name,
    crnPattern: row.crn_pattern,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toIdentityProvider(row: Selectable<IdentityProviderTable>): IdentityProviderRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    description: row.description,
    issuer: row.issuer,
    jwksUri: row.jwks_uri,
    identityClaim: row.identity_claim,
    ...(row.audience === null ? {} : { audience: row.audience }),
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toIdentityPool(row: Selectable<IdentityPoolTable>): IdentityPoolRecord {
  return {
    id: row.id,
    providerId: row.provider_id,
    displayName: row.display_name,
    description: row.description,
    identityClaim: row.identity_claim,
    filter: row.filter,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toCertificateAuthority(row: Selectable<CertificateAuthorityTable>): CertificateAuthorityRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    description: row.description,
    certificateChain: row.certificate_chain,
    certificateChainFilename: row.certificate_chain_filename,
    ...(row.crl_chain === null ? {} : { crlChain: row.crl_chain }),
    ...(row.crl_chain_updated_at === null ? {} : { crlChainUpdatedAt: row.crl_chain_updated_at }),
    ...(row.crl_url === null ? {} : { crlUrl: row.crl_url }),
    requireCrlOnClientCertificate: row.require_crl_on_client_certificate,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toCertificatePool(row: Selectable<CertificatePoolTable>): CertificatePoolRecord {
  return {
    id: row.id,
    certificateAuthorityId: row.certificate_authority_id,
    displayName: row.display_name,
    description: row.description,
    externalIdentifier: row.external_identifier,
    filter: row.filter,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** `text` for a LIKE pattern that matches it literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`)
}

function toAuditEvent(row: Selectable<Database['audit_events']>): AuditEventRecord {
  return {
    id: row.id,
    occurredAt: row.occurred_at,
    actor: {
      principal: row.actor_principal,
      ...(row.actor_credential_id === null ? {} : { credentialId: row.actor_credential_id }),
    },
    action: row.action,
    resourceKind: row.resource_kind,
    resourceId: row.resource_id,
    details:
      typeof row.details === 'string' ? (JSON.parse(row.details) as Record<string, unknown>) : row.details,
  }
}

/** Only the fields that were given, for UPDATE ... SET and for the audit record. */
function definedOnly<T extends Record<string, unknown>>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>
}

/** Calls every listener: one that throws must not undo or hide a committed change from the others. */
function notifyEach<Args extends unknown[]>(
  listeners: Iterable<(...args: Args) => void>,
  ...args: Args
): void {
  for (const listener of listeners) {
    try {
      listener(...args)
    } catch {
      // The change is committed; the listener's own failure is its business.
    }
  }
}

export class SqlIdentityStore implements IdentityStore {
  readonly #db: Kysely<Database>
  readonly #deletedKeyListeners = new Set<(keyId: string) => void>()
  readonly #roleBindingListeners = new Set<() => void>()
  readonly #identityProviderListeners = new Set<() => void>()
  readonly #certificateAuthorityListeners = new Set<() => void>()
  #unsubscribeCertificateAuthorities: (() => Promise<void>) | undefined
  #unsubscribe: (() => Promise<void>) | undefined
  #unsubscribeRoleBindings: (() => Promise<void>) | undefined
  #unsubscribeIdentityProviders: (() => Promise<void>) | undefined
  #onClose: (() => Promise<void>) | undefined
  #secrets: SecretBox | undefined
  readonly sso: SqlSsoStore

  private constructor(db: Kysely<Database>) {
    this.#db = db
    this.sso = new SqlSsoStore(db, () => this.#announceRoleBindingsChanged())
  }

  /**
   * Wraps a migrated database. With `subscribe`, deletions made by other instances reach
   * `onApiKeyDeleted` listeners too.
   */
  static async create(
    db: Kysely<Database>,
    options: {
      subscribe?: NotificationSubscriber
      onClose?: () => Promise<void>
      /** Encrypts the secrets the store must read back; without it, storing one is refused. */
      secrets?: SecretBox
    } = {},
  ): Promise<SqlIdentityStore> {
    const store = new SqlIdentityStore(db)
    store.#onClose = options.onClose
    store.#secrets = options.secrets
    if (options.subscribe) {
      store.#unsubscribe = await options.subscribe(API_KEY_DELETED_CHANNEL, (keyId) =>
        store.#announceDeleted(keyId),
      )
      store.#unsubscribeRoleBindings = await options.subscribe(ROLE_BINDINGS_CHANGED_CHANNEL, () =>
        store.#announceRoleBindingsChanged(),
      )
      store.#unsubscribeIdentityProviders = await options.subscribe(IDENTITY_PROVIDERS_CHANGED_CHANNEL, () =>
        store.#announceIdentityProvidersChanged(),
      )
      store.#unsubscribeCertificateAuthorities = await options.subscribe(
        CERTIFICATE_AUTHORITIES_CHANGED_CHANNEL,
        () => store.#announceCertificateAuthoritiesChanged(),
      )
    }
    return store
  }

  #announceDeleted(keyId: string): void {
    notifyEach(this.#deletedKeyListeners, keyId)
  }

  #announceRoleBindingsChanged(): void {
    notifyEach(this.#roleBindingListeners)
  }

  #announceIdentityProvidersChanged(): void {
    notifyEach(this.#identityProviderListeners)
  }

  #announceCertificateAuthoritiesChanged(): void {
    notifyEach(this.#certificateAuthorityListeners)
  }

  onCertificateAuthoritiesChanged(listener: () => void): () => void {
    this.#certificateAuthorityListeners.add(listener)
    return () => this.#certificateAuthorityListeners.delete(listener)
  }

  onIdentityProvidersChanged(listener: () => void): () => void {
    this.#identityProviderListeners.add(listener)
    return () => this.#identityProviderListeners.delete(listener)
  }

  onRoleBindingsChanged(listener: () => void): () => void {
    this.#roleBindingListeners.add(listener)
    return () => this.#roleBindingListeners.delete(listener)
  }

  onApiKeyDeleted(listener: (keyId: string) => void): () => void {
    this.#deletedKeyListeners.add(listener)
    return () => this.#deletedKeyListeners.delete(listener)
  }

  async checkReady(): Promise<void> {
    await sql`SELECT 1`.execute(this.#db)
  }

  async close(): Promise<void> {
    await this.#unsubscribe?.().catch(() => undefined)
    await this.#unsubscribeRoleBindings?.().catch(() => undefined)
    await this.#unsubscribeIdentityProviders?.().catch(() => undefined)
    await this.#unsubscribeCertificateAuthorities?.().catch(() => undefined)
    await this.#db.destroy()
    await this.#onClose?.()
  }

  /** Runs `work` in a transaction, turning uniqueness violations into `StoreConflictError`. */
  async #transaction<T>(
    work: (trx: Transaction<Database>) => Promise<T>,
    conflict?: { message: string; field: string },
  ): Promise<T> {
    try {
      return await this.#db.transaction().execute(work)
    } catch (error) {
      const { code } = databaseErrorOf(error)
      if (conflict && code === UNIQUE_VIOLATION && !isPrimaryKeyCollision(error)) {
        throw new StoreConflictError(conflict.message, conflict.field, { cause: error })
      }
      throw error
    }
  }

  // --- organization and environments -------------------------------------------------------

  async getOrganization(): Promise<OrganizationRecord> {
    const row = await this.#db.selectFrom('organization').selectAll().executeTakeFirstOrThrow()
    return toOrganization(row)
  }

  async updateOrganization(
    changes: { displayName?: string; jitEnabled?: boolean },
    actor: AuditActor,
  ): Promise<OrganizationRecord> {
    return this.#transaction(async (trx) => {
      const row = await trx
        .updateTable('organization')
        .set({
          ...definedOnly({ display_name: changes.displayName, jit_enabled: changes.jitEnabled }),
          updated_at: new Date(),
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      await recordAuditEvent(
        trx,
        actor,
        'organization.updated',
        { kind: 'Organization', id: row.id },
        { ...changes },
      )
      return toOrganization(row)
    })
  }

  async createEnvironment(input: { displayName: string }, actor: AuditActor): Promise<EnvironmentRecord> {
    return withFreshId('env', (id) =>
      this.#transaction(async (trx) => {
        const row = await trx
          .insertInto('environments')
          .values({ id, display_name: input.displayName })
          .returningAll()
          .executeTakeFirstOrThrow()
        await recordAuditEvent(trx, actor, 'environment.created', { kind: 'Environment', id }, { ...input })
        return toEnvironment(row)
      }),
    )
  }

  async getEnvironment(id: string): Promise<EnvironmentRecord | undefined> {
    const row = await this.#db.selectFrom('environments').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toEnvironment(row)
  }

  async listEnvironments(page: PageRequest): Promise<Page<EnvironmentRecord>> {
    const rows = await this.#db
      .selectFrom('environments')
      .selectAll()
      .where('seq', '>', decodePageToken(page.pageToken))
      .orderBy('seq')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toEnvironment)
  }

  async updateEnvironment(
    id: string,
    changes: { displayName?: string },
    actor: AuditActor,
  ): Promise<EnvironmentRecord | undefined> {
    return this.#transaction(async (trx) => {
      const row = await trx
        .updateTable('environments')
        .set({ ...definedOnly({ display_name: changes.displayName }), updated_at: new Date() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      if (row)
        await recordAuditEvent(trx, actor, 'environment.updated', { kind: 'Environment', id }, { ...changes })
      return row && toEnvironment(row)
    })
  }

  async deleteEnvironment(id: string, actor: AuditActor): Promise<boolean> {
    return this.#transaction(async (trx) => {
      const organization = await trx
        .selectFrom('organization')
        .select('default_environment_id')
        .executeTakeFirstOrThrow()
      if (organization.default_environment_id === id) {
        throw new StoreConflictError(
          `Environment ${id} is the default environment, where clusters of the configuration file are registered; it cannot be deleted.`,
          '/id',
        )
      }
      const cluster = await trx
        .selectFrom('kafka_clusters')
        .select('id')
        .where('environment_id', '=', id)
        .executeTakeFirst()
      if (cluster) {
        throw new StoreConflictError(
          `Environment ${id} still holds Kafka cluster ${cluster.id}; remove its clusters first.`,
          '/id',
        )
      }
      const deleted = await trx.deleteFrom('environments').where('id', '=', id).executeTakeFirst()
      if (deleted.numDeletedRows === 0n) return false
      await recordAuditEvent(trx, actor, 'environment.deleted', { kind: 'Environment', id })
      return true
    })
  }

  // --- Kafka clusters ---------------------------------------------------------------------

  async registerKafkaCluster(
    input: {
      id: string
      environmentId: string
      displayName: string
      source: ClusterSource
      connection?: KafkaClusterConnection
    },
    actor: AuditActor,
  ): Promise<KafkaClusterRecord> {
    const { connection, ...described } = input
    if ((input.source === 'api') !== (connection !== undefined)) {
      throw new TypeError('A cluster registered through the API needs a connection, and only such a cluster.')
    }
    let sealedPassword: string | null = null
    if (connection?.sasl) {
      if (!this.#secrets) {
        throw new StoreSecretError(
          'Kafka credentials cannot be stored: set store.encryptionKey (32 random bytes in base64) ' +
            'so that the gateway can encrypt them in PostgreSQL.',
        )
      }
      sealedPassword = this.#secrets.seal(connection.sasl.password)
    }
    return this.#transaction(async (trx) => {
      const environment = await trx
        .selectFrom('environments')
        .select('id')
        .where('id', '=', input.environmentId)
        .executeTakeFirst()
      if (!environment) {
        throw new StoreReferenceError(`Environment ${input.environmentId} does not exist.`, '/environment/id')
      }
      const existing = await trx
        .selectFrom('kafka_clusters')
        .selectAll()
        .where('id', '=', input.id)
        .forUpdate()
        .executeTakeFirst()
      if (existing) {
        if (input.source !== 'config') {
          throw new StoreConflictError(`Kafka cluster ${input.id} is already registered.`, '/id')
        }
        if (existing.display_name === input.displayName) return toCluster(existing)
        const row = await trx
          .updateTable('kafka_clusters')
          .set({ display_name: input.displayName, updated_at: new Date() })
          .where('id', '=', input.id)
          .returningAll()
          .executeTakeFirstOrThrow()
        await recordAuditEvent(
          trx,
          actor,
          'kafka_cluster.updated',
          { kind: 'Cluster', id: input.id },
          { displayName: input.displayName },
        )
        return toCluster(row)
      }
      const row = await trx
        .insertInto('kafka_clusters')
        .values({
          id: input.id,
          environment_id: input.environmentId,
          display_name: input.displayName,
          source: input.source,
          bootstrap_servers: connection ? connection.bootstrapServers.join(',') : null,
          sasl_mechanism: connection?.sasl?.mechanism ?? null,
          sasl_username: connection?.sasl?.username ?? null,
          sasl_password_sealed: sealedPassword,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      // The audit names where the cluster is and as whom the gateway connects, never the password.
      await recordAuditEvent(
        trx,
        actor,
        'kafka_cluster.registered',
        { kind: 'Cluster', id: input.id },
        {
          ...described,
          ...(connection
            ? {
                bootstrapServers: connection.bootstrapServers,
                ...(connection.sasl
                  ? { saslMechanism: connection.sasl.mechanism, saslUsername: connection.sasl.username }
                  : {}),
              }
            : {}),
        },
      )
      return toCluster(row)
    })
  }

  async getKafkaCluster(id: string): Promise<KafkaClusterRecord | undefined> {
    const row = await this.#db
      .selectFrom('kafka_clusters')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toCluster(row)
  }

  async listKafkaClusters(
    page: PageRequest,
    filter: { environmentId?: string } = {},
  ): Promise<Page<KafkaClusterRecord>> {
    let query = this.#db
      .selectFrom('kafka_clusters')
      .selectAll()
      .where('seq', '>', decodePageToken(page.pageToken))
    if (filter.environmentId !== undefined) query = query.where('environment_id', '=', filter.environmentId)
    const rows = await query
      .orderBy('seq')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toCluster)
  }

  async updateKafkaCluster(
    id: string,
    changes: { displayName?: string },
    actor: AuditActor,
  ): Promise<KafkaClusterRecord | undefined> {
    return this.#transaction(async (trx) => {
      const row = await trx
        .updateTable('kafka_clusters')
        .set({ ...definedOnly({ display_name: changes.displayName }), updated_at: new Date() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      if (row)
        await recordAuditEvent(trx, actor, 'kafka_cluster.updated', { kind: 'Cluster', id }, { ...changes })
      return row && toCluster(row)
    })
  }

  async deleteKafkaCluster(id: string, actor: AuditActor): Promise<boolean> {
    const { deleted, keyIds } = await this.#transaction(async (trx) => {
      const cluster = await trx
        .selectFrom('kafka_clusters')
        .select('source')
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst()
      if (!cluster) return { deleted: false, keyIds: [] as string[] }
      if (cluster.source === 'config') {
        throw new StoreConflictError(
          `Kafka cluster ${id} is defined in the configuration file; remove it there instead.`,
          '/id',
        )
      }
      const keyIds = await this.#deleteKeys(
        trx,
        { column: 'cluster_id', value: id, reason: 'cluster deleted' },
        actor,
      )
      await trx.deleteFrom('kafka_clusters').where('id', '=', id).execute()
      await recordAuditEvent(
        trx,
        actor,
        'kafka_cluster.deleted',
        { kind: 'Cluster', id },
        { deletedApiKeys: keyIds },
      )
      return { deleted: true, keyIds }
    })
    if (deleted) keyIds.forEach((keyId) => this.#announceDeleted(keyId))
    return deleted
  }

  async listKafkaClusterConnections(): Promise<
    readonly { clusterId: string; connection: KafkaClusterConnection }[]
  > {
    const rows = await this.#db
      .selectFrom('kafka_clusters')
      .selectAll()
      .where('source', '=', 'api')
      .orderBy('seq')
      .execute()
    return rows.map((row) => {
      let sasl: KafkaClusterConnection['sasl']
      if (row.sasl_mechanism !== null && row.sasl_username !== null && row.sasl_password_sealed !== null) {
        if (!this.#secrets) {
          throw new StoreSecretError(
            `Kafka cluster ${row.id} has stored credentials, but store.encryptionKey is not set.`,
          )
        }
        let password: string
        try {
          password = this.#secrets.open(row.sasl_password_sealed)
        } catch (error) {
          if (!(error instanceof SecretUnsealError)) throw error
          throw new StoreSecretError(
            `The credentials of Kafka cluster ${row.id} cannot be decrypted with the configured store.encryptionKey.`,
          )
        }
        sasl = { mechanism: row.sasl_mechanism, username: row.sasl_username, password }
      }
      return {
        clusterId: row.id,
        connection: { bootstrapServers: (row.bootstrap_servers ?? '').split(','), ...(sasl ? { sasl } : {}) },
      }
    })
  }

  // --- users -------------------------------------------------------------------------------

  async ensureUser(
    input: { email: string; fullName: string; authType: UserAuthType },
    actor: AuditActor,
  ): Promise<UserRecord> {
    const existing = await this.findUserByEmail(input.email)
    if (existing) return existing
    try {
      return await withFreshId('u', (id) =>
        this.#transaction(async (trx) => {
          const row = await trx
            .insertInto('users')
            .values({ id, email: input.email, full_name: input.fullName, auth_type: input.authType })
            .returningAll()
            .executeTakeFirstOrThrow()
          await recordAuditEvent(trx, actor, 'user.created', { kind: 'User', id }, { ...input })
          return toUser(row)
        }),
      )
    } catch (error) {
      // Another request created the same user in the meantime: theirs is the one.
      if (databaseErrorOf(error).code === UNIQUE_VIOLATION) {
        const winner = await this.findUserByEmail(input.email)
        if (winner) return winner
      }
      throw error
    }
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toUser(row)
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .executeTakeFirst()
    return row && toUser(row)
  }

  async listUsers(page: PageRequest): Promise<Page<UserRecord>> {
    const rows = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('seq', '>', decodePageToken(page.pageToken))
      .orderBy('seq')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toUser)
  }

  async updateUser(
    id: string,
    changes: { fullName?: string },
    actor: AuditActor,
  ): Promise<UserRecord | undefined> {
    return this.#transaction(async (trx) => {
      const row = await trx
        .updateTable('users')
        .set({ ...definedOnly({ full_name: changes.fullName }), updated_at: new Date() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      if (row) await recordAuditEvent(trx, actor, 'user.updated', { kind: 'User', id }, { ...changes })
      return row && toUser(row)
    })
  }

  async deleteUser(id: string, actor: AuditActor): Promise<boolean> {
    const { deleted, keyIds } = await this.#transaction(async (trx) => {
      const keyIds = await this.#deleteKeys(
        trx,
        { column: 'owner_id', value: id, reason: 'owner deleted' },
        actor,
      )
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst()
      if (result.numDeletedRows === 0n) return { deleted: false, keyIds }
      const bindingIds = await this.#deletePrincipalBindings(trx, `User:${id}`, actor)
      await recordAuditEvent(
        trx,
        actor,
        'user.deleted',
        { kind: 'User', id },
        { deletedApiKeys: keyIds, deletedRoleBindings: bindingIds },
      )
      return { deleted: true, keyIds }
    })
    if (deleted) keyIds.forEach((keyId) => this.#announceDeleted(keyId))
    if (deleted) this.#announceRoleBindingsChanged()
    return deleted
  }

  // --- service accounts ----------------------------------------------------------------------

  async createServiceAccount(
    input: { displayName: string; description: string },
    actor: AuditActor,
  ): Promise<ServiceAccountRecord> {
    return withFreshId('sa', (id) =>
      this.#transaction(
        async (trx) => {
          const row = await trx
            .insertInto('service_accounts')
            .values({ id, display_name: input.displayName, description: input.description })
            .returningAll()
            .executeTakeFirstOrThrow()
          await recordAuditEvent(
            trx,
            actor,
            'service_account.created',
            { kind: 'ServiceAccount', id },
            { ...input },
          )
          return toServiceAccount(row)
        },
        {
          message: `A service account named "${input.displayName}" already exists.`,
          field: '/display_name',
        },
      ),
    )
  }

  async getServiceAccount(id: string): Promise<ServiceAccountRecord | undefined> {
    const row = await this.#db
      .selectFrom('service_accounts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toServiceAccount(row)
  }

  async listServiceAccounts(
    page: PageRequest,
    filter: { displayNames?: readonly string[] } = {},
  ): Promise<Page<ServiceAccountRecord>> {
    let query = this.#db
      .selectFrom('service_accounts')
      .selectAll()
      .where('seq', '>', decodePageToken(page.pageToken))
    if (filter.displayNames && filter.displayNames.length > 0) {
      query = query.where('display_name', 'in', [...filter.displayNames])
    }
    const rows = await query
      .orderBy('seq')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toServiceAccount)
  }

  async updateServiceAccount(
    id: string,
    changes: { displayName?: string; description?: string },
    actor: AuditActor,
  ): Promise<ServiceAccountRecord | undefined> {
    return this.#transaction(
      async (trx) => {
        const row = await trx
          .updateTable('service_accounts')
          .set({
            ...definedOnly({ display_name: changes.displayName, description: changes.description }),
            updated_at: new Date(),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst()
        if (row) {
          await recordAuditEvent(
            trx,
            actor,
            'service_account.updated',
            { kind: 'ServiceAccount', id },
            { ...changes },
          )
        }
        return row && toServiceAccount(row)
      },
      {
        message: `A service account named "${changes.displayName}" already exists.`,
        field: '/display_name',
      },
    )
  }

  async deleteServiceAccount(id: string, actor: AuditActor): Promise<boolean> {
    const { deleted, keyIds } = await this.#transaction(async (trx) => {
      const organization = await trx
        .selectFrom('organization')
        .select('bootstrap_service_account_id')
        .executeTakeFirstOrThrow()
      if (organization.bootstrap_service_account_id === id) {
        throw new StoreConflictError(
          `Service account ${id} holds the bootstrap credential and cannot be deleted.`,
          '/id',
        )
      }
      const keyIds = await this.#deleteKeys(
        trx,
        { column: 'owner_id', value: id, reason: 'owner deleted' },
        actor,
      )
      const result = await trx.deleteFrom('service_accounts').where('id', '=', id).executeTakeFirst()
      if (result.numDeletedRows === 0n) return { deleted: false, keyIds }
      const bindingIds = await this.#deletePrincipalBindings(trx, `User:${id}`, actor)
      await recordAuditEvent(
        trx,
        actor,
        'service_account.deleted',
        { kind: 'ServiceAccount', id },
        { deletedApiKeys: keyIds, deletedRoleBindings: bindingIds },
      )
      return { deleted: true, keyIds }
    })
    if (deleted) keyIds.forEach((keyId) => this.#announceDeleted(keyId))
    if (deleted) this.#announceRoleBindingsChanged()
    return deleted
  }

  /** Deletes a principal's role bindings inside `trx`, auditing each and notifying other instances. */
  async #deletePrincipalBindings(
    trx: Transaction<Database>,
    principal: string,
    actor: AuditActor,
  ): Promise<string[]> {
    const rows = await trx
      .deleteFrom('role_bindings')
      .where('principal', '=', principal)
      .returningAll()
      .execute()
    for (const row of rows) {
      await recordAuditEvent(
        trx,
        actor,
        'role_binding.deleted',
        { kind: 'RoleBinding', id: row.id },
        {
          principal: row.principal,
          roleName: row.role_name,
          crnPattern: row.crn_pattern,
          reason: 'principal deleted',
        },
      )
    }
    if (rows.length > 0)
      await sql`SELECT pg_notify(${ROLE_BINDINGS_CHANGED_CHANNEL}, ${principal})`.execute(trx)
    return rows.map((row) => row.id)
  }

  /** Deletes the keys of an owner or of a cluster inside `trx`, auditing and notifying each. */
  async #deleteKeys(
    trx: Transaction<Database>,
    which: { column: 'owner_id' | 'cluster_id'; value: string; reason: string },
    actor: AuditActor,
  ): Promise<string[]> {
    const rows = await trx
      .deleteFrom('api_keys')
      .where(which.column, '=', which.value)
      .returning('id')
      .execute()
    for (const { id } of rows) {
      await recordAuditEvent(trx, actor, 'api_key.deleted', { kind: 'ApiKey', id }, { reason: which.reason })
      await sql`SELECT pg_notify(${API_KEY_DELETED_CHANNEL}, ${id})`.execute(trx)
    }
    return rows.map((row) => row.id)
  }

  // --- API keys --------------------------------------------------------------------------------

  async createApiKey(
    input: Omit<ApiKeyRecord, 'createdAt' | 'updatedAt'>,
    actor: AuditActor,
  ): Promise<ApiKeyRecord> {
    return this.#transaction(
      async (trx) => {
        // Locking the owner's row keeps a concurrent deletion of the owner from leaving this key behind.
        const owner =
          input.ownerKind === 'ServiceAccount'
            ? await trx
                .selectFrom('service_accounts')
                .select('id')
                .where('id', '=', input.ownerId)
                .forUpdate()
                .executeTakeFirst()
            : await trx
                .selectFrom('users')
                .select('id')
                .where('id', '=', input.ownerId)
                .forUpdate()
                .executeTakeFirst()
        if (!owner) {
          throw new StoreReferenceError(
            `${input.ownerKind === 'ServiceAccount' ? 'Service account' : 'User'} ${input.ownerId} does not exist.`,
            '/spec/owner/id',
          )
        }
        let environmentId: string | null = null
        if (input.scope.kind === 'cluster') {
          const cluster = await trx
            .selectFrom('kafka_clusters')
            .select(['id', 'environment_id'])
            .where('id', '=', input.scope.clusterId)
            .executeTakeFirst()
          if (!cluster) {
            throw new StoreReferenceError(
              `Kafka cluster ${input.scope.clusterId} is not registered.`,
              '/spec/resource/id',
            )
          }
          environmentId = cluster.environment_id
        }
        const row = await trx
          .insertInto('api_keys')
          .values({
            id: input.id,
            display_name: input.displayName,
            description: input.description,
            owner_id: input.ownerId,
            owner_kind: input.ownerKind,
            scope_kind: input.scope.kind,
            cluster_id: input.scope.kind === 'cluster' ? input.scope.clusterId : null,
            environment_id: environmentId,
            secret_salt: input.secretHash.salt,
            secret_hash: input.secretHash.hash,
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        await recordAuditEvent(
          trx,
          actor,
          'api_key.created',
          { kind: 'ApiKey', id: input.id },
          {
            displayName: input.displayName,
            description: input.description,
            owner: input.ownerId,
            scope: input.scope.kind === 'cluster' ? input.scope.clusterId : input.scope.kind,
          },
        )
        return toApiKey(row)
      },
      { message: `API key ${input.id} already exists.`, field: '/id' },
    ).catch((error: unknown) => {
      if (databaseErrorOf(error).code === FOREIGN_KEY_VIOLATION) {
        throw new StoreReferenceError(
          'The API key refers to a resource that no longer exists.',
          '/spec/resource/id',
        )
      }
      if (isPrimaryKeyCollision(error)) {
        throw new StoreConflictError(`API key ${input.id} already exists.`, '/id', { cause: error })
      }
      throw error
    })
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toApiKey(row)
  }

  async listApiKeys(
    page: PageRequest,
    filter: { ownerId?: string; resourceId?: string } = {},
  ): Promise<Page<ApiKeyRecord>> {
    let query = this.#db.selectFrom('api_keys').selectAll().where('seq', '>', decodePageToken(page.pageToken))
    if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId)
    if (filter.resourceId !== undefined) query = query.where('cluster_id', '=', filter.resourceId)
    const rows = await query
      .orderBy('seq')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toApiKey)
  }

  async updateApiKey(
    id: string,
    changes: { displayName?: string; description?: string },
    actor: AuditActor,
  ): Promise<ApiKeyRecord | undefined> {
    return this.#transaction(async (trx) => {
      const row = await trx
        .updateTable('api_keys')
        .set({
          ...definedOnly({ display_name: changes.displayName, description: changes.description }),
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      if (row) await recordAuditEvent(trx, actor, 'api_key.updated', { kind: 'ApiKey', id }, { ...changes })
      return row && toApiKey(row)
    })
  }

  async deleteApiKey(id: string, actor: AuditActor): Promise<boolean> {
    const deleted = await this.#transaction(async (trx) => {
      const result = await trx.deleteFrom('api_keys').where('id', '=', id).executeTakeFirst()
      if (result.numDeletedRows === 0n) return false
      await recordAuditEvent(trx, actor, 'api_key.deleted', { kind: 'ApiKey', id })
      await sql`SELECT pg_notify(${API_KEY_DELETED_CHANNEL}, ${id})`.execute(trx)
      return true
    })
    if (deleted) this.#announceDeleted(id)
    return deleted
  }

  // --- role bindings ---------------------------------------------------------------------------

  async createRoleBinding(
    input: { principal: string; roleName: string; crnPattern: string },
    actor: AuditActor,
  ): Promise<RoleBindingRecord> {
    const binding = await withFreshId('rb', (id) =>
      this.#transaction(
        async (trx) => {
          const row = await trx
            .insertInto('role_bindings')
            .values({
              id,
              principal: input.principal,
              role_name: input.roleName,
              crn_pattern: input.crnPattern,
            })
            .returningAll()
            .executeTakeFirstOrThrow()
          await recordAuditEvent(
            trx,
            actor,
            'role_binding.created',
            { kind: 'RoleBinding', id },
            { ...input },
          )
          await sql`SELECT pg_notify(${ROLE_BINDINGS_CHANGED_CHANNEL}, ${id})`.execute(trx)
          return toRoleBinding(row)
        },
        {
          message: `${input.principal} already holds ${input.roleName} on ${input.crnPattern}.`,
          field: '/crn_pattern',
        },
      ),
    )
    this.#announceRoleBindingsChanged()
    return binding
  }

  async ensureRoleBinding(
    input: { principal: string; roleName: string; crnPattern: string },
    actor: AuditActor,
  ): Promise<RoleBindingRecord> {
    const findExisting = async (): Promise<RoleBindingRecord | undefined> => {
      const row = await this.#db
        .selectFrom('role_bindings')
        .selectAll()
        .where('principal', '=', input.principal)
        .where('role_name', '=', input.roleName)
        .where('crn_pattern', '=', input.crnPattern)
        .executeTakeFirst()
      return row && toRoleBinding(row)
    }
    const existing = await findExisting()
    if (existing) return existing
    try {
      return await this.createRoleBinding(input, actor)
    } catch (error) {
      // Another instance created it in the meantime: theirs is the one.
      if (error instanceof StoreConflictError) {
        const winner = await findExisting()
        if (winner) return winner
      }
      throw error
    }
  }

  async getRoleBinding(id: string): Promise<RoleBindingRecord | undefined> {
    const row = await this.#db.selectFrom('role_bindings').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toRoleBinding(row)
  }

  async listRoleBindings(
    page: PageRequest,
    filter: { crnPattern: string; principal?: string; roleName?: string },
  ): Promise<Page<RoleBindingRecord>> {
    let query = this.#db
      .selectFrom('role_bindings')
      .selectAll()
      .where('seq', '>', decodePageToken(page.pageToken))
      .where((where) =>
        where.or([
          where('crn_pattern', '=', filter.crnPattern),
          where(
            sql<string>`crn_pattern`,
            'like',
            sql<string>`${`${escapeLike(filter.crnPattern)}/%`} ESCAPE '\\'`,
          ),
        ]),
      )
    if (filter.principal !== undefined) query = query.where('principal', '=', filter.principal)
    if (filter.roleName !== undefined) query = query.where('role_name', '=', filter.roleName)
    const rows = await query
      .orderBy('seq')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toRoleBinding)
  }

  async listAllRoleBindings(): Promise<readonly RoleBindingRecord[]> {
    const rows = await this.#db.selectFrom('role_bindings').selectAll().orderBy('seq').execute()
    return rows.map(toRoleBinding)
  }

  async deleteRoleBinding(id: string, actor: AuditActor): Promise<RoleBindingRecord | undefined> {
    const deleted = await this.#transaction(async (trx) => {
      const row = await trx.deleteFrom('role_bindings').where('id', '=', id).returningAll().executeTakeFirst()
      if (row === undefined) return undefined
      await recordAuditEvent(
        trx,
        actor,
        'role_binding.deleted',
        { kind: 'RoleBinding', id },
        {
          principal: row.principal,
          roleName: row.role_name,
          crnPattern: row.crn_pattern,
        },
      )
      await sql`SELECT pg_notify(${ROLE_BINDINGS_CHANGED_CHANNEL}, ${id})`.execute(trx)
      return toRoleBinding(row)
    })
    if (deleted) this.#announceRoleBindingsChanged()
    return deleted
  }

  // --- identity providers and pools --------------------------------------------------------

  async createIdentityProvider(
    input: {
      displayName: string
      description: string
      issuer: string
      jwksUri: string
      identityClaim: string
      audience?: string | undefined
    },
    actor: AuditActor,
  ): Promise<IdentityProviderRecord> {
    const provider = await withFreshId('op', (id) =>
      this.#transaction(
        async (trx) => {
          const row = await trx
            .insertInto('identity_providers')
            .values({
              id,
              display_name: input.displayName,
              description: input.description,
              issuer: input.issuer,
              jwks_uri: input.jwksUri,
              identity_claim: input.identityClaim,
              audience: input.audience ?? null,
            })
            .returningAll()
            .executeTakeFirstOrThrow()
          await recordAuditEvent(
            trx,
            actor,
            'identity_provider.created',
            { kind: 'IdentityProvider', id },
            { ...definedOnly({ ...input }) },
          )
          await sql`SELECT pg_notify(${IDENTITY_PROVIDERS_CHANGED_CHANNEL}, ${id})`.execute(trx)
          return toIdentityProvider(row)
        },
        { message: `An identity provider with issuer ${input.issuer} already exists.`, field: '/issuer' },
      ),
    )
    this.#announceIdentityProvidersChanged()
    return provider
  }

  async getIdentityProvider(id: string): Promise<IdentityProviderRecord | undefined> {
    const row = await this.#db
      .selectFrom('identity_providers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toIdentityProvider(row)
  }

  async findIdentityProviderByIssuer(issuer: string): Promise<IdentityProviderRecord | undefined> {
    const row = await this.#db
      .selectFrom('identity_providers')
      .selectAll()
      .where('issuer', '=', issuer)
      .executeTakeFirst()
    return row && toIdentityProvider(row)
  }

  async listIdentityProviders(page: PageRequest): Promise<Page<IdentityProviderRecord>> {
    const rows = await this.#db
      .selectFrom('identity_providers')
      .selectAll()
      .where('seq', '>', decodePageToken(page.pageToken))
      .orderBy('seq')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toIdentityProvider)
  }

  async updateIdentityProvider(
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
  ): Promise<IdentityProviderRecord | undefined> {
    const updated = await this.#transaction(
      async (trx) => {
        const row = await trx
          .updateTable('identity_providers')
          .set({
            ...definedOnly({
              display_name: changes.displayName,
              description: changes.description,
              issuer: changes.issuer,
              jwks_uri: changes.jwksUri,
              identity_claim: changes.identityClaim,
            }),
            ...(changes.audience === undefined ? {} : { audience: changes.audience }),
            updated_at: new Date(),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst()
        if (row === undefined) return undefined
        await recordAuditEvent(
          trx,
          actor,
          'identity_provider.updated',
          { kind: 'IdentityProvider', id },
          { ...changes },
        )
        await sql`SELECT pg_notify(${IDENTITY_PROVIDERS_CHANGED_CHANNEL}, ${id})`.execute(trx)
        return toIdentityProvider(row)
      },
      { message: `An identity provider with issuer ${changes.issuer} already exists.`, field: '/issuer' },
    )
    if (updated) this.#announceIdentityProvidersChanged()
    return updated
  }

  async deleteIdentityProvider(id: string, actor: AuditActor): Promise<boolean> {
    const result = await this.#transaction(async (trx) => {
      const provider = await trx
        .selectFrom('identity_providers')
        .select('id')
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst()
      if (provider === undefined) return { deleted: false, bindingIds: [] as string[] }
      // The pools go with the provider (ON DELETE CASCADE); each is audited, and its bindings deleted.
      const pools = await trx
        .deleteFrom('identity_pools')
        .where('provider_id', '=', id)
        .returning('id')
        .execute()
      const bindingIds: string[] = []
      for (const pool of pools) {
        bindingIds.push(...(await this.#deletePrincipalBindings(trx, `User:${pool.id}`, actor)))
        await recordAuditEvent(
          trx,
          actor,
          'identity_pool.deleted',
          { kind: 'IdentityPool', id: pool.id },
          { providerId: id, reason: 'provider deleted' },
        )
      }
      await trx.deleteFrom('identity_providers').where('id', '=', id).execute()
      await recordAuditEvent(
        trx,
        actor,
        'identity_provider.deleted',
        { kind: 'IdentityProvider', id },
        { deletedIdentityPools: pools.map((pool) => pool.id), deletedRoleBindings: bindingIds },
      )
      await sql`SELECT pg_notify(${IDENTITY_PROVIDERS_CHANGED_CHANNEL}, ${id})`.execute(trx)
      return { deleted: true, bindingIds }
    })
    if (result.deleted) this.#announceIdentityProvidersChanged()
    if (result.bindingIds.length > 0) this.#announceRoleBindingsChanged()
    return result.deleted
  }

  async createIdentityPool(
    providerId: string,
    input: { displayName: string; description: string; identityClaim: string; filter: string },
    actor: AuditActor,
  ): Promise<IdentityPoolRecord | undefined> {
    const pool = await withFreshId('pool', (id) =>
      this.#transaction(async (trx) => {
        // Locking the provider's row keeps a concurrent deletion from leaving this pool behind.
        const provider = await trx
          .selectFrom('identity_providers')
          .select('id')
          .where('id', '=', providerId)
          .forUpdate()
          .executeTakeFirst()
        if (provider === undefined) return undefined
        const taken = await trx
          .selectFrom('certificate_pools')
          .select('id')
          .where('id', '=', id)
          .executeTakeFirst()
        if (taken !== undefined) throw new PoolIdTakenError()
        const row = await trx
          .insertInto('identity_pools')
          .values({
            id,
            provider_id: providerId,
            display_name: input.displayName,
            description: input.description,
            identity_claim: input.identityClaim,
            filter: input.filter,
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        await recordAuditEvent(
          trx,
          actor,
          'identity_pool.created',
          { kind: 'IdentityPool', id },
          { providerId, ...input },
        )
        await sql`SELECT pg_notify(${IDENTITY_PROVIDERS_CHANGED_CHANNEL}, ${id})`.execute(trx)
        return toIdentityPool(row)
      }),
    )
    if (pool) this.#announceIdentityProvidersChanged()
    return pool
  }

  async getIdentityPool(providerId: string, id: string): Promise<IdentityPoolRecord | undefined> {
    const row = await this.#db
      .selectFrom('identity_pools')
      .selectAll()
      .where('id', '=', id)
      .where('provider_id', '=', providerId)
      .executeTakeFirst()
    return row && toIdentityPool(row)
  }

  async listIdentityPools(providerId: string, page: PageRequest): Promise<Page<IdentityPoolRecord>> {
    const rows = await this.#db
      .selectFrom('identity_pools')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('seq', '>', decodePageToken(page.pageToken))
      .orderBy('seq')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toIdentityPool)
  }

  async updateIdentityPool(
    providerId: string,
    id: string,
    changes: { displayName?: string; description?: string; identityClaim?: string; filter?: string },
    actor: AuditActor,
  ): Promise<IdentityPoolRecord | undefined> {
    const updated = await this.#transaction(async (trx) => {
      const row = await trx
        .updateTable('identity_pools')
        .set({
          ...definedOnly({
            display_name: changes.displayName,
            description: changes.description,
            identity_claim: changes.identityClaim,
            filter: changes.filter,
          }),
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .where('provider_id', '=', providerId)
        .returningAll()
        .executeTakeFirst()
      if (row === undefined) return undefined
      await recordAuditEvent(
        trx,
        actor,
        'identity_pool.updated',
        { kind: 'IdentityPool', id },
        { ...changes },
      )
      await sql`SELECT pg_notify(${IDENTITY_PROVIDERS_CHANGED_CHANNEL}, ${id})`.execute(trx)
      return toIdentityPool(row)
    })
    if (updated) this.#announceIdentityProvidersChanged()
    return updated
  }

  async deleteIdentityPool(providerId: string, id: string, actor: AuditActor): Promise<boolean> {
    const result = await this.#transaction(async (trx) => {
      const deleted = await trx
        .deleteFrom('identity_pools')
        .where('id', '=', id)
        .where('provider_id', '=', providerId)
        .executeTakeFirst()
      if (deleted.numDeletedRows === 0n) return { deleted: false, bindingIds: [] as string[] }
      const bindingIds = await this.#deletePrincipalBindings(trx, `User:${id}`, actor)
      await recordAuditEvent(
        trx,
        actor,
        'identity_pool.deleted',
        { kind: 'IdentityPool', id },
        { providerId, deletedRoleBindings: bindingIds },
      )
      await sql`SELECT pg_notify(${IDENTITY_PROVIDERS_CHANGED_CHANNEL}, ${id})`.execute(trx)
      return { deleted: true, bindingIds }
    })
    if (result.deleted) this.#announceIdentityProvidersChanged()
    if (result.bindingIds.length > 0) this.#announceRoleBindingsChanged()
    return result.deleted
  }

  async listAllIdentityProvidersWithPools(): Promise<readonly IdentityProviderWithPools[]> {
    // One snapshot (repeatable read), so that no pool is seen without its provider or the other way round.
    return this.#db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const providers = await trx.selectFrom('identity_providers').selectAll().orderBy('seq').execute()
        const pools = await trx.selectFrom('identity_pools').selectAll().orderBy('seq').execute()
        return providers.map((provider) => ({
          provider: toIdentityProvider(provider),
          pools: pools.filter((pool) => pool.provider_id === provider.id).map(toIdentityPool),
        }))
      })
  }

  // --- certificate authorities and their pools ----------------------------------------------

  async createCertificateAuthority(
    input: Parameters<IdentityStore['createCertificateAuthority']>[0],
    actor: AuditActor,
  ): Promise<CertificateAuthorityRecord> {
    const authority = await withFreshId('op', (id) =>
      this.#transaction(async (trx) => {
        const row = await trx
          .insertInto('certificate_authorities')
          .values({
            id,
            display_name: input.displayName,
            description: input.description,
            certificate_chain: input.certificateChain,
            certificate_chain_filename: input.certificateChainFilename,
            crl_chain: input.crlChain ?? null,
            crl_chain_updated_at: input.crlChain === undefined ? null : new Date(),
            crl_url: input.crlUrl ?? null,
            require_crl_on_client_certificate: input.requireCrlOnClientCertificate,
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        // The PEM texts are public certificates, but long: the audit event names the filename.
        await recordAuditEvent(
          trx,
          actor,
          'certificate_authority.created',
          { kind: 'CertificateAuthority', id },
          {
            displayName: input.displayName,
            certificateChainFilename: input.certificateChainFilename,
            crlSource: input.crlChain !== undefined ? 'LOCAL' : input.crlUrl !== undefined ? 'URL' : 'NONE',
            ...definedOnly({ crlUrl: input.crlUrl }),
            requireCrlOnClientCertificate: input.requireCrlOnClientCertificate,
          },
        )
        await sql`SELECT pg_notify(${CERTIFICATE_AUTHORITIES_CHANGED_CHANNEL}, ${id})`.execute(trx)
        return toCertificateAuthority(row)
      }),
    )
    this.#announceCertificateAuthoritiesChanged()
    return authority
  }

  async getCertificateAuthority(id: string): Promise<CertificateAuthorityRecord | undefined> {
    const row = await this.#db
      .selectFrom('certificate_authorities')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toCertificateAuthority(row)
  }

  async listCertificateAuthorities(page: PageRequest): Promise<Page<CertificateAuthorityRecord>> {
    const rows = await this.#db
      .selectFrom('certificate_authorities')
      .selectAll()
      .where('seq', '>', decodePageToken(page.pageToken))
      .orderBy('seq')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toCertificateAuthority)
  }

  async updateCertificateAuthority(
    id: string,
    changes: Parameters<IdentityStore['updateCertificateAuthority']>[1],
    actor: AuditActor,
  ): Promise<CertificateAuthorityRecord | undefined> {
    const crl =
      typeof changes.crlChain === 'string'
        ? { crl_chain: changes.crlChain, crl_chain_updated_at: new Date(), crl_url: null }
        : typeof changes.crlUrl === 'string'
          ? { crl_url: changes.crlUrl, crl_chain: null, crl_chain_updated_at: null }
          : {
              ...(changes.crlChain === null ? { crl_chain: null, crl_chain_updated_at: null } : {}),
              ...(changes.crlUrl === null ? { crl_url: null } : {}),
            }
    const updated = await this.#transaction(async (trx) => {
      const row = await trx
        .updateTable('certificate_authorities')
        .set({
          ...definedOnly({
            display_name: changes.displayName,
            description: changes.description,
            certificate_chain: changes.certificateChain,
            certificate_chain_filename: changes.certificateChainFilename,
            require_crl_on_client_certificate: changes.requireCrlOnClientCertificate,
          }),
          ...crl,
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      if (row === undefined) return undefined
      const { certificateChain, crlChain, ...named } = changes
      await recordAuditEvent(
        trx,
        actor,
        'certificate_authority.updated',
        { kind: 'CertificateAuthority', id },
        {
          ...named,
          ...(certificateChain === undefined ? {} : { certificateChainChanged: true }),
          ...(crlChain === undefined ? {} : { crlChainChanged: true }),
        },
      )
      await sql`SELECT pg_notify(${CERTIFICATE_AUTHORITIES_CHANGED_CHANNEL}, ${id})`.execute(trx)
      return toCertificateAuthority(row)
    })
    if (updated) this.#announceCertificateAuthoritiesChanged()
    return updated
  }

  async deleteCertificateAuthority(
    id: string,
    actor: AuditActor,
  ): Promise<CertificateAuthorityRecord | undefined> {
    const result = await this.#transaction(async (trx) => {
      const authority = await trx
        .selectFrom('certificate_authorities')
        .selectAll()
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst()
      if (authority === undefined) return { deleted: undefined, bindingIds: [] as string[] }
      const pools = await trx
        .deleteFrom('certificate_pools')
        .where('certificate_authority_id', '=', id)
        .returning('id')
        .execute()
      const bindingIds: string[] = []
      for (const pool of pools) {
        bindingIds.push(...(await this.#deletePrincipalBindings(trx, `User:${pool.id}`, actor)))
        await recordAuditEvent(
          trx,
          actor,
          'certificate_pool.deleted',
          { kind: 'CertificateIdentityPool', id: pool.id },
          { certificateAuthorityId: id, reason: 'certificate authority deleted' },
        )
      }
      await trx.deleteFrom('certificate_authorities').where('id', '=', id).execute()
      await recordAuditEvent(
        trx,
        actor,
        'certificate_authority.deleted',
        { kind: 'CertificateAuthority', id },
        { deletedCertificatePools: pools.map((pool) => pool.id), deletedRoleBindings: bindingIds },
      )
      await sql`SELECT pg_notify(${CERTIFICATE_AUTHORITIES_CHANGED_CHANNEL}, ${id})`.execute(trx)
      return { deleted: toCertificateAuthority(authority), bindingIds }
    })
    if (result.deleted) this.#announceCertificateAuthoritiesChanged()
    if (result.bindingIds.length > 0) this.#announceRoleBindingsChanged()
    return result.deleted
  }

  async createCertificatePool(
    certificateAuthorityId: string,
    input: { displayName: string; description: string; externalIdentifier: string; filter: string },
    actor: AuditActor,
  ): Promise<CertificatePoolRecord | undefined> {
    const pool = await withFreshId('pool', (id) =>
      this.#transaction(async (trx) => {
        const authority = await trx
          .selectFrom('certificate_authorities')
          .select('id')
          .where('id', '=', certificateAuthorityId)
          .forUpdate()
          .executeTakeFirst()
        if (authority === undefined) return undefined
        // OAuth and certificate pools share the `pool-` namespace of role-binding principals: an
        // id taken by an OAuth pool is a collision too (the insert below retries with a new one).
        const taken = await trx
          .selectFrom('identity_pools')
          .select('id')
          .where('id', '=', id)
          .executeTakeFirst()
        if (taken !== undefined) throw new PoolIdTakenError()
        const row = await trx
          .insertInto('certificate_pools')
          .values({
            id,
            certificate_authority_id: certificateAuthorityId,
            display_name: input.displayName,
            description: input.description,
            external_identifier: input.externalIdentifier,
            filter: input.filter,
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        await recordAuditEvent(
          trx,
          actor,
          'certificate_pool.created',
          { kind: 'CertificateIdentityPool', id },
          { certificateAuthorityId, ...input },
        )
        await sql`SELECT pg_notify(${CERTIFICATE_AUTHORITIES_CHANGED_CHANNEL}, ${id})`.execute(trx)
        return toCertificatePool(row)
      }),
    )
    if (pool) this.#announceCertificateAuthoritiesChanged()
    return pool
  }

  async getCertificatePool(
    certificateAuthorityId: string,
    id: string,
  ): Promise<CertificatePoolRecord | undefined> {
    const row = await this.#db
      .selectFrom('certificate_pools')
      .selectAll()
      .where('id', '=', id)
      .where('certificate_authority_id', '=', certificateAuthorityId)
      .executeTakeFirst()
    return row && toCertificatePool(row)
  }

  async listCertificatePools(
    certificateAuthorityId: string,
    page: PageRequest,
  ): Promise<Page<CertificatePoolRecord>> {
    const rows = await this.#db
      .selectFrom('certificate_pools')
      .selectAll()
      .where('certificate_authority_id', '=', certificateAuthorityId)
      .where('seq', '>', decodePageToken(page.pageToken))
      .orderBy('seq')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toCertificatePool)
  }

  async updateCertificatePool(
    certificateAuthorityId: string,
    id: string,
    changes: { displayName?: string; description?: string; externalIdentifier?: string; filter?: string },
    actor: AuditActor,
  ): Promise<CertificatePoolRecord | undefined> {
    const updated = await this.#transaction(async (trx) => {
      const row = await trx
        .updateTable('certificate_pools')
        .set({
          ...definedOnly({
            display_name: changes.displayName,
            description: changes.description,
            external_identifier: changes.externalIdentifier,
            filter: changes.filter,
          }),
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .where('certificate_authority_id', '=', certificateAuthorityId)
        .returningAll()
        .executeTakeFirst()
      if (row === undefined) return undefined
      await recordAuditEvent(
        trx,
        actor,
        'certificate_pool.updated',
        { kind: 'CertificateIdentityPool', id },
        { ...changes },
      )
      await sql`SELECT pg_notify(${CERTIFICATE_AUTHORITIES_CHANGED_CHANNEL}, ${id})`.execute(trx)
      return toCertificatePool(row)
    })
    if (updated) this.#announceCertificateAuthoritiesChanged()
    return updated
  }

  async deleteCertificatePool(
    certificateAuthorityId: string,
    id: string,
    actor: AuditActor,
  ): Promise<CertificatePoolRecord | undefined> {
    const result = await this.#transaction(async (trx) => {
      const row = await trx
        .deleteFrom('certificate_pools')
        .where('id', '=', id)
        .where('certificate_authority_id', '=', certificateAuthorityId)
        .returningAll()
        .executeTakeFirst()
      if (row === undefined) return { deleted: undefined, bindingIds: [] as string[] }
      const bindingIds = await this.#deletePrincipalBindings(trx, `User:${id}`, actor)
      await recordAuditEvent(
        trx,
        actor,
        'certificate_pool.deleted',
        { kind: 'CertificateIdentityPool', id },
        { certificateAuthorityId, deletedRoleBindings: bindingIds },
      )
      await sql`SELECT pg_notify(${CERTIFICATE_AUTHORITIES_CHANGED_CHANNEL}, ${id})`.execute(trx)
      return { deleted: toCertificatePool(row), bindingIds }
    })
    if (result.deleted) this.#announceCertificateAuthoritiesChanged()
    if (result.bindingIds.length > 0) this.#announceRoleBindingsChanged()
    return result.deleted
  }

  async listAllCertificateAuthoritiesWithPools(): Promise<readonly CertificateAuthorityWithPools[]> {
    return this.#db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const authorities = await trx
          .selectFrom('certificate_authorities')
          .selectAll()
          .orderBy('seq')
          .execute()
        const pools = await trx.selectFrom('certificate_pools').selectAll().orderBy('seq').execute()
        return authorities.map((authority) => ({
          authority: toCertificateAuthority(authority),
          pools: pools
            .filter((pool) => pool.certificate_authority_id === authority.id)
            .map(toCertificatePool),
        }))
      })
  }

  async ensureBootstrapApiKey(
    options: Parameters<IdentityStore['ensureBootstrapApiKey']>[0],
  ): Promise<{ key: ApiKeyRecord; created: boolean }> {
    const replaced: string[] = []
    const result = await this.#transaction(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK_ID})`.execute(trx)
      const serviceAccountId = await this.#ensureBootstrapServiceAccount(trx)
      const existing = await trx
        .selectFrom('api_keys')
        .selectAll()
        .where('owner_id', '=', serviceAccountId)
        .where('scope_kind', '=', 'global')
        .orderBy('seq')
        .execute()
      let wanted: { id: string; secretHash: StoredSecretHash }
      if ('configured' in options) {
        wanted = options.configured
        const same = existing.find((row) => row.id === wanted.id)
        if (same && options.configured.isSameSecret({ salt: same.secret_salt, hash: same.secret_hash })) {
          return { key: toApiKey(same), created: false }
        }
      } else {
        if (existing[0]) return { key: toApiKey(existing[0]), created: false }
        wanted = options.generate()
      }
      for (const row of existing) {
        await trx.deleteFrom('api_keys').where('id', '=', row.id).execute()
        await recordAuditEvent(
          trx,
          SYSTEM_ACTOR,
          'api_key.deleted',
          { kind: 'ApiKey', id: row.id },
          {
            reason: 'bootstrap credential replaced',
          },
        )
        await sql`SELECT pg_notify(${API_KEY_DELETED_CHANNEL}, ${row.id})`.execute(trx)
        replaced.push(row.id)
      }
      // A configured key id may also name an ordinary key created earlier; the configuration wins.
      await trx.deleteFrom('api_keys').where('id', '=', wanted.id).execute()
      const row = await trx
        .insertInto('api_keys')
        .values({
          id: wanted.id,
          display_name: 'Bootstrap admin credential',
          description: 'Created by Gatehouse at start; owned by the bootstrap service account.',
          owner_id: serviceAccountId,
          owner_kind: 'ServiceAccount',
          scope_kind: 'global',
          cluster_id: null,
          environment_id: null,
          secret_salt: wanted.secretHash.salt,
          secret_hash: wanted.secretHash.hash,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      await recordAuditEvent(
        trx,
        SYSTEM_ACTOR,
        'api_key.created',
        { kind: 'ApiKey', id: wanted.id },
        {
          owner: serviceAccountId,
          scope: 'global',
        },
      )
      return { key: toApiKey(row), created: !('configured' in options) }
    })
    replaced.forEach((keyId) => this.#announceDeleted(keyId))
    return result
  }

  async #ensureBootstrapServiceAccount(trx: Transaction<Database>): Promise<string> {
    const organization = await trx
      .selectFrom('organization')
      .select('bootstrap_service_account_id')
      .executeTakeFirstOrThrow()
    if (organization.bootstrap_service_account_id !== null) return organization.bootstrap_service_account_id
    const id = generateResourceId('sa')
    await trx
      .insertInto('service_accounts')
      .values({
        id,
        display_name: BOOTSTRAP_SERVICE_ACCOUNT_NAME,
        description: 'Holds the bootstrap admin credential. Created by Gatehouse at first start.',
      })
      .execute()
    await trx
      .updateTable('organization')
      .set({ bootstrap_service_account_id: id, updated_at: new Date() })
      .execute()
    await recordAuditEvent(
      trx,
      SYSTEM_ACTOR,
      'service_account.created',
      { kind: 'ServiceAccount', id },
      {
        displayName: BOOTSTRAP_SERVICE_ACCOUNT_NAME,
      },
    )
    return id
  }

  async listAuditEvents(
    page: PageRequest,
    filter: { resourceId?: string } = {},
  ): Promise<Page<AuditEventRecord>> {
    const before = page.pageToken === undefined ? Number.MAX_SAFE_INTEGER : decodePageToken(page.pageToken)
    let query = this.#db.selectFrom('audit_events').selectAll().where('seq', '<', before)
    if (filter.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId)
    const rows = await query
      .orderBy('seq', 'desc')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toAuditEvent)
  }
}
