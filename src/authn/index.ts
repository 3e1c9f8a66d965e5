/**
 * @module authn
 *
 * Who is calling. Each credential type has its own verifier; all return a `Principal` or throw a
 * `GW_AUTHN_*` error.
 */
export { parseAuthorizationHeader, type PresentedCredential } from './credentials.ts'
export {
  BootstrapCredentialAuthenticator,
  prepareBootstrapCredential,
  BOOTSTRAP_PRINCIPAL_NAME,
  type PreparedBootstrapCredential,
} from './bootstrap-credential.ts'
export {
  generateKeyId,
  generateSecret,
  hasValidSecretChecksum,
  hashSecret,
  secretMatches,
  SECRET_PREFIX,
} from './api-key/secret-format.ts'
