/**
 * @module authn/oidc/token-verifier
 *
 * Verifies an OAuth/OIDC bearer token (a JWT signed by a registered identity provider) and says
 * which provider issued it. It does not map the token to identity pools: that is the next step.
 *
 * The checks are written out here one by one, in the order they run, rather than left to a
 * library's defaults, so that each one is visible and has its own test. `jose` only checks the
 * signature, with a key we chose from the provider's JWKS. In order:
 *
 * 1. size (8 KiB by default), then shape: a compact JWS of three base64url parts (a five-part JWE
 *    is refused: we never decrypt), with canonical base64url and JSON objects in header and payload;
 * 2. `alg` must be an asymmetric signature algorithm: `none` and the HMAC family are refused before
 *    any key is looked at, which closes the "HS256 keyed with the provider's public key" attack;
 * 3. a `crit` header is refused: we implement no JWS extension, so we may not ignore one;
 * 4. `jku`, `x5u`, `jwk`, `x5c` are never read: a token does not get to say which key verifies it;
 * 5. `iss` must be the issuer of a registered provider, character for character;
 * 6. the key is the one of that provider's JWKS that matches `kid` and `alg`;
 * 7. the signature (jose);
 * 8. `exp` is required; `nbf` and `iat`, when present, must not be in the future; all three with
 *    the configured clock skew;
 * 9. when the provider has an audience, `aud` (a string or an array) must contain it.
 *
 * Signature before claims is deliberate: a token reported as "expired" is then a genuine token of
 * that provider, which is what the audit log should say.
 */
import { compactVerify } from 'jose'
import { GatewayError } from '../../core/index.ts'
import { JwksCache, type JwksStatus } from './jwks-cache.ts'
import type { RemoteFetchLimits } from './remote-document.ts'
import { VerifiedTokenCache } from './verified-token-cache.ts'

/** The accepted signature algorithms: asymmetric only. */
export const ACCEPTED_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]

export const DEFAULT_MAX_TOKEN_BYTES = 8 * 1024
export const DEFAULT_CLOCK_SKEW_SECONDS = 60
/** Identity providers advise less than five minutes of skew; more would stretch every token's life. */
export const MAX_CLOCK_SKEW_SECONDS = 300

/** The part of a registered identity provider that verification needs. */
export interface OidcProvider {
  readonly id: string
  /** Compared with the token's `iss` exactly. */
  readonly issuer: string
  readonly jwksUri: string
  /** When set, the token's `aud` must contain it. */
  readonly audience?: string
}

/**
 * Finds the registered provider whose issuer is exactly `issuer`. May be asynchronous (a store);
 * if it throws, {@link TokenVerifier.verify} lets the error through unchanged, so the caller can
 * answer "unavailable" instead of "unauthenticated".
 */
export type ProviderLookup = (issuer: string) => OidcProvider | undefined | Promise<OidcProvider | undefined>

export interface TokenVerifierOptions {
  readonly findProviderByIssuer: ProviderLookup
  /** Tolerance for clocks that disagree, applied to `exp`, `nbf` and `iat`. Default 60, at most 300. */
  readonly clockSkewSeconds?: number
  /** Longest token accepted, in bytes. Default 8 KiB. */
  readonly maxTokenBytes?: number
  /** Limits for fetching JWKS documents; see {@link RemoteFetchLimits}. */
  readonly fetchLimits?: RemoteFetchLimits
  /** Least time between two JWKS fetches of one provider not asked for by an administrator. */
  readonly jwksCooldownMs?: number
  /** Most verified tokens remembered; 0 turns the cache off. Default 10 000. */
  readonly maxCachedTokens?: number
  readonly now?: () => number
}

/** A JSON object read from a token, frozen (deeply) so cached results cannot be altered. */
export type TokenObject = Readonly<Record<string, unknown>>

export interface VerifiedToken {
  readonly providerId: string
  /** The protected header. `alg` is one of {@link ACCEPTED_ALGORITHMS}. */
  readonly header: TokenObject & { readonly alg: string }
  /** The claims; `iss` and `exp` are present and checked. */
  readonly claims: TokenObject & { readonly iss: string; readonly exp: number }
  /** The `kid` of the JWKS key that verified the signature (for logs). */
  readonly keyId: string | undefined
  readonly expiresAt: Date
}

/** Why a token was refused. Stable values, for the audit log and metrics. */
export type TokenRejectionReason =
  | 'too_large'
  | 'malformed'
  | 'encrypted_token'
  | 'alg_none'
  | 'alg_symmetric'
  | 'alg_not_accepted'
  | 'crit_header'
  | 'missing_issuer'
  | 'unknown_issuer'
  | 'jwks_unavailable'
  | 'unknown_kid'
  | 'ambiguous_key'
  | 'bad_signature'
  | 'missing_expiry'
  | 'invalid_time_claim'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'audience_mismatch'

