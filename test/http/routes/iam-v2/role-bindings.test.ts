/**
 * /iam/v2/role-bindings and /iam/v2/access:explain over a real (embedded) store; responses are
 * checked against Confluent's mds/v2 schema by the test app.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyId, generateSecret, hashSecret } from '../../../../src/authn/index.ts'
import { openIdentityStore, SYSTEM_ACTOR, type SqlIdentityStore } from '../../../../src/store/sql/index.ts'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`

interface RoleBindingBody {
  id: string
  kind: string
  principal: string
  role_name: string
  crn_pattern: string
  metadata: { self: string }
}

describe('role bindings API', () => {
  let t: TestApp
  let store: SqlIdentityStore
  let admin: Record<string, string>
  let organization: string
  let clusterCrn: string

  /** A service account with a management key, and its Authorization header. */
  async function accountWithManagementKey(displayName: string) {
    const account = await store.createServiceAccount({ displayName, description: '' }, SYSTEM_ACTOR)
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
    return { id: account.id, headers: { authorization: basic(key, secret) } }
  }

  const create = (headers: Record<string, string>, body: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/iam/v2/role-bindings', headers, payload: body })

  before(async () => {
    store = (await openIdentityStore({ kind: 'pglite-memory' })).store
    t = await buildTestApp({ identities: store })
    admin = { authorization: t.authorization }
    const clusterId = (await t.kafka.describeCluster()).clusterId
    const environmentId = (await store.listEnvironments({ pageSize: 1 })).items[0]!.id
    await store.registerKafkaCluster(
      { id: clusterId, environmentId, displayName: clusterId, source: 'config' },
      SYSTEM_ACTOR,
    )
    organization = t.organizationCrn
    clusterCrn = `${organization}/environment=${environmentId}/cloud-cluster=${clusterId}`
  })
  after(async () => {
    await t.app.close()
    await store.close()
  })

  it('creates, reads, lists and deletes a binding; the bootstrap account holds OrganizationAdmin', async () => {
    // Given
    const account = await accountWithManagementKey('rb-subject')
    // When
    const created = await create(admin, {
      principal: `User:${account.id}`,
      role_name: 'DeveloperRead',
      crn_pattern: `${clusterCrn}/kafka=${clusterCrn.split('=').pop()}/topic=orders-*`,
    })
    // Then
    assert.equal(created.statusCode, 201, created.body)
    const binding = created.json<RoleBindingBody>()
    assert.match(binding.id, /^rb-/)
    assert.equal(created.headers.location, binding.metadata.self)
    const read = await t.app.inject({ url: `/iam/v2/role-bindings/${binding.id}`, headers: admin })
    assert.deepEqual(read.json(), binding)
    const listed = await t.app.inject({
      url: `/iam/v2/role-bindings?crn_pattern=${encodeURIComponent(organization)}`,
      headers: admin,
    })
    const roles = listed.json<{ data: RoleBindingBody[] }>().data.map((item) => item.role_name)
    assert.deepEqual(roles.sort(), ['DeveloperRead', 'OrganizationAdmin'])
    const byPrincipal = await t.app.inject({
      url: `/iam/v2/role-bindings?crn_pattern=${encodeURIComponent(clusterCrn)}&principal=User:${account.id}`,
      headers: admin,
    })
    assert.deepEqual(
      byPrincipal.json<{ data: RoleBindingBody[] }>().data.map((item) => item.id),
      [binding.id],
    )
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/iam/v2/role-bindings/${binding.id}`,
      headers: admin,
    })
    assert.equal(deleted.statusCode, 200)
    assert.deepEqual(deleted.json(), binding)
    const gone = await t.app.inject({ url: `/iam/v2/role-bindings/${binding.id}`, headers: admin })
    assert.equal(gone.statusCode, 404)
  })

  it('refuses bad principals, unknown roles, foreign or malformed patterns and wrong levels with 400', async () => {
    const cases: [Record<string, unknown>, RegExp, string][] = [
      [
        { principal: 'Group:admins', role_name: 'Operator', crn_pattern: organization },
        /principal must be User:/,
        '/principal',
      ],
      [
        { principal: 'User:sa-x', role_name: 'Superuser', crn_pattern: organization },
        /not a predefined role/,
        '/role_name',
      ],
      [
        {
          principal: 'User:sa-x',
          role_name: 'Operator',
          crn_pattern: 'crn://confluent.cloud/organization=other',
        },
        /this gateway's is/,
        '/crn_pattern',
      ],
      [
        { principal: 'User:sa-x', role_name: 'Operator', crn_pattern: `${organization}/topic=orders` },
        /cannot follow "organization"/,
        '/crn_pattern',
      ],
      [
        { principal: 'User:sa-x', role_name: 'OrganizationAdmin', crn_pattern: clusterCrn },
        /OrganizationAdmin is bound on organization/,
        '/crn_pattern',
      ],
      [
        { principal: 'User:sa-x', role_name: 'Operator', crn_pattern: 'https://example.com' },
        /starts with/,
        '/crn_pattern',
      ],
    ]
    for (const [body, message, pointer] of cases) {
      const response = await create(admin, body)
      assert.equal(response.statusCode, 400, `${JSON.stringify(body)}: ${response.body}`)
      const error = response.json<{
        errors: { code: string; detail: string; source: { pointer: string } }[]
      }>().errors[0]!
      assert.equal(error.code, 'invalid_role_binding')
      assert.match(error.detail, message)
      assert.equal(error.source.pointer, pointer)
    }
    const missing = await t.app.inject({ url: '/iam/v2/role-bindings', headers: admin })
    assert.equal(missing.statusCode, 400, 'crn_pattern is required')
  })

  it('refuses the same binding twice with 409', async () => {
    const body = { principal: 'User:sa-twice1', role_name: 'Operator', crn_pattern: organization }
    assert.equal((await create(admin, body)).statusCode, 201)
    const again = await create(admin, body)
    assert.equal(again.statusCode, 409)
  })

  it('lets only holders of AlterAccess grant, and only within what they may manage', async () => {
    // Given: an account that administers one cluster, and one that holds nothing
    const clusterAdmin = await accountWithManagementKey('cluster-admin')
    const nobody = await accountWithManagementKey('nobody-rb')
    await t.grant(`User:${clusterAdmin.id}`, 'CloudClusterAdmin', clusterCrn)
    const topicPattern = `${clusterCrn}/kafka=${clusterCrn.split('=').pop()}/topic=payments`
    // When
    const inItsCluster = await create(clusterAdmin.headers, {
      principal: 'User:sa-payer1',
      role_name: 'DeveloperWrite',
      crn_pattern: topicPattern,
    })
    const onTheOrganization = await create(clusterAdmin.headers, {
      principal: 'User:sa-payer1',
      role_name: 'Operator',
      crn_pattern: organization,
    })
    const byNobody = await create(nobody.headers, {
      principal: `User:${nobody.id}`,
      role_name: 'OrganizationAdmin',
      crn_pattern: organization,
    })
    const listByNobody = await t.app.inject({
      url: `/iam/v2/role-bindings?crn_pattern=${encodeURIComponent(organization)}`,
      headers: nobody.headers,
    })
    const readByNobody = await t.app.inject({
      url: `/iam/v2/role-bindings/${inItsCluster.json<RoleBindingBody>().id}`,
      headers: nobody.headers,
    })
    const missingByNobody = await t.app.inject({
      url: '/iam/v2/role-bindings/rb-nope00',
      headers: nobody.headers,
    })
    // Then
    assert.equal(inItsCluster.statusCode, 201, inItsCluster.body)
    assert.equal(onTheOrganization.statusCode, 403)
    assert.equal(byNobody.statusCode, 403)
    assert.equal(byNobody.json<{ errors: { status: string; code: string }[] }>().errors[0]!.code, 'forbidden')
    assert.equal(listByNobody.statusCode, 403)
    // Whether a binding exists is not told to those who may not see it.
    assert.equal(readByNobody.statusCode, 403)
    assert.equal(missingByNobody.statusCode, 403)
  })

  it('explains a decision with the rules that took part', async () => {
    // Given: a reader on orders-* and a DENY ACL for it on orders-secret
    const clusterId = clusterCrn.split('=').pop()!
    const reader = await accountWithManagementKey('explained')
    await t.grant(`User:${reader.id}`, 'DeveloperRead', `${clusterCrn}/kafka=${clusterId}/topic=orders-*`)
    await t.kafka.createAcls([
      {
        resourceType: 'TOPIC',
        resourceName: 'orders-secret',
        patternType: 'LITERAL',
        principal: `User:${reader.id}`,
        host: '*',
        operation: 'READ',
        permission: 'DENY',
      },
    ])
    await t.authorizer.reloadAcls(clusterId)
    const explain = (topic: string) =>
      t.app.inject({
        method: 'POST',
        url: '/iam/v2/access:explain',
        headers: admin,
        payload: {
          principals: [`User:${reader.id}`],
          operation: 'Read',
          resource_crn: `${clusterCrn}/kafka=${clusterId}/topic=${topic}`,
        },
      })
    // When
    const allowed = await explain('orders-eu')
    const denied = await explain('orders-secret')
    const nothing = await explain('payments')
    const byReader = await t.app.inject({
      method: 'POST',
      url: '/iam/v2/access:explain',
      headers: reader.headers,
      payload: { principals: ['User:sa-other'], operation: 'Read', resource_crn: organization },
    })
    const badOperation = await t.app.inject({
      method: 'POST',
      url: '/iam/v2/access:explain',
      headers: admin,
      payload: { principals: ['User:sa-x'], operation: 'Fly', resource_crn: organization },
    })
    // Then
    assert.equal(allowed.statusCode, 200, allowed.body)
    assert.equal(allowed.json<{ decision: string }>().decision, 'ALLOWED')
    assert.equal(allowed.json<{ reason: string }>().reason, 'role-binding')
    assert.equal(allowed.json<{ granting_role_bindings: unknown[] }>().granting_role_bindings.length, 1)
    const deniedBody = denied.json<{
      decision: string
      reason: string
      denying_acls: { operation: string }[]
    }>()
    assert.deepEqual([deniedBody.decision, deniedBody.reason], ['DENIED', 'acl-deny'])
    assert.equal(deniedBody.denying_acls[0]!.operation, 'READ')
    assert.equal(nothing.json<{ reason: string }>().reason, 'no-rule')
    assert.equal(byReader.statusCode, 403)
    assert.equal(badOperation.statusCode, 400)
  })
})
