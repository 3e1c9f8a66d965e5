/**
 * @module authn/oidc/discovery
 *
 * Finds a provider's `jwks_uri` from its issuer alone, through OpenID Connect Discovery, so an
 * operator can register a provider by typing only the issuer. The document is fetched with the same
 * limits as a JWKS, and its `issuer` must be exactly the one configured: a document that names
 * another issuer could otherwise make us trust keys meant for someone else.
 */
import {
  checkFetchableUrl,
  fetchJsonDocument,
  RemoteDocumentError,
  type RemoteFetchLimits,
} from './remote-document.ts'

/** Where the discovery document of `issuer` lives: the issuer without a trailing slash, plus the well-known path. */
export function discoveryDocumentUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
}

/**
 * Reads `<issuer>/.well-known/openid-configuration` and returns its `jwks_uri`.
 *
 * @returns the `jwks_uri`, which passes the same URL rules as the issuer (https:, or loopback http:
 *   in dev mode).
 * @throws RemoteDocumentError: any failure of {@link fetchJsonDocument} (the issuer must itself be a
 *   fetchable URL); `invalid_document` when the body is not an object, its `issuer` differs from
 *   `issuer` in any character, or its `jwks_uri` is missing; `invalid_url` when the `jwks_uri` is
 *   not a URL we would fetch.
 */
export async function discoverJwksUri(issuer: string, limits: RemoteFetchLimits = {}): Promise<string> {
  checkFetchableUrl(issuer, limits.allowInsecureLoopback ?? false)
  const { body } = await fetchJsonDocument(discoveryDocumentUrl(issuer), limits)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RemoteDocumentError('invalid_document', 'The discovery document is not a JSON object.')
  }
  const document = body as Record<string, unknown>
  if (document.issuer !== issuer) {
    throw new RemoteDocumentError(
      'invalid_document',
      'The discovery document names a different issuer than the one configured.',
    )
  }
  if (typeof document.jwks_uri !== 'string' || document.jwks_uri === '') {
    throw new RemoteDocumentError('invalid_document', 'The discovery document has no jwks_uri.')
  }
  checkFetchableUrl(document.jwks_uri, limits.allowInsecureLoopback ?? false)
  return document.jwks_uri
}