export interface TokenRejection {
  readonly reason: TokenRejectionReason
  /** For the audit log: precise, may name the issuer, `alg` or `kid`, never holds the token. */
  readonly detail: string
  /** Safe to send to the client. */
  readonly clientMessage: string
  /** The provider, once the issuer was recognised. */
  readonly providerId?: string
}

export type TokenVerification =
  | { readonly isValid: true; readonly token: VerifiedToken }
  | { readonly isValid: false; readonly rejection: TokenRejection }

const CLIENT_MESSAGES: Readonly<Record<TokenRejectionReason, string>> = {
  too_large: 'Authentication failed: the bearer token is too large.',
  malformed: 'Authentication failed: the bearer token is not a well-formed signed JWT.',
  encrypted_token: 'Authentication failed: encrypted tokens (JWE) are not accepted; send a signed JWT.',
  alg_none: 'Authentication failed: the bearer token is not signed.',
  alg_symmetric: 'Authentication failed: the bearer token’s signing algorithm is not accepted.',
  alg_not_accepted: 'Authentication failed: the bearer token’s signing algorithm is not accepted.',
  crit_header:
    'Authentication failed: the bearer token uses a critical header extension that is not supported.',
  missing_issuer: 'Authentication failed: the bearer token has no issuer.',
  unknown_issuer: 'Authentication failed: the bearer token could not be verified.',
  jwks_unavailable: 'Authentication failed: the bearer token could not be verified.',
  unknown_kid: 'Authentication failed: the bearer token could not be verified.',
  ambiguous_key: 'Authentication failed: the bearer token could not be verified.',
  bad_signature: 'Authentication failed: the bearer token could not be verified.',
  missing_expiry: 'Authentication failed: the bearer token has no expiry time.',
  invalid_time_claim: 'Authentication failed: the bearer token is not a well-formed signed JWT.',
  expired: 'Authentication failed: the bearer token has expired.',
  not_yet_valid: 'Authentication failed: the bearer token is not valid yet.',
  issued_in_future: 'Authentication failed: the bearer token is not valid yet.',
  audience_mismatch: 'Authentication failed: the bearer token is not meant for this service.',
}

const BASE64URL = /^[A-Za-z0-9_-]*$/
const MAX_KID_LENGTH = 256

/**
 * Verifies bearer tokens against the registered identity providers. One instance serves all
 * providers: it keeps one {@link JwksCache} per provider and one cache of verified tokens.
 *
 * Callers must call {@link TokenVerifier.forgetProvider} when a provider is deleted or its issuer,
 * `jwks_uri` or audience change: cached verifications of its tokens are only dropped then.
 */
export class TokenVerifier {
  readonly #findProviderByIssuer: ProviderLookup
  readonly #clockSkewSeconds: number
  readonly #maxTokenBytes: number
  readonly #fetchLimits: RemoteFetchLimits
  readonly #jwksCooldownMs: number | undefined
  readonly #now: () => number
  readonly #jwksByProvider = new Map<string, JwksCache>()
  readonly #verifiedTokens: VerifiedTokenCache<VerifiedToken>

