/**
 * @module store/sql/open-store
 *
 * Opens the identity store: PGlite in the data directory by default, PostgreSQL when a database
 * URL is configured. Either way the migrations run before the store is handed out.
 */
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { lockDataDirectory } from './data-directory-lock.ts'
import { migrate } from './migrations.ts'
import { PGliteDialect } from './pglite-dialect.ts'
import type { Database } from './schema.ts'
import { SqlIdentityStore, type NotificationSubscriber } from './sql-identity-store.ts'
import { SecretBox } from './secret-box.ts'

/**
 * Where the identities live. `encryptionKey` (base64, 32 bytes) encrypts the secrets the store must
 * read back; the embedded store keeps a generated one in its data directory when none is given.
 */
export type StoreLocation =
  | { readonly kind: 'pglite'; readonly dataDir: string; readonly encryptionKey?: string | undefined }
  /** Only for tests: a PGlite database that lives in memory and dies with the process. */
  | { readonly kind: 'pglite-memory' }
  | {
      readonly kind: 'postgres'
      readonly url: string
      readonly poolSize: number
      readonly encryptionKey?: string | undefined
    }

export interface OpenedStore {
  readonly store: SqlIdentityStore
  /** Where the data lives, for the start-up log line (never contains a password). */
  readonly description: string
  /** Migrations this start applied. */
  readonly appliedMigrations: readonly number[]
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'postgres (unparseable URL)'
  }
}

async function openPGlite(
  dataDir: string | undefined,
  encryptionKey: string | undefined,
): Promise<OpenedStore> {
  let release: (() => Promise<void>) | undefined
  let path: string | undefined
  if (dataDir !== undefined) {
    const directory = resolve(dataDir)
    await mkdir(directory, { recursive: true, mode: 0o700 })
    const lock = await lockDataDirectory(directory)
    release = () => lock.release()
    path = join(directory, 'pglite')
  }
  try {
    const database = path === undefined ? new PGlite() : new PGlite(path)
    await database.waitReady
    const db = new Kysely<Database>({ dialect: new PGliteDialect(database) })
    const { applied } = await migrate(db)
    const subscribe: NotificationSubscriber = async (channel, onPayload) => {
      const unlisten = await database.listen(channel, onPayload)
      return () => unlisten()
    }
    const secrets =
      encryptionKey !== undefined
        ? SecretBox.fromBase64(encryptionKey)
        : dataDir !== undefined
          ? await SecretBox.inDirectory(resolve(dataDir))
          : SecretBox.random()
    const store = await SqlIdentityStore.create(db, {
      subscribe,
      secrets,
      ...(release ? { onClose: release } : {}),
    })
    return { store, description: path ? `PGlite in ${path}` : 'PGlite in memory', appliedMigrations: applied }
  } catch (error) {
    await release?.()
    throw error
  }
}

/**
 * Listens on a dedicated connection (pooled ones come and go) and reconnects after a failure. A
 * notification lost while disconnected only delays a revocation to the verifier's cache bound.
 */
function createPostgresSubscriber(url: string): NotificationSubscriber {
  return async (channel, onPayload) => {
    let client: pg.Client | undefined
    let isClosed = false
    let retry: NodeJS.Timeout | undefined
    const connect = async (): Promise<void> => {
      const next = new pg.Client({ connectionString: url })
      next.on('notification', (message) => {
        if (message.channel === channel && message.payload) onPayload(message.payload)
      })
      const reconnectLater = (): void => {
        if (isClosed || retry) return
        client = undefined
        retry = setTimeout(() => {
          retry = undefined
          connect().catch(reconnectLater)
        }, 1000)
        retry.unref()
      }
      next.on('error', reconnectLater)
      next.on('end', reconnectLater)
      await next.connect()
      await next.query(`LISTEN ${channel}`)
      client = next
    }
    await connect()
    return async () => {
      isClosed = true
      clearTimeout(retry)
      await client?.end().catch(() => undefined)
    }
  }
}

async function openPostgres(
  url: string,
  poolSize: number,
  encryptionKey: string | undefined,
): Promise<OpenedStore> {
  // A bad key is a configuration error, found before anything connects.
  const secrets = encryptionKey === undefined ? undefined : SecretBox.fromBase64(encryptionKey)
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000 })
  // An idle client's error (the server restarted) must not crash the process; the next query fails.
  pool.on('error', () => undefined)
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  try {
    const { applied } = await migrate(db)
    const store = await SqlIdentityStore.create(db, {
      subscribe: createPostgresSubscriber(url),
      ...(secrets ? { secrets } : {}),
    })
    return { store, description: `PostgreSQL at ${redactUrl(url)}`, appliedMigrations: applied }
  } catch (error) {
    await db.destroy()
    throw error
  }
}

/** Opens and migrates the store. Rejects when the database cannot be reached or is locked. */
export async function openIdentityStore(location: StoreLocation): Promise<OpenedStore> {
  switch (location.kind) {
    case 'pglite':
      return openPGlite(location.dataDir, location.encryptionKey)
    case 'pglite-memory':
      return openPGlite(undefined, undefined)
    case 'postgres':
      return openPostgres(location.url, location.poolSize, location.encryptionKey)
  }
}
