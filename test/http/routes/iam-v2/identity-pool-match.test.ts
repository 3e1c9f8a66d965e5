/**
 * POST /iam/v2/identity-providers/{provider_id}/identity-pools:match, the filter dry run, over a
 * real (embedded) store and the real token side: a BearerAuthenticator wired as main.ts wires it,
 * whose keys come from a JWKS served on 127.0.0.1 by this test.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import {
  BearerAuthenticator,
  generateKeyId,
  generateSecret,
  hashSecret,
  identityProviderAdministration,
} from '../../../../src/authn/index.ts'
import { openIdentityStore, SYSTEM_ACTOR, type SqlIdentityStore } from '../../../../src/store/sql/index.ts'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

interface Condition {
  kind: string
  text: string
  result: boolean | 'error'
  error?: string
  conditions?: Condition[]
}
interface PoolMatch {
  id: string
  display_name: string
  filter: string
  matched: boolean
  failed_conditions?: Condition[]
  explanation?: Condition
}
interface Selection {
  identity_pool_ids: string[]
  refusal?: string
}
interface MatchBody {
  kind: string
  provider_id: string
  token_verification?: { valid: boolean; reason?: string; message: string; issuer_provider_id?: string }
  pools: PoolMatch[]
  auto_pool_mapping: Selection
  identity_pool_header?: Selection
}
interface ErrorsBody {
  errors: { status: string; code: string; detail: string; source?: { pointer?: string } }[]
}

const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`

describe('identity pool dry run (POST …/identity-pools:match)', () => {
  let t: TestApp
  let store: SqlIdentityStore
  let bearer: BearerAuthenticator
  let jwksServer: Server
  let origin: string
  let privateKey: CryptoKey
  let admin: Record<string, string>
  let providerCount = 0

  before(async () => {
    const keys = await generateKeyPair('ES256')
    privateKey = keys.privateKey
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' }] })
    jwksServer = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(jwks)
    })
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`

    store = (await openIdentityStore({ kind: 'pglite-memory' })).store
    bearer = new BearerAuthenticator(store, { fetchLimits: { allowInsecureLoopback: true } })
    await bearer.start()
    t = await buildTestApp({
      identities: store,
      identityProviders: identityProviderAdministration(bearer, { allowLoopbackHttpIssuers: true }),
    })
    admin = { authorization: t.authorization }
  })
  after(async () => {
    await t.app.close()
    bearer.close()
    await store.close()
    await new Promise((resolve) => jwksServer.close(resolve))
  })

  async function createProvider(): Promise<{ id: string; issuer: string }> {
    const issuer = `${origin}/idp-${++providerCount}`
    const response = await t.app.inject({
      method: 'POST',
      url: '/iam/v2/identity-providers',
      headers: admin,
      payload: { display_name: `IdP ${providerCount}`, description: '', issuer, jwks_uri: `${origin}/keys` },
    })
    assert.equal(response.statusCode, 201, response.body)
    return { id: response.json<{ id: string }>().id, issuer }
  }

  async function createPool(providerId: string, displayName: string, filter: string): Promise<string> {
    const response = await t.app.inject({
      method: 'POST',
      url: `/iam/v2/identity-providers/${providerId}/identity-pools`,
      headers: admin,
      payload: { display_name: displayName, filter },
    })
    assert.equal(response.statusCode, 201, response.body)
    return response.json<{ id: string }>().id
  }

  const match = (providerId: string, payload: unknown, headers = admin) =>
    t.app.inject({
      method: 'POST',
      url: `/iam/v2/identity-providers/${providerId}/identity-pools:match`,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    })

  async function matchOk(providerId: string, payload: unknown): Promise<MatchBody> {
    const response = await match(providerId, payload)
    assert.equal(response.statusCode, 200, response.body)
    return response.json<MatchBody>()
  }

  const sign = (claims: Record<string, unknown>, expiresAt: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuedAt(expiresAt - 3600)
      .setExpirationTime(expiresAt)
      .sign(privateKey)
  const inOneHour = () => Math.floor(Date.now() / 1000) + 3600

  it('matches Okta’s scp array, Entra’s space-separated scp and Keycloak’s nested roles', async () => {
    // Given
    const { id: providerId } = await createProvider()
    const okta = await createPool(providerId, 'okta', '"kafka.write" in claims.scp')
    const entra = await createPool(providerId, 'entra', '"Kafka.Write" in claims.scp.split(" ")')
    const keycloak = await createPool(providerId, 'keycloak', '"kafka-admin" in claims.realm_access.roles')
    // When
    const oktaResult = await matchOk(providerId, { claims: { sub: 'a', scp: ['openid', 'kafka.write'] } })
    const entraResult = await matchOk(providerId, { claims: { sub: 'b', scp: 'User.Read Kafka.Write' } })
    const keycloakResult = await matchOk(providerId, {
      claims: { sub: 'c', realm_access: { roles: ['offline_access', 'kafka-admin'] } },
    })
    // Then
    const matchedIds = (body: MatchBody) => body.pools.filter((pool) => pool.matched).map((pool) => pool.id)
    assert.deepEqual(matchedIds(oktaResult), [okta])
    assert.deepEqual(matchedIds(entraResult), [entra])
    assert.deepEqual(matchedIds(keycloakResult), [keycloak])
    assert.deepEqual(oktaResult.auto_pool_mapping, { identity_pool_ids: [okta] })
    assert.equal(oktaResult.token_verification, undefined)
    assert.deepEqual(
      oktaResult.pools.map((pool) => [pool.display_name, pool.filter]),
      [
        ['okta', '"kafka.write" in claims.scp'],
        ['entra', '"Kafka.Write" in claims.scp.split(" ")'],
        ['keycloak', '"kafka-admin" in claims.realm_access.roles'],
      ],
    )
  })

  it('names the failing condition of a pool that does not match, and reports a missing claim as an error', async () => {
    // Given
    const { id: providerId } = await createProvider()
    const payments = await createPool(
      providerId,
      'payments',
      'claims.aud == "payments" && claims.sub.startsWith("svc-")',
    )
    const ops = await createPool(providerId, 'ops', 'claims.department == "ops"')
    const everyone = await createPool(providerId, 'everyone', 'claims.aud == "payments"')
    // When
    const body = await matchOk(providerId, { claims: { aud: 'payments', sub: 'user-7' } })
    // Then
    const byId = new Map(body.pools.map((pool) => [pool.id, pool]))
    const paymentsResult = byId.get(payments)!
    assert.equal(paymentsResult.matched, false)
    assert.deepEqual(
      paymentsResult.failed_conditions?.map((condition) => [condition.text, condition.result]),
      [['claims.sub.startsWith("svc-")', false]],
    )
    assert.equal(paymentsResult.explanation?.kind, 'and')
    assert.deepEqual(
      paymentsResult.explanation?.conditions?.map((condition) => condition.result),
      [true, false],
    )
    const opsResult = byId.get(ops)!
    assert.equal(opsResult.matched, false)
    assert.equal(opsResult.failed_conditions?.[0]?.result, 'error')
    assert.match(opsResult.failed_conditions?.[0]?.error ?? '', /department/)
    assert.equal(byId.get(everyone)!.matched, true)
    assert.equal(byId.get(everyone)!.explanation, undefined)
    assert.deepEqual(body.auto_pool_mapping, { identity_pool_ids: [everyone] })
  })

  it('evaluates an identity pool header value as authentication would', async () => {
    // Given
    const { id: providerId } = await createProvider()
    const writers = await createPool(providerId, 'writers', '"kafka.write" in claims.scp')
    const readers = await createPool(providerId, 'readers', '"kafka.read" in claims.scp')
    const claims = { sub: 'svc-1', scp: ['kafka.write'] }
    // When
    const accepted = await matchOk(providerId, { claims, identity_pool_id: writers })
    const refused = await matchOk(providerId, { claims, identity_pool_id: `${writers},${readers}` })
    const nothing = await matchOk(providerId, { claims: { sub: 'svc-2', scp: [] } })
    // Then
    assert.deepEqual(accepted.identity_pool_header, { identity_pool_ids: [writers] })
    assert.deepEqual(refused.identity_pool_header?.identity_pool_ids, [])
    assert.match(
      refused.identity_pool_header?.refusal ?? '',
      new RegExp(`filter of identity pool ${readers}`),
    )
    assert.deepEqual(nothing.auto_pool_mapping.identity_pool_ids, [])
    assert.match(nothing.auto_pool_mapping.refusal ?? '', /matches no identity pool/)
  })

  it('evaluates a signed token’s claims and says the token verifies, without echoing it', async () => {
    // Given
    const { id: providerId, issuer } = await createProvider()
    const pool = await createPool(providerId, 'writers', '"kafka.write" in claims.scp')
    const token = await sign({ iss: issuer, sub: 'svc-1', scp: ['kafka.write'] }, inOneHour())
    // When
    const response = await match(providerId, { token })
    // Then
    assert.equal(response.statusCode, 200, response.body)
    const body = response.json<MatchBody>()
    assert.equal(body.token_verification?.valid, true)
    assert.equal(body.token_verification?.issuer_provider_id, providerId)
    assert.deepEqual(body.auto_pool_mapping.identity_pool_ids, [pool])
    assert.ok(!response.body.includes(token), 'the token is echoed')
    assert.ok(!response.body.includes(token.split('.')[2]!), 'the signature is echoed')
  })

  it('still evaluates an expired token’s filters and says plainly that it would be refused', async () => {
    // Given
    const { id: providerId, issuer } = await createProvider()
    const pool = await createPool(providerId, 'writers', '"kafka.write" in claims.scp')
    const token = await sign(
      { iss: issuer, sub: 'svc-1', scp: ['kafka.write'] },
      Math.floor(Date.now() / 1000) - 3600,
    )
    // When
    const response = await match(providerId, { token })
    // Then
    assert.equal(response.statusCode, 200, response.body)
    const body = response.json<MatchBody>()
    assert.equal(body.token_verification?.valid, false)
    assert.equal(body.token_verification?.reason, 'expired')
    assert.match(body.token_verification?.message ?? '', /would refuse.*expired/)
    assert.deepEqual(
      body.pools.map((result) => [result.id, result.matched]),
      [[pool, true]],
    )
    assert.ok(!response.body.includes(token))
  })

  it('says so when the token was issued by another provider', async () => {
    // Given
    const { id: providerId } = await createProvider()
    const other = await createProvider()
    await createPool(providerId, 'writers', '"kafka.write" in claims.scp')
    const token = await sign({ iss: other.issuer, sub: 'svc-1', scp: ['kafka.write'] }, inOneHour())
    // When
    const body = await matchOk(providerId, { token })
    // Then
    assert.equal(body.token_verification?.valid, false)
    assert.equal(body.token_verification?.reason, 'other_provider')
    assert.equal(body.token_verification?.issuer_provider_id, other.id)
    assert.match(
      body.token_verification?.message ?? '',
      new RegExp(`issued by identity provider ${other.id}`),
    )
  })

  it('says so when no provider has the token’s issuer, and still evaluates its claims', async () => {
    // Given
    const { id: providerId } = await createProvider()
    const pool = await createPool(providerId, 'writers', '"kafka.write" in claims.scp')
    const token = await sign({ iss: `${origin}/nobody`, sub: 'svc-1', scp: ['kafka.write'] }, inOneHour())
    // When
    const body = await matchOk(providerId, { token })
    // Then
    assert.equal(body.token_verification?.valid, false)
    assert.equal(body.token_verification?.reason, 'unknown_issuer')
    assert.equal(body.token_verification?.issuer_provider_id, undefined)
    assert.deepEqual(body.auto_pool_mapping.identity_pool_ids, [pool])
  })

  it('refuses bad input with 400 (422 for an unknown field) in the control-plane errors shape, never quoting the token', async () => {
    // Given
    const { id: providerId } = await createProvider()
    const malformedToken = 'not-a-jwt.secret-part'
    const cases: { payload: unknown; pointer?: string; detail: RegExp; status?: number }[] = [
      { payload: {}, detail: /exactly one of token/ },
      { payload: { token: 'a.b.c', claims: {} }, detail: /exactly one of token/ },
      { payload: { claims: ['sub'] }, pointer: '/claims', detail: /claims must be a JSON object/ },
      { payload: { claims: 'sub=1' }, pointer: '/claims', detail: /claims must be a JSON object/ },
      { payload: { token: malformedToken }, pointer: '/token', detail: /token is not a signed JWT/ },
      { payload: { token: 42 }, detail: /token/ },
      {
        payload: { claims: {}, extra: true },
        pointer: '/extra',
        detail: /Unrecognized field: extra/,
        status: 422,
      },
      { payload: '{"claims":', detail: /not valid JSON/ },
      // An unquoted token: the parser's message would quote the text around it.
      { payload: '{"token": secret-part.secret-part.secret-part}', detail: /not valid JSON.*quoted/ },
    ]
    // An unknown field is 422 `unknown_field`, as on every control-plane route.
    for (const { payload, pointer, detail, status = 400 } of cases) {
      // When
      const response = await match(providerId, payload)
      // Then
      assert.equal(response.statusCode, status, `${JSON.stringify(payload)}: ${response.body}`)
      const [error] = response.json<ErrorsBody>().errors
      assert.equal(error?.status, String(status))
      assert.match(error?.detail ?? '', detail, JSON.stringify(payload))
      if (pointer !== undefined) assert.equal(error?.source?.pointer, pointer)
      assert.ok(!response.body.includes('secret-part'), 'the token is quoted')
    }
  })

  it('answers 404 for an unknown provider and 413 for an oversized body', async () => {
    // Given
    const { id: providerId } = await createProvider()
    // When
    const unknown = await match('op-doesnotexist', { claims: { sub: 'a' } })
    const oversized = await match(providerId, { claims: { blob: 'x'.repeat(70 * 1024) } })
    // Then
    assert.equal(unknown.statusCode, 404, unknown.body)
    assert.match(unknown.json<ErrorsBody>().errors[0]?.detail ?? '', /op-doesnotexist was not found/)
    assert.equal(oversized.statusCode, 413, oversized.body)
    assert.equal(oversized.json<ErrorsBody>().errors[0]?.status, '413')
  })

  it('answers 403 to a caller who may not read the provider’s pools, 200 to an Operator', async () => {
    // Given
    const { id: providerId } = await createProvider()
    await createPool(providerId, 'writers', '"kafka.write" in claims.scp')
    const account = await store.createServiceAccount(
      { displayName: 'match-nobody', description: '' },
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
    // When
    const forbidden = await match(providerId, { claims: { scp: ['kafka.write'] } }, headers)
    await t.grant(`User:${account.id}`, 'Operator', t.organizationCrn)
    const allowed = await match(providerId, { claims: { scp: ['kafka.write'] } }, headers)
    // Then
    assert.equal(forbidden.statusCode, 403, forbidden.body)
    assert.equal(forbidden.json<ErrorsBody>().errors[0]?.code, 'forbidden')
    assert.equal(allowed.statusCode, 200, allowed.body)
  })
})
