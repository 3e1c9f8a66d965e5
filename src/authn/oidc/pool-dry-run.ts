/**
 * @module authn/oidc/pool-dry-run
 *
 * The identity-pool filter dry run: which pools of a provider a token (or a set of claims) would
 * act as, and for each pool that it would not, which part of the filter failed. Administrators
 * debug with real tokens, often expired ones, so a token's claims are read without trusting them
 * and its verification is reported beside the answer rather than deciding it.
 *
 * The filters are compiled with the compiler authentication uses and pools are selected with
 * {@link selectIdentityPools}, so the dry run cannot disagree with a real request over the same
 * stored pools. The token itself is never returned, logged or kept.
 */
import { decodeJwt } from 'jose'
import { GatewayError } from '../../core/index.ts'
import { claimsFilterCompiler, prepareFilterInput, type ExplainedCondition } from '../filters/index.ts'
import { selectIdentityPools } from './pool-selection.ts'
import type { TokenRejectionReason, TokenVerification } from './token-verifier.ts'

/** A stored pool as the dry run needs it. */
export interface DryRunPool {
  readonly id: string
  readonly providerId: string
  readonly filter: string
}

export interface IdentityPoolDryRunRequest {
  readonly providerId: string
  /** The provider's pools, in the order authentication considers them. */
  readonly pools: readonly DryRunPool[]
  /** Every pool of every provider: a `Confluent-Identity-Pool-Id` value may name any of them. */
  readonly allPools: readonly DryRunPool[]
  /** Exactly one of a bearer token (without `Bearer `) or its claims. */
  readonly subject: { readonly token: string } | { readonly claims: Readonly<Record<string, unknown>> }
  /** A `Confluent-Identity-Pool-Id` header value to evaluate as authentication would. */
  readonly identityPoolHeader?: string | undefined
}

/** What authentication would make of the token, for this provider. */
export interface DryRunTokenVerification {
  /** True only when authentication would accept the token as one of this provider's. */
  readonly isValid: boolean
  /** Why not: the verifier's reason, or `other_provider` for a token of another provider's issuer. */
  readonly reason?: TokenRejectionReason | 'other_provider'
  /** Safe to show: the message a refused caller would get, or why the token belongs elsewhere. */
  readonly message: string
  /** The registered provider whose issuer the token names, once it was recognised. */
  readonly issuerProviderId?: string
}

export interface DryRunPoolResult {
  readonly id: string
  readonly isMatched: boolean
  /** The filter's evaluation tree; present for a pool that did not match. */
  readonly explanation?: ExplainedCondition
  /** Set when the stored filter no longer compiles: the pool then matches nothing. */
  readonly compileError?: string
}

export interface IdentityPoolDryRun {
  readonly tokenVerification?: DryRunTokenVerification
  readonly pools: readonly DryRunPoolResult[]
  /** What auto pool mapping (no header) selects, and why nothing when it selects nothing. */
  readonly autoPoolMapping: { readonly poolIds: readonly string[]; readonly refusal?: string }
  /** Present when a header value was given: the pools it selects, or authentication's refusal. */
  readonly identityPoolHeader?: { readonly poolIds: readonly string[]; readonly refusal?: string }
}

/** Verifies a token as authentication does (signature, issuer, times, audience). */
export type TokenVerify = (token: string) => Promise<TokenVerification>

/**
 * Runs the dry run.
 *
 * @throws GatewayError `GW_IDENTITY_POOL_DRY_RUN_INVALID` (400) when the token's payload cannot be
 *   read as a JWT's claims; whatever `verify` throws (a store outage), unchanged.
 */
export async function dryRunIdentityPools(
  request: IdentityPoolDryRunRequest,
  verify: TokenVerify,
): Promise<IdentityPoolDryRun> {
  const { subject, providerId } = request
  let claims: Readonly<Record<string, unknown>>
  let tokenVerification: DryRunTokenVerification | undefined
  if ('token' in subject) {
    claims = readUnverifiedClaims(subject.token)
    tokenVerification = describeVerification(await verify(subject.token), providerId)
  } else {
    claims = subject.claims
  }

  const input = prepareFilterInput({ claims })
  const compiled = new Map(
    request.allPools.map((pool) => [pool.id, claimsFilterCompiler.compile(pool.filter)]),
  )
  const matches = (pool: DryRunPool): boolean => {
    const result = compiled.get(pool.id)
    return result?.ok === true && result.filter.matches(input)
  }

  const pools = request.pools.map((pool): DryRunPoolResult => {
    const result = compiled.get(pool.id)
    if (result === undefined || !result.ok) {
      return { id: pool.id, isMatched: false, compileError: result?.error.message ?? 'not compiled' }
    }
    const explanation = result.filter.explain(input)
    return explanation.matched
      ? { id: pool.id, isMatched: true }
      : { id: pool.id, isMatched: false, explanation: explanation.condition }
  })

  const poolsById = new Map(request.allPools.map((pool) => [pool.id, pool]))
  const select = (header: string | undefined) => {
    try {
      return { poolIds: selectIdentityPools(header, providerId, poolsById, request.pools, matches).map(idOf) }
    } catch (error) {
      if (error instanceof GatewayError) return { poolIds: [], refusal: error.message }
      throw error
    }
  }
  return {
    ...(tokenVerification === undefined ? {} : { tokenVerification }),
    pools,
    autoPoolMapping: select(undefined),
    ...(request.identityPoolHeader === undefined
      ? {}
      : { identityPoolHeader: select(request.identityPoolHeader) }),
  }
}

const idOf = (pool: DryRunPool) => pool.id

/** The payload of a compact JWS, unverified: only for evaluating filters, never for trust. */
function readUnverifiedClaims(token: string): Readonly<Record<string, unknown>> {
  try {
    return decodeJwt(token)
  } catch {
    // jose's message may quote parts of the token; ours names none of it.
    throw new GatewayError(
      'GW_IDENTITY_POOL_DRY_RUN_INVALID',
      'token is not a signed JWT whose payload is a JSON object (three base64url parts separated by dots).',
      { source: { pointer: '/token' } },
    )
  }
}

function describeVerification(verification: TokenVerification, providerId: string): DryRunTokenVerification {
  const issuerProviderId = verification.isValid
    ? verification.token.providerId
    : verification.rejection.providerId
  if (issuerProviderId !== undefined && issuerProviderId !== providerId) {
    const refusal = verification.isValid
      ? ''
      : ` It would be refused anyway: ${verification.rejection.clientMessage}`
    return {
      isValid: false,
      reason: 'other_provider',
      message:
        `The token was issued by identity provider ${issuerProviderId}, not ${providerId}: authentication ` +
        `would map it to that provider's pools, never to these.${refusal}`,
      issuerProviderId,
    }
  }
  if (verification.isValid) {
    return {
      isValid: true,
      message: 'The token verifies: authentication would accept it for this identity provider.',
      issuerProviderId: providerId,
    }
  }
  const { reason, clientMessage } = verification.rejection
  return {
    isValid: false,
    reason,
    message: `Authentication would refuse this token. ${clientMessage}`,
    ...(issuerProviderId === undefined ? {} : { issuerProviderId }),
  }
}