  constructor(options: TokenVerifierOptions) {
    const clockSkewSeconds = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS
    if (!(clockSkewSeconds >= 0 && clockSkewSeconds <= MAX_CLOCK_SKEW_SECONDS)) {
      throw new TypeError(`TokenVerifier: clockSkewSeconds must be between 0 and ${MAX_CLOCK_SKEW_SECONDS}.`)
    }
    const maxTokenBytes = options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES
    if (!(Number.isInteger(maxTokenBytes) && maxTokenBytes > 0)) {
      throw new TypeError('TokenVerifier: maxTokenBytes must be a whole number above 0.')
    }
    this.#findProviderByIssuer = options.findProviderByIssuer
    this.#clockSkewSeconds = clockSkewSeconds
    this.#maxTokenBytes = maxTokenBytes
    this.#fetchLimits = options.fetchLimits ?? {}
    this.#jwksCooldownMs = options.jwksCooldownMs
    this.#now = options.now ?? Date.now
    this.#verifiedTokens = new VerifiedTokenCache({
      now: this.#now,
      ...(options.maxCachedTokens === undefined ? {} : { maxEntries: options.maxCachedTokens }),
    })
  }

  /**
   * Verifies `token` (the bearer credential, without the `Bearer ` prefix).
   *
   * @returns `{ isValid: true, token }` with the provider, header and claims, or
   *   `{ isValid: false, rejection }` saying why. Never throws for a bad token.
   * @throws whatever the provider lookup throws (e.g. a store outage), unchanged.
   */
  async verify(token: string): Promise<TokenVerification> {
    // The size check runs before hashing, so an oversized token costs nothing.
    const cached = token.length <= this.#maxTokenBytes ? this.#verifiedTokens.get(token) : undefined
    if (cached) return { isValid: true, token: cached }

    const parsed = parseCompactJws(token, this.#maxTokenBytes)
    if ('reason' in parsed) return reject(parsed.reason, parsed.detail)
    const { header, alg, kid, claims } = parsed

    const issuer = claims.iss
    if (typeof issuer !== 'string' || issuer === '')
      return reject('missing_issuer', 'The token has no iss claim.')
    const provider = await this.#findProviderByIssuer(issuer)
    // The exact comparison also guards against a lookup that normalises (case, trailing slash).
    if (!provider || provider.issuer !== issuer) {
      return reject(
        'unknown_issuer',
        `No identity provider has the issuer ${JSON.stringify(issuer.slice(0, 200))}.`,
      )
    }
    const providerId = provider.id

    const selection = await this.#jwksOf(provider).selectKey(alg, kid)
    if (!selection.found) {
      const kidText = kid === undefined ? 'no kid' : `kid ${JSON.stringify(kid)}`
      switch (selection.reason) {
        case 'no_keys':
          return reject('jwks_unavailable', `The provider's JWKS could not be fetched yet.`, providerId)
        case 'unknown_kid':
          return reject(
            'unknown_kid',
            `No key of the provider's JWKS fits ${alg} with ${kidText}.`,
            providerId,
          )
        case 'ambiguous_key':
          return reject('ambiguous_key', `The token has no kid and several ${alg} keys fit.`, providerId)
      }
    }
    try {
      await compactVerify(token, selection.key, { algorithms: [alg] })
    } catch (error) {
      const code = (error as { code?: unknown }).code
      return reject(
        'bad_signature',
        `The signature does not verify with the provider's key ${JSON.stringify(selection.kid ?? null)} (${typeof code === 'string' ? code : 'error'}).`,
        providerId,
      )
    }

    const timeRejection = this.#checkTimes(claims)
    if (timeRejection) return reject(timeRejection.reason, timeRejection.detail, providerId)
    if (provider.audience !== undefined && !hasAudience(claims.aud, provider.audience)) {
      return reject(
        'audience_mismatch',
        `The token's aud does not contain ${JSON.stringify(provider.audience)}.`,
        providerId,
      )
    }

    const exp = claims.exp as number
    const verified: VerifiedToken = {
      providerId,
      header: deepFreeze({ ...header, alg }),
      claims: deepFreeze(claims) as VerifiedToken['claims'],
      keyId: selection.kid,
      expiresAt: new Date(exp * 1000),
    }
    this.#verifiedTokens.set(token, providerId, exp * 1000, verified)
    return { isValid: true, token: verified }
  }

  /**
   * Fetches the provider's JWKS now (an administrator's refresh) and drops the provider's cached
   * token verifications, so that a key removed from the JWKS stops working at once.
   *
   * @returns the JWKS status after the fetch; never throws.
   */
  async refreshJwks(provider: OidcProvider): Promise<JwksStatus> {
    this.#verifiedTokens.clearProvider(provider.id)
    return this.#jwksOf(provider).refresh()
  }

  /** The provider's JWKS status, without fetching. */
  jwksStatus(provider: OidcProvider): JwksStatus {
    return this.#jwksOf(provider).status()
  }

  /** Forgets a provider's keys and cached token verifications (deleted or changed provider). */
  forgetProvider(providerId: string): void {
    this.#jwksByProvider.delete(providerId)
    this.#verifiedTokens.clearProvider(providerId)
  }

  #jwksOf(provider: OidcProvider): JwksCache {
    const existing = this.#jwksByProvider.get(provider.id)
    if (existing && existing.jwksUri === provider.jwksUri) return existing
    // A new jwks_uri makes the old keys meaningless, and so are the tokens verified with them.
    if (existing) this.#verifiedTokens.clearProvider(provider.id)
    const jwks = new JwksCache({
      jwksUri: provider.jwksUri,
      fetchLimits: this.#fetchLimits,
      now: this.#now,
      ...(this.#jwksCooldownMs === undefined ? {} : { cooldownMs: this.#jwksCooldownMs }),
    })
    this.#jwksByProvider.set(provider.id, jwks)
    return jwks
  }

  #checkTimes(claims: TokenObject): { reason: TokenRejectionReason; detail: string } | undefined {
    const { exp, nbf, iat } = claims
    if (exp === undefined) return { reason: 'missing_expiry', detail: 'The token has no exp claim.' }
    for (const [name, value] of [
      ['exp', exp],
      ['nbf', nbf],
      ['iat', iat],
    ] as const) {
      if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value))) {
        return { reason: 'invalid_time_claim', detail: `The token's ${name} claim is not a number.` }
      }
    }
    const nowSeconds = this.#now() / 1000
    const skew = this.#clockSkewSeconds
    if (nowSeconds >= (exp as number) + skew) {
      return { reason: 'expired', detail: `The token expired at ${isoTime(exp as number)} (skew ${skew} s).` }
    }
    if (typeof nbf === 'number' && nbf > nowSeconds + skew) {
      return {
        reason: 'not_yet_valid',
        detail: `The token is not valid before ${isoTime(nbf)} (skew ${skew} s).`,
      }
    }
    if (typeof iat === 'number' && iat > nowSeconds + skew) {
      return {
        reason: 'issued_in_future',
        detail: `The token claims to be issued at ${isoTime(iat)} (skew ${skew} s).`,
      }
    }
    return undefined
  }
}

