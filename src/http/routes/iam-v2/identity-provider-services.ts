/**
 * @module http/routes/iam-v2/identity-provider-services
 *
 * What the identity-provider and identity-pool routes need from the token-verification side of the
 * gateway, as injected dependencies: compiling a pool's filter, discovering a provider's JWKS URI,
 * and refreshing its keys. The routes only manage what is stored; these functions own the OIDC and
 * filter semantics, so the routes never depend on how tokens are verified.
 */
import type { IdentityPoolDryRun, IdentityPoolDryRunRequest } from '../../../authn/index.ts'
import type { IdentityProviderRecord } from '../../../store/index.ts'

/** The outcome of compiling a filter: no exception for a bad filter, a message for the caller instead. */
export type FilterCompilation = { readonly ok: true } | { readonly ok: false; readonly message: string }

/** Confluent's values of `status.jwks_status`. */
export type JwksStatus = 'REFRESHED' | 'OK' | 'INVALID_JWKS_URI' | 'ERROR_FETCHING_JWKS'

export interface JwksRefreshResult {
  readonly status: JwksStatus
  /** When the keys were last fetched successfully; absent when they never were. */
  readonly lastRefreshAt?: Date | undefined
}

export interface IdentityProviderServices {
  /**
   * Checks that `source` is a filter the gateway can evaluate on token claims. Must not throw for
   * a bad filter: it returns `ok: false` with a message that says where the filter is wrong (it is
   * shown to the caller as is, so it must not contain anything secret). The routes check the
   * 300-character limit themselves before calling.
   */
  compileIdentityPoolFilter(source: string): FilterCompilation
  /**
   * OIDC discovery: reads `<issuer>/.well-known/openid-configuration` and resolves to its
   * `jwks_uri`. Rejects with an `Error` whose message says why discovery failed (unreachable,
   * not JSON, another issuer, no `jwks_uri`); the message is shown to the caller. The routes
   * check the returned URI as if the caller had given it.
   */
  discoverJwksUri(issuer: string): Promise<string>
  /**
   * Fetches the provider's keys now, replacing any cached ones, and reports the outcome. Never
   * rejects for a failed fetch (that is `ERROR_FETCHING_JWKS` or `INVALID_JWKS_URI`); a rejection
   * is a bug and answers 500.
   */
  refreshJwks(provider: IdentityProviderRecord): Promise<JwksRefreshResult>
  /**
   * Called after every change to providers or pools made through the API, before it answers:
   * resolves once token verification uses the stored state (a deleted pool grants nothing from
   * the next request on). Must not reject.
   */
  reloadIdentityProviders(): Promise<void>
  /**
   * The filter dry run: evaluates every pool of the provider against a token's claims or given
   * claims, selects pools as authentication would, and, for a token, reports what verification
   * says about it (for this provider). Never returns, logs or keeps the token.
   *
   * @throws GatewayError `GW_IDENTITY_POOL_DRY_RUN_INVALID` (400) for a token whose payload is not
   *   a JSON object; anything else it throws is a bug or an outage.
   */
  dryRunIdentityPools(request: IdentityPoolDryRunRequest): Promise<IdentityPoolDryRun>
  /**
   * Development only (`authentication.allowLoopbackHttpIssuers`): accept `http://` issuer and JWKS
   * URLs whose host is loopback. Every other URL must be `https://`.
   */
  readonly allowLoopbackHttpIssuers: boolean
}
