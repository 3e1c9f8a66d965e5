/**
 * @module authn/request-authenticator
 *
 * One entry point for every credential a request can carry: HTTP Basic goes to the API keys,
 * Bearer to the identity providers, the console's session cookie to the console sessions, and a
 * client certificate (mTLS) to the certificate authorities. Each verifier keeps its own caches and
 * rules.
 *
 * Precedence (docs/compatibility.md, "mTLS"): an `Authorization` header is an explicit choice made
 * for this request, so it wins; then the console's session cookie; the client certificate counts
 * only when the request carries neither. A request never holds the principals of two credentials.
 */
import { GatewayError, type Principal } from '../core/index.ts'
import type { PresentedCredential } from './credentials.ts'
import type { PresentedCertificate } from './mtls/certificate-authenticator.ts'

export interface ApiKeyVerifier {
  authenticate(credential: PresentedCredential): Promise<Principal>
}

export interface BearerTokenVerifier {
  authenticate(token: string, poolHeader: string | readonly string[] | undefined): Promise<Principal>
}

export interface ClientCertificateVerifier {
  authenticate(
    certificate: PresentedCertificate,
    poolHeader: string | readonly string[] | undefined,
  ): Principal
}

export interface SessionVerifier {
  authenticate(sessionId: string): Promise<Principal>
}

export class RequestCredentialAuthenticator {
  readonly #apiKeys: ApiKeyVerifier
  readonly #bearer: BearerTokenVerifier
  readonly #certificates: ClientCertificateVerifier | undefined
  readonly #sessions: SessionVerifier | undefined

  /**
   * Without `sessions` (the console is off), a session cookie is refused like an unknown key;
   * without `certificates` (no mTLS listener), a client certificate is not a credential.
   */
  constructor(
    apiKeys: ApiKeyVerifier,
    bearer: BearerTokenVerifier,
    optional: { readonly certificates?: ClientCertificateVerifier; readonly sessions?: SessionVerifier } = {},
  ) {
    this.#apiKeys = apiKeys
    this.#bearer = bearer
    this.#certificates = optional.certificates
    this.#sessions = optional.sessions
  }

  /**
   * @throws GatewayError `GW_AUTHN_REQUIRED` without a credential; otherwise whatever the
   *   credential's verifier throws.
   */
  async authenticate(
    credential: PresentedCredential | undefined,
    context: {
      readonly identityPoolHeader: string | readonly string[] | undefined
      readonly clientCertificate?: PresentedCertificate | undefined
    },
  ): Promise<Principal> {
    if (credential === undefined) {
      if (context.clientCertificate !== undefined && this.#certificates !== undefined)
        return this.#certificates.authenticate(context.clientCertificate, context.identityPoolHeader)
      throw new GatewayError('GW_AUTHN_REQUIRED')
    }
    if (credential.kind === 'bearer')
      return this.#bearer.authenticate(credential.token, context.identityPoolHeader)
    if (credential.kind === 'session') {
      if (this.#sessions === undefined) throw new GatewayError('GW_AUTHN_SESSION_INVALID')
      return this.#sessions.authenticate(credential.sessionId)
    }
    return this.#apiKeys.authenticate(credential)
  }
}
