/**
 * @module authn/api-key/api-key-authenticator
 *
 * Verifies `key:secret` against the stored API keys. Verified keys are cached for at most
 * `cacheTtlMs`, and dropped at once when the store announces a deletion, so a deleted key stops
 * working immediately where the announcement arrives and within the TTL everywhere else.
 */
import { GatewayError, type Principal } from '../../core/index.ts'
import type { ApiKeyRecord, IdentityStore, StoredSecretHash } from '../../store/index.ts'
import type { PresentedCredential } from '../credentials.ts'
import { hashSecret, secretMatches } from './secret-format.ts'

export type ApiKeyLookup = Pick<IdentityStore, 'getApiKey' | 'onApiKeyDeleted'>

export interface ApiKeyAuthenticatorOptions {
  /** How long a verified key is trusted without asking the store again; 0 asks every time. */
  readonly cacheTtlMs: number
  /** Upper bound on cached keys, so that many distinct keys cannot grow memory without limit. */
  readonly maxCachedKeys?: number
  readonly now?: () => number
}

interface CachedKey {
  readonly record: ApiKeyRecord
  readonly fetchedAt: number
}

/** Compared against when the key is unknown, so that unknown and wrong take the same time. */
const UNKNOWN_KEY_HASH: StoredSecretHash = hashSecret('gatehouse-unknown-key')

export class ApiKeyAuthenticator {
  readonly #store: ApiKeyLookup
  readonly #cacheTtlMs: number
  readonly #maxCachedKeys: number
  readonly #now: () => number
  readonly #cache = new Map<string, CachedKey>()
  readonly #inFlight = new Map<string, Promise<ApiKeyRecord | undefined>>()
  /** Bumped by every deletion: a lookup that started before one must not repopulate the cache. */
  #deletions = 0
  readonly #stopListening: () => void

  constructor(store: ApiKeyLookup, options: ApiKeyAuthenticatorOptions) {
    if (!(options.cacheTtlMs >= 0)) throw new TypeError('cacheTtlMs must be 0 or more.')
    this.#store = store
    this.#cacheTtlMs = options.cacheTtlMs
    this.#maxCachedKeys = options.maxCachedKeys ?? 10_000
    this.#now = options.now ?? Date.now
    this.#stopListening = store.onApiKeyDeleted((keyId) => this.forget(keyId))
  }

  /** Drops a key from the cache (called on deletion announcements). */
  forget(keyId: string): void {
    this.#deletions++
    this.#cache.delete(keyId)
    this.#inFlight.delete(keyId)
  }

  close(): void {
    this.#stopListening()
    this.#cache.clear()
  }

  /**
   * @returns the key owner's principal, with the key's scope.
   * @throws GatewayError `GW_AUTHN_REQUIRED` without a credential, `GW_AUTHN_FAILED` for an unknown
   *   key or a wrong secret (indistinguishable, compared in constant time), `GW_STORE_UNAVAILABLE`
   *   when the store cannot be asked (the request fails closed).
   */
  async authenticate(credential: PresentedCredential | undefined): Promise<Principal> {
    if (credential === undefined) throw new GatewayError('GW_AUTHN_REQUIRED')
    if (credential.kind !== 'basic') {
      throw new GatewayError(
        'GW_AUTHN_FAILED',
        'Authentication failed: Bearer tokens are not accepted yet; use Basic with an API key.',
      )
    }
    const record = await this.#find(credential.key)
    const isSecretRight = secretMatches(credential.secret, record?.secretHash ?? UNKNOWN_KEY_HASH)
    if (!record || !isSecretRight) throw new GatewayError('GW_AUTHN_FAILED')
    return {
      name: `User:${record.ownerId}`,
      principals: [`User:${record.ownerId}`],
      method: 'api_key',
      credentialId: record.id,
      scope:
        record.scope.kind === 'cluster'
          ? { kind: 'cluster', clusterId: record.scope.clusterId }
          : record.scope,
    }
  }

  async #find(keyId: string): Promise<ApiKeyRecord | undefined> {
    const cached = this.#cache.get(keyId)
    if (cached && this.#now() - cached.fetchedAt < this.#cacheTtlMs) return cached.record
    const pending = this.#inFlight.get(keyId)
    if (pending) return pending
    const lookup = this.#lookUp(keyId)
    this.#inFlight.set(keyId, lookup)
    try {
      return await lookup
    } finally {
      if (this.#inFlight.get(keyId) === lookup) this.#inFlight.delete(keyId)
    }
  }

  async #lookUp(keyId: string): Promise<ApiKeyRecord | undefined> {
    const deletionsBefore = this.#deletions
    const fetchedAt = this.#now()
    let record: ApiKeyRecord | undefined
    try {
      record = await this.#store.getApiKey(keyId)
    } catch (error) {
      throw new GatewayError('GW_STORE_UNAVAILABLE', undefined, { cause: error })
    }
    this.#cache.delete(keyId)
    if (record && this.#cacheTtlMs > 0 && deletionsBefore === this.#deletions) {
      if (this.#cache.size >= this.#maxCachedKeys) {
        // Map keeps insertion order: the first entry is the one verified longest ago.
        this.#cache.delete(this.#cache.keys().next().value!)
      }
      this.#cache.set(keyId, { record, fetchedAt })
    }
    return record
  }
}
