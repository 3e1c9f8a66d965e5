/**
 * Console sign-in against a real OpenID provider (oidc-provider, authorization code with PKCE):
 * just-in-time provisioning, invitations, group-mapping principals, CSRF, sign-out and the session
 * timeouts. The gateway is the real app over a real (embedded) store, driven with inject().
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  ConsoleSessions,
  OidcSignInClient,
  generateKeyId,
  generateSecret,
  hashSecret,
} from '../../../../src/authn/index.ts'
import { openIdentityStore, SYSTEM_ACTOR, type SqlIdentityStore } from '../../../../src/store/sql/index.ts'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'
import { startTestSignInProvider, type TestSignInProvider } from '../../../support/oidc-sign-in-provider.ts'
import { CookieJar, signInToConsole, type GatewayResponse } from '../../../support/console-sign-in.ts'

const ORIGIN = 'https://console.test'
const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`

describe('console sign-in (OIDC authorization code + PKCE, sessions, JIT, group mappings)', () => {
  let provider: TestSignInProvider
  let store: SqlIdentityStore
  let t: TestApp
  let clock = Date.now()
  let sessions: ConsoleSessions
  let clusterCrn: string

  before(async () => {
    provider = await startTestSignInProvider()
    const client = provider.registerClient({
      clientId: 'gatehouse-console',
      redirectUris: [`${ORIGIN}/console/auth/callback`],
      postLogoutRedirectUris: [`${ORIGIN}/console/`],
    })
    provider.addPerson({
      username: 'ada',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      groups: ['engineering'],
    })
    provider.addPerson({ username: 'bob', email: 'bob@example.com', name: 'Bob', groups: ['sales'] })
    provider.addPerson({ username: 'eve', email: 'eve@example.com', name: 'Eve', groups: ['engineering'] })
    provider.addPerson({ username: 'grace', email: 'grace@example.com', name: 'Grace', groups: [] })
    store = (await openIdentityStore({ kind: 'pglite-memory' })).store
    sessions = new ConsoleSessions(store, {
      idleTimeoutMs: 30 * 60_000,
      absoluteTimeoutMs: 12 * 3600_000,
      groupsClaim: 'groups',
      now: () => clock,
    })
    const signIn = new OidcSignInClient({
      issuer: provider.issuer,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scopes: ['openid', 'email', 'profile', 'groups'],
      redirectUri: `${ORIGIN}/console/auth/callback`,
      clockSkewSeconds: 60,
      fetchLimits: { allowInsecureLoopback: true },
    })
    t = await buildTestApp({ identities: store, console: { sessions, signIn, origin: ORIGIN } })
    const [environment] = (await store.listEnvironments({ pageSize: 1 })).items
    await store.registerKafkaCluster(
      { id: t.kafka.clusterId, environmentId: environment!.id, displayName: 'orders', source: 'config' },
      SYSTEM_ACTOR,
    )
    clusterCrn = `${t.organizationCrn}/environment=${environment!.id}/cloud-cluster=${t.kafka.clusterId}`
    const mapping = await store.sso.createGroupMapping(
      { displayName: 'Engineering', description: '', filter: '"engineering" in groups' },
      SYSTEM_ACTOR,
    )
    await t.grant(`User:${mapping.id}`, 'CloudClusterAdmin', clusterCrn)
  })
  after(async () => {
    await t.app.close()
    await store.close()
    await provider.close()
  })

  const gateway = async (url: string, headers: Record<string, string>): Promise<GatewayResponse> => {
    const response = await t.app.inject({ method: 'GET', url, headers })
    return {
      status: response.statusCode,
      headers: response.headers as GatewayResponse['headers'],
      body: response.body,
    }
  }
  const signIn = (username: string, providerCookies?: CookieJar) =>
    signInToConsole({
      gateway,
      consoleOrigin: ORIGIN,
      username,
      ...(providerCookies ? { providerCookies } : {}),
    })
  const withSession = (sessionId: string, extra: Record<string, string> = {}) => ({
    cookie: `gatehouse_session=${sessionId}`,
    ...extra,
  })
  async function csrfToken(sessionId: string): Promise<string> {
    const response = await t.app.inject({
      method: 'GET',
      url: '/console/auth/session',
      headers: withSession(sessionId),
    })
    assert.equal(response.statusCode, 200, response.body)
    return response.json<{ csrf_token: string }>().csrf_token
  }

  it('creates the user on first sign-in (JIT) with secure cookies, and the group mapping grants its role', async () => {
    const outcome = await signIn('ada')
    assert.equal(outcome.callback.status, 303, outcome.callback.body)
    assert.equal(outcome.callback.headers['location'], '/console/')
    const cookies = [outcome.callback.headers['set-cookie']].flat().join('\n')
    assert.match(
      cookies,
      /gatehouse_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; Secure; SameSite=Strict/,
    )
    const sessionId = outcome.sessionId!
    const users = (await store.listUsers({ pageSize: 100 })).items.filter(
      (user) => user.email === 'ada@example.com',
    )
    assert.equal(users.length, 1)
    assert.match(users[0]!.id, /^u-[a-z0-9]{6}$/)
    assert.equal(users[0]!.authType, 'AUTH_TYPE_SSO')
    assert.equal(users[0]!.fullName, 'Ada Lovelace')
    // No access of its own: only the mapping's binding.
    assert.deepEqual(
      (await store.listAllRoleBindings()).filter((binding) => binding.principal === `User:${users[0]!.id}`),
      [],
    )
    const session = await t.app.inject({
      method: 'GET',
      url: '/console/auth/session',
      headers: withSession(sessionId),
    })
    assert.equal(session.statusCode, 200)
    assert.equal(session.json<{ user_id: string }>().user_id, users[0]!.id)
    assert.equal(session.json<{ email: string }>().email, 'ada@example.com')
    assert.equal(session.json<{ group_mapping_ids: string[] }>().group_mapping_ids.length, 1)
    // Only a hash of the session id is stored.
    assert.equal(await store.sso.getSession(sessionId), undefined)

    const clusters = await t.app.inject({
      method: 'GET',
      url: '/kafka/v3/clusters',
      headers: withSession(sessionId),
    })
    assert.equal(clusters.statusCode, 200, clusters.body)
    assert.deepEqual(
      clusters.json<{ data: { cluster_id: string }[] }>().data.map((cluster) => cluster.cluster_id),
      [t.kafka.clusterId],
    )
    // A second sign-in finds the same user.
    const again = await signIn('ada')
    assert.equal(again.callback.status, 303)
    assert.equal(
      (await store.listUsers({ pageSize: 100 })).items.filter((u) => u.email === 'ada@example.com').length,
      1,
    )
  })

  it('a person outside the group sees no clusters and cannot create keys', async () => {
    const { sessionId } = await signIn('bob')
    const clusters = await t.app.inject({
      method: 'GET',
      url: '/kafka/v3/clusters',
      headers: withSession(sessionId!),
    })
    assert.equal(clusters.statusCode, 200)
    assert.deepEqual(clusters.json<{ data: unknown[] }>().data, [])
    const token = await csrfToken(sessionId!)
    const account = await store.createServiceAccount(
      { displayName: 'bob-target', description: '' },
      SYSTEM_ACTOR,
    )
    const key = await t.app.inject({
      method: 'POST',
      url: '/iam/v2/api-keys',
      headers: withSession(sessionId!, { origin: ORIGIN, 'x-csrf-token': token }),
      payload: {
        spec: {
          display_name: 'k',
          owner: { id: account.id },
          resource: {
            id: t.kafka.clusterId,
            environment: clusterCrn.split('environment=')[1]!.split('/')[0]!,
          },
        },
      },
    })
    assert.equal(key.statusCode, 403, key.body)
  })

  it('refuses cross-site and token-less changes made with the cookie (CSRF), but not API keys', async () => {
    const { sessionId } = await signIn('ada')
    const token = await csrfToken(sessionId!)
    const create = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/kafka/v3/clusters/' + t.kafka.clusterId + '/topics',
        headers: withSession(sessionId!, headers),
        payload: { topic_name: `csrf-${Math.random().toString(36).slice(2, 8)}` },
      })
    // A cross-site form post: another Origin, no token (forms cannot set headers).
    const crossSite = await create({ origin: 'https://evil.example', 'content-type': 'application/json' })
    assert.equal(crossSite.statusCode, 403)
    assert.match(crossSite.body, /another site/)
    const noToken = await create({ origin: ORIGIN })
    assert.equal(noToken.statusCode, 403)
    assert.match(noToken.body, /x-csrf-token/)
    const wrongToken = await create({ origin: ORIGIN, 'x-csrf-token': token.replace(/.$/, 'x') })
    assert.equal(wrongToken.statusCode, 403)
    const fetchSite = await create({ 'sec-fetch-site': 'cross-site', 'x-csrf-token': token })
    assert.equal(fetchSite.statusCode, 403)
    const good = await create({ origin: ORIGIN, 'x-csrf-token': token })
    assert.equal(good.statusCode, 201, good.body)
    // An API key is unaffected by the cookie rules (and wins over a cookie).
    const withKey = await t.app.inject({
      method: 'POST',
      url: '/iam/v2/service-accounts',
      headers: {
        authorization: t.authorization,
        cookie: `gatehouse_session=${sessionId}`,
        origin: 'https://evil.example',
      },
      payload: { display_name: 'made-with-key', description: '' },
    })
    assert.equal(withKey.statusCode, 201, withKey.body)
  })

  it('API keys of the user never get the group’s permissions', async () => {
    const { sessionId } = await signIn('eve')
    const session = await t.app.inject({
      method: 'GET',
      url: '/console/auth/session',
      headers: withSession(sessionId!),
    })
    const userId = session.json<{ user_id: string }>().user_id
    const key = generateKeyId()
    const secret = generateSecret()
    const [environment] = (await store.listEnvironments({ pageSize: 1 })).items
    await store.createApiKey(
      {
        id: key,
        displayName: 'eve',
        description: '',
        ownerId: userId,
        ownerKind: 'User',
        scope: { kind: 'cluster', clusterId: t.kafka.clusterId, environmentId: environment!.id },
        secretHash: hashSecret(secret),
      },
      SYSTEM_ACTOR,
    )
    const url = `/kafka/v3/clusters/${t.kafka.clusterId}`
    assert.equal(
      (await t.app.inject({ method: 'GET', url, headers: withSession(sessionId!) })).statusCode,
      200,
    )
    assert.equal(
      (await t.app.inject({ method: 'GET', url, headers: { authorization: basic(key, secret) } })).statusCode,
      403,
    )
  })

  it('re-evaluates group mappings at refresh, and a deleted mapping stops granting at once', async () => {
    const { sessionId } = await signIn('bob')
    const url = `/kafka/v3/clusters/${t.kafka.clusterId}`
    assert.equal(
      (await t.app.inject({ method: 'GET', url, headers: withSession(sessionId!) })).statusCode,
      403,
    )
    const sales = await store.sso.createGroupMapping(
      { displayName: 'Sales', description: '', filter: '"sales" in groups' },
      SYSTEM_ACTOR,
    )
    await t.grant(`User:${sales.id}`, 'Operator', clusterCrn)
    // Until the session refreshes, it keeps the principals of its sign-in.
    clock += 61_000
    assert.equal(
      (await t.app.inject({ method: 'GET', url, headers: withSession(sessionId!) })).statusCode,
      200,
    )
    await store.sso.deleteGroupMapping(sales.id, SYSTEM_ACTOR)
    await t.authorizer.reloadRoleBindings()
    assert.equal(
      (await t.app.inject({ method: 'GET', url, headers: withSession(sessionId!) })).statusCode,
      403,
    )
  })

  it('signs out: the cookie is refused afterwards and the provider’s session is ended too', async () => {
    const providerCookies = new CookieJar()
    const { sessionId } = await signIn('ada', providerCookies)
    const token = await csrfToken(sessionId!)
    const noCsrf = await t.app.inject({
      method: 'POST',
      url: '/console/auth/sign-out',
      headers: withSession(sessionId!),
    })
    assert.equal(noCsrf.statusCode, 403)
    const out = await t.app.inject({
      method: 'POST',
      url: '/console/auth/sign-out',
      headers: withSession(sessionId!, { origin: ORIGIN, 'x-csrf-token': token }),
    })
    assert.equal(out.statusCode, 200, out.body)
    assert.match(String(out.headers['set-cookie']), /gatehouse_session=; Path=\/; Max-Age=0/)
    const redirect = new URL(out.json<{ redirect_url: string }>().redirect_url)
    assert.equal(redirect.origin, provider.issuer)
    assert.equal(redirect.searchParams.get('client_id'), 'gatehouse-console')
    assert.equal(redirect.searchParams.get('post_logout_redirect_uri'), `${ORIGIN}/console/`)
    const refused = await t.app.inject({
      method: 'GET',
      url: '/kafka/v3/clusters',
      headers: withSession(sessionId!),
    })
    assert.equal(refused.statusCode, 401)
    // The provider's end-session page asks for confirmation, then ends its session.
    const confirm = await fetch(redirect, { headers: { cookie: providerCookies.header() } })
    const page = await confirm.text()
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1]
    const action = /action="([^"]+)"/.exec(page)?.[1]
    assert.ok(xsrf && action, page.slice(0, 500))
    const ended = await fetch(new URL(action, redirect), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: providerCookies.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    })
    assert.equal(ended.status, 303)
    assert.equal(ended.headers.get('location'), `${ORIGIN}/console/`)
    assert.ok(provider.endedSessions >= 1)
  })

  it('ends sessions after the idle and the absolute timeout', async () => {
    const idle = await signIn('ada')
    clock += 31 * 60_000
    const idleRefused = await t.app.inject({
      method: 'GET',
      url: '/kafka/v3/clusters',
      headers: withSession(idle.sessionId!),
    })
    assert.equal(idleRefused.statusCode, 401)
    assert.match(idleRefused.body, /expired/)

    const busy = await signIn('ada')
    // Used every 20 minutes: never idle, but 12 hours after sign-in it ends anyway.
    for (let elapsed = 0; elapsed < 12 * 60; elapsed += 20) {
      clock += 20 * 60_000
      const response = await t.app.inject({
        method: 'GET',
        url: '/kafka/v3/clusters',
        headers: withSession(busy.sessionId!),
      })
      assert.equal(response.statusCode, elapsed + 20 < 12 * 60 ? 200 : 401, `after ${elapsed + 20} minutes`)
    }
  })

  it('refuses unknown and malformed session cookies', async () => {
    for (const cookie of [
      'gatehouse_session=' + 'A'.repeat(43),
      'gatehouse_session=short',
      'gatehouse_session=a; gatehouse_session=b',
    ]) {
      const response = await t.app.inject({ method: 'GET', url: '/kafka/v3/clusters', headers: { cookie } })
      assert.equal(response.statusCode, 401, cookie)
    }
  })

  it('refuses a callback from another browser, a replayed one, and a provider error', async () => {
    const start = await t.app.inject({ method: 'GET', url: '/console/auth/sign-in' })
    const state = new URL(String(start.headers['location'])).searchParams.get('state')!
    const foreign = await t.app.inject({ method: 'GET', url: `/console/auth/callback?code=x&state=${state}` })
    assert.equal(foreign.statusCode, 400)
    assert.match(foreign.body, /not started in this browser/)
    const bound = { cookie: `gatehouse_sign_in=${state}` }
    const denied = await t.app.inject({
      method: 'GET',
      url: `/console/auth/callback?error=access_denied&state=${state}`,
      headers: bound,
    })
    assert.equal(denied.statusCode, 401)
    assert.match(denied.body, /access_denied/)
    const replay = await t.app.inject({
      method: 'GET',
      url: `/console/auth/callback?code=x&state=${state}`,
      headers: bound,
    })
    assert.equal(replay.statusCode, 400)
    assert.match(replay.body, /already used/)
    // A forged code fails at the provider, with a page rather than a 500.
    const second = await t.app.inject({
      method: 'GET',
      url: '/console/auth/sign-in?return_to=https://evil.example/',
    })
    const state2 = new URL(String(second.headers['location'])).searchParams.get('state')!
    const forged = await t.app.inject({
      method: 'GET',
      url: `/console/auth/callback?code=forged&state=${state2}`,
      headers: { cookie: `gatehouse_sign_in=${state2}` },
    })
    assert.equal(forged.statusCode, 502)
    assert.match(forged.body, /invalid_grant/)
  })

  it('with JIT off, only invited people sign in; the invitation is then accepted', async () => {
    await store.updateOrganization({ jitEnabled: false }, SYSTEM_ACTOR)
    try {
      const refused = await signIn('grace')
      assert.equal(refused.callback.status, 403)
      assert.match(refused.callback.body, /has not been invited/)
      assert.equal(refused.sessionId, undefined)
      const invitation = await t.app.inject({
        method: 'POST',
        url: '/iam/v2/invitations',
        headers: { authorization: t.authorization },
        payload: { email: 'Grace@example.com' },
      })
      assert.equal(invitation.statusCode, 201)
      const accepted = await signIn('grace')
      assert.equal(accepted.callback.status, 303, accepted.callback.body)
      const after = await t.app.inject({
        method: 'GET',
        url: `/iam/v2/invitations/${invitation.json<{ id: string }>().id}`,
        headers: { authorization: t.authorization },
      })
      assert.equal(after.json<{ status: string }>().status, 'INVITE_STATUS_ACCEPTED')
      assert.match(after.json<{ user: { id: string } }>().user.id, /^u-/)
      // Existing users still sign in with JIT off.
      assert.equal((await signIn('ada')).callback.status, 303)
    } finally {
      await store.updateOrganization({ jitEnabled: true }, SYSTEM_ACTOR)
    }
  })
})
