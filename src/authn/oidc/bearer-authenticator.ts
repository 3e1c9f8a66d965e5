/**
 * @module authn/oidc/bearer-authenticator
 *
 * `Authorization: Bearer <JWT>`: the token is verified against the registered identity provider
 * whose issuer it names, then mapped to that provider's identity pools (the
 * `Confluent-Identity-Pool-Id` header, or every pool whose filter matches). The caller holds every
 * selected pool as a principal (`User:pool-…`); role bindings and ACLs on those decide.
 *
 * Providers and pools are read from the store into memory and their filters compiled once; the
 * view is rebuilt on the store's change notifications (so a deleted pool or provider stops working
 * at once here and, with a shared database, within a second elsewhere) and every
 * `refreshIntervalMs` in case a notification was lost. Until the first read succeeds, every
 * bearer token is refused with 503: failing closed, and saying why.
 */
import { GatewayError, type OAuthIdentity, type Principal } from '../../core/index.ts'
import type { IdentityStore } from '../../store/index.ts'
import { claimsFilterCompiler, prepareFilterInput, type CompiledFilter } from '../filters/index.ts'
import { identityClaimValue, selectIdentityPools } from './pool-selection.ts'
import {
  tokenRejectionError,
  TokenVerifier,
  type OidcProvider,
  type TokenVerifierOptions,
} from './token-verifier.ts'

export type IdentityPoolSource = Pick<
  IdentityStore,
  'listAllIdentityProvidersWithPools' | 'onIdentityProvidersChanged'
>

/** A pool as the authenticator holds it: the stored record's essentials and its compiled filter. */
export interface ActivePool {
  readonly id: string
  readonly providerId: string
  readonly displayName: string
  readonly identityClaim: string
  /** Undefined when the stored filter no longer compiles: the pool then matches nothing. */
  readonly filter: CompiledFilter | undefined
}

interface ActiveProvider extends OidcProvider {
  readonly identityClaim: string
  readonly pools: readonly ActivePool[]
}

interface View {
  readonly providersByIssuer: ReadonlyMap<string, ActiveProvider>
  readonly providersById: ReadonlyMap<string, ActiveProvider>
  readonly poolsById: ReadonlyMap<string, ActivePool>
}

export interface BearerAuthenticatorOptions extends Omit<TokenVerifierOptions, 'findProviderByIssuer'> {
  /** Reread providers and pools this often even without a notification. */
  readonly refreshIntervalMs?: number
  /** Called when reading providers fails (the previous view stays in use). */
  readonly onReloadError?: (error: unknown) => void
}

const DEFAULT_REFRESH_INTERVAL_MS = 60_000

export class BearerAuthenticator {
  readonly #source: IdentityPoolSource
  readonly #verifier: TokenVerifier
  readonly #options: BearerAuthenticatorOptions
  #view: View | undefined
  #reloading: Promise<void> | undefined
  #reloadAgain = false
  #timer: NodeJS.Timeout | undefined
  #stopListening: (() => void) | undefined

