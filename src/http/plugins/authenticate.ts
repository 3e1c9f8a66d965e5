/**
 * @module http/plugins/authenticate
 *
 * Authentication for every route, including unknown paths, so that nothing answers without
 * credentials. A route opts out only by declaring `config: { isPublic: true }` (health probes).
 */
import type { FastifyInstance } from 'fastify'
import { parseAuthorizationHeader } from '../../authn/index.ts'
import type { Principal } from '../../core/index.ts'
import type { PresentedCredential } from '../../authn/index.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every non-public route. */
    principal?: Principal
  }
  interface FastifyContextConfig {
    /** Route answers without credentials. Only health probes (and /metrics when configured). */
    isPublic?: boolean
  }
}

/** Decides who presented a credential; throws a `GW_AUTHN_*` GatewayError otherwise. */
export interface RequestAuthenticator {
  authenticate(credential: PresentedCredential | undefined): Principal
}

export function installAuthentication(
  app: FastifyInstance,
  authenticator: RequestAuthenticator,
  onFailure: () => void,
): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.isPublic === true) return
    try {
      request.principal = authenticator.authenticate(parseAuthorizationHeader(request.headers.authorization))
    } catch (error) {
      onFailure()
      throw error
    }
    request.log.debug(
      { principal: request.principal.name, credentialId: request.principal.credentialId },
      'authenticated',
    )
  })
}
