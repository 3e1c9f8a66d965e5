/**
 * @module authn/oidc/provider-administration
 *
 * What the identity-provider API asks of the token side (the contract is
 * http/routes/iam-v2/identity-provider-services.ts): compile a pool's filter with the same compiler
 * that evaluates it, discover a provider's `jwks_uri`, and refresh its keys in the cache that
 * verification uses, reported in Confluent's `jwks_status` terms; and run the pool-filter dry run
 * with the verifier authentication uses.
 */
import { claimsFilterCompiler } from '../filters/index.ts'
import { discoverJwksUri } from './discovery.ts'
import type { JwksStatus } from './jwks-cache.ts'
import { dryRunIdentityPools, type IdentityPoolDryRunRequest } from './pool-dry-run.ts'
import type { OidcProvider, TokenVerification } from './token-verifier.ts'

export interface JwksRefresher {
  refreshJwks(provider: OidcProvider): Promise<JwksStatus>
  /** Verifies a token exactly as authentication does, without selecting pools. */
  verifyToken(token: string): Promise<TokenVerification>
  /** Rereads providers and pools; never rejects. */
  reload(): Promise<void>
}

/** Confluent's `jwks_status` after an administrator asked for a refresh. */
export function confluentJwksStatusOf(status: JwksStatus): {
  readonly status: 'REFRESHED' | 'INVALID_JWKS_URI' | 'ERROR_FETCHING_JWKS'
  readonly lastRefreshAt?: Date | undefined
} {
  const lastRefreshAt = status.fetchedAt
  if (status.lastFetch === 'ok') return { status: 'REFRESHED', lastRefreshAt }
  return {
    status: status.error?.reason === 'invalid_url' ? 'INVALID_JWKS_URI' : 'ERROR_FETCHING_JWKS',
    lastRefreshAt,
  }
}

export function identityProviderAdministration(
  refresher: JwksRefresher,
  options: { readonly allowLoopbackHttpIssuers: boolean },
) {
  return {
    allowLoopbackHttpIssuers: options.allowLoopbackHttpIssuers,
    compileIdentityPoolFilter: (source: string) => {
      const compiled = claimsFilterCompiler.compile(source)
      return compiled.ok ? ({ ok: true } as const) : ({ ok: false, message: compiled.error.message } as const)
    },
    dryRunIdentityPools(request: IdentityPoolDryRunRequest) {
      return dryRunIdentityPools(request, (token) => refresher.verifyToken(token))
    },
    reloadIdentityProviders(): Promise<void> {
      return refresher.reload()
    },
    discoverJwksUri(issuer: string): Promise<string> {
      return discoverJwksUri(issuer, { allowInsecureLoopback: options.allowLoopbackHttpIssuers })
    },
    async refreshJwks(provider: {
      readonly id: string
      readonly issuer: string
      readonly jwksUri: string
      readonly audience?: string | undefined
    }) {
      const { id, issuer, jwksUri, audience } = provider
      return confluentJwksStatusOf(
        await refresher.refreshJwks({ id, issuer, jwksUri, ...(audience === undefined ? {} : { audience }) }),
      )
    },
  }
}
