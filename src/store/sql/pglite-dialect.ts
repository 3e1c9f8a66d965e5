/**
 * @module store/sql/pglite-dialect
 *
 * A Kysely dialect over PGlite (PostgreSQL compiled to WebAssembly, in this process). PGlite is one
 * session, so the driver hands out one connection at a time: a transaction holds it until it
 * commits or rolls back, and other queries wait their turn. SQL, compilation and introspection are
 * Kysely's own PostgreSQL ones, which is the point: one dialect of SQL for both stores.
 */
import type { PGlite } from '@electric-sql/pglite'
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'

class PGliteConnection implements DatabaseConnection {
  readonly #database: PGlite

  constructor(database: PGlite) {
    this.#database = database
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#database.query<R>(compiled.sql, [...compiled.parameters])
    return {
      rows: result.rows,
      ...(result.affectedRows === undefined ? {} : { numAffectedRows: BigInt(result.affectedRows) }),
    }
  }

  // Kysely's streaming API is not used by Gatehouse; refusing is clearer than buffering silently.

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('The PGlite dialect does not stream query results.')
  }
}

class PGliteDriver implements Driver {
  readonly #connection: PGliteConnection
  readonly #database: PGlite
  /** Resolves when the connection is free; each acquirer chains onto it. */
  #free: Promise<void> = Promise.resolve()
  #release: (() => void) | undefined

  constructor(database: PGlite) {
    this.#database = database
    this.#connection = new PGliteConnection(database)
  }

  async init(): Promise<void> {
    await this.#database.waitReady
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#free
    let release!: () => void
    this.#free = new Promise((resolve) => (release = resolve))
    await previous
    this.#release = release
    return this.#connection
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel
      ? ` ISOLATION LEVEL ${settings.isolationLevel.toUpperCase()}`
      : ''
    await connection.executeQuery(CompiledQuery.raw(`BEGIN${isolation}`))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('ROLLBACK'))
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release
    this.#release = undefined
    release?.()
  }

  async destroy(): Promise<void> {
    await this.#database.close()
  }
}

/** A Kysely dialect whose queries run on `database`; `Kysely.destroy()` closes it. */
export class PGliteDialect implements Dialect {
  readonly #database: PGlite

  constructor(database: PGlite) {
    this.#database = database
  }

  createAdapter() {
    return new PostgresAdapter()
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#database)
  }

  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db)
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler()
  }
}
