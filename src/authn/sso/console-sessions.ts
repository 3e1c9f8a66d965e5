/**
 * @module authn/sso/console-sessions
 *
 * People's console sessions: what a verified sign-in becomes (just-in-time provisioning or an
 * invitation, then a session), and what a session cookie is worth on each request (the user's
 * principal plus the principals of the group mappings their groups match).
 *
 * Security properties:
 * - Session ids are 256 random bits; only their SHA-256 is stored, so a database reader cannot
 *   use a session.
 * - Sessions end after `idleTimeoutMs` without use and `absoluteTimeoutMs` after sign-in; an
 *   ended, unknown or deleted session is refused (fail closed: a store error refuses too).
 * - Group principals are computed at sign-in and again at each refresh (at most every
 *   `refreshIntervalMs`), from the stored claims and the current mappings. API keys never get
 *   them: only this module adds them, and only to session principals.
 */
import { GatewayError, type Principal } from '../../core/index.ts'
import type { AuditActor, IdentityStore, UserRecord } from '../../store/index.ts'
import { GroupMappingEvaluator, groupsOf } from './group-mappings.ts'
import { randomToken, sha256 } from './oidc-sign-in.ts'

export interface ConsoleSessionOptions {
  readonly idleTimeoutMs: number
  readonly absoluteTimeoutMs: number
  /** The ID-token claim that lists groups. */
  readonly groupsClaim: string
  /** Default: a twentieth of the idle timeout, at most a minute. */
  readonly refreshIntervalMs?: number
  readonly now?: () => number
}

/** Why a verified person may still not sign in; `message` is shown on the refusal page. */
export class SignInRefusedError extends Error {
  readonly reason: 'no_email' | 'not_invited'
  constructor(reason: SignInRefusedError['reason'], message: string) {
    super(message)
    this.name = 'SignInRefusedError'
    this.reason = reason
  }
}

/** The actor of changes sign-in makes (user creation, accepting invitations). */
const SIGN_IN_ACTOR: AuditActor = { principal: 'System:console-sign-in' }

/** A short, non-reversible tag of a session for logs and audit records. */
export function sessionTag(sessionId: string): string {
  return sha256(`tag:${sessionId}`).slice(0, 12)
}

/** The CSRF token of a session: derived from the session id, so it needs no storage. */
export function csrfTokenOf(sessionId: string): string {
  return sha256(`csrf:${sessionId}`)
}

export class ConsoleSessions {
  readonly #store: IdentityStore
  readonly #options: Required<ConsoleSessionOptions>
  readonly #evaluator = new GroupMappingEvaluator()

