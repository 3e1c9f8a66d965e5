/**
 * OAuth scenarios end to end: the gateway process in front of the real broker, a real OpenID
 * provider issuing Okta-, Entra- and Keycloak-shaped tokens, and identity providers, pools and
 * role bindings made through the API. A bearer token creates a topic on the broker, with the
 * `Confluent-Identity-Pool-Id` header and without it (auto pool mapping), exactly as the seed's
 * curl does; tokens that should not get in get a 401 or 403 in Confluent's error shape, never 500.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Admin } from '@platformatic/kafka'
import type { LocalKafka } from '../../scripts/local-kafka.ts'
import {
  basicAuthorization,
  jsonOf,
  registeredCluster,
  startGateway,
  type GatewayProcess,
} from '../support/gateway-process.ts'
import { createObserver, kafkaEnvironment, testKafka } from '../support/kafka.ts'
import {
  fetchTokenEntraStyle,
  fetchTokenOktaStyle,
  startTestOidcProvider,
  type TestOidcClient,
  type TestOidcProvider,
} from '../support/oidc-provider.ts'

/** What `audit.log` writes: one JSON log line per decision, the CloudEvent under `audit`. */
interface AuditLogLine {
  audit: {
    type: string
    data: {
      credential: { kind: string; providerId?: string; poolIds?: string[]; subject?: string }
      principals: string[]
      decision: string
      failure?: string
      request: { method: string; path: string }
    }
  }
}

/** Keycloak's service-account user id: the `sub` the Keycloak pool's identity claim reads. */
const KEYCLOAK_SUBJECT = 'f3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d'
/** The short-lived client's token lifetime: long enough to be used once, short enough to wait out. */
const SHORT_TTL_SECONDS = 4

/** The gateway's own JWKS cooldown: an unknown `kid` refetches at most once per this long. */
const JWKS_COOLDOWN_MS = 30_000

