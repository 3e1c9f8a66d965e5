/**
 * /iam/v2/sso/group-mappings and /iam/v2/invitations over a real (embedded) store; every response is
 * checked against Confluent's sso/v2 and iam/v2 schemas by the test app.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  GroupMappingEvaluator,
  generateKeyId,
  generateSecret,
  hashSecret,
} from '../../../../src/authn/index.ts'
import { openIdentityStore, SYSTEM_ACTOR, type SqlIdentityStore } from '../../../../src/store/sql/index.ts'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`
const MAPPINGS = '/iam/v2/sso/group-mappings'

interface MappingBody {
  api_version: string
  kind: string
  id: string
  metadata: { self: string; resource_name: string }
  display_name: string
  description: string
  filter: string
  principal: string
  state: string
}

interface ErrorsBody {
  errors: { status: string; code: string; detail: string; source?: { pointer?: string } }[]
}

describe('group mappings API (/iam/v2/sso/group-mappings)', () => {
  let t: TestApp
  let store: SqlIdentityStore
  let admin: Record<string, string>

  before(async () => {
    store = (await openIdentityStore({ kind: 'pglite-memory' })).store
    t = await buildTestApp({ identities: store })
    admin = { authorization: t.authorization }
  })
  after(async () => {
    await t.app.close()
    await store.close()
  })

  async function create(payload: Record<string, unknown>): Promise<MappingBody> {
    const response = await t.app.inject({ method: 'POST', url: MAPPINGS, headers: admin, payload })
    assert.equal(response.statusCode, 201, response.body)
    return response.json<MappingBody>()
  }

  it('creates, reads, lists, changes and deletes a mapping in Confluent’s shape', async () => {
    const created = await create({
      display_name: 'Engineering',
      description: 'Cluster admins',
      filter: '"engineering" in groups',
    })
    assert.match(created.id, /^group-[a-z0-9]{6}$/)
    assert.equal(created.api_version, 'iam.v2/sso')
    assert.equal(created.kind, 'GroupMapping')
    assert.equal(created.principal, created.id)
    assert.equal(created.state, 'ENABLED')
    assert.match(created.metadata.resource_name, /\/group-mapping=group-/)

    const got = await t.app.inject({ method: 'GET', url: `${MAPPINGS}/${created.id}`, headers: admin })
    assert.equal(got.statusCode, 200)
    assert.equal(got.json<MappingBody>().filter, '"engineering" in groups')

    const listed = await t.app.inject({ method: 'GET', url: MAPPINGS, headers: admin })
    assert.equal(listed.statusCode, 200)
    assert.ok(listed.json<{ data: MappingBody[] }>().data.some((mapping) => mapping.id === created.id))

    const patched = await t.app.inject({
      method: 'PATCH',
      url: `${MAPPINGS}/${created.id}`,
      headers: admin,
      payload: { filter: '"engineering" in claims.groups || "sre" in groups' },
    })
    assert.equal(patched.statusCode, 200, patched.body)
    assert.equal(patched.json<MappingBody>().filter, '"engineering" in claims.groups || "sre" in groups')
    assert.equal(patched.json<MappingBody>().display_name, 'Engineering')

    await t.grant(`User:${created.id}`, 'OrganizationAdmin', t.organizationCrn)
    const deleted = await t.app.inject({ method: 'DELETE', url: `${MAPPINGS}/${created.id}`, headers: admin })
    assert.equal(deleted.statusCode, 204)
    const bindings = await store.listAllRoleBindings()
    assert.ok(!bindings.some((binding) => binding.principal === `User:${created.id}`), 'bindings deleted too')
    const gone = await t.app.inject({ method: 'GET', url: `${MAPPINGS}/${created.id}`, headers: admin })
    assert.equal(gone.statusCode, 404)
    const again = await t.app.inject({ method: 'DELETE', url: `${MAPPINGS}/${created.id}`, headers: admin })
    assert.equal(again.statusCode, 404)
  })

  it('refuses bad filters with 400 invalid_filter that says where, and bad bodies with 4xx', async () => {
    const cases = [
      { filter: '"engineering" in', why: 'syntax' },
      { filter: 'group == "x"', why: 'unknown variable' },
      { filter: 'groups', why: 'not a condition' },
      { filter: '', why: 'empty' },
      { filter: `"${'a'.repeat(300)}" in groups`, why: 'too long' },
    ]
    for (const { filter, why } of cases) {
      const response = await t.app.inject({
        method: 'POST',
        url: MAPPINGS,
        headers: admin,
        payload: { display_name: 'bad', filter },
      })
      assert.equal(response.statusCode, 400, `${why}: ${response.body}`)
      const [error] = response.json<ErrorsBody>().errors
      assert.equal(error!.code, 'invalid_filter', why)
      assert.equal(error!.source?.pointer, '/filter')
    }
    const missing = await t.app.inject({
      method: 'POST',
      url: MAPPINGS,
      headers: admin,
      payload: { filter: 'true' },
    })
    assert.equal(missing.statusCode, 422)
    const unknown = await t.app.inject({
      method: 'POST',
      url: MAPPINGS,
      headers: admin,
      payload: { display_name: 'x', filter: 'true', principal: 'User:u-1' },
    })
    assert.equal(unknown.statusCode, 422)
    const patchMissing = await t.app.inject({
      method: 'PATCH',
      url: `${MAPPINGS}/group-nope00`,
      headers: admin,
      payload: { description: 'x' },
    })
    assert.equal(patchMissing.statusCode, 404)
  })

  it('role bindings accept the mapping as principal User:group-…', async () => {
    const mapping = await create({ display_name: 'Ops', filter: '"ops" in groups' })
    const response = await t.app.inject({
      method: 'POST',
      url: '/iam/v2/role-bindings',
      headers: admin,
      payload: { principal: `User:${mapping.id}`, role_name: 'Operator', crn_pattern: t.organizationCrn },
    })
    assert.equal(response.statusCode, 201, response.body)
  })

  it('answers 403 to a caller without rights, and lets an Operator only read', async () => {
    const mapping = await create({ display_name: 'Readers', filter: 'true' })
    const account = await store.createServiceAccount(
      { displayName: 'gm-nobody', description: '' },
      SYSTEM_ACTOR,
    )
    const key = generateKeyId()
    const secret = generateSecret()
    await store.createApiKey(
      {
        id: key,
        displayName: '',
        description: '',
        ownerId: account.id,
        ownerKind: 'ServiceAccount',
        scope: { kind: 'management' },
        secretHash: hashSecret(secret),
      },
      SYSTEM_ACTOR,
    )
    const headers = { authorization: basic(key, secret) }
    const url = `${MAPPINGS}/${mapping.id}`
    const requests = [
      { method: 'GET' as const, url: MAPPINGS },
      { method: 'POST' as const, url: MAPPINGS, payload: { display_name: 'x', filter: 'true' } },
      { method: 'GET' as const, url },
      { method: 'PATCH' as const, url, payload: { description: 'x' } },
      { method: 'DELETE' as const, url },
    ]
    for (const request of requests) {
      const response = await t.app.inject({ ...request, headers })
      assert.equal(response.statusCode, 403, `${request.method} ${request.url}`)
    }
    await t.grant(`User:${account.id}`, 'Operator', t.organizationCrn)
    const statuses = []
    for (const request of requests) statuses.push((await t.app.inject({ ...request, headers })).statusCode)
    assert.deepEqual(statuses, [200, 403, 200, 403, 403])
  })
})

describe('group mapping evaluation', () => {
  const evaluator = new GroupMappingEvaluator()
  const mappings = [
    { id: 'group-eng001', filter: '"engineering" in groups' },
    { id: 'group-claim1', filter: '"engineering" in claims.groups' },
    { id: 'group-all001', filter: 'true' },
    { id: 'group-sre001', filter: '"sre" in groups' },
    // A stored filter that does not compile (never through the API) matches nothing.
    { id: 'group-broken', filter: '"x" in' },
    // A filter that errors at evaluation (a missing claim) fails closed.
    { id: 'group-error1', filter: 'claims.department == "eng"' },
  ]
  it('gives the principals of every matching mapping, additively, and fails closed', () => {
    assert.deepEqual(evaluator.principalsFor(mappings, ['engineering'], { groups: ['engineering'] }), [
      'User:group-eng001',
      'User:group-claim1',
      'User:group-all001',
    ])
    assert.deepEqual(evaluator.principalsFor(mappings, ['sales'], { groups: ['sales'] }), [
      'User:group-all001',
    ])
    assert.deepEqual(evaluator.principalsFor(mappings, [], {}), ['User:group-all001'])
  })
  it('is case- and space-sensitive, as Confluent’s group values are', () => {
    assert.deepEqual(evaluator.principalsFor(mappings.slice(0, 1), ['Engineering', ' engineering'], {}), [])
  })
})

describe('invitations API (/iam/v2/invitations)', () => {
  let t: TestApp
  let store: SqlIdentityStore
  let admin: Record<string, string>

  before(async () => {
    store = (await openIdentityStore({ kind: 'pglite-memory' })).store
    t = await buildTestApp({ identities: store })
    admin = { authorization: t.authorization }
  })
  after(async () => {
    await t.app.close()
    await store.close()
  })

  it('creates, reads, lists and deletes an invitation; refuses a second one for the same email', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/iam/v2/invitations',
      headers: admin,
      payload: { email: 'grace@example.com' },
    })
    assert.equal(created.statusCode, 201, created.body)
    const invitation = created.json<{ id: string; status: string; auth_type: string; accepted_at: null }>()
    assert.match(invitation.id, /^i-[a-z0-9]{6}$/)
    assert.equal(invitation.status, 'INVITE_STATUS_SENT')
    assert.equal(invitation.auth_type, 'AUTH_TYPE_SSO')
    assert.equal(invitation.accepted_at, null)

    const duplicate = await t.app.inject({
      method: 'POST',
      url: '/iam/v2/invitations',
      headers: admin,
      payload: { email: 'GRACE@example.com' },
    })
    assert.equal(duplicate.statusCode, 409, duplicate.body)

    const got = await t.app.inject({
      method: 'GET',
      url: `/iam/v2/invitations/${invitation.id}`,
      headers: admin,
    })
    assert.equal(got.statusCode, 200)
    const listed = await t.app.inject({ method: 'GET', url: '/iam/v2/invitations', headers: admin })
    assert.equal(listed.json<{ data: unknown[] }>().data.length, 1)
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/iam/v2/invitations/${invitation.id}`,
      headers: admin,
    })
    assert.equal(deleted.statusCode, 204)
    const gone = await t.app.inject({
      method: 'GET',
      url: `/iam/v2/invitations/${invitation.id}`,
      headers: admin,
    })
    assert.equal(gone.statusCode, 404)
  })

  it('refuses an address that is not one, a local auth type, and an existing user', async () => {
    await store.ensureUser(
      { email: 'ada@example.com', fullName: 'Ada', authType: 'AUTH_TYPE_SSO' },
      SYSTEM_ACTOR,
    )
    const cases = [
      { payload: { email: 'not-an-address' }, pointer: '/email' },
      { payload: { email: 'x@example.com', auth_type: 'AUTH_TYPE_LOCAL' }, pointer: '/auth_type' },
      { payload: { email: 'Ada@example.com' }, pointer: '/email' },
    ]
    for (const { payload, pointer } of cases) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/iam/v2/invitations',
        headers: admin,
        payload,
      })
      assert.equal(response.statusCode, 400, response.body)
      const [error] = response.json<ErrorsBody>().errors
      assert.equal(error!.code, 'invalid_invitation')
      assert.equal(error!.source?.pointer, pointer)
    }
  })
})
