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
  TokenVerifier,
  tokenRejectionError,
  ACCEPTED_ALGORITHMS,
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_TOKEN_BYTES,
  MAX_CLOCK_SKEW_SECONDS,
  type OidcProvider,
  type ProviderLookup,
  type TokenObject,
  type TokenRejection,
  type TokenRejectionReason,
  type TokenVerification,
  type TokenVerifierOptions,
  type VerifiedToken,
} from './oidc/token-verifier.ts'
export {
  JwksCache,
  jwksMaxAgeMs,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_MAX_AGE_MS,
  MAX_JWKS_MAX_AGE_MS,
  MIN_JWKS_MAX_AGE_MS,
  MAX_JWKS_KEYS,
  MIN_RSA_MODULUS_BITS,
  type JwksCacheOptions,
  type JwksFetchFailure,
  type JwksKeySummary,
  type JwksStatus,
  type KeySelection,
} from './oidc/jwks-cache.ts'
export { discoverJwksUri, discoveryDocumentUrl } from './oidc/discovery.ts'
export {
  checkFetchableUrl,
  fetchJsonDocument,
  isLoopbackHostname,
  RemoteDocumentError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TOTAL_TIMEOUT_MS,
  type RemoteDocument,
  type RemoteDocumentFailure,
  type RemoteFetchLimits,
} from './oidc/remote-document.ts'
export {
  VerifiedTokenCache,
  DEFAULT_MAX_CACHED_TOKENS,
  type VerifiedTokenCacheOptions,
} from './oidc/verified-token-cache.ts'
export {
  claimsFilterCompiler,
  createFilterCompiler,
  FilterTypes,
  MAX_FILTER_LENGTH,
  prepareFilterInput,
  type CompiledFilter,
  type ExplainedCondition,
  type FilterCompileResult,
  type FilterCompiler,
  type FilterCompilerOptions,
  type FilterExplanation,
  type FilterInput,
  type FilterType,
  type InvalidFilter,
} from './filters/index.ts'
export {
  BearerAuthenticator,
  type BearerAuthenticatorOptions,
  type IdentityPoolSource,
} from './oidc/bearer-authenticator.ts'
export { identityProviderAdministration, confluentJwksStatusOf } from './oidc/provider-administration.ts'
export {
  dryRunIdentityPools,
  type DryRunPool,
  type DryRunPoolResult,
  type DryRunTokenVerification,
  type IdentityPoolDryRun,
  type IdentityPoolDryRunRequest,
} from './oidc/pool-dry-run.ts'
export {
  selectIdentityPools,
  identityClaimValue,
  listedPoolIds,
  IDENTITY_POOL_HEADER,
} from './oidc/pool-selection.ts'
export {
  RequestCredentialAuthenticator,
  type ClientCertificateVerifier,
  type SessionVerifier,
} from './request-authenticator.ts'
export {
  CertificateAuthenticator,
  fetchRevocationLists,
  type CertificateAuthenticatorOptions,
  type CertificateAuthoritySource,
  type PresentedCertificate,
} from './mtls/certificate-authenticator.ts'
export {
  certificateFilterCompiler,
  certificateFilterVariables,
  CERTIFICATE_FILTER_VARIABLES,
  SUBJECT_ATTRIBUTES,
  parseSubjectAltName,
} from './mtls/certificate-attributes.ts'
export {
  describeChain,
  parseCertificateChain,
  pemTextOf,
  readPemBlocks,
  PemInputError,
  MAX_CHAIN_CERTIFICATES,
  type ChainDescription,
} from './mtls/pem.ts'
export { readRevocationLists, parseRevocationList, type VerifiedRevocationList } from './mtls/crl.ts'
export {
  groupMappingFilterCompiler,
  groupsOf,
  GroupMappingEvaluator,
  type GroupMappingFilter,
} from './sso/group-mappings.ts'
export {
  OidcSignInClient,
  SignInError,
  randomToken,
  sha256,
  type OidcSignInOptions,
} from './sso/oidc-sign-in.ts'
export {
  ConsoleSessions,
  SignInRefusedError,
  csrfTokenOf,
  sessionTag,
  type ConsoleSessionOptions,
} from './sso/console-sessions.ts'
