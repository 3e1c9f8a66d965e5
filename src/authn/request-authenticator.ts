/**
 * @module authn/request-authenticator
 *
 * One entry point for every credential a request can carry: HTTP Basic goes to the API keys,
 * Bearer to the identity providers, the console's session cookie to the console sessions. Each
 * verifier keeps its own caches and rules.
 */
import { GatewayError, type Principal } from '../core/index.ts'
import type { PresentedCredential } from './credentials.ts'

export interface ApiKeyVerifier {
  authenticate(credential: PresentedCredential): Promise<Principal>
}

export interface BearerTokenVerifier {
  authenticate(token: string, poolHeader: string | readonly string[] | undefined): Promise<Principal>
}

export interface SessionVerifier {
  authenticate(sessionId: string): Promise<Principal>
}

export class RequestCredentialAuthenticator {
  readonly #apiKeys: ApiKeyVerifier
  readonly #bearer: BearerTokenVerifier
  readonly #sessions: SessionVerifier | undefined

  /** Without `sessions` (the console is off), a session cookie is refused like an unknown key. */
  constructor(apiKeys: ApiKeyVerifier, bearer: BearerTokenVerifier, sessions?: SessionVerifier) {
    this.#apiKeys = apiKeys
    this.#bearer = bearer
    this.#sessions = sessions
  }

  /**
   * @throws GatewayError `GW_AUTHN_REQUIRED` without a credential; otherwise whatever the
   *   credential's verifier throws.
   */
  authenticate(
    credential: PresentedCredential | undefined,
    context: { readonly identityPoolHeader: string | readonly string[] | undefined },
  ): Promise<Principal> {
    if (credential === undefined) return Promise.reject(new GatewayError('GW_AUTHN_REQUIRED'))
    if (credential.kind === 'bearer')
      return this.#bearer.authenticate(credential.token, context.identityPoolHeader)
    if (credential.kind === 'session') {
      if (this.#sessions === undefined) return Promise.reject(new GatewayError('GW_AUTHN_SESSION_INVALID'))
      return this.#sessions.authenticate(credential.sessionId)
    }
    return this.#apiKeys.authenticate(credential)
  }
}