  constructor(source: IdentityPoolSource, options: BearerAuthenticatorOptions = {}) {
    this.#source = source
    this.#options = options
    this.#verifier = new TokenVerifier({
      ...options,
      findProviderByIssuer: (issuer) => this.#view?.providersByIssuer.get(issuer),
    })
  }

  /** Reads providers and pools, and follows their changes. Rejects when the first read fails. */
  async start(): Promise<void> {
    this.#stopListening = this.#source.onIdentityProvidersChanged(() => void this.reload())
    this.#timer = setInterval(
      () => void this.reload(),
      this.#options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS,
    )
    this.#timer.unref()
    await this.reload()
    if (this.#view === undefined) throw new Error('identity providers could not be read')
  }

  close(): void {
    this.#stopListening?.()
    if (this.#timer) clearInterval(this.#timer)
  }

  /**
   * Rereads providers and pools; resolves once a read that started after this call has finished.
   * Never rejects: a failed read keeps the previous view and is reported to `onReloadError`.
   */
  reload(): Promise<void> {
    if (this.#reloading !== undefined) {
      this.#reloadAgain = true
      return this.#reloading
    }
    const run = async (): Promise<void> => {
      do {
        this.#reloadAgain = false
        try {
          this.#install(await this.#source.listAllIdentityProvidersWithPools())
        } catch (error) {
          this.#options.onReloadError?.(error)
        }
      } while (this.#reloadAgain)
    }
    this.#reloading = run().finally(() => (this.#reloading = undefined))
    return this.#reloading
  }

  #install(records: Awaited<ReturnType<IdentityPoolSource['listAllIdentityProvidersWithPools']>>): void {
    const providersByIssuer = new Map<string, ActiveProvider>()
    const providersById = new Map<string, ActiveProvider>()
    const poolsById = new Map<string, ActivePool>()
    for (const { provider, pools } of records) {
      const active: ActiveProvider = {
        id: provider.id,
        issuer: provider.issuer,
        jwksUri: provider.jwksUri,
        ...(provider.audience === undefined ? {} : { audience: provider.audience }),
        identityClaim: provider.identityClaim,
        pools: pools.map((pool) => {
          const compiled = claimsFilterCompiler.compile(pool.filter)
          const activePool: ActivePool = {
            id: pool.id,
            providerId: provider.id,
            displayName: pool.displayName,
            identityClaim: pool.identityClaim,
            filter: compiled.ok ? compiled.filter : undefined,
          }
          poolsById.set(pool.id, activePool)
          return activePool
        }),
      }
      providersByIssuer.set(active.issuer, active)
      providersById.set(active.id, active)
    }
    // A provider that is gone or now points elsewhere must not keep its verified tokens.
    for (const [id, previous] of this.#view?.providersById ?? []) {
      const current = providersById.get(id)
      if (
        current === undefined ||
        current.issuer !== previous.issuer ||
        current.jwksUri !== previous.jwksUri ||
        current.audience !== previous.audience
      ) {
        this.#verifier.forgetProvider(id)
      }
    }
    this.#view = { providersByIssuer, providersById, poolsById }
  }

  /** The provider as verification sees it, for `PATCH …/jwks` and the dry run. */
  provider(id: string): ActiveProvider | undefined {
    return this.#view?.providersById.get(id)
  }

  /** Forces a JWKS refresh of a provider (drops its cached tokens). */
  refreshJwks(provider: OidcProvider) {
    return this.#verifier.refreshJwks(provider)
  }

  /**
   * Verifies a token as {@link authenticate} does, without selecting pools: for the dry run, which
   * reports the outcome instead of acting on it.
   */
  verifyToken(token: string) {
    return this.#verifier.verify(token)
  }

  jwksStatus(provider: OidcProvider) {
    return this.#verifier.jwksStatus(provider)
  }

  /**
   * Verifies a token and selects its pools.
   *
   * @param poolHeader the `Confluent-Identity-Pool-Id` header, if sent.
   * @throws GatewayError `GW_AUTHN_FAILED` (401) for a token that does not verify or selects no
   *   pool; `GW_STORE_UNAVAILABLE` (503) before providers could ever be read.
   */
  async authenticate(
    token: string,
    poolHeader: string | readonly string[] | undefined,
  ): Promise<Principal & { readonly oauth: OAuthIdentity }> {
    if (this.#view === undefined) {
      throw new GatewayError(
        'GW_STORE_UNAVAILABLE',
        'Identity providers are not loaded yet; try again shortly.',
      )
    }
    const verification = await this.#verifier.verify(token)
    if (!verification.isValid) throw tokenRejectionError(verification.rejection)
    const { providerId, claims } = verification.token
    // Read after verifying: a provider or pool deleted meanwhile no longer counts.
    const view = this.#view
    const provider = view.providersById.get(providerId)
    if (provider === undefined) {
      // Deleted between the lookup and now: as if it never existed.
      throw new GatewayError(
        'GW_AUTHN_FAILED',
        'Authentication failed: the bearer token could not be verified.',
      )
    }
    const input = prepareFilterInput({ claims })
    const pools = selectIdentityPools(
      poolHeader,
      providerId,
      view.poolsById,
      provider.pools,
      (pool) => pool.filter?.matches(input) === true,
    )
    const principals = pools.map((pool) => `User:${pool.id}`)
    // As Confluent: the provider's identity claim names the caller, unless the header asked for
    // exactly one pool; then that pool's claim does.
    const identityClaim =
      namesPools(poolHeader) && pools.length === 1 ? pools[0]!.identityClaim : provider.identityClaim
    const oauth: OAuthIdentity = {
      providerId,
      poolIds: pools.map((pool) => pool.id),
      subject: identityClaimValue(identityClaim, claims),
    }
    return {
      name: principals[0]!,
      principals,
      method: 'oauth',
      credentialId: providerId,
      // A token is not bound to one API: what it may do is decided by the pools' role bindings
      // and ACLs, on the data plane and the control plane alike.
      scope: { kind: 'global' },
      oauth,
    }
  }
}

/** Whether a `Confluent-Identity-Pool-Id` header asks for pools (blank means auto pool mapping). */
function namesPools(poolHeader: string | readonly string[] | undefined): boolean {
  const raw = Array.isArray(poolHeader) ? poolHeader.join(',') : (poolHeader as string | undefined)
  return raw !== undefined && raw.trim() !== ''
}
