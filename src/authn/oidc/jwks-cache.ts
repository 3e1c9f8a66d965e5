/**
 * @module authn/oidc/jwks-cache
 *
 * The public keys of one identity provider, fetched from its `jwks_uri` and kept between fetches.
 *
 * - Keys are refreshed when the response's `Cache-Control: max-age` runs out, clamped to
 *   [5 min, 7 days], 24 h when the header gives none.
 * - A token signed with a `kid` we do not know may mean the provider rotated its keys: that
 *   triggers one refetch, but at most one per cooldown, so a flood of made-up `kid`s cannot turn
 *   the gateway into a weapon against the provider.
 * - A failed fetch (endpoint down, garbage, too large, a redirect) never throws away keys that were
 *   good: they keep verifying tokens, and the failure shows in {@link JwksCache.status}.
 * - Only asymmetric signing keys (RSA of 2048 bits or more, EC, Ed25519/Ed448) are kept: a
 *   symmetric key in a public document makes no sense, and keeping one would invite the "HMAC
 *   with a public key" confusion.
 */
import { createPublicKey, type JsonWebKeyInput, type KeyObject } from 'node:crypto'
import { fetchJsonDocument, RemoteDocumentError, type RemoteFetchLimits } from './remote-document.ts'

export const MIN_JWKS_MAX_AGE_MS = 5 * 60_000
export const MAX_JWKS_MAX_AGE_MS = 7 * 24 * 60 * 60_000
export const DEFAULT_JWKS_MAX_AGE_MS = 24 * 60 * 60_000
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000
/** Shorter RSA keys are ignored (the floor NIST and RFC 7518 set for RS/PS signatures). */
export const MIN_RSA_MODULUS_BITS = 2048
/** More keys than this in one JWKS is not a key set we want to hold or search. */
export const MAX_JWKS_KEYS = 100

export type JwksFetchFailure = RemoteDocumentError['reason'] | 'no_usable_keys'

/**
 * What the gateway knows about a provider's keys; exposed (mapped) as the provider's `jwks_status`.
 * Times are absent until the event they describe has happened.
 */
export interface JwksStatus {
  readonly jwksUri: string
  /** Result of the most recent fetch; `not_fetched` before the first. */
  readonly lastFetch: 'ok' | 'error' | 'not_fetched'
  /** When the most recent fetch started. */
  readonly lastAttemptAt: Date | undefined
  /** Keys verifying tokens now (after a failed fetch, the ones kept from before). */
  readonly keyCount: number
  /** Keys of the last good document that were skipped: symmetric, malformed or not for signing. */
  readonly ignoredKeyCount: number
  /** When the keys in use were fetched. */
  readonly fetchedAt: Date | undefined
  /** When the keys in use are due to be fetched again. */
  readonly expiresAt: Date | undefined
  /** Why the most recent fetch failed; absent when it succeeded. Safe to show to administrators. */
  readonly error?: { readonly reason: JwksFetchFailure; readonly message: string }
}

/** A public key, as listed to administrators (never the key material). */
export interface JwksKeySummary {
  readonly kid: string | undefined
  readonly kty: string
  readonly alg: string | undefined
  readonly use: string | undefined
}

/** The outcome of looking a token's key up. */
export type KeySelection =
  | { readonly found: true; readonly key: KeyObject; readonly kid: string | undefined }
  | {
      readonly found: false
      /**
       * `no_keys`: no key could ever be fetched; `unknown_kid`: no key matches, even after a
       * refetch (or during its cooldown); `ambiguous_key`: the token names no `kid` and several keys fit.
       */
      readonly reason: 'no_keys' | 'unknown_kid' | 'ambiguous_key'
    }

export interface JwksCacheOptions {
  readonly jwksUri: string
  readonly fetchLimits?: RemoteFetchLimits
  /** Least time between two fetches not asked for by an administrator. Default 30 s. */
  readonly cooldownMs?: number
  readonly now?: () => number
}

interface UsableKey {
  readonly key: KeyObject
  readonly kid: string | undefined
  readonly kty: 'RSA' | 'EC' | 'OKP'
  readonly crv: string | undefined
  readonly alg: string | undefined
  readonly use: string | undefined
}

interface KeySet {
  readonly keys: readonly UsableKey[]
  readonly ignoredKeyCount: number
  readonly fetchedAt: number
  readonly expiresAt: number
}

/** The key type (and curve) that each accepted signature algorithm needs. */
const KEY_TYPE_OF_ALGORITHM: Readonly<Record<string, { kty: string; crv?: readonly string[] }>> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: ['P-256'] },
  ES384: { kty: 'EC', crv: ['P-384'] },
  ES512: { kty: 'EC', crv: ['P-521'] },
  EdDSA: { kty: 'OKP', crv: ['Ed25519', 'Ed448'] },
}

