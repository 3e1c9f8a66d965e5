/**
 * @module core/principal
 *
 * Who is calling: what authentication produced and authorization consumes.
 */

/** How a caller proved who they are. */
/** `certificate`: a client certificate (mTLS); `session`: a person signed in to the console (a session cookie). */
export type AuthenticationMethod = 'api_key' | 'oauth' | 'certificate' | 'session'

/** What a bearer token came to: safe to log and audit (never the token itself). */
export interface OAuthIdentity {
  readonly providerId: string
  /** The identity pools the token acts as, in the order they were selected. */
  readonly poolIds: readonly string[]
  /** The value of the first pool's identity claim (e.g. `sub`), when the token has it. */
  readonly subject: string | undefined
}

/** What a client certificate came to: safe to log and audit. */
export interface CertificateIdentity {
  /** SHA-256 fingerprint of the client certificate, upper-case hex pairs joined by `:`. */
  readonly fingerprint: string
  /** The registered certificate authorities the certificate chains to. */
  readonly certificateAuthorityIds: readonly string[]
  /** The certificate identity pools it matched, in the order they were selected. */
  readonly poolIds: readonly string[]
  /**
   * The value of the first pool's `external_identifier` attribute (e.g. the `CN`), when the
   * certificate has it.
   */
  readonly externalIdentifier: string | undefined
}

/**
 * Which APIs the credential opens, whatever the caller's permissions: one Kafka cluster's
 * `/kafka/v3/clusters/{id}`, the management API (`/iam/v2`, `/org/v2`), or all of them (the
 * bootstrap credential).
 */
export type CredentialScope =
  | { readonly kind: 'cluster'; readonly clusterId: string }
  | { readonly kind: 'management' }
  | { readonly kind: 'global' }
  /** A console session: the management API and every Kafka cluster, within the person's permissions. */
  | { readonly kind: 'session' }

export interface Principal {
  /** Kafka-style principal, e.g. `User:sa-x1y2z3`: the identity the credential belongs to. */
  readonly name: string
  /**
   * Every principal the caller holds, `name` first: authorization covers all of them (later also
   * matched identity pools and group mappings).
   */
  readonly principals: readonly string[]
  readonly method: AuthenticationMethod
  /**
   * Identifier of the credential that was used (an API key id, or the identity provider of a
   * bearer token): safe to log, never a secret.
   */
  readonly credentialId: string
  readonly scope: CredentialScope
  /** Set for bearer tokens. */
  readonly oauth?: OAuthIdentity
  /** Set for client certificates (mTLS). */
  readonly certificate?: CertificateIdentity
  /** Set for console sessions: the signed-in user and the group mappings their groups matched. */
  readonly session?: SessionIdentity
}

/** What a console session came to: safe to log and audit (never the session id). */
export interface SessionIdentity {
  readonly userId: string
  /** `group-…` ids of the matching group mappings. */
  readonly groupMappingIds: readonly string[]
}

/** What a request is aimed at, as far as credential scopes are concerned. */
export type RequestSurface =
  | { readonly kind: 'kafka-cluster'; readonly clusterId: string }
  /** `GET /kafka/v3/clusters`: open to every Kafka key, which then sees only its own cluster. */
  | { readonly kind: 'kafka-cluster-list' }
  | { readonly kind: 'management' }
  /** Anything else that needs credentials but belongs to no API (`/openapi.json`, `/metrics`). */
  | { readonly kind: 'gateway' }

/** Whether a credential of `scope` may be used on `surface`. */
export function isScopeAllowedOn(scope: CredentialScope, surface: RequestSurface): boolean {
  if (scope.kind === 'global' || scope.kind === 'session' || surface.kind === 'gateway') return true
  switch (surface.kind) {
    case 'kafka-cluster':
      return scope.kind === 'cluster' && scope.clusterId === surface.clusterId
    case 'kafka-cluster-list':
      return scope.kind === 'cluster'
    case 'management':
      return scope.kind === 'management'
  }
}
