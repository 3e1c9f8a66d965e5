/**
 * @module authn/oidc/verified-token-cache
 *
 * Remembers tokens that passed verification, so a client that sends the same token on every
 * request costs one hash instead of one signature check. Entries are keyed by a SHA-256 of the token
 * (the token itself is never held), die at the token's `exp`, are bounded in number (the least
 * recently used goes first), and can be dropped per provider: deleting or changing a provider must
 * revoke its tokens at once.
 */
import { createHash } from 'node:crypto'

export const DEFAULT_MAX_CACHED_TOKENS = 10_000

export interface VerifiedTokenCacheOptions {
  /** Most entries held; the least recently used is evicted first. Default 10 000. */
  readonly maxEntries?: number
  readonly now?: () => number
}

interface Entry<T> {
  readonly providerId: string
  readonly expiresAt: number
  readonly value: T
}

/** A bounded map from token to verification result. `T` is what the verifier stores. */
export class VerifiedTokenCache<T> {
  readonly #maxEntries: number
  readonly #now: () => number
  /** Map keeps insertion order; a hit re-inserts its entry, so the first entry is the least recently used. */
  readonly #entries = new Map<string, Entry<T>>()

  constructor(options: VerifiedTokenCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_CACHED_TOKENS
    if (!Number.isInteger(maxEntries) || maxEntries < 0) {
      throw new TypeError('VerifiedTokenCache: maxEntries must be a whole number, 0 or more.')
    }
    this.#maxEntries = maxEntries
    this.#now = options.now ?? Date.now
  }

  get size(): number {
    return this.#entries.size
  }

  /** @returns the stored result for `token`, or undefined when absent or past its expiry. */
  get(token: string): T | undefined {
    const key = tokenDigest(token)
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    this.#entries.delete(key)
    if (this.#now() >= entry.expiresAt) return undefined
    this.#entries.set(key, entry)
    return entry.value
  }

  /** Stores a result until `expiresAt` (ms since the epoch); ignored when that is already past. */
  set(token: string, providerId: string, expiresAt: number, value: T): void {
    if (this.#maxEntries === 0 || this.#now() >= expiresAt) return
    const key = tokenDigest(token)
    this.#entries.delete(key)
    while (this.#entries.size >= this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!)
    }
    this.#entries.set(key, { providerId, expiresAt, value })
  }

  /** Drops every entry of one provider (deleted, or its settings changed). */
  clearProvider(providerId: string): void {
    for (const [key, entry] of this.#entries) {
      if (entry.providerId === providerId) this.#entries.delete(key)
    }
  }

  clear(): void {
    this.#entries.clear()
  }
}

function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}
