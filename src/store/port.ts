/**
 * @module store/port
 *
 * What the gateway keeps for itself, independent of where. Implementations: `store/file` (the data
 * directory). Every method rejects with an `Error` when the medium fails; callers treat that as
 * "not ready" and fail closed.
 */

/** A salted hash of a secret, never the secret itself. */
export interface StoredSecretHash {
  readonly salt: string
  readonly hash: string
}

export interface BootstrapCredentialRecord {
  readonly keyId: string
  readonly secretHash: StoredSecretHash
  /** ISO-8601 instant of creation. */
  readonly createdAt: string
}

export interface BootstrapCredentialStore {
  /** The stored record, or undefined when none was ever written. Rejects on a corrupt record. */
  readBootstrapCredential(): Promise<BootstrapCredentialRecord | undefined>
  /** Writes the record atomically, readable by the owner only. */
  writeBootstrapCredential(record: BootstrapCredentialRecord): Promise<void>
}

export interface StoreHealth {
  /** Resolves when the store can be read and written now; rejects with the reason otherwise. */
  checkReady(): Promise<void>
}