/**
 * The error to throw for a refused token: `GW_AUTHN_FAILED` (401) with the client-safe message; the
 * rejection, with its precise reason, rides along as `cause` for the log.
 */
export function tokenRejectionError(rejection: TokenRejection): GatewayError {
  return new GatewayError('GW_AUTHN_FAILED', rejection.clientMessage, { cause: rejection })
}

type ParsedJws =
  | { header: TokenObject; alg: string; kid: string | undefined; claims: TokenObject }
  | { reason: TokenRejectionReason; detail: string }

/** Steps 1 to 4 of the module comment: everything that needs no key. */
function parseCompactJws(token: string, maxTokenBytes: number): ParsedJws {
  if (typeof token !== 'string') return { reason: 'malformed', detail: 'The token is not a string.' }
  // Valid tokens are ASCII, so characters are bytes; a longer non-ASCII token is refused either way.
  if (token.length > maxTokenBytes) {
    return {
      reason: 'too_large',
      detail: `The token has ${token.length} characters; at most ${maxTokenBytes} are accepted.`,
    }
  }
  const parts = token.split('.')
  if (parts.length === 5) return { reason: 'encrypted_token', detail: 'The token has five parts: a JWE.' }
  if (parts.length !== 3)
    return { reason: 'malformed', detail: `The token has ${parts.length} parts, not 3.` }
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts

  const header = decodeJsonObject(headerPart)
  if (!header) return { reason: 'malformed', detail: 'The header is not base64url-encoded JSON object.' }
  const { alg, kid } = header
  if (typeof alg !== 'string') return { reason: 'alg_not_accepted', detail: 'The header has no alg.' }
  if (alg.toLowerCase() === 'none') return { reason: 'alg_none', detail: 'The token is unsigned (alg none).' }
  if (/^HS\d+$/i.test(alg)) {
    return {
      reason: 'alg_symmetric',
      detail: `The token is signed with the symmetric algorithm ${alg.slice(0, 20)}.`,
    }
  }
  if (!ACCEPTED_ALGORITHMS.includes(alg)) {
    return {
      reason: 'alg_not_accepted',
      detail: `The algorithm ${JSON.stringify(alg.slice(0, 20))} is not accepted.`,
    }
  }
  if ('crit' in header) return { reason: 'crit_header', detail: 'The header has a crit parameter.' }
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > MAX_KID_LENGTH)) {
    return { reason: 'malformed', detail: 'The header kid is not a string of at most 256 characters.' }
  }
  if (signaturePart === '' || !isCanonicalBase64url(signaturePart)) {
    return { reason: 'malformed', detail: 'The signature is missing or not base64url.' }
  }
  const claims = decodeJsonObject(payloadPart)
  if (!claims) return { reason: 'malformed', detail: 'The payload is not base64url-encoded JSON object.' }
  return { header, alg, kid, claims }
}

/** @returns the decoded object, or undefined for anything but canonical base64url of a UTF-8 JSON object. */
function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  if (part === '' || !isCanonicalBase64url(part)) return undefined
  try {
    const value: unknown = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(part, 'base64url')),
    )
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** Node's decoder skips bad characters silently; re-encoding catches them and non-zero padding bits. */
function isCanonicalBase64url(part: string): boolean {
  return BASE64URL.test(part) && Buffer.from(part, 'base64url').toString('base64url') === part
}

function hasAudience(aud: unknown, audience: string): boolean {
  if (typeof aud === 'string') return aud === audience
  return Array.isArray(aud) && aud.includes(audience)
}

function reject(reason: TokenRejectionReason, detail: string, providerId?: string): TokenVerification {
  return {
    isValid: false,
    rejection: {
      reason,
      detail,
      clientMessage: CLIENT_MESSAGES[reason],
      ...(providerId ? { providerId } : {}),
    },
  }
}

function isoTime(seconds: number): string {
  const date = new Date(seconds * 1000)
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString()
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
