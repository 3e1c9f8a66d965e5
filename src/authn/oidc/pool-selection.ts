/**
 * @module authn/oidc/pool-selection
 *
 * Which identity pools a verified token acts as. The `Confluent-Identity-Pool-Id` header names one
 * pool or a comma-separated list; without it, every pool of the token's provider whose filter
 * matches applies (auto pool mapping). The caller then holds all selected pools as principals.
 *
 * Choices (docs/compatibility.md): a listed pool that does not exist, belongs to another provider
 * or whose filter does not match fails the whole request (401), rather than silently narrowing the
 * caller's rights; a token that matches no pool is an authentication failure (401), not a 403.
 */
import { GatewayError } from '../../core/index.ts'

/** A pool as selection needs it: its identity and its provider. */
export interface SelectablePool {
  readonly id: string
  readonly providerId: string
}

/** The header that names pools; HTTP header names are case-insensitive, Node gives them in lower case. */
export const IDENTITY_POOL_HEADER = 'confluent-identity-pool-id'

/** More pool ids than this in one header is refused: no real caller needs more, and each costs a filter run. */
const MAX_LISTED_POOLS = 50

const POOL_ID = /^pool-[A-Za-z0-9]{1,64}$/

function refused(detail: string): GatewayError {
  return new GatewayError('GW_AUTHN_FAILED', `Authentication failed: ${detail}`)
}

/**
 * The pool ids a `Confluent-Identity-Pool-Id` header names, without duplicates; undefined when it
 * is absent or blank (auto pool mapping).
 *
 * @throws GatewayError `GW_AUTHN_FAILED` (401) for more than 50 ids or one that is not `pool-…`.
 */
export function listedPoolIds(header: string | readonly string[] | undefined): string[] | undefined {
  const raw = Array.isArray(header) ? header.join(',') : (header as string | undefined)
  if (raw === undefined || raw.trim() === '') return undefined
  const ids = [...new Set(raw.split(',').map((id) => id.trim()))]
  if (ids.length > MAX_LISTED_POOLS) {
    throw refused(`the Confluent-Identity-Pool-Id header names more than ${MAX_LISTED_POOLS} pools.`)
  }
  for (const id of ids) {
    if (!POOL_ID.test(id)) {
      throw refused(
        `"${id.slice(0, 70)}" in the Confluent-Identity-Pool-Id header is not an identity pool id (pool-…); list several with commas.`,
      )
    }
  }
  return ids
}

/**
 * The pools of `providerId` that these claims act as.
 *
 * @param header the raw `Confluent-Identity-Pool-Id` value, if sent (repeated headers arrive
 *   joined with `,` or as an array; both are accepted).
 * @param poolsById every pool the gateway knows, of any provider.
 * @param poolsOfProvider the pools of the token's provider, in a stable order.
 * @param matches whether a pool's filter holds for the token; false (never a throw) when it
 *   cannot be evaluated.
 * @throws GatewayError `GW_AUTHN_FAILED` (401) naming what is wrong: a malformed or unknown pool
 *   id, a pool of another provider, a filter that does not match, or no pool at all.
 */
export function selectIdentityPools<Pool extends SelectablePool>(
  header: string | readonly string[] | undefined,
  providerId: string,
  poolsById: ReadonlyMap<string, Pool>,
  poolsOfProvider: readonly Pool[],
  matches: (pool: Pool) => boolean,
): Pool[] {
  const ids = listedPoolIds(header)
  if (ids === undefined) {
    const matched = poolsOfProvider.filter(matches)
    if (matched.length === 0) {
      throw refused(
        'the token matches no identity pool of its identity provider; check the pools’ filters against the token’s claims.',
      )
    }
    return matched
  }
  const selected: Pool[] = []
  for (const id of ids) {
    const pool = poolsById.get(id)
    // An unknown pool and another provider's pool get the same answer: the header must not tell
    // a caller which pools exist elsewhere.
    if (pool === undefined || pool.providerId !== providerId) {
      throw refused(`identity pool ${id} does not exist for the provider that issued this token.`)
    }
    if (!matches(pool)) {
      throw refused(`the token does not match the filter of identity pool ${id}.`)
    }
    selected.push(pool)
  }
  return selected
}

/**
 * The value of a pool's or provider's identity claim (`claims.sub`, `claims.client_id`, a nested
 * `claims.a.b`) in the token, as text for logs and audit records; undefined when absent or not a
 * scalar.
 */
export function identityClaimValue(
  identityClaim: string,
  claims: Readonly<Record<string, unknown>>,
): string | undefined {
  const path = identityClaim.startsWith('claims.') ? identityClaim.slice('claims.'.length) : identityClaim
  let value: unknown = claims
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
    if (!Object.hasOwn(value, part)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined
}
