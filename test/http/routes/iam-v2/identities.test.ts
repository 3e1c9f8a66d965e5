/**
 * The /iam/v2 and /org/v2 APIs over a real (embedded) store: every response is also checked
 * against Confluent's own schema for its operation by the test app.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { AuthenticationFailureThrottle } from '../../../../src/authn/index.ts'
import { openIdentityStore, SYSTEM_ACTOR, type SqlIdentityStore } from '../../../../src/store/sql/index.ts'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`

interface ApiKeyBody {
  id: string
  metadata: { self: string; resource_name: string }
  spec: {
    secret?: string
    owner: { id: string; kind: string }
    resource?: { id: string; environment: string; kind: string }
    display_name: string
    description: string
  }
}

describe('identities API (/iam/v2, /org/v2)', () => {
  let t: TestApp
  let store: SqlIdentityStore
  let admin: Record<string, string>
  let clusterId: string
  let environmentId: string

  before(async () => {
    store = (await openIdentityStore({ kind: 'pglite-memory' })).store
    t = await buildTestApp({
      identities: store,
      throttle: new AuthenticationFailureThrottle({
        threshold: 3,
        windowMs: 60_000,
        baseDelayMs: 1,
        maxDelayMs: 5,
      }),
    })
    admin = { authorization: t.authorization }
    clusterId = (await t.kafka.describeCluster()).clusterId
    environmentId = (await store.listEnvironments({ pageSize: 1 })).items[0]!.id
    await store.registerKafkaCluster(
      { id: clusterId, environmentId, displayName: clusterId, source: 'config' },
      SYSTEM_ACTOR,
    )
  })
  after(async () => {
    await t.app.close()
    await store.close()
  })

  async function createServiceAccount(displayName: string) {
    const response = await t.app.inject({
      method: 'POST',
      url: '/iam/v2/service-accounts',
      headers: admin,
      payload: { display_name: displayName, description: 'for tests' },
    })
    assert.equal(response.statusCode, 201, response.body)
    return response.json<{ id: string; display_name: string; metadata: { self: string } }>()
  }

  async function createKey(ownerId: string, resource?: { id: string; environment?: string }) {
    const response = await t.app.inject({
      method: 'POST',
      url: '/iam/v2/api-keys',
      headers: admin,
      payload: {
        spec: {
          display_name: 'k',
          description: 'd',
          owner: { id: ownerId },
          ...(resource ? { resource } : {}),
        },
      },
    })
    assert.equal(response.statusCode, 202, response.body)
    const body = response.json<ApiKeyBody>()
    assert.equal(response.headers['location'], body.metadata.self)
    return { body, authorization: basic(body.id, body.spec.secret!) }
  }

  describe('service accounts', () => {
    it('creates, reads, updates, lists and deletes a service account', async () => {
      // Given
      const created = await createServiceAccount('orders-app')
      assert.match(created.id, /^sa-[a-z0-9]{6}$/)
      // When
      const read = await t.app.inject({ url: `/iam/v2/service-accounts/${created.id}`, headers: admin })
      const updated = await t.app.inject({
        method: 'PATCH',
        url: `/iam/v2/service-accounts/${created.id}`,
        headers: admin,
        payload: { description: 'Orders service' },
      })
      const deleted = await t.app.inject({
        method: 'DELETE',
        url: `/iam/v2/service-accounts/${created.id}`,
        headers: admin,
      })
      const gone = await t.app.inject({ url: `/iam/v2/service-accounts/${created.id}`, headers: admin })
      // Then
      assert.equal(read.statusCode, 200)
      assert.equal(read.json<{ display_name: string }>().display_name, 'orders-app')
      assert.equal(
        updated.json<{ description: string; display_name: string }>().description,
        'Orders service',
      )
      assert.equal(updated.json<{ display_name: string }>().display_name, 'orders-app')
      assert.equal(deleted.statusCode, 204)
      assert.equal(gone.statusCode, 404)
      assert.equal(gone.json<{ errors: { code: string }[] }>().errors[0]!.code, 'not_found')
    })

    it('refuses a duplicate display name with 409 naming the field', async () => {
      await createServiceAccount('unique-name')
      const response = await t.app.inject({
        method: 'POST',
        url: '/iam/v2/service-accounts',
        headers: admin,
        payload: { display_name: 'unique-name' },
      })
      assert.equal(response.statusCode, 409)
      const error = response.json<{
        errors: { status: string; code: string; source: { pointer: string } }[]
      }>().errors[0]!
      assert.equal(error.status, '409')
      assert.equal(error.code, 'resource_already_exists')
      assert.equal(error.source.pointer, '/display_name')
    })

    it('refuses a missing, empty or too long display name and unknown fields with 422 and a pointer', async () => {
      for (const [payload, pointer] of [
        [{ description: 'x' }, '/display_name'],
        [{ display_name: '' }, '/display_name'],
        [{ display_name: 'x'.repeat(65) }, '/display_name'],
        [{ display_name: 'ok', color: 'red' }, '/color'],
      ] as const) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/iam/v2/service-accounts',
          headers: admin,
          payload,
        })
        assert.equal(response.statusCode, 422, `${JSON.stringify(payload)}: ${response.body}`)
        assert.equal(
          response.json<{ errors: { source: { pointer: string } }[] }>().errors[0]!.source.pointer,
          pointer,
        )
      }
    })

    it('filters by display name (repeatable) and pages with page_size and metadata.next', async () => {
      // Given
      for (const name of ['page-a', 'page-b', 'page-c']) await createServiceAccount(name)
      // When
      const filtered = await t.app.inject({
        url: '/iam/v2/service-accounts?display_name=page-a&display_name=page-c',
        headers: admin,
      })
      const seen: string[] = []
      let next: string | undefined = '/iam/v2/service-accounts?page_size=2'
      let pages = 0
      while (next) {
        const page: { statusCode: number; json: <T>() => T } = await t.app.inject({
          url: next,
          headers: admin,
        })
        assert.equal(page.statusCode, 200)
        const body = page.json<{ data: { display_name: string }[]; metadata: { next?: string } }>()
        assert.ok(body.data.length <= 2)
        seen.push(...body.data.map((account) => account.display_name))
        next = body.metadata.next
        pages++
        assert.ok(pages < 50, 'paging must end')
      }
      // Then
      assert.deepEqual(
        filtered.json<{ data: { display_name: string }[] }>().data.map((account) => account.display_name),
        ['page-a', 'page-c'],
      )
      assert.equal(new Set(seen).size, seen.length, 'no account twice')
      for (const name of ['page-a', 'page-b', 'page-c', 'gatehouse-bootstrap']) assert.ok(seen.includes(name))
    })

    it('refuses a forged page token and an out-of-range page size with 400', async () => {
      const forged = await t.app.inject({ url: '/iam/v2/service-accounts?page_token=bm9wZQ', headers: admin })
      const tooBig = await t.app.inject({ url: '/iam/v2/service-accounts?page_size=1000', headers: admin })
      assert.equal(forged.statusCode, 400)
      assert.equal(
        forged.json<{ errors: { source: { parameter: string } }[] }>().errors[0]!.source.parameter,
        'page_token',
      )
      assert.equal(tooBig.statusCode, 400)
    })

    it('answers 404 for an unknown id on get, update and delete', async () => {
      for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
        const response = await t.app.inject({
          method,
          url: '/iam/v2/service-accounts/sa-none00',
          headers: admin,
          ...(method === 'PATCH' ? { payload: { description: 'x' } } : {}),
        })
        assert.equal(response.statusCode, 404, method)
      }
    })
  })

  describe('API keys', () => {
    it('shows the secret only in the create response', async () => {
      const account = await createServiceAccount('secret-shown-once')
      const { body } = await createKey(account.id, { id: clusterId, environment: environmentId })
      assert.match(body.spec.secret!, /^ghsk_[0-9A-Za-z]{46}$/)
      const read = await t.app.inject({ url: `/iam/v2/api-keys/${body.id}`, headers: admin })
      const listed = await t.app.inject({ url: `/iam/v2/api-keys?spec.owner=${account.id}`, headers: admin })
      for (const response of [read, listed]) {
        assert.equal(response.statusCode, 200)
        assert.ok(!response.body.includes(body.spec.secret!))
        assert.ok(!response.body.includes('"secret"'))
      }
      assert.deepEqual(
        listed.json<{ data: ApiKeyBody[] }>().data.map((key) => key.id),
        [body.id],
      )
      assert.equal(read.json<ApiKeyBody>().spec.resource?.id, clusterId)
      assert.equal(read.json<ApiKeyBody>().spec.resource?.environment, environmentId)
      assert.equal(read.json<ApiKeyBody>().spec.owner.kind, 'ServiceAccount')
    })

    it('a cluster key opens its own cluster only; a management key opens the management API only', async () => {
      // Given
      const account = await createServiceAccount('scoped-keys')
      await t.grant(`User:${account.id}`, 'Operator', t.organizationCrn)
      const clusterKey = await createKey(account.id, { id: clusterId })
      const managementKey = await createKey(account.id)
      const asCluster = { authorization: clusterKey.authorization }
      const asManagement = { authorization: managementKey.authorization }
      // When
      const ownCluster = await t.app.inject({
        url: `/kafka/v3/clusters/${clusterId}/topics`,
        headers: asCluster,
      })
      const clusterList = await t.app.inject({ url: '/kafka/v3/clusters', headers: asCluster })
      const otherCluster = await t.app.inject({
        url: '/kafka/v3/clusters/other-cluster/topics',
        headers: asCluster,
      })
      const managementWithClusterKey = await t.app.inject({
        url: '/iam/v2/service-accounts',
        headers: asCluster,
      })
      const management = await t.app.inject({ url: '/iam/v2/service-accounts', headers: asManagement })
      const kafkaWithManagementKey = await t.app.inject({
        url: `/kafka/v3/clusters/${clusterId}/topics`,
        headers: asManagement,
      })
      // Then
      assert.equal(ownCluster.statusCode, 200)
      assert.deepEqual(
        clusterList.json<{ data: { cluster_id: string }[] }>().data.map((cluster) => cluster.cluster_id),
        [clusterId],
      )
      assert.equal(otherCluster.statusCode, 401)
      assert.equal(otherCluster.json<{ error_code: number }>().error_code, 40101)
      assert.equal(managementWithClusterKey.statusCode, 401)
      assert.equal(managementWithClusterKey.json<{ errors: { status: string }[] }>().errors[0]!.status, '401')
      assert.equal(management.statusCode, 200)
      assert.equal(kafkaWithManagementKey.statusCode, 401)
    })

    it('stops working at once when deleted, or when its owner is deleted', async () => {
      // Given
      const account = await createServiceAccount('short-lived')
      const first = await createKey(account.id, { id: clusterId })
      const second = await createKey(account.id, { id: clusterId })
      const url = `/kafka/v3/clusters/${clusterId}/topics`
      assert.equal(
        (await t.app.inject({ url, headers: { authorization: first.authorization } })).statusCode,
        200,
      )
      assert.equal(
        (await t.app.inject({ url, headers: { authorization: second.authorization } })).statusCode,
        200,
      )
      // When
      const deleteKey = await t.app.inject({
        method: 'DELETE',
        url: `/iam/v2/api-keys/${first.body.id}`,
        headers: admin,
      })
      const afterKeyDelete = await t.app.inject({ url, headers: { authorization: first.authorization } })
      await t.app.inject({ method: 'DELETE', url: `/iam/v2/service-accounts/${account.id}`, headers: admin })
      const afterOwnerDelete = await t.app.inject({ url, headers: { authorization: second.authorization } })
      // Then
      assert.equal(deleteKey.statusCode, 204)
      assert.equal(afterKeyDelete.statusCode, 401)
      assert.equal(afterOwnerDelete.statusCode, 401)
      assert.equal(
        (await t.app.inject({ url: `/iam/v2/api-keys/${second.body.id}`, headers: admin })).statusCode,
        404,
      )
    })

    it('updates display name and description only', async () => {
      const account = await createServiceAccount('renamed-key')
      const { body } = await createKey(account.id)
      const patched = await t.app.inject({
        method: 'PATCH',
        url: `/iam/v2/api-keys/${body.id}`,
        headers: admin,
        payload: { spec: { display_name: 'new name', description: 'new description' } },
      })
      const ownerChange = await t.app.inject({
        method: 'PATCH',
        url: `/iam/v2/api-keys/${body.id}`,
        headers: admin,
        payload: { spec: { owner: { id: 'sa-other1' } } },
      })
      assert.equal(patched.statusCode, 200)
      assert.equal(patched.json<ApiKeyBody>().spec.display_name, 'new name')
      assert.equal(patched.json<ApiKeyBody>().spec.description, 'new description')
      assert.equal(ownerChange.statusCode, 422)
      assert.equal(
        ownerChange.json<{ errors: { source: { pointer: string } }[] }>().errors[0]!.source.pointer,
        '/spec/owner',
      )
    })

    it('refuses an unknown owner, an owner id of no known kind, and an unregistered cluster with 422', async () => {
      const account = await createServiceAccount('bad-key-requests')
      for (const [spec, pointer] of [
        [{ owner: { id: 'sa-nobody' } }, '/spec/owner/id'],
        [{ owner: { id: 'team-7' } }, '/spec/owner/id'],
        [{ owner: { id: account.id }, resource: { id: 'lkc-unknown' } }, '/spec/resource/id'],
        [{}, '/spec/owner'],
      ] as const) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/iam/v2/api-keys',
          headers: admin,
          payload: { spec },
        })
        assert.equal(response.statusCode, 422, response.body)
        assert.equal(
          response.json<{ errors: { source: { pointer: string } }[] }>().errors[0]!.source.pointer,
          pointer,
        )
      }
    })

    it('50 concurrent creations give 50 distinct working keys', async () => {
      const account = await createServiceAccount('many-keys')
      const keys = await Promise.all(
        Array.from({ length: 50 }, () => createKey(account.id, { id: clusterId })),
      )
      assert.equal(new Set(keys.map((key) => key.body.id)).size, 50)
      assert.equal(new Set(keys.map((key) => key.body.spec.secret)).size, 50)
      const statuses = await Promise.all(
        keys.map(
          async (key) =>
            (
              await t.app.inject({
                url: `/kafka/v3/clusters/${clusterId}/topics`,
                headers: { authorization: key.authorization },
              })
            ).statusCode,
        ),
      )
      assert.deepEqual(new Set(statuses), new Set([200]))
    })
  })

  describe('users', () => {
    it('lists, reads, renames and deletes users, and deleting one deletes their keys', async () => {
      // Given a user created the way sign-in will create them, with a key
      const user = await store.ensureUser(
        { email: 'Ada@example.com', fullName: 'Ada', authType: 'AUTH_TYPE_SSO' },
        SYSTEM_ACTOR,
      )
      assert.equal(
        (
          await store.ensureUser(
            { email: 'ada@EXAMPLE.com', fullName: 'x', authType: 'AUTH_TYPE_SSO' },
            SYSTEM_ACTOR,
          )
        ).id,
        user.id,
      )
      const key = await createKey(user.id, { id: clusterId })
      // When
      const listed = await t.app.inject({ url: '/iam/v2/users', headers: admin })
      const renamed = await t.app.inject({
        method: 'PATCH',
        url: `/iam/v2/users/${user.id}`,
        headers: admin,
        payload: { full_name: 'Ada Lovelace' },
      })
      const emailChange = await t.app.inject({
        method: 'PATCH',
        url: `/iam/v2/users/${user.id}`,
        headers: admin,
        payload: { email: 'other@example.com' },
      })
      const deleted = await t.app.inject({
        method: 'DELETE',
        url: `/iam/v2/users/${user.id}`,
        headers: admin,
      })
      // Then
      assert.ok(
        listed.json<{ data: { id: string }[] }>().data.some((listedUser) => listedUser.id === user.id),
      )
      assert.equal(renamed.json<{ full_name: string; email: string }>().full_name, 'Ada Lovelace')
      assert.equal(renamed.json<{ email: string }>().email, 'Ada@example.com')
      assert.equal(emailChange.statusCode, 422)
      assert.equal(deleted.statusCode, 204)
      assert.equal(
        (
          await t.app.inject({
            url: `/kafka/v3/clusters/${clusterId}/topics`,
            headers: { authorization: key.authorization },
          })
        ).statusCode,
        401,
      )
      assert.equal((await t.app.inject({ url: `/iam/v2/users/${user.id}`, headers: admin })).statusCode, 404)
    })
  })

  describe('organization and environments', () => {
    it('serves the one organization', async () => {
      const list = await t.app.inject({ url: '/org/v2/organizations', headers: admin })
      const organization = list.json<{ data: { id: string }[] }>().data[0]!
      const read = await t.app.inject({ url: `/org/v2/organizations/${organization.id}`, headers: admin })
      const other = await t.app.inject({ url: '/org/v2/organizations/not-this-one', headers: admin })
      assert.equal(list.json<{ data: unknown[] }>().data.length, 1)
      assert.equal(read.statusCode, 200)
      assert.equal(other.statusCode, 404)
    })

    it('renames the organization and switches just-in-time sign-up, and refuses bad values', async () => {
      const organization = await store.getOrganization()
      assert.equal(organization.jitEnabled, true, 'just-in-time sign-up is on by default')
      const url = `/org/v2/organizations/${organization.id}`
      const renamed = await t.app.inject({
        method: 'PATCH',
        url,
        headers: admin,
        payload: { display_name: 'Payments Platform', jit_enabled: false },
      })
      assert.equal(renamed.statusCode, 200, renamed.body)
      assert.equal(renamed.json<{ display_name: string }>().display_name, 'Payments Platform')
      assert.equal(renamed.json<{ jit_enabled: boolean }>().jit_enabled, false)
      const read = await t.app.inject({ url, headers: admin })
      assert.equal(read.json<{ display_name: string }>().display_name, 'Payments Platform')
      assert.equal(read.json<{ jit_enabled: boolean }>().jit_enabled, false)

      // A value of the wrong JSON type is 400 `wrong_type`, as elsewhere in the control plane.
      for (const [payload, pointer, status] of [
        [{ display_name: '' }, '/display_name', 422],
        [{ display_name: 'x'.repeat(32) }, '/display_name', 422],
        [{ display_name: 'a<b' }, '/display_name', 422],
        [{ jit_enabled: 'yes' }, '/jit_enabled', 400],
        [{ id: 'other' }, '/id', 422],
      ] as const) {
        const response = await t.app.inject({ method: 'PATCH', url, headers: admin, payload })
        assert.equal(response.statusCode, status, `${JSON.stringify(payload)}: ${response.body}`)
        assert.equal(
          response.json<{ errors: { source: { pointer: string } }[] }>().errors[0]!.source.pointer,
          pointer,
        )
      }
      const unchanged = await store.getOrganization()
      assert.equal(unchanged.displayName, 'Payments Platform')

      const elsewhere = await t.app.inject({
        method: 'PATCH',
        url: '/org/v2/organizations/not-this-one',
        headers: admin,
        payload: { display_name: 'Other' },
      })
      assert.equal(elsewhere.statusCode, 404)
      const restored = await t.app.inject({
        method: 'PATCH',
        url,
        headers: admin,
        payload: { display_name: organization.displayName, jit_enabled: true },
      })
      assert.equal(restored.statusCode, 200)
      const audit = await store.listAuditEvents({ pageSize: 100 }, { resourceId: organization.id })
      assert.deepEqual(
        audit.items.filter((event) => event.action === 'organization.updated').map((event) => event.details),
        [
          // newest first
          { displayName: organization.displayName, jitEnabled: true },
          { displayName: 'Payments Platform', jitEnabled: false },
        ],
      )
    })

    it('creates, renames and deletes environments, but not the default one or one holding clusters', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/org/v2/environments',
        headers: admin,
        payload: { display_name: 'staging' },
      })
      assert.equal(created.statusCode, 201)
      const id = created.json<{ id: string }>().id
      assert.match(id, /^env-[a-z0-9]{6}$/)
      const renamed = await t.app.inject({
        method: 'PATCH',
        url: `/org/v2/environments/${id}`,
        headers: admin,
        payload: { display_name: 'stage' },
      })
      assert.equal(renamed.json<{ display_name: string }>().display_name, 'stage')
      const defaultDelete = await t.app.inject({
        method: 'DELETE',
        url: `/org/v2/environments/${environmentId}`,
        headers: admin,
      })
      assert.equal(defaultDelete.statusCode, 409)
      await store.registerKafkaCluster(
        {
          id: 'lkc-staging',
          environmentId: id,
          displayName: 'staging',
          source: 'api',
          connection: { bootstrapServers: ['kafka-staging:9092'] },
        },
        SYSTEM_ACTOR,
      )
      const busyDelete = await t.app.inject({
        method: 'DELETE',
        url: `/org/v2/environments/${id}`,
        headers: admin,
      })
      assert.equal(busyDelete.statusCode, 409)
      assert.match(busyDelete.json<{ errors: { detail: string }[] }>().errors[0]!.detail, /lkc-staging/)
    })
  })

  describe('audit and secrets', () => {
    it('records who created, changed and deleted identities, and never a secret', async () => {
      const account = await createServiceAccount('audited')
      const { body } = await createKey(account.id, { id: clusterId })
      await t.app.inject({ method: 'DELETE', url: `/iam/v2/service-accounts/${account.id}`, headers: admin })
      const events = (await store.listAuditEvents({ pageSize: 100 })).items
      const forAccount = events
        .filter((event) => event.resourceId === account.id)
        .map((event) => event.action)
      const forKey = events.filter((event) => event.resourceId === body.id).map((event) => event.action)
      assert.deepEqual(forAccount.sort(), ['service_account.created', 'service_account.deleted'])
      assert.deepEqual(forKey.sort(), ['api_key.created', 'api_key.deleted'])
      const creation = events.find(
        (event) => event.resourceId === body.id && event.action === 'api_key.created',
      )!
      assert.equal(creation.actor.credentialId, t.key)
      assert.match(creation.actor.principal, /^User:sa-/)
      assert.ok(!JSON.stringify(events).includes(body.spec.secret!))
    })
  })

  describe('failed authentication', () => {
    it('slows down a client after repeated failures and counts them in /metrics', async () => {
      for (let i = 0; i < 6; i++) {
        const response = await t.app.inject({
          url: '/iam/v2/service-accounts',
          headers: { authorization: basic('NOSUCHKEY0000000', 'wrong') },
        })
        assert.equal(response.statusCode, 401)
      }
      const metrics = await t.app.inject({ url: '/metrics', headers: admin })
      assert.match(
        metrics.body,
        /gatehouse_authentication_failures_total\{reason="GW_AUTHN_FAILED"\} ([6-9]|\d\d)/,
      )
      assert.match(metrics.body, /gatehouse_authentication_throttled_total ([3-9]|\d\d)/)
    })
  })
})