const SIGNING_CURVES = new Set(Object.values(KEY_TYPE_OF_ALGORITHM).flatMap((keyType) => keyType.crv ?? []))

/**
 * Reads `max-age` out of a `Cache-Control` header and clamps it.
 *
 * @returns milliseconds: the default (24 h) when there is no usable `max-age`, the minimum (5 min)
 *   for `no-cache`/`no-store` (a provider asking for no caching gets the shortest period we allow).
 */
export function jwksMaxAgeMs(cacheControl: string | undefined): number {
  if (cacheControl === undefined) return DEFAULT_JWKS_MAX_AGE_MS
  let maxAgeMs: number | undefined
  for (const directive of cacheControl.toLowerCase().split(',')) {
    const [name = '', value] = directive.split('=', 2).map((part) => part.trim())
    if (name === 'no-cache' || name === 'no-store') maxAgeMs = 0
    if (name === 'max-age' && maxAgeMs === undefined && value !== undefined) {
      const seconds = value.replace(/^"(.*)"$/, '$1')
      if (/^\d{1,12}$/.test(seconds)) maxAgeMs = Number(seconds) * 1000
    }
  }
  if (maxAgeMs === undefined) return DEFAULT_JWKS_MAX_AGE_MS
  return Math.min(MAX_JWKS_MAX_AGE_MS, Math.max(MIN_JWKS_MAX_AGE_MS, maxAgeMs))
}

/** One provider's JWKS. Safe to share between concurrent requests; fetches are never duplicated. */
export class JwksCache {
  readonly jwksUri: string
  readonly #fetchLimits: RemoteFetchLimits
  readonly #cooldownMs: number
  readonly #now: () => number
  #keySet: KeySet | undefined
  #lastAttemptAt: number | undefined
  #lastFetch: JwksStatus['lastFetch'] = 'not_fetched'
  #lastError: JwksStatus['error']
  #inFlight: Promise<JwksStatus> | undefined

  constructor(options: JwksCacheOptions) {
    if (!(options.cooldownMs === undefined || options.cooldownMs >= 0)) {
      throw new TypeError('JwksCache: cooldownMs must be 0 or more.')
    }
    this.jwksUri = options.jwksUri
    this.#fetchLimits = options.fetchLimits ?? {}
    this.#cooldownMs = options.cooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS
    this.#now = options.now ?? Date.now
  }

  /** The current state, without fetching anything. */
  status(): JwksStatus {
    const keySet = this.#keySet
    return {
      jwksUri: this.jwksUri,
      lastFetch: this.#lastFetch,
      lastAttemptAt: toDate(this.#lastAttemptAt),
      keyCount: keySet?.keys.length ?? 0,
      ignoredKeyCount: keySet?.ignoredKeyCount ?? 0,
      fetchedAt: toDate(keySet?.fetchedAt),
      expiresAt: toDate(keySet?.expiresAt),
      ...(this.#lastError ? { error: this.#lastError } : {}),
    }
  }

  /** The keys in use, described for administrators. */
  keys(): readonly JwksKeySummary[] {
    return (this.#keySet?.keys ?? []).map(({ kid, kty, alg, use }) => ({ kid, kty, alg, use }))
  }

  /**
   * Fetches the JWKS now, ignoring max-age and cooldown (for an administrator's refresh). Joins a
   * fetch already under way instead of starting a second one.
   *
   * @returns the status after the fetch. Never throws: a failure is reported in the status, and
   *   the keys from before stay in use.
   */
  refresh(): Promise<JwksStatus> {
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined
    })
    return this.#inFlight
  }

  /**
   * Finds the key that verifies a token signed with `alg` (an accepted asymmetric algorithm) and
   * the optional `kid`. Fetches first when there are no keys yet or they have expired, and once more
   * for an unknown `kid`; both only when the cooldown since the last fetch has passed.
   *
   * A token without `kid` is matched only when exactly one key fits its algorithm.
   */
  async selectKey(alg: string, kid: string | undefined): Promise<KeySelection> {
    const isStale = this.#keySet === undefined || this.#now() >= this.#keySet.expiresAt
    if (isStale) await this.#fetchUnlessCoolingDown()
    let selection = this.#select(alg, kid)
    if (!selection.found && selection.reason === 'unknown_kid' && !isStale) {
      // The provider may have rotated its keys since our last fetch.
      await this.#fetchUnlessCoolingDown()
      selection = this.#select(alg, kid)
    }
    return selection
  }

  async #fetchUnlessCoolingDown(): Promise<void> {
    if (this.#inFlight) {
      await this.#inFlight
      return
    }
    const isCoolingDown =
      this.#lastAttemptAt !== undefined && this.#now() - this.#lastAttemptAt < this.#cooldownMs
    if (!isCoolingDown) await this.refresh()
  }

