/**
 * @module authn/sso/oidc-sign-in
 *
 * The relying-party side of OpenID Connect sign-in for the console: the authorization-code flow
 * with PKCE (S256), `state` and `nonce`. Discovery and JWKS reuse the modules that serve identity
 * providers (remote-document.ts, jwks-cache.ts), with the same fetch limits; the ID token is
 * verified with jose against the key the cache selects, with issuer, audience (the client id),
 * algorithm, expiry and nonce all checked.
 */
import { createHash, randomBytes } from 'node:crypto'
import { jwtVerify, decodeProtectedHeader } from 'jose'
import { JwksCache } from '../oidc/jwks-cache.ts'
import { discoveryDocumentUrl } from '../oidc/discovery.ts'
import { checkFetchableUrl, fetchJsonDocument, type RemoteFetchLimits } from '../oidc/remote-document.ts'
import { ACCEPTED_ALGORITHMS } from '../oidc/token-verifier.ts'

export interface OidcSignInOptions {
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string
  readonly scopes: readonly string[]
  /** `<console public URL>/console/auth/callback`. */
  readonly redirectUri: string
  readonly clockSkewSeconds: number
  readonly fetchLimits: RemoteFetchLimits
  /** Injected for tests; defaults to global fetch (for the token endpoint). */
  readonly fetch?: typeof fetch
}

