/**
 * @module core/audit
 *
 * The audit trail: one record per authentication and per authorization decision, allowed or
 * denied, as a CloudEvents 1.0 JSON event. Records name principals, credential ids, pool ids and
 * certificate fingerprints, never a secret or a token.
 */

export const AUDIT_EVENT_TYPES = {
  authentication: 'io.gatehouse.authentication.v1',
  authorization: 'io.gatehouse.authorization.v1',
} as const

/** The credential a request presented, by id only. */
export type AuditCredential =
  | { readonly kind: 'api_key'; readonly id: string }
  | {
      readonly kind: 'oauth'
      readonly providerId: string
      readonly poolIds: readonly string[]
      /** The identity claim's value. */
      readonly subject?: string
    }
  | {
      readonly kind: 'certificate'
      /** SHA-256 fingerprint of the client certificate. */
      readonly fingerprint: string
      readonly certificateAuthorityIds: readonly string[]
      readonly poolIds: readonly string[]
      /** The value of the pool's `external_identifier` attribute. */
      readonly externalIdentifier?: string
    }
  /** A client certificate that was refused: its fingerprint when it could be read. */
  | { readonly kind: 'refused_certificate'; readonly fingerprint?: string }
  | { readonly kind: 'bearer' }
  /** A console session; `id` is a non-reversible tag of it (never the cookie's value). */
  | { readonly kind: 'session'; readonly id: string; readonly userId: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'unparsable' }

/** The rule that decided an authorization, when one did. */
export type AuditRule =
  | {
      readonly kind: 'acl'
      readonly clusterId: string
      readonly resourceType: string
      readonly resourceName: string
      readonly patternType: string
      readonly principal: string
      readonly host: string
      readonly operation: string
      readonly permission: string
    }
  | {
      readonly kind: 'role_binding'
      readonly id: string
      readonly principal: string
      readonly roleName: string
      readonly crnPattern: string
    }

export interface AuditRequest {
  readonly requestId: string
  readonly method: string
  /** The path without the query string. */
  readonly path: string
  readonly clientAddress: string
}

export interface AuthenticationAuditData {
  readonly request: AuditRequest
  readonly credential: AuditCredential
  readonly principals: readonly string[]
  readonly decision: 'ALLOWED' | 'DENIED'
  /** The registry code of the failure, e.g. `GW_AUTHN_INVALID_CREDENTIALS`. */
  readonly failure?: string
}

export interface AuthorizationAuditData {
  readonly request: AuditRequest
  readonly credential: AuditCredential
  readonly principals: readonly string[]
  /** The operation and the CRN of the resource, e.g. `Write` on `crn://…/topic=orders`. */
  readonly operation: string
  readonly resourceType: string
  readonly resource: string
  readonly decision: 'ALLOWED' | 'DENIED'
  /** `acl-allow`, `role-binding`, `acl-deny`, `no-rule` or `error`. */
  readonly reason: string
  readonly rule?: AuditRule
}

export interface AuditEvent<Data> {
  readonly specversion: '1.0'
  readonly id: string
  /** Which gateway: `gatehouse://<organization id>` unless configured. */
  readonly source: string
  readonly type: string
  readonly time: string
  /** The resource CRN (authorization) or the credential id (authentication). */
  readonly subject: string
  readonly datacontenttype: 'application/json'
  readonly data: Data
}

export type AuditRecord = AuditEvent<AuthenticationAuditData> | AuditEvent<AuthorizationAuditData>

/**
 * Where audit records go. `record` never throws and never waits: an implementation that cannot
 * deliver buffers within its bound and counts what it drops.
 */
export interface AuditTrail {
  record(event: AuditRecord): void
}

/** What a buffering trail reports for `/metrics`. */
export interface AuditTrailStats {
  /** Records waiting to be delivered. */
  readonly buffered: number
  readonly bufferedBytes: number
  /** Records written so far. */
  readonly delivered: number
  /** Records given up: the oldest when the buffer was full, and any that could not be serialised. */
  readonly dropped: number
}