  #select(alg: string, kid: string | undefined): KeySelection {
    const keySet = this.#keySet
    if (!keySet || keySet.keys.length === 0) return { found: false, reason: 'no_keys' }
    const needed = KEY_TYPE_OF_ALGORITHM[alg]
    const candidates = keySet.keys.filter(
      (key) =>
        needed !== undefined &&
        key.kty === needed.kty &&
        (needed.crv === undefined || needed.crv.includes(key.crv ?? '')) &&
        (key.alg === undefined || key.alg === alg) &&
        (kid === undefined || key.kid === kid),
    )
    const [only, ...others] = candidates
    if (!only) return { found: false, reason: 'unknown_kid' }
    if (others.length > 0) return { found: false, reason: 'ambiguous_key' }
    return { found: true, key: only.key, kid: only.kid }
  }

  async #fetch(): Promise<JwksStatus> {
    const startedAt = this.#now()
    this.#lastAttemptAt = startedAt
    try {
      const document = await fetchJsonDocument(this.jwksUri, this.#fetchLimits)
      const { keys, ignoredKeyCount } = readKeySet(document.body)
      const fetchedAt = this.#now()
      this.#keySet = {
        keys,
        ignoredKeyCount,
        fetchedAt,
        expiresAt: fetchedAt + jwksMaxAgeMs(document.cacheControl),
      }
      this.#lastError = undefined
      this.#lastFetch = 'ok'
    } catch (error) {
      this.#lastFetch = 'error'
      if (error instanceof RemoteDocumentError) {
        this.#lastError = { reason: error.reason, message: error.message }
      } else if (error instanceof NoUsableKeysError) {
        this.#lastError = { reason: 'no_usable_keys', message: error.message }
      } else {
        this.#lastError = { reason: 'network', message: 'Unexpected failure while fetching the JWKS.' }
      }
    }
    return this.status()
  }
}

class NoUsableKeysError extends Error {}

/** Validates a JWKS document and imports its usable public keys. */
function readKeySet(body: unknown): { keys: UsableKey[]; ignoredKeyCount: number } {
  if (!isRecord(body) || !Array.isArray(body.keys)) {
    throw new RemoteDocumentError('invalid_document', 'The JWKS is not an object with a "keys" array.')
  }
  const entries: unknown[] = body.keys
  if (entries.length > MAX_JWKS_KEYS) {
    throw new RemoteDocumentError(
      'invalid_document',
      `The JWKS holds ${entries.length} keys; at most ${MAX_JWKS_KEYS} are accepted.`,
    )
  }
  const keys: UsableKey[] = []
  for (const entry of entries) {
    const usable = importPublicKey(entry)
    if (usable) keys.push(usable)
  }
  if (keys.length === 0) {
    // Keeping the old keys is safer than switching to none: an empty or all-symmetric set is far
    // more likely a broken endpoint than a provider that really stopped signing.
    throw new NoUsableKeysError('The JWKS holds no usable asymmetric signing key.')
  }
  return { keys, ignoredKeyCount: entries.length - keys.length }
}

/** @returns the key, or undefined when it is not an asymmetric public key meant for signatures. */
function importPublicKey(entry: unknown): UsableKey | undefined {
  if (!isRecord(entry)) return undefined
  const { kty, kid, alg, use, crv, key_ops: keyOps } = entry
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return undefined
  if (kid !== undefined && typeof kid !== 'string') return undefined
  if (alg !== undefined && (typeof alg !== 'string' || KEY_TYPE_OF_ALGORITHM[alg]?.kty !== kty))
    return undefined
  if (use !== undefined && use !== 'sig') return undefined
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) return undefined
  // Curves that sign: an X25519 (key agreement) or unknown-curve key could never verify a token.
  if (kty !== 'RSA' && !(typeof crv === 'string' && SIGNING_CURVES.has(crv))) return undefined
  // Only the public members go to the importer, so a leaked private part is never held.
  const publicMembers =
    kty === 'RSA' ? { kty, n: entry.n, e: entry.e } : { kty, crv: entry.crv, x: entry.x, y: entry.y }
  let key: KeyObject
  try {
    key = createPublicKey({ key: publicMembers, format: 'jwk' } as JsonWebKeyInput)
  } catch {
    return undefined
  }
  // RSA under 2048 bits can be factored by a determined attacker; such a key must not vouch for anyone.
  if (kty === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) return undefined
  return { key, kid, kty, crv: typeof crv === 'string' ? crv : undefined, alg, use }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function toDate(time: number | undefined): Date | undefined {
  return time === undefined ? undefined : new Date(time)
}
