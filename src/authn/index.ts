/**
 * @module authn
 *
 * Who is calling. Each credential type has its own verifier; all return a `Principal` or throw a
 * `GW_AUTHN_*` error.
 */
export { parseAuthorizationHeader, type PresentedCredential } from './credentials.ts'
export { prepareBootstrapCredential, type PreparedBootstrapCredential } from './bootstrap-credential.ts'
export {
  ApiKeyAuthenticator,
  type ApiKeyAuthenticatorOptions,
  type ApiKeyLookup,
} from './api-key/api-key-authenticator.ts'
export { AuthenticationFailureThrottle, type FailureThrottleOptions } from './failure-throttle.ts'
export {
  generateKeyId,
  generateSecret,
  hasValidSecretChecksum,
  hashSecret,
  secretMatches,
  SECRET_PREFIX,
} from './api-key/secret-format.ts'
export {
  compileIdentityPoolFilterPlaceholder,
  discoverJwksUri,
  fetchJwksOncePlaceholder,
} from './identity-provider-management.ts'
