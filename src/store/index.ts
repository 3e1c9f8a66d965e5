/**
 * @module store
 *
 * The store ports. Implementations live in subfolders and are wired by main.ts only.
 */
export type * from './port.ts'
export { InvalidPageTokenError, StoreConflictError, StoreReferenceError, StoreSecretError } from './port.ts'
export type * from './sso-port.ts'