  constructor(store: IdentityStore, options: ConsoleSessionOptions) {
    if (options.absoluteTimeoutMs < options.idleTimeoutMs)
      throw new TypeError('absoluteTimeoutMs must not be shorter than idleTimeoutMs.')
    this.#store = store
    this.#options = {
      refreshIntervalMs: Math.min(60_000, Math.max(1, Math.floor(options.idleTimeoutMs / 20))),
      now: Date.now,
      ...options,
    }
  }

  get idleTimeoutMs(): number {
    return this.#options.idleTimeoutMs
  }

  get absoluteTimeoutMs(): number {
    return this.#options.absoluteTimeoutMs
  }

  /** The claims group mappings see, kept with the session for its refreshes. */
  #keptClaims(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const kept: Record<string, unknown> = {}
    for (const name of ['sub', 'email', 'name', 'iss', this.#options.groupsClaim]) {
      if (claims[name] !== undefined) kept[name] = claims[name]
    }
    return kept
  }

  async #groupPrincipals(claims: Readonly<Record<string, unknown>>): Promise<string[]> {
    const mappings = await this.#store.sso.listAllGroupMappings()
    return this.#evaluator.principalsFor(mappings, groupsOf(claims, this.#options.groupsClaim), claims)
  }

  /**
   * Turns a verified ID token into a session: finds the user by email, or creates it when the
   * organization has JIT provisioning on or the email holds a pending invitation (which is then
   * accepted).
   *
   * @throws SignInRefusedError when the token has no email, or the person may not sign in.
   */
  async signIn(claims: Readonly<Record<string, unknown>>): Promise<{ sessionId: string; user: UserRecord }> {
    const email = claims['email']
    if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email))
      throw new SignInRefusedError(
        'no_email',
        'The identity provider did not say who you are by email (the `email` claim); ask your administrator ' +
          'to release it (scope `email`).',
      )
    if (claims['email_verified'] === false)
      throw new SignInRefusedError(
        'no_email',
        'The identity provider says your email address is not verified.',
      )
    const user = await this.#userFor(email, claims)
    const now = this.#options.now()
    const kept = this.#keptClaims(claims)
    const sessionId = randomToken()
    await this.#store.sso.createSession({
      idHash: sha256(sessionId),
      userId: user.id,
      claims: kept,
      groupPrincipals: await this.#groupPrincipals(kept),
      createdAt: new Date(now),
      lastSeenAt: new Date(now),
      absoluteExpiresAt: new Date(now + this.#options.absoluteTimeoutMs),
    })
    return { sessionId, user }
  }

  async #userFor(email: string, claims: Readonly<Record<string, unknown>>): Promise<UserRecord> {
    const existing = await this.#store.findUserByEmail(email)
    if (existing) return existing
    const fullName = typeof claims['name'] === 'string' ? claims['name'].slice(0, 255) : email
    const now = new Date(this.#options.now())
    const invitation = await this.#store.sso.findPendingInvitation(email, now)
    const organization = await this.#store.getOrganization()
    if (!organization.jitEnabled && invitation === undefined)
      throw new SignInRefusedError(
        'not_invited',
        `${email} has no account here and has not been invited. Ask an administrator to invite you.`,
      )
    // Created with no access of its own: group mappings (or later role bindings) grant it.
    const user = await this.#store.ensureUser({ email, fullName, authType: 'AUTH_TYPE_SSO' }, SIGN_IN_ACTOR)
    if (invitation) await this.#store.sso.acceptInvitation(invitation.id, user.id, now, SIGN_IN_ACTOR)
    return user
  }

  /**
   * What a session cookie is worth now.
   *
   * @throws GatewayError `GW_AUTHN_SESSION_INVALID` for an unknown, ended or expired session (an
   *   expired one is deleted), `GW_STORE_UNAVAILABLE` when the store cannot say.
   */
  async authenticate(sessionId: string): Promise<Principal> {
    const idHash = sha256(sessionId)
    let session
    try {
      session = await this.#store.sso.getSession(idHash)
    } catch (error) {
      throw new GatewayError('GW_STORE_UNAVAILABLE', undefined, { cause: error })
    }
    if (session === undefined)
      throw new GatewayError('GW_AUTHN_SESSION_INVALID', 'Your console session has ended; sign in again.')
    const now = this.#options.now()
    const idleEnd = session.lastSeenAt.getTime() + this.#options.idleTimeoutMs
    if (now >= session.absoluteExpiresAt.getTime() || now >= idleEnd) {
      await this.#store.sso.deleteSession(idHash).catch(() => undefined)
      throw new GatewayError('GW_AUTHN_SESSION_INVALID', 'Your console session has expired; sign in again.')
    }
    let groupPrincipals = session.groupPrincipals
    if (now - session.lastSeenAt.getTime() >= this.#options.refreshIntervalMs) {
      try {
        groupPrincipals = await this.#groupPrincipals(session.claims)
        await this.#store.sso.refreshSession(idHash, { lastSeenAt: new Date(now), groupPrincipals })
      } catch (error) {
        throw new GatewayError('GW_STORE_UNAVAILABLE', undefined, { cause: error })
      }
    }
    const name = `User:${session.userId}`
    return {
      name,
      principals: [name, ...groupPrincipals],
      method: 'session',
      credentialId: sessionTag(sessionId),
      scope: { kind: 'session' },
      session: {
        userId: session.userId,
        groupMappingIds: groupPrincipals.map((principal) => principal.replace(/^User:/, '')),
      },
    }
  }

  /** The signed-in user's record, for the console to show who is signed in. */
  async userOf(principal: Principal): Promise<UserRecord | undefined> {
    if (principal.session === undefined) return undefined
    return this.#store.getUser(principal.session.userId)
  }

  /** Ends the session (signing out); unknown ids are ignored. */
  async signOut(sessionId: string): Promise<void> {
    await this.#store.sso.deleteSession(sha256(sessionId))
  }

  /** Deletes ended sessions and abandoned sign-ins; call now and then. */
  async sweep(): Promise<void> {
    const now = this.#options.now()
    await this.#store.sso.deleteExpired(new Date(now), new Date(now - this.#options.idleTimeoutMs))
  }
}