/** Why a sign-in could not finish; `message` is safe to show (no token, code or secret in it). */
export class SignInError extends Error {
  readonly reason: 'provider_unreachable' | 'provider_error' | 'token_exchange_failed' | 'invalid_id_token'
  constructor(reason: SignInError['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SignInError'
    this.reason = reason
  }
}

interface ProviderMetadata {
  readonly authorizationEndpoint: string
  readonly tokenEndpoint: string
  readonly endSessionEndpoint: string | undefined
  readonly jwks: JwksCache
}

/** A new random value, base64url (32 bytes = 256 bits unless told otherwise). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** SHA-256, base64url: how session ids and states are stored. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

export class OidcSignInClient {
  readonly #options: OidcSignInOptions
  #metadata: Promise<ProviderMetadata> | undefined

  constructor(options: OidcSignInOptions) {
    checkFetchableUrl(options.issuer, options.fetchLimits.allowInsecureLoopback ?? false)
    this.#options = options
  }

  /** Reads the discovery document once (again after a failure). */
  #provider(): Promise<ProviderMetadata> {
    if (this.#metadata === undefined) {
      this.#metadata = this.#discover()
      this.#metadata.catch(() => (this.#metadata = undefined))
    }
    return this.#metadata
  }

  async #discover(): Promise<ProviderMetadata> {
    const limits = this.#options.fetchLimits
    let body: unknown
    try {
      body = (await fetchJsonDocument(discoveryDocumentUrl(this.#options.issuer), limits)).body
    } catch (error) {
      throw new SignInError(
        'provider_unreachable',
        'The identity provider’s discovery document could not be read.',
        { cause: error },
      )
    }
    const document = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
    const url = (name: string, required: boolean): string | undefined => {
      const value = document[name]
      if (value === undefined && !required) return undefined
      if (typeof value !== 'string')
        throw new SignInError('provider_error', `The provider’s discovery document has no ${name}.`)
      try {
        return checkFetchableUrl(value, limits.allowInsecureLoopback ?? false).toString()
      } catch (error) {
        throw new SignInError('provider_error', `The provider’s ${name} is not an acceptable URL.`, {
          cause: error,
        })
      }
    }
    if (document['issuer'] !== this.#options.issuer)
      throw new SignInError('provider_error', 'The provider’s discovery document names another issuer.')
    const methods = document['code_challenge_methods_supported']
    if (Array.isArray(methods) && !methods.includes('S256'))
      throw new SignInError('provider_error', 'The provider does not support PKCE with S256.')
    return {
      authorizationEndpoint: url('authorization_endpoint', true)!,
      tokenEndpoint: url('token_endpoint', true)!,
      endSessionEndpoint: url('end_session_endpoint', false),
      jwks: new JwksCache({ jwksUri: url('jwks_uri', true)!, fetchLimits: limits }),
    }
  }

  /**
   * Starts a sign-in: the URL to send the browser to, and what the callback needs (the caller
   * stores it under a hash of `state`).
   */
  async start(): Promise<{ url: string; state: string; codeVerifier: string; nonce: string }> {
    const provider = await this.#provider()
    const state = randomToken()
    const nonce = randomToken()
    const codeVerifier = randomToken(48)
    const url = new URL(provider.authorizationEndpoint)
    url.searchParams.set('response_type', 'code')
    url.searchParams.set('client_id', this.#options.clientId)
    url.searchParams.set('redirect_uri', this.#options.redirectUri)
    url.searchParams.set('scope', this.#options.scopes.join(' '))
    url.searchParams.set('state', state)
    url.searchParams.set('nonce', nonce)
    url.searchParams.set('code_challenge', sha256(codeVerifier))
    url.searchParams.set('code_challenge_method', 'S256')
    return { url: url.toString(), state, codeVerifier, nonce }
  }

  /**
   * Exchanges the code for tokens and verifies the ID token.
   *
   * @returns the ID token's claims.
   * @throws SignInError when the exchange fails or the ID token is not valid for this sign-in.
   */
  async finish(
    code: string,
    expected: { codeVerifier: string; nonce: string },
  ): Promise<Record<string, unknown>> {
    const provider = await this.#provider()
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.#options.redirectUri,
      code_verifier: expected.codeVerifier,
    })
    // client_secret_basic: both parts form-encoded first (RFC 6749 §2.3.1).
    const basic = Buffer.from(
      `${encodeURIComponent(this.#options.clientId)}:${encodeURIComponent(this.#options.clientSecret)}`,
    ).toString('base64')
    let response: Response
    try {
      response = await (this.#options.fetch ?? fetch)(provider.tokenEndpoint, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: body.toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(this.#options.fetchLimits.totalTimeoutMs ?? 10_000),
      })
    } catch (error) {
      throw new SignInError(
        'provider_unreachable',
        'The identity provider’s token endpoint did not answer.',
        {
          cause: error,
        },
      )
    }
    const text = await response.text().catch(() => '')
    let tokens: Record<string, unknown> = {}
    try {
      const parsed: unknown = JSON.parse(text)
      if (typeof parsed === 'object' && parsed !== null) tokens = parsed as Record<string, unknown>
    } catch {
      // Handled below: no id_token.
    }
    if (!response.ok) {
      const code =
        typeof tokens['error'] === 'string' ? tokens['error'].slice(0, 100) : `HTTP ${response.status}`
      throw new SignInError(
        'token_exchange_failed',
        `The identity provider refused the sign-in code (${code}).`,
      )
    }
    const idToken = tokens['id_token']
    if (typeof idToken !== 'string')
      throw new SignInError('token_exchange_failed', 'The identity provider answered without an ID token.')
    return this.#verifyIdToken(provider, idToken, expected.nonce)
  }

  async #verifyIdToken(
    provider: ProviderMetadata,
    idToken: string,
    nonce: string,
  ): Promise<Record<string, unknown>> {
    const invalid = (why: string, cause?: unknown) =>
      new SignInError('invalid_id_token', `The identity provider’s ID token is not valid: ${why}.`, { cause })
    let header: { alg?: string; kid?: string }
    try {
      header = decodeProtectedHeader(idToken)
    } catch (error) {
      throw invalid('it is not a signed JWT', error)
    }
    const alg = header.alg ?? ''
    if (!ACCEPTED_ALGORITHMS.includes(alg)) throw invalid(`algorithm ${alg} is not accepted`)
    const selection = await provider.jwks.selectKey(alg, header.kid)
    if (!selection.found) throw invalid(`no signing key (${selection.reason})`)
    try {
      const { payload } = await jwtVerify(idToken, selection.key, {
        issuer: this.#options.issuer,
        audience: this.#options.clientId,
        algorithms: [alg],
        requiredClaims: ['sub', 'exp', 'iat', 'nonce'],
        clockTolerance: this.#options.clockSkewSeconds,
      })
      if (payload['nonce'] !== nonce) throw invalid('the nonce is not this sign-in’s')
      const azp = payload['azp']
      if (Array.isArray(payload.aud) && payload.aud.length > 1 && azp !== this.#options.clientId)
        throw invalid('azp is not this client')
      return payload
    } catch (error) {
      if (error instanceof SignInError) throw error
      throw invalid(error instanceof Error ? error.message : 'verification failed', error)
    }
  }

  /**
   * Where to send the browser after the session ended here, so that the provider ends its session
   * too (OpenID Connect RP-Initiated Logout); undefined when the provider has no end-session endpoint.
   */
  async endSessionUrl(postLogoutRedirectUri: string): Promise<string | undefined> {
    let provider: ProviderMetadata
    try {
      provider = await this.#provider()
    } catch {
      return undefined
    }
    if (provider.endSessionEndpoint === undefined) return undefined
    const url = new URL(provider.endSessionEndpoint)
    url.searchParams.set('client_id', this.#options.clientId)
    url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri)
    return url.toString()
  }
}