describe('OAuth bearer tokens on a real broker', () => {
  let kafka: LocalKafka
  let gateway: GatewayProcess
  let observer: Admin
  let oidc: TestOidcProvider
  let admin: string
  let clusterCrn: string
  let organizationCrn: string
  const suffix = randomUUID().slice(0, 8)
  const topicPrefix = `oauth-${suffix}-`
  const createdTopics: string[] = []
  /** Every token handed to the gateway, so the audit test can check none was ever logged. */
  const presentedTokens: string[] = []

  const providerIds: Record<'okta' | 'entra' | 'keycloak', string> = { okta: '', entra: '', keycloak: '' }
  const poolIds: Record<'oktaWriters' | 'entraWriters' | 'keycloakWriters' | 'oktaUnbound', string> = {
    oktaWriters: '',
    entraWriters: '',
    keycloakWriters: '',
    oktaUnbound: '',
  }
  let oktaWriter: TestOidcClient
  let oktaNobody: TestOidcClient
  let oktaUnboundReader: TestOidcClient
  let oktaShortLived: TestOidcClient
  let entraWriter: TestOidcClient
  let keycloakWriter: TestOidcClient
  /** When the gateway last fetched the Okta issuer's JWKS (as far as this test can tell). */
  let oktaJwksFetchedAt = 0

  const call = (authorization: string, path: string, init: RequestInit = {}, extraHeaders = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: {
        authorization,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...extraHeaders,
      },
    })

  async function adminPost(path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await call(admin, path, { method: 'POST', body: JSON.stringify(body) })
    assert.ok(response.status === 201 || response.status === 200, `${path}: ${await response.clone().text()}`)
    return jsonOf(response)
  }

  async function createPool(providerId: string, displayName: string, filter: string): Promise<string> {
    const pool = await adminPost(`/iam/v2/identity-providers/${providerId}/identity-pools`, {
      display_name: `${displayName}-${suffix}`,
      filter,
    })
    return pool['id'] as string
  }

  async function bindTopicManager(poolId: string): Promise<void> {
    await adminPost('/iam/v2/role-bindings', {
      principal: `User:${poolId}`,
      role_name: 'DeveloperManage',
      crn_pattern: `${clusterCrn}/topic=${topicPrefix}*`,
    })
  }

  /** The seed's create-topic request with `Authorization: Bearer`, optionally naming a pool. */
  async function createTopicWithToken(
    token: string,
    poolHeader?: string,
  ): Promise<{ response: Response; topic: string }> {
    presentedTokens.push(token)
    const topic = `${topicPrefix}${createdTopics.length}`
    createdTopics.push(topic)
    const response = await call(
      `Bearer ${token}`,
      `/kafka/v3/clusters/${kafka.clusterId}/topics`,
      { method: 'POST', body: JSON.stringify({ topic_name: topic, partitions_count: 1 }) },
      poolHeader === undefined ? {} : { 'Confluent-Identity-Pool-Id': poolHeader },
    )
    return { response, topic }
  }

  async function assertCreatesTopicOnBroker(token: string, poolHeader?: string): Promise<void> {
    const { response, topic } = await createTopicWithToken(token, poolHeader)
    assert.equal(response.status, 201, await response.clone().text())
    assert.equal((await jsonOf(response)).topic_name, topic)
    assert.ok((await observer.listTopics()).includes(topic), `the broker lists ${topic}`)
  }

  /** A 401 in Confluent's Kafka REST shape whose message says why (so it fails for the right reason). */
  async function assertUnauthenticated(response: Response, why: RegExp): Promise<void> {
    assert.equal(response.status, 401, await response.clone().text())
    assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="gatehouse", error="invalid_token"')
    const body = await jsonOf(response)
    assert.equal(body.error_code, 40101)
    assert.match(body.message, why)
  }

  async function tokenOkta(client: TestOidcClient): Promise<string> {
    return (await fetchTokenOktaStyle(client)).access_token
  }

  /** The ids of a pool's role bindings anywhere in the organization. */
  async function roleBindingsOf(poolId: string): Promise<string[]> {
    const query = new URLSearchParams({ crn_pattern: organizationCrn, principal: `User:${poolId}` })
    const response = await call(admin, `/iam/v2/role-bindings?${query.toString()}`)
    assert.equal(response.status, 200, await response.clone().text())
    return ((await jsonOf(response)).data as { id: string }[]).map((binding) => binding.id)
  }

  /** The audit lines the gateway logged so far. */
  function auditLines(): AuditLogLine[] {
    return gateway
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"audit"'))
      .map((line) => JSON.parse(line) as AuditLogLine)
      .filter((line) => line.audit !== undefined)
  }

  before(async () => {
    kafka = await testKafka()
    observer = createObserver(kafka)
    oidc = await startTestOidcProvider({
      // entraV1 is started but never registered: its tokens come from an unknown issuer.
      flavours: ['okta', 'entraV2', 'entraV1', 'keycloak'],
      okta: {
        clients: [
          { scopes: ['kafka.write'] },
          { scopes: ['kafka.audit'] },
          { scopes: ['kafka.read'] },
          { scopes: ['kafka.write'], accessTokenTtlSeconds: SHORT_TTL_SECONDS },
        ],
      },
      entraV2: { clients: [{ roles: ['Kafka.Writer'] }] },
      keycloak: {
        clients: [{ scopes: ['profile', 'kafka'], roles: ['kafka-writer'], subject: KEYCLOAK_SUBJECT }],
      },
    })
    const okta = oidc.issuers.okta
    ;[oktaWriter, oktaNobody, oktaUnboundReader, oktaShortLived] = okta.clients as [
      TestOidcClient,
      TestOidcClient,
      TestOidcClient,
      TestOidcClient,
    ]
    entraWriter = oidc.issuers.entraV2.client()
    keycloakWriter = oidc.issuers.keycloak.client()

    gateway = await startGateway({
      env: {
        ...kafkaEnvironment(kafka),
        GATEHOUSE_AUDIT_KAFKA_TOPIC: '',
        GATEHOUSE_AUTHENTICATION_ALLOW_LOOPBACK_HTTP_ISSUERS: 'true',
        // The short-lived client's token must count as expired a second or two after it is issued.
        GATEHOUSE_AUTHENTICATION_TOKEN_CLOCK_SKEW_SECONDS: '0',
        // Several scenarios fail on purpose: no back-off delays between them.
        GATEHOUSE_AUTHENTICATION_FAILURE_THRESHOLD: '1000',
      },
    })
    const credential = gateway.credential()
    assert.ok(credential, gateway.stderr())
    admin = basicAuthorization(credential.key, credential.secret)
    ;({ clusterCrn, organizationCrn } = await registeredCluster(gateway, admin, kafka.clusterId))

    // Okta with its JWKS URI given; Entra and Keycloak by issuer alone (OIDC discovery).
    providerIds.okta = (
      await adminPost('/iam/v2/identity-providers', {
        display_name: `okta-${suffix}`,
        issuer: okta.issuer,
        jwks_uri: okta.jwksUri,
      })
    )['id'] as string
    providerIds.entra = (
      await adminPost('/iam/v2/identity-providers', {
        display_name: `entra-${suffix}`,
        issuer: oidc.issuers.entraV2.issuer,
      })
    )['id'] as string
    providerIds.keycloak = (
      await adminPost('/iam/v2/identity-providers', {
        display_name: `keycloak-${suffix}`,
        issuer: oidc.issuers.keycloak.issuer,
        // The client (azp) names callers, unless a request maps to the pool, whose claim is sub.
        identity_claim: 'claims.azp',
      })
    )['id'] as string

    poolIds.oktaWriters = await createPool(providerIds.okta, 'okta-writers', '"kafka.write" in claims.scp')
    poolIds.oktaUnbound = await createPool(providerIds.okta, 'okta-readers', '"kafka.read" in claims.scp')
    poolIds.entraWriters = await createPool(
      providerIds.entra,
      'entra-writers',
      `"Kafka.Writer" in claims.roles && claims.tid == "${oidc.issuers.entraV2.tenantId}"`,
    )
    poolIds.keycloakWriters = await createPool(
      providerIds.keycloak,
      'keycloak-writers',
      '"kafka-writer" in claims.realm_access.roles && "kafka" in claims.scope.split(" ")',
    )
    for (const pool of [poolIds.oktaWriters, poolIds.entraWriters, poolIds.keycloakWriters]) {
      await bindTopicManager(pool)
    }
  })

  after(async () => {
    await observer?.deleteTopics({ topics: createdTopics }).catch(() => undefined)
    await gateway?.stop()
    await observer?.close()
    await oidc?.close()
  })

  it('Okta style: a client-credentials token creates a topic, with the pool header and without it', async () => {
    const fetchesBefore = oidc.issuers.okta.jwksFetchCount
    const token = await tokenOkta(oktaWriter)
    await assertCreatesTopicOnBroker(token, poolIds.oktaWriters)
    if (oidc.issuers.okta.jwksFetchCount > fetchesBefore) oktaJwksFetchedAt = Date.now()
    await assertCreatesTopicOnBroker(token)
  })

  it('Entra style: a client-credentials token (secret in the body) creates a topic, with and without the header', async () => {
    assert.match(entraWriter.scope ?? '', /^api:\/\/.+\/\.default$/)
    const token = (await fetchTokenEntraStyle(entraWriter)).access_token
    await assertCreatesTopicOnBroker(token, poolIds.entraWriters)
    await assertCreatesTopicOnBroker(token)
  })

  it('Keycloak: a filter over realm_access.roles and the split scope string selects the pool', async () => {
    const token = await tokenOkta(keycloakWriter)
    await assertCreatesTopicOnBroker(token)
    await assertCreatesTopicOnBroker(token, poolIds.keycloakWriters)
  })

  it('works on the control plane too: 403 without a role there, 200 once the pool holds Operator', async () => {
    const token = await tokenOkta(keycloakWriter)
    presentedTokens.push(token)
    const listAccounts = () => call(`Bearer ${token}`, '/iam/v2/service-accounts')
    const refused = await listAccounts()
    assert.equal(refused.status, 403, await refused.clone().text())
    assert.equal((await jsonOf(refused)).errors[0].status, '403')
    const binding = await adminPost('/iam/v2/role-bindings', {
      principal: `User:${poolIds.keycloakWriters}`,
      role_name: 'Operator',
      crn_pattern: organizationCrn,
    })
    try {
      const listed = await listAccounts()
      assert.equal(listed.status, 200, await listed.clone().text())
      assert.equal((await jsonOf(listed)).kind, 'ServiceAccountList')
    } finally {
      const removed = await call(admin, `/iam/v2/role-bindings/${binding['id'] as string}`, {
        method: 'DELETE',
      })
      assert.equal(removed.status, 200, 'Confluent answers a deleted role binding with the binding')
    }
    assert.equal((await listAccounts()).status, 403, 'the binding’s deletion applies at once')
  })

  it('a token whose claims match no pool filter is refused with 40101', async () => {
    const token = await tokenOkta(oktaNobody)
    const { response, topic } = await createTopicWithToken(token)
    await assertUnauthenticated(response, /matches no identity pool/)
    assert.equal((await observer.listTopics()).includes(topic), false)
  })

  it("a pool header naming another provider's pool is refused with 40101", async () => {
    const token = await tokenOkta(oktaWriter)
    const { response } = await createTopicWithToken(token, poolIds.entraWriters)
    await assertUnauthenticated(response, /does not exist for the provider that issued this token/)
  })

  it('a matched pool without role bindings is authenticated but forbidden: 403 40301', async () => {
    const token = await tokenOkta(oktaUnboundReader)
    const { response, topic } = await createTopicWithToken(token)
    assert.equal(response.status, 403, await response.clone().text())
    assert.deepEqual(await jsonOf(response), { error_code: 40301, message: 'Request is not authorized' })
    assert.equal((await observer.listTopics()).includes(topic), false)
  })

  it('hostile tokens are refused with 401, never 500: alg none, not a JWT, unregistered issuer', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
    const now = Math.floor(Date.now() / 1000)
    const claims = Buffer.from(
      JSON.stringify({
        iss: oidc.issuers.okta.issuer,
        aud: oidc.issuers.okta.audience,
        sub: oktaWriter.clientId,
        scp: ['kafka.write'],
        iat: now,
        exp: now + 300,
      }),
    ).toString('base64url')
    await assertUnauthenticated((await createTopicWithToken(`${header}.${claims}.`)).response, /not signed/)

    await assertUnauthenticated(
      (await createTopicWithToken('not-a-jwt')).response,
      /not a well-formed signed JWT/,
    )

    const unregistered = (await fetchTokenEntraStyle(oidc.issuers.entraV1.client())).access_token
    await assertUnauthenticated((await createTopicWithToken(unregistered)).response, /could not be verified/)
  })

  it('a token accepted (and cached) is refused once it expires', async () => {
    const shortLived = await tokenOkta(oktaShortLived)
    await assertCreatesTopicOnBroker(shortLived)
    const { exp } = JSON.parse(Buffer.from(shortLived.split('.')[1]!, 'base64url').toString()) as {
      exp: number
    }
    assert.ok(exp * 1000 - Date.now() <= SHORT_TTL_SECONDS * 1000)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 + 1_100 - Date.now())))
    await assertUnauthenticated((await createTopicWithToken(shortLived)).response, /has expired/)
  })

  it('changing a pool filter applies to the very next request of a cached token', async () => {
    const client = oidc.issuers.okta.addClient({ scopes: ['kafka.patched'] })
    const poolId = await createPool(providerIds.okta, 'okta-patched', '"kafka.patched" in claims.scp')
    await bindTopicManager(poolId)
    const token = await tokenOkta(client)
    await assertCreatesTopicOnBroker(token, poolId)
    const poolUrl = `/iam/v2/identity-providers/${providerIds.okta}/identity-pools/${poolId}`
    const patch = (filter: string) =>
      call(admin, poolUrl, { method: 'PATCH', body: JSON.stringify({ filter }) })
    assert.equal((await patch('"kafka.other" in claims.scp')).status, 200)
    await assertUnauthenticated(
      (await createTopicWithToken(token, poolId)).response,
      /does not match the filter/,
    )
    assert.equal((await patch('"kafka.patched" in claims.scp')).status, 200)
    await assertCreatesTopicOnBroker(token, poolId)
  })

  it('Entra v1: an issuer with a trailing slash is registered by discovery and its tokens verify', async () => {
    // Runs after the hostile-token test, which relies on this issuer being unknown until now.
    const entraV1 = oidc.issuers.entraV1
    assert.ok(entraV1.issuer.endsWith('/'))
    const provider = await adminPost('/iam/v2/identity-providers', {
      display_name: `entra-v1-${suffix}`,
      issuer: entraV1.issuer,
    })
    assert.equal(provider['issuer'], entraV1.issuer)
    assert.equal(provider['jwks_uri'], entraV1.jwksUri)
    const poolId = await createPool(
      provider['id'] as string,
      'entra-v1-writers',
      '"Kafka.ReadWrite" in claims.roles && claims.ver == "1.0"',
    )
    await bindTopicManager(poolId)
    const token = (await fetchTokenEntraStyle(entraV1.client())).access_token
    await assertCreatesTopicOnBroker(token)
  })

  it('deleting a pool revokes a token that was just accepted (and cached) at once', async () => {
    const client = oidc.issuers.okta.addClient({ scopes: ['kafka.revocable'] })
    const poolId = await createPool(providerIds.okta, 'okta-revocable', '"kafka.revocable" in claims.scp')
    await bindTopicManager(poolId)
    const token = await tokenOkta(client)
    await assertCreatesTopicOnBroker(token)
    const deleted = await call(
      admin,
      `/iam/v2/identity-providers/${providerIds.okta}/identity-pools/${poolId}`,
      {
        method: 'DELETE',
      },
    )
    assert.equal(deleted.status, 204, await deleted.clone().text())
    const { response, topic } = await createTopicWithToken(token)
    await assertUnauthenticated(response, /matches no identity pool/)
    assert.equal((await observer.listTopics()).includes(topic), false)
  })

  it('a rotated signing key verifies after exactly one JWKS refetch', async () => {
    // The gateway refetches for an unknown kid at most once per cooldown: wait it out so the
    // refetch this test expects is allowed.
    const wait = oktaJwksFetchedAt + JWKS_COOLDOWN_MS + 1_000 - Date.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const okta = oidc.issuers.okta
    const previousKid = okta.signingKid
    const newKid = await okta.rotateSigningKey()
    assert.notEqual(newKid, previousKid)
    const fetchesBefore = okta.jwksFetchCount
    const token = await tokenOkta(oktaWriter)
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }
    assert.equal(header.kid, newKid)
    await assertCreatesTopicOnBroker(token)
    assert.equal(okta.jwksFetchCount, fetchesBefore + 1)
    await assertCreatesTopicOnBroker(token, poolIds.oktaWriters)
    assert.equal(okta.jwksFetchCount, fetchesBefore + 1, 'the second request uses the keys just fetched')
  })

  it('audit records name the provider, pools and identity claim, and never contain a token', async () => {
    const lines = auditLines()
    const oktaAllowed = lines.find(
      (line) =>
        line.audit.type === 'io.gatehouse.authentication.v1' &&
        line.audit.data.decision === 'ALLOWED' &&
        line.audit.data.credential.kind === 'oauth' &&
        line.audit.data.credential.providerId === providerIds.okta,
    )
    assert.ok(oktaAllowed, 'an allowed authentication of an Okta token is audited')
    assert.deepEqual(oktaAllowed.audit.data.credential, {
      kind: 'oauth',
      providerId: providerIds.okta,
      poolIds: [poolIds.oktaWriters],
      subject: oktaWriter.clientId,
    })
    assert.deepEqual(oktaAllowed.audit.data.principals, [`User:${poolIds.oktaWriters}`])
    const authorized = lines.find(
      (line) =>
        line.audit.type === 'io.gatehouse.authorization.v1' &&
        line.audit.data.credential.kind === 'oauth' &&
        line.audit.data.credential.providerId === providerIds.entra,
    )
    assert.ok(authorized, 'authorization decisions for bearer tokens are audited too')
    assert.deepEqual(authorized.audit.data.credential.poolIds, [poolIds.entraWriters])
    const refused = lines.filter(
      (line) =>
        line.audit.type === 'io.gatehouse.authentication.v1' &&
        line.audit.data.decision === 'DENIED' &&
        line.audit.data.credential.kind === 'bearer',
    )
    assert.ok(refused.length > 0, 'refused bearer tokens are audited')
    // The provider's identity claim (azp) names a caller mapped automatically; the pool's (sub)
    // one that asked for that pool.
    const keycloakSubjects = lines
      .filter(
        (line) =>
          line.audit.type === 'io.gatehouse.authentication.v1' &&
          line.audit.data.credential.providerId === providerIds.keycloak,
      )
      .map((line) => line.audit.data.credential.subject)
    // In order of first appearance: the Keycloak test maps automatically first, then names the pool.
    assert.deepEqual([...new Set(keycloakSubjects)], [keycloakWriter.clientId, KEYCLOAK_SUBJECT])
    assert.ok(presentedTokens.length > 5)
    const output = gateway.stdout() + gateway.stderr()
    for (const token of presentedTokens) {
      // The signature part alone is enough to replay nothing, but no part of a token belongs in a log.
      assert.equal(output.includes(token.split('.')[1]!), false, 'a token payload appears in the output')
    }
  })

  it('deleting a provider revokes its tokens at once, and its pools’ role bindings go with it', async () => {
    assert.equal((await roleBindingsOf(poolIds.keycloakWriters)).length, 1)
    const token = await tokenOkta(keycloakWriter)
    await assertCreatesTopicOnBroker(token)
    const deleted = await call(admin, `/iam/v2/identity-providers/${providerIds.keycloak}`, {
      method: 'DELETE',
    })
    assert.equal(deleted.status, 204, await deleted.clone().text())
    await assertUnauthenticated((await createTopicWithToken(token)).response, /could not be verified/)
    assert.deepEqual(
      await roleBindingsOf(poolIds.keycloakWriters),
      [],
      "the deleted pool's role bindings are gone",
    )
  })
})
