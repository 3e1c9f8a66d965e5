/**
 * /iam/v2/identity-providers/{provider_id}/identity-pools over a real (embedded) store; every
 * response is checked against Confluent's identity-provider/v2 schema by the test app. Filters go
 * through the injected compiler (the placeholder main.ts wires, unless a test replaces it).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyId, generateSecret, hashSecret } from '../../../../src/authn/index.ts'
import { openIdentityStore, SYSTEM_ACTOR, type SqlIdentityStore } from '../../../../src/store/sql/index.ts'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`

interface PoolBody {
  api_version: string
  kind: string
  id: string
  metadata: { self: string; resource_name: string }
  display_name: string
  description: string
  identity_claim: string
  filter: string
  principal: string
  state: string
}

interface ErrorsBody {
  errors: { status: string; code: string; detail: string; source?: { pointer?: string } }[]
}

describe('identity pools API (/iam/v2/identity-providers/{provider_id}/identity-pools)', () => {
  let t: TestApp
  let store: SqlIdentityStore
  let admin: Record<string, string>
  let providerCount = 0

  before(async () => {
    store = (await openIdentityStore({ kind: 'pglite-memory' })).store
    t = await buildTestApp({
      identities: store,
    })
    admin = { authorization: t.authorization }
  })
  after(async () => {
    await t.app.close()
    await store.close()
  })

  async function createProvider(): Promise<string> {
    const issuer = `https://pools-${++providerCount}.example.com`
    const response = await t.app.inject({
      method: 'POST',
      url: '/iam/v2/identity-providers',
      headers: admin,
      payload: { display_name: 'IdP', description: '', issuer, jwks_uri: `${issuer}/keys` },
    })
    assert.equal(response.statusCode, 201, response.body)
    return response.json<{ id: string }>().id
  }

  const poolsUrl = (providerId: string) => `/iam/v2/identity-providers/${providerId}/identity-pools`

  const create = (providerId: string, body: Record<string, unknown>, headers = admin) =>
    t.app.inject({ method: 'POST', url: poolsUrl(providerId), headers, payload: body })

  async function createPool(providerId: string, body: Record<string, unknown> = {}): Promise<PoolBody> {
    const response = await create(providerId, {
      display_name: 'payments',
      description: 'Payment services',
      identity_claim: 'claims.sub',
      filter: 'claims.aud == "payments"',
      ...body,
    })
    assert.equal(response.statusCode, 201, response.body)
    return response.json<PoolBody>()
  }

  function assertInvalid(
    response: { statusCode: number; json: <T>() => T },
    code: string,
    pointer: string,
    detail: RegExp,
  ) {
    assert.equal(response.statusCode, 400)
    const [error] = response.json<ErrorsBody>().errors
    assert.equal(error?.code, code)
    assert.equal(error?.source?.pointer, pointer)
    assert.match(error?.detail ?? '', detail)
  }

  it('creates a pool with Confluent’s shape, reads, lists, updates and deletes it', async () => {
    // Given
    const providerId = await createProvider()
    // When
    const created = await create(providerId, {
      display_name: 'payments',
      description: 'Payment services',
      identity_claim: 'claims.client_id',
      filter: 'claims.aud == "payments"',
    })
    // Then
    assert.equal(created.statusCode, 201, created.body)
    const pool = created.json<PoolBody>()
    assert.match(pool.id, /^pool-[a-z0-9]{6}$/)
    assert.deepEqual(
      [pool.api_version, pool.kind, pool.principal, pool.identity_claim, pool.filter, pool.state],
      ['iam/v2', 'IdentityPool', pool.id, 'claims.client_id', 'claims.aud == "payments"', 'ENABLED'],
    )
    assert.equal(created.headers['location'], pool.metadata.self)
    assert.match(pool.metadata.self, new RegExp(`${poolsUrl(providerId)}/${pool.id}$`))
    assert.equal(
      pool.metadata.resource_name,
      `${t.organizationCrn}/identity-provider=${providerId}/identity-pool=${pool.id}`,
    )

    const url = `${poolsUrl(providerId)}/${pool.id}`
    const read = await t.app.inject({ url, headers: admin })
    assert.equal(read.statusCode, 200)
    assert.deepEqual(read.json(), pool)

    const updated = await t.app.inject({
      method: 'PATCH',
      url,
      headers: admin,
      payload: { filter: 'true', display_name: 'all' },
    })
    assert.equal(updated.statusCode, 200, updated.body)
    assert.deepEqual(
      [
        updated.json<PoolBody>().filter,
        updated.json<PoolBody>().display_name,
        updated.json<PoolBody>().description,
      ],
      ['true', 'all', 'Payment services'],
    )

    const listed = await t.app.inject({ url: poolsUrl(providerId), headers: admin })
    assert.equal(listed.statusCode, 200)
    assert.equal(listed.json().kind, 'IdentityPoolList')
    assert.deepEqual(
      listed.json<{ data: PoolBody[] }>().data.map((item) => item.id),
      [pool.id],
    )

    const deleted = await t.app.inject({ method: 'DELETE', url, headers: admin })
    assert.equal(deleted.statusCode, 204)
    assert.equal((await t.app.inject({ url, headers: admin })).statusCode, 404)
  })

  it('defaults identity_claim to claims.sub and description to empty', async () => {
    const providerId = await createProvider()
    const response = await create(providerId, { display_name: 'minimal', filter: 'true' })
    assert.equal(response.statusCode, 201, response.body)
    assert.deepEqual(
      [response.json<PoolBody>().identity_claim, response.json<PoolBody>().description],
      ['claims.sub', ''],
    )
  })

  it('answers 404 for a missing provider or a pool of another provider', async () => {
    const providerId = await createProvider()
    const otherProviderId = await createProvider()
    const pool = await createPool(providerId)
    const missingProvider = await create('op-ghost1', { display_name: 'x', filter: 'true' })
    assert.equal(missingProvider.statusCode, 404)
    assert.match(
      missingProvider.json<ErrorsBody>().errors[0]!.detail,
      /Identity provider op-ghost1 was not found/,
    )
    assert.equal((await t.app.inject({ url: poolsUrl('op-ghost1'), headers: admin })).statusCode, 404)
    const elsewhere = `${poolsUrl(otherProviderId)}/${pool.id}`
    for (const request of [
      { method: 'GET' as const, url: elsewhere },
      { method: 'PATCH' as const, url: elsewhere, payload: { description: 'x' } },
      { method: 'DELETE' as const, url: elsewhere },
    ]) {
      const response = await t.app.inject({ ...request, headers: admin })
      assert.equal(response.statusCode, 404)
      assert.equal(
        response.json<ErrorsBody>().errors[0]!.detail,
        `Identity pool ${pool.id} was not found under identity provider ${otherProviderId}.`,
      )
    }
  })

  it('refuses bad filters with 400 invalid_filter, saying what is wrong', async () => {
    const providerId = await createProvider()
    assertInvalid(
      await create(providerId, { display_name: 'x', filter: `claims.sub == "${'a'.repeat(300)}"` }),
      'invalid_filter',
      '/filter',
      /^filter is 316 characters long; at most 300 are allowed\.$/,
    )
    assertInvalid(
      await create(providerId, { display_name: 'x', filter: 'claims. == "a"' }),
      'invalid_filter',
      '/filter',
      /^filter is not valid: Syntax error at line 1, column 7, near `\. == "a"`$/,
    )
    assertInvalid(
      await create(providerId, { display_name: 'x', filter: 'claim.sub == "x"' }),
      'invalid_filter',
      '/filter',
      /^filter is not valid: unknown variable 'claim'; filters can use: claims \(line 1, column 1\)$/,
    )
    const pool = await createPool(providerId)
    assertInvalid(
      await t.app.inject({
        method: 'PATCH',
        url: `${poolsUrl(providerId)}/${pool.id}`,
        headers: admin,
        payload: { filter: 'claims.sub' },
      }),
      'invalid_filter',
      '/filter',
      /^filter is not valid: The filter must be a boolean condition/,
    )
  })

  it('accepts an empty filter, which matches no token (as Confluent documents)', async () => {
    const providerId = await createProvider()
    const created = await create(providerId, { display_name: 'closed', filter: '' })
    assert.equal(created.statusCode, 201, created.body)
    assert.equal(created.json().filter, '')
  })

  it('refuses an identity_claim that is not claims.<name>', async () => {
    const providerId = await createProvider()
    assertInvalid(
      await create(providerId, { display_name: 'x', filter: 'true', identity_claim: 'claims' }),
      'invalid_identity_pool',
      '/identity_claim',
      /^identity_claim must name a token claim as claims\.<name>, e\.g\. claims\.sub, not "claims"\.$/,
    )
    const pool = await createPool(providerId)
    assertInvalid(
      await t.app.inject({
        method: 'PATCH',
        url: `${poolsUrl(providerId)}/${pool.id}`,
        headers: admin,
        payload: { identity_claim: 'claims.' },
      }),
      'invalid_identity_pool',
      '/identity_claim',
      /not "claims\."\.$/,
    )
  })

  it('pages the list with metadata.next', async () => {
    const providerId = await createProvider()
    const ids = [
      (await createPool(providerId)).id,
      (await createPool(providerId)).id,
      (await createPool(providerId)).id,
    ]
    const first = await t.app.inject({ url: `${poolsUrl(providerId)}?page_size=2`, headers: admin })
    const firstPage = first.json<{ data: PoolBody[]; metadata: { next?: string } }>()
    assert.ok(firstPage.metadata.next)
    const next = new URL(firstPage.metadata.next)
    const second = await t.app.inject({ url: `${next.pathname}${next.search}`, headers: admin })
    const secondPage = second.json<{ data: PoolBody[]; metadata: { next?: string } }>()
    assert.deepEqual(
      [...firstPage.data, ...secondPage.data].map((pool) => pool.id),
      ids,
    )
    assert.equal(secondPage.metadata.next, undefined)
  })

  it('deleting a pool deletes its role bindings, and the pool loses its grants at once', async () => {
    const providerId = await createProvider()
    const pool = await createPool(providerId)
    const binding = await store.createRoleBinding(
      { principal: `User:${pool.id}`, roleName: 'Operator', crnPattern: t.organizationCrn },
      SYSTEM_ACTOR,
    )
    await t.authorizer.reloadRoleBindings()
    const explain = async () =>
      (
        await t.app.inject({
          method: 'POST',
          url: '/iam/v2/access:explain',
          headers: admin,
          payload: {
            principals: [`User:${pool.id}`],
            operation: 'Describe',
            resource_crn: t.organizationCrn,
          },
        })
      ).json<{ decision: string }>().decision
    assert.equal(await explain(), 'ALLOWED')
    const response = await t.app.inject({
      method: 'DELETE',
      url: `${poolsUrl(providerId)}/${pool.id}`,
      headers: admin,
    })
    assert.equal(response.statusCode, 204)
    assert.equal(await explain(), 'DENIED')
    assert.equal(await store.getRoleBinding(binding.id), undefined)
    const listed = await t.app.inject({
      url: `/iam/v2/role-bindings?crn_pattern=${encodeURIComponent(t.organizationCrn)}&principal=User:${pool.id}`,
      headers: admin,
    })
    assert.deepEqual(listed.json<{ data: unknown[] }>().data, [])
  })

  it('deleting a provider deletes its pools and their role bindings', async () => {
    const providerId = await createProvider()
    const pools = [await createPool(providerId), await createPool(providerId)]
    const bindings = await Promise.all(
      pools.map((pool) =>
        store.createRoleBinding(
          { principal: `User:${pool.id}`, roleName: 'Operator', crnPattern: t.organizationCrn },
          SYSTEM_ACTOR,
        ),
      ),
    )
    const response = await t.app.inject({
      method: 'DELETE',
      url: `/iam/v2/identity-providers/${providerId}`,
      headers: admin,
    })
    assert.equal(response.statusCode, 204)
    for (const pool of pools) {
      assert.equal(await store.getIdentityPool(providerId, pool.id), undefined)
    }
    for (const binding of bindings) assert.equal(await store.getRoleBinding(binding.id), undefined)
    assert.equal((await t.app.inject({ url: poolsUrl(providerId), headers: admin })).statusCode, 404)
  })

  it('answers 403 to a caller without rights, and lets an Operator only read', async () => {
    const providerId = await createProvider()
    const pool = await createPool(providerId)
    const account = await store.createServiceAccount(
      { displayName: 'pool-nobody', description: '' },
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
    const url = `${poolsUrl(providerId)}/${pool.id}`
    const requests = [
      { method: 'GET' as const, url: poolsUrl(providerId) },
      { method: 'POST' as const, url: poolsUrl(providerId), payload: { display_name: 'x', filter: 'true' } },
      { method: 'GET' as const, url },
      { method: 'PATCH' as const, url, payload: { description: 'x' } },
      { method: 'DELETE' as const, url },
    ]
    for (const request of requests) {
      const response = await t.app.inject({ ...request, headers })
      assert.equal(response.statusCode, 403, `${request.method} ${request.url}`)
      assert.equal(response.json<ErrorsBody>().errors[0]!.code, 'forbidden')
    }
    await t.grant(`User:${account.id}`, 'Operator', t.organizationCrn)
    const statuses = []
    for (const request of requests) statuses.push((await t.app.inject({ ...request, headers })).statusCode)
    assert.deepEqual(statuses, [200, 403, 200, 403, 403])
  })
})
