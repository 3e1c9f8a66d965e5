/**
 * /iam/v2/identity-providers (and its JWKS refresh) over a real (embedded) store; every response is
 * checked against Confluent's identity-provider/v2 schema by the test app. The OIDC side (discovery,
 * JWKS refresh) is faked: see TEST_IDENTITY_PROVIDER_SERVICES.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyId, generateSecret, hashSecret } from '../../../../src/authn/index.ts'
import { openIdentityStore, SYSTEM_ACTOR, type SqlIdentityStore } from '../../../../src/store/sql/index.ts'
import { checkProviderUrl } from '../../../../src/http/routes/iam-v2/identity-providers.ts'
import { buildTestApp, TEST_JWKS_REFRESHED_AT, type TestApp } from '../../../support/test-app.ts'

const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`

interface ProviderBody {
  api_version: string
  kind: string
  id: string
  metadata: { self: string; resource_name: string; created_at: string; updated_at: string }
  display_name: string
  description: string
  issuer: string
  jwks_uri: string
  identity_claim: string
  state: string
  audience?: string
}

interface ErrorsBody {
  errors: { status: string; code: string; detail: string; source?: { pointer?: string } }[]
}

let issuerCounter = 0
const freshIssuer = () => `https://idp-${++issuerCounter}.example.com/tenant`

/** A service account with a management key and no role bindings, and its headers. */
async function accountWithManagementKey(store: SqlIdentityStore, displayName: string) {
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

describe('identity providers API (/iam/v2/identity-providers)', () => {
  let t: TestApp
  let store: SqlIdentityStore
  let admin: Record<string, string>
  const discovered: string[] = []

  before(async () => {
    store = (await openIdentityStore({ kind: 'pglite-memory' })).store
    t = await buildTestApp({
      identities: store,
      identityProviders: {
        discoverJwksUri: async (issuer) => {
          discovered.push(issuer)
          if (issuer.includes('undiscoverable')) throw new Error('the discovery document answered HTTP 404.')
          if (issuer.includes('plain-http-keys')) return 'http://keys.example.com/jwks'
          return `${issuer}/discovered-keys`
        },
      },
    })
    admin = { authorization: t.authorization }
  })
  after(async () => {
    await t.app.close()
    await store.close()
  })

  const create = (body: Record<string, unknown>, headers = admin) =>
    t.app.inject({ method: 'POST', url: '/iam/v2/identity-providers', headers, payload: body })

  async function createProvider(body: Record<string, unknown> = {}): Promise<ProviderBody> {
    const issuer = freshIssuer()
    const response = await create({
      display_name: 'Corporate IdP',
      description: 'Workloads of the corporate tenant',
      issuer,
      jwks_uri: `${issuer}/keys`,
      ...body,
    })
    assert.equal(response.statusCode, 201, response.body)
    return response.json<ProviderBody>()
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

  it('creates a provider with Confluent’s shape, reads, lists, updates and deletes it', async () => {
    // Given
    const issuer = freshIssuer()
    // When
    const created = await create({
      display_name: 'Corporate IdP',
      description: 'Workloads of the corporate tenant',
      issuer,
      jwks_uri: `${issuer}/keys`,
    })
    // Then
    assert.equal(created.statusCode, 201, created.body)
    const provider = created.json<ProviderBody>()
    assert.match(provider.id, /^op-[a-z0-9]{6}$/)
    assert.deepEqual(
      [provider.api_version, provider.kind, provider.issuer, provider.jwks_uri, provider.identity_claim],
      ['iam/v2', 'IdentityProvider', issuer, `${issuer}/keys`, 'claims.sub'],
    )
    assert.equal(provider.state, 'ENABLED')
    assert.equal(provider.audience, undefined)
    assert.equal(created.headers['location'], provider.metadata.self)
    assert.match(provider.metadata.self, new RegExp(`/iam/v2/identity-providers/${provider.id}$`))
    assert.equal(provider.metadata.resource_name, `${t.organizationCrn}/identity-provider=${provider.id}`)

    const read = await t.app.inject({ url: `/iam/v2/identity-providers/${provider.id}`, headers: admin })
    assert.equal(read.statusCode, 200)
    assert.deepEqual(read.json(), provider)

    const updated = await t.app.inject({
      method: 'PATCH',
      url: `/iam/v2/identity-providers/${provider.id}`,
      headers: admin,
      payload: { description: 'changed', identity_claim: 'claims.client_id', audience: 'kafka' },
    })
    assert.equal(updated.statusCode, 200, updated.body)
    const after = updated.json<ProviderBody>()
    assert.deepEqual(
      [after.display_name, after.description, after.identity_claim, after.audience, after.issuer],
      ['Corporate IdP', 'changed', 'claims.client_id', 'kafka', issuer],
    )
    const withoutAudience = await t.app.inject({
      method: 'PATCH',
      url: `/iam/v2/identity-providers/${provider.id}`,
      headers: admin,
      payload: { audience: null },
    })
    assert.equal(withoutAudience.json<ProviderBody>().audience, undefined)

    const listed = await t.app.inject({ url: '/iam/v2/identity-providers?page_size=100', headers: admin })
    assert.equal(listed.statusCode, 200)
    assert.equal(listed.json().kind, 'IdentityProviderList')
    assert.ok(listed.json<{ data: ProviderBody[] }>().data.some((item) => item.id === provider.id))

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/iam/v2/identity-providers/${provider.id}`,
      headers: admin,
    })
    assert.equal(deleted.statusCode, 204)
    const gone = await t.app.inject({ url: `/iam/v2/identity-providers/${provider.id}`, headers: admin })
    assert.equal(gone.statusCode, 404)
  })

  it('keeps the audience extension given at creation', async () => {
    const provider = await createProvider({ audience: 'gatehouse' })
    assert.equal(provider.audience, 'gatehouse')
  })

  it('answers 404 for a provider that does not exist, on every operation', async () => {
    const url = '/iam/v2/identity-providers/op-ghost1'
    const responses = await Promise.all([
      t.app.inject({ url, headers: admin }),
      t.app.inject({ method: 'PATCH', url, headers: admin, payload: { description: 'x' } }),
      t.app.inject({ method: 'DELETE', url, headers: admin }),
      t.app.inject({
        method: 'PATCH',
        url: `${url}/jwks`,
        headers: admin,
        payload: { spec: { jwks_status: 'REFRESHED' } },
      }),
    ])
    for (const response of responses) {
      assert.equal(response.statusCode, 404, response.body)
      assert.match(response.json<ErrorsBody>().errors[0]!.detail, /Identity provider op-ghost1 was not found/)
    }
  })

  it('refuses a second provider with the same issuer with 409, on create and on update', async () => {
    const first = await createProvider()
    const second = await createProvider()
    const duplicate = await create({ display_name: 'again', issuer: first.issuer, jwks_uri: first.jwks_uri })
    assert.equal(duplicate.statusCode, 409)
    const [error] = duplicate.json<ErrorsBody>().errors
    assert.equal(error?.code, 'resource_already_exists')
    assert.equal(error?.source?.pointer, '/issuer')
    assert.match(error?.detail ?? '', new RegExp(`issuer ${first.issuer} already exists`))
    assert.equal(duplicate.headers['location'], first.metadata.self)
    const moved = await t.app.inject({
      method: 'PATCH',
      url: `/iam/v2/identity-providers/${second.id}`,
      headers: admin,
      payload: { issuer: first.issuer },
    })
    assert.equal(moved.statusCode, 409)
    assert.equal(moved.headers['location'], first.metadata.self)
  })

  it('refuses issuers and JWKS URIs that are not https URLs, naming the field', async () => {
    const issuer = freshIssuer()
    assertInvalid(
      await create({ display_name: 'x', issuer: 'not-a-url', jwks_uri: `${issuer}/keys` }),
      'invalid_identity_provider',
      '/issuer',
      /^issuer must be an absolute https URL, not "not-a-url"\.$/,
    )
    assertInvalid(
      await create({ display_name: 'x', issuer: 'http://idp.example.com', jwks_uri: `${issuer}/keys` }),
      'invalid_identity_provider',
      '/issuer',
      /^issuer must be an https URL, not "http:\/\/idp\.example\.com" \(http is accepted only for a loopback host/,
    )
    assertInvalid(
      await create({ display_name: 'x', issuer, jwks_uri: 'ftp://idp.example.com/keys' }),
      'invalid_identity_provider',
      '/jwks_uri',
      /^jwks_uri must be an https URL, not "ftp:\/\/idp\.example\.com\/keys"\.$/,
    )
    assertInvalid(
      await create({ display_name: 'x', issuer: `${issuer}?tenant=1`, jwks_uri: `${issuer}/keys` }),
      'invalid_identity_provider',
      '/issuer',
      /^issuer must not contain a query/,
    )
    assertInvalid(
      await create({ display_name: 'x', issuer, jwks_uri: 'https://user:pw@idp.example.com/keys' }),
      'invalid_identity_provider',
      '/jwks_uri',
      /^jwks_uri must not contain a user name or password\.$/,
    )
    assertInvalid(
      await create({ display_name: 'x', issuer: ` ${issuer}`, jwks_uri: `${issuer}/keys` }),
      'invalid_identity_provider',
      '/issuer',
      /^issuer must not contain spaces or control characters\.$/,
    )
    // http to loopback is refused too while the development option is off.
    assertInvalid(
      await create({ display_name: 'x', issuer: 'http://127.0.0.1:8080', jwks_uri: `${issuer}/keys` }),
      'invalid_identity_provider',
      '/issuer',
      /must be an https URL/,
    )
    const provider = await createProvider()
    assertInvalid(
      await t.app.inject({
        method: 'PATCH',
        url: `/iam/v2/identity-providers/${provider.id}`,
        headers: admin,
        payload: { jwks_uri: 'http://idp.example.com/keys' },
      }),
      'invalid_identity_provider',
      '/jwks_uri',
      /^jwks_uri must be an https URL/,
    )
  })

  it('accepts http issuers on loopback hosts only with authentication.allowLoopbackHttpIssuers', () => {
    // The rule itself; the option reaches it through IdentityProviderServices.allowLoopbackHttpIssuers.
    for (const url of ['http://localhost:9000', 'http://127.0.0.1:9000/realms/dev', 'http://[::1]:9000']) {
      assert.equal(checkProviderUrl(url, 'issuer', true), url)
      assert.throws(() => checkProviderUrl(url, 'issuer', false), /issuer must be an https URL/)
    }
    assert.throws(
      () => checkProviderUrl('http://idp.example.com', 'jwks_uri', true),
      /jwks_uri must be an https URL/,
    )
  })

  it('refuses an identity_claim that is not claims.<name>', async () => {
    const issuer = freshIssuer()
    assertInvalid(
      await create({ display_name: 'x', issuer, jwks_uri: `${issuer}/keys`, identity_claim: 'sub' }),
      'invalid_identity_provider',
      '/identity_claim',
      /^identity_claim must name a token claim as claims\.<name>, e\.g\. claims\.sub, not "sub"\.$/,
    )
    const provider = await createProvider()
    assertInvalid(
      await t.app.inject({
        method: 'PATCH',
        url: `/iam/v2/identity-providers/${provider.id}`,
        headers: admin,
        payload: { identity_claim: 'claims.a b' },
      }),
      'invalid_identity_provider',
      '/identity_claim',
      /not "claims\.a b"\.$/,
    )
  })

  it('finds the JWKS URI by OIDC discovery when only the issuer is given, and says why discovery failed', async () => {
    const issuer = freshIssuer()
    const created = await create({ display_name: 'discovered', issuer })
    assert.equal(created.statusCode, 201, created.body)
    assert.equal(created.json<ProviderBody>().jwks_uri, `${issuer}/discovered-keys`)
    assert.ok(discovered.includes(issuer))

    assertInvalid(
      await create({ display_name: 'x', issuer: 'https://undiscoverable.example.com' }),
      'oidc_discovery_failed',
      '/jwks_uri',
      /^jwks_uri was not given and OIDC discovery from https:\/\/undiscoverable\.example\.com failed: the discovery document answered HTTP 404\.$/,
    )
    assertInvalid(
      await create({ display_name: 'x', issuer: 'https://plain-http-keys.example.com' }),
      'invalid_identity_provider',
      '/jwks_uri',
      /^jwks_uri \(found by OIDC discovery\) must be an https URL/,
    )
  })

  it('refreshes a provider’s keys and reports the status', async () => {
    const provider = await createProvider()
    const response = await t.app.inject({
      method: 'PATCH',
      url: `/iam/v2/identity-providers/${provider.id}/jwks`,
      headers: admin,
      payload: { spec: { jwks_status: 'REFRESHED' } },
    })
    assert.equal(response.statusCode, 200, response.body)
    assert.deepEqual(response.json(), {
      api_version: 'iam/v2',
      kind: 'Jwks',
      spec: { jwks_status: 'REFRESHED' },
      status: { jwks_status: 'REFRESHED', jwks_last_refresh_at: TEST_JWKS_REFRESHED_AT.toISOString() },
    })
  })

  it('pages the list with metadata.next', async () => {
    const ids = [(await createProvider()).id, (await createProvider()).id, (await createProvider()).id]
    const seen: string[] = []
    let url: string | undefined = '/iam/v2/identity-providers?page_size=2'
    while (url !== undefined) {
      const response: { statusCode: number; json: <T>() => T } = await t.app.inject({ url, headers: admin })
      assert.equal(response.statusCode, 200)
      const page = response.json<{ data: ProviderBody[]; metadata: { next?: string } }>()
      assert.ok(page.data.length <= 2)
      seen.push(...page.data.map((item) => item.id))
      const next = page.metadata.next === undefined ? undefined : new URL(page.metadata.next)
      url = next && `${next.pathname}${next.search}`
    }
    assert.deepEqual(
      seen.filter((id) => ids.includes(id)),
      ids,
    )
    assert.equal(new Set(seen).size, seen.length)
  })

  it('answers 403 to a caller without rights, and lets an Operator only read', async () => {
    const provider = await createProvider()
    const nobody = await accountWithManagementKey(store, 'idp-nobody')
    const operator = await accountWithManagementKey(store, 'idp-operator')
    await t.grant(`User:${operator.id}`, 'Operator', t.organizationCrn)
    const issuer = freshIssuer()
    const url = `/iam/v2/identity-providers/${provider.id}`
    for (const headers of [nobody.headers, operator.headers]) {
      const created = await create({ display_name: 'x', issuer, jwks_uri: `${issuer}/keys` }, headers)
      assert.equal(created.statusCode, 403)
      assert.equal(created.json<ErrorsBody>().errors[0]!.code, 'forbidden')
      for (const request of [
        { method: 'PATCH' as const, url, payload: { description: 'x' } },
        { method: 'DELETE' as const, url },
        { method: 'PATCH' as const, url: `${url}/jwks`, payload: { spec: { jwks_status: 'REFRESHED' } } },
      ]) {
        assert.equal((await t.app.inject({ ...request, headers })).statusCode, 403)
      }
    }
    assert.equal((await t.app.inject({ url, headers: nobody.headers })).statusCode, 403)
    assert.equal(
      (await t.app.inject({ url: '/iam/v2/identity-providers', headers: nobody.headers })).statusCode,
      403,
    )
    assert.equal((await t.app.inject({ url, headers: operator.headers })).statusCode, 200)
    assert.equal(
      (await t.app.inject({ url: '/iam/v2/identity-providers', headers: operator.headers })).statusCode,
      200,
    )
  })

  it('needs credentials', async () => {
    const response = await t.app.inject({ url: '/iam/v2/identity-providers' })
    assert.equal(response.statusCode, 401)
  })
})
