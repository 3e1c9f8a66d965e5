/**
 * @module store/sql
 *
 * The identity store over SQL: PGlite (default, in the data directory) or PostgreSQL.
 */
export { openIdentityStore, type OpenedStore, type StoreLocation } from './open-store.ts'
export { DataDirectoryLockedError } from './data-directory-lock.ts'
export { SqlIdentityStore, SYSTEM_ACTOR } from './sql-identity-store.ts'
export { InvalidEncryptionKeyError } from './secret-box.ts'
