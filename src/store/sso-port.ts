/**
 * @module store/sso-port
 *
 * What the gateway keeps for people who sign in with SSO: group mappings, invitations, console
 * sessions and the short-lived state of sign-ins in progress. Same error contract as
 * `IdentityStore` (port.ts): a failing medium rejects with a plain `Error`, callers fail closed.
 */
import type { AuditActor, Page, PageRequest, Timestamps, UserAuthType } from './port.ts'

/** The only state Confluent defines for group mappings. */
export type GroupMappingState = 'ENABLED'

/** Identity-provider groups mapped to a principal of their own (`User:group-…`) that role bindings name. */
export interface GroupMappingRecord extends Timestamps {
  /** `group-` + 6 characters; role bindings name the mapping `User:<id>`. */
  readonly id: string
  readonly displayName: string
  readonly description: string
  /** The filter source as given (CEL over `groups` and `claims`), at most 300 characters. */
  readonly filter: string
  readonly state: GroupMappingState
}

export type InvitationStatus = 'INVITE_STATUS_SENT' | 'INVITE_STATUS_ACCEPTED'

/** Permission for one email address to sign in while just-in-time provisioning is off. */
export interface InvitationRecord extends Timestamps {
  /** `i-` + 6 characters. */
  readonly id: string
  readonly email: string
  readonly authType: UserAuthType
  readonly status: InvitationStatus
  readonly acceptedAt?: Date | undefined
  readonly expiresAt: Date
  /** The user created (or found) when the invitation was accepted. */
  readonly userId?: string | undefined
  /** Who invited, e.g. `User:u-abc123` or `User:sa-abc123`. */
  readonly creator: string
}

/** A console session. Only a hash of the session id (the cookie's value) is stored. */
export interface ConsoleSessionRecord {
  /** SHA-256 of the session id, base64url. */
  readonly idHash: string
  readonly userId: string
  /**
   * The ID-token claims that group mappings see (`sub`, `email`, `name` and the groups claim), from
   * sign-in; evaluated against the group mappings again at each refresh.
   */
  readonly claims: Readonly<Record<string, unknown>>
  /** The `User:group-…` principals the groups matched at the last refresh. */
  readonly groupPrincipals: readonly string[]
  readonly createdAt: Date
  /** When the session was last used (updated at refresh, not at every request). */
  readonly lastSeenAt: Date
  /** The session ends then, whatever its use. */
  readonly absoluteExpiresAt: Date
}

/** A sign-in in progress: what the callback needs to finish it. */
export interface PendingSignInRecord {
  /** SHA-256 of the `state` parameter, base64url. */
  readonly stateHash: string
  /** The PKCE verifier (a one-time random value that is useless without the provider's code). */
  readonly codeVerifier: string
  readonly nonce: string
  /** A console path to go back to after sign-in. */
  readonly returnTo: string
  readonly expiresAt: Date
}

export interface SsoStore {
  createGroupMapping(
    input: { displayName: string; description: string; filter: string },
    actor: AuditActor,
  ): Promise<GroupMappingRecord>
  getGroupMapping(id: string): Promise<GroupMappingRecord | undefined>
  listGroupMappings(page: PageRequest): Promise<Page<GroupMappingRecord>>
  /** Every mapping in creation order, for evaluation at sign-in and session refresh. */
  listAllGroupMappings(): Promise<readonly GroupMappingRecord[]>
  updateGroupMapping(
    id: string,
    changes: { displayName?: string; description?: string; filter?: string },
    actor: AuditActor,
  ): Promise<GroupMappingRecord | undefined>
  /**
   * Deletes the mapping and its role bindings (`User:<id>`) in one transaction, and drops the
   * mapping from every session's principals. @returns false when there is no such mapping.
   */
  deleteGroupMapping(id: string, actor: AuditActor): Promise<boolean>

  /** Rejects with `StoreConflictError` (field `/email`) when a pending invitation for the email exists. */
  createInvitation(
    input: { email: string; authType: UserAuthType; expiresAt: Date },
    actor: AuditActor,
  ): Promise<InvitationRecord>
  getInvitation(id: string): Promise<InvitationRecord | undefined>
  listInvitations(page: PageRequest): Promise<Page<InvitationRecord>>
  deleteInvitation(id: string, actor: AuditActor): Promise<boolean>
  /** The pending, unexpired invitation for `email` (case-insensitive), if any. */
  findPendingInvitation(email: string, now: Date): Promise<InvitationRecord | undefined>
  /** Marks the invitation accepted by `userId`; false when it was no longer pending. */
  acceptInvitation(id: string, userId: string, now: Date, actor: AuditActor): Promise<boolean>

  createSession(session: ConsoleSessionRecord): Promise<void>
  getSession(idHash: string): Promise<ConsoleSessionRecord | undefined>
  /** Records use and the re-evaluated group principals. */
  refreshSession(
    idHash: string,
    changes: { lastSeenAt: Date; groupPrincipals: readonly string[] },
  ): Promise<void>
  deleteSession(idHash: string): Promise<void>
  /** Removes sessions and pending sign-ins that ended before `now`. */
  deleteExpired(now: Date, idleCutoff: Date): Promise<void>

  createPendingSignIn(signIn: PendingSignInRecord): Promise<void>
  /** Returns and deletes the pending sign-in (single use); undefined when unknown or expired. */
  takePendingSignIn(stateHash: string, now: Date): Promise<PendingSignInRecord | undefined>
}
