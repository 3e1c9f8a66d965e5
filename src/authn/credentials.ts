/**
 * @module authn/credentials
 *
 * Reads the credential out of an `Authorization` header. It says what was presented, not whether
 * it is valid: verifiers decide that.
 */
import { GatewayError } from '../core/index.ts'

export type PresentedCredential =
  | { readonly kind: 'basic'; readonly key: string; readonly secret: string }
  | { readonly kind: 'bearer'; readonly token: string }
  /** The console's session cookie (read by the HTTP layer, never from `Authorization`). */
  | { readonly kind: 'session'; readonly sessionId: string }

/** Headers longer than this are refused before any decoding work. */
const MAX_AUTHORIZATION_LENGTH = 16_384

/**
 * Parses an `Authorization` header value.
 *
 * @returns the credential, or undefined when the header is absent.
 * @throws GatewayError `GW_AUTHN_FAILED` for a header that is present but malformed or of an
 *   unsupported scheme, so that a typo never silently falls through to "anonymous".
 */
export function parseAuthorizationHeader(header: string | undefined): PresentedCredential | undefined {
  if (header === undefined || header === '') return undefined
  if (header.length > MAX_AUTHORIZATION_LENGTH) {
    throw new GatewayError('GW_AUTHN_FAILED', 'Authentication failed: the Authorization header is too long.')
  }
  const space = header.indexOf(' ')
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase()
  const value = space === -1 ? '' : header.slice(space + 1).trim()
  if (scheme === 'basic') {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
      throw new GatewayError(
        'GW_AUTHN_FAILED',
        'Authentication failed: the Basic credential is not valid base64.',
      )
    }
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon <= 0) {
      throw new GatewayError(
        'GW_AUTHN_FAILED',
        'Authentication failed: the Basic credential must be key:secret.',
      )
    }
    return { kind: 'basic', key: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
  }
  if (scheme === 'bearer') {
    if (value === '')
      throw new GatewayError('GW_AUTHN_FAILED', 'Authentication failed: the Bearer token is empty.')
    return { kind: 'bearer', token: value }
  }
  throw new GatewayError(
    'GW_AUTHN_FAILED',
    `Authentication failed: the "${scheme.slice(0, 20)}" scheme is not supported; use Basic (an API key) or Bearer (an OAuth token).`,
  )
}
