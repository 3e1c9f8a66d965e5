/**
 * @module store/sql/sql-sso-store
 *
 * `SsoStore` over SQL (PGlite or PostgreSQL): group mappings, invitations, console sessions and
 * pending sign-ins. Changes that people make are audited in the same transaction, as in
 * sql-identity-store.ts; sessions and pending sign-ins are not (sign-in and sign-out are audited by
 * the console routes' authentication records instead).
 */
import { sql, type Kysely, type Selectable } from 'kysely'
import {
  StoreConflictError,
  type AuditActor,
  type Page,
  type PageRequest,
  type UserAuthType,
} from '../port.ts'
import type {
  ConsoleSessionRecord,
  GroupMappingRecord,
  InvitationRecord,
  PendingSignInRecord,
  SsoStore,
} from '../sso-port.ts'
import type { Database, GroupMappingTable, InvitationTable } from './schema.ts'
import {
  ROLE_BINDINGS_CHANGED_CHANNEL,
  UNIQUE_VIOLATION,
  databaseErrorOf,
  decodePageToken,
  isPrimaryKeyCollision,
  recordAuditEvent,
  toPage,
  withFreshId,
} from './sql-identity-store.ts'

function toGroupMapping(row: Selectable<GroupMappingTable>): GroupMappingRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    description: row.description,
    filter: row.filter,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toInvitation(row: Selectable<InvitationTable>): InvitationRecord {
  return {
    id: row.id,
    email: row.email,
    authType: row.auth_type,
    status: row.status,
    ...(row.accepted_at === null ? {} : { acceptedAt: row.accepted_at }),
    expiresAt: row.expires_at,
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    creator: row.creator,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** A jsonb column holding an array of strings (PGlite and pg both parse jsonb; be strict anyway). */
function stringArray(value: unknown): string[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string'))
    throw new Error('A console session column holds something other than a list of strings.')
  return parsed
}

function jsonObject(value: unknown): Record<string, unknown> {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('A console session holds claims that are not a JSON object.')
  return parsed as Record<string, unknown>
}

export class SqlSsoStore implements SsoStore {
  readonly #db: Kysely<Database>
  readonly #onRoleBindingsChanged: () => void

  /** `onRoleBindingsChanged` is called after a deletion removed role bindings. */
  constructor(db: Kysely<Database>, onRoleBindingsChanged: () => void) {
    this.#db = db
    this.#onRoleBindingsChanged = onRoleBindingsChanged
  }

  // --- group mappings ------------------------------------------------------------------------

  async createGroupMapping(
    input: { displayName: string; description: string; filter: string },
    actor: AuditActor,
  ): Promise<GroupMappingRecord> {
    return withFreshId('group', (id) =>
      this.#db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('group_mappings')
          .values({
            id,
            display_name: input.displayName,
            description: input.description,
            filter: input.filter,
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        await recordAuditEvent(
          trx,
          actor,
          'group_mapping.created',
          { kind: 'GroupMapping', id },
          { ...input },
        )
        return toGroupMapping(row)
      }),
    )
  }

  async getGroupMapping(id: string): Promise<GroupMappingRecord | undefined> {
    const row = await this.#db
      .selectFrom('group_mappings')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toGroupMapping(row)
  }

  async listGroupMappings(page: PageRequest): Promise<Page<GroupMappingRecord>> {
    const rows = await this.#db
      .selectFrom('group_mappings')
      .selectAll()
      .where('seq', '>', decodePageToken(page.pageToken))
      .orderBy('seq')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toGroupMapping)
  }

  async listAllGroupMappings(): Promise<readonly GroupMappingRecord[]> {
    const rows = await this.#db.selectFrom('group_mappings').selectAll().orderBy('seq').execute()
    return rows.map(toGroupMapping)
  }

  async updateGroupMapping(
    id: string,
    changes: { displayName?: string; description?: string; filter?: string },
    actor: AuditActor,
  ): Promise<GroupMappingRecord | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('group_mappings')
        .set({
          ...(changes.displayName === undefined ? {} : { display_name: changes.displayName }),
          ...(changes.description === undefined ? {} : { description: changes.description }),
          ...(changes.filter === undefined ? {} : { filter: changes.filter }),
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      if (row === undefined) return undefined
      await recordAuditEvent(
        trx,
        actor,
        'group_mapping.updated',
        { kind: 'GroupMapping', id },
        { ...changes },
      )
      return toGroupMapping(row)
    })
  }

  async deleteGroupMapping(id: string, actor: AuditActor): Promise<boolean> {
    const principal = `User:${id}`
    const result = await this.#db.transaction().execute(async (trx) => {
      const deleted = await trx.deleteFrom('group_mappings').where('id', '=', id).executeTakeFirst()
      if (deleted.numDeletedRows === 0n) return { deleted: false, bindingIds: [] as string[] }
      const bindings = await trx
        .deleteFrom('role_bindings')
        .where('principal', '=', principal)
        .returningAll()
        .execute()
      for (const row of bindings) {
        await recordAuditEvent(
          trx,
          actor,
          'role_binding.deleted',
          { kind: 'RoleBinding', id: row.id },
          { principal, roleName: row.role_name, crnPattern: row.crn_pattern, reason: 'principal deleted' },
        )
      }
      // Sessions stop holding the mapping at once, not only at their next refresh.
      await sql`UPDATE console_sessions SET group_principals = group_principals - ${principal}::text
        WHERE group_principals ? ${principal}::text`.execute(trx)
      const bindingIds = bindings.map((row) => row.id)
      await recordAuditEvent(
        trx,
        actor,
        'group_mapping.deleted',
        { kind: 'GroupMapping', id },
        { deletedRoleBindings: bindingIds },
      )
      if (bindingIds.length > 0)
        await sql`SELECT pg_notify(${ROLE_BINDINGS_CHANGED_CHANNEL}, ${principal})`.execute(trx)
      return { deleted: true, bindingIds }
    })
    if (result.bindingIds.length > 0) this.#onRoleBindingsChanged()
    return result.deleted
  }

  // --- invitations ---------------------------------------------------------------------------

  async createInvitation(
    input: { email: string; authType: UserAuthType; expiresAt: Date },
    actor: AuditActor,
  ): Promise<InvitationRecord> {
    try {
      return await withFreshId('i', (id) =>
        this.#db.transaction().execute(async (trx) => {
          const row = await trx
            .insertInto('invitations')
            .values({
              id,
              email: input.email,
              auth_type: input.authType,
              status: 'INVITE_STATUS_SENT',
              accepted_at: null,
              expires_at: input.expiresAt,
              user_id: null,
              creator: actor.principal,
            })
            .returningAll()
            .executeTakeFirstOrThrow()
          await recordAuditEvent(
            trx,
            actor,
            'invitation.created',
            { kind: 'Invitation', id },
            { email: input.email, authType: input.authType },
          )
          return toInvitation(row)
        }),
      )
    } catch (error) {
      if (databaseErrorOf(error).code === UNIQUE_VIOLATION && !isPrimaryKeyCollision(error))
        throw new StoreConflictError(`A pending invitation for ${input.email} already exists.`, '/email', {
          cause: error,
        })
      throw error
    }
  }

  async getInvitation(id: string): Promise<InvitationRecord | undefined> {
    const row = await this.#db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toInvitation(row)
  }

  async listInvitations(page: PageRequest): Promise<Page<InvitationRecord>> {
    const rows = await this.#db
      .selectFrom('invitations')
      .selectAll()
      .where('seq', '>', decodePageToken(page.pageToken))
      .orderBy('seq')
      .limit(page.pageSize + 1)
      .execute()
    return toPage(rows, page, toInvitation)
  }

  async deleteInvitation(id: string, actor: AuditActor): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const deleted = await trx.deleteFrom('invitations').where('id', '=', id).executeTakeFirst()
      if (deleted.numDeletedRows === 0n) return false
      await recordAuditEvent(trx, actor, 'invitation.deleted', { kind: 'Invitation', id })
      return true
    })
  }

  async findPendingInvitation(email: string, now: Date): Promise<InvitationRecord | undefined> {
    const row = await this.#db
      .selectFrom('invitations')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .where('status', '=', 'INVITE_STATUS_SENT')
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return row && toInvitation(row)
  }

  async acceptInvitation(id: string, userId: string, now: Date, actor: AuditActor): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('invitations')
        .set({ status: 'INVITE_STATUS_ACCEPTED', accepted_at: now, user_id: userId, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'INVITE_STATUS_SENT')
        .executeTakeFirst()
      if (updated.numUpdatedRows === 0n) return false
      await recordAuditEvent(trx, actor, 'invitation.accepted', { kind: 'Invitation', id }, { userId })
      return true
    })
  }

  // --- sessions and pending sign-ins ---------------------------------------------------------

  async createSession(session: ConsoleSessionRecord): Promise<void> {
    await this.#db
      .insertInto('console_sessions')
      .values({
        id_hash: session.idHash,
        user_id: session.userId,
        claims: JSON.stringify(session.claims),
        group_principals: JSON.stringify(session.groupPrincipals),
        created_at: session.createdAt,
        last_seen_at: session.lastSeenAt,
        absolute_expires_at: session.absoluteExpiresAt,
      })
      .execute()
  }

  async getSession(idHash: string): Promise<ConsoleSessionRecord | undefined> {
    const row = await this.#db
      .selectFrom('console_sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst()
    if (row === undefined) return undefined
    return {
      idHash: row.id_hash,
      userId: row.user_id,
      claims: jsonObject(row.claims),
      groupPrincipals: stringArray(row.group_principals),
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      absoluteExpiresAt: row.absolute_expires_at,
    }
  }

  async refreshSession(
    idHash: string,
    changes: { lastSeenAt: Date; groupPrincipals: readonly string[] },
  ): Promise<void> {
    await this.#db
      .updateTable('console_sessions')
      .set({ last_seen_at: changes.lastSeenAt, group_principals: JSON.stringify(changes.groupPrincipals) })
      .where('id_hash', '=', idHash)
      .execute()
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute()
  }

  async deleteExpired(now: Date, idleCutoff: Date): Promise<void> {
    await this.#db
      .deleteFrom('console_sessions')
      .where((eb) => eb.or([eb('absolute_expires_at', '<=', now), eb('last_seen_at', '<=', idleCutoff)]))
      .execute()
    await this.#db.deleteFrom('console_pending_sign_ins').where('expires_at', '<=', now).execute()
  }

  async createPendingSignIn(signIn: PendingSignInRecord): Promise<void> {
    await this.#db
      .insertInto('console_pending_sign_ins')
      .values({
        state_hash: signIn.stateHash,
        code_verifier: signIn.codeVerifier,
        nonce: signIn.nonce,
        return_to: signIn.returnTo,
        expires_at: signIn.expiresAt,
      })
      .execute()
  }

  async takePendingSignIn(stateHash: string, now: Date): Promise<PendingSignInRecord | undefined> {
    const row = await this.#db
      .deleteFrom('console_pending_sign_ins')
      .where('state_hash', '=', stateHash)
      .returningAll()
      .executeTakeFirst()
    if (row === undefined || row.expires_at <= now) return undefined
    return {
      stateHash: row.state_hash,
      codeVerifier: row.code_verifier,
      nonce: row.nonce,
      returnTo: row.return_to,
      expiresAt: row.expires_at,
    }
  }
}
