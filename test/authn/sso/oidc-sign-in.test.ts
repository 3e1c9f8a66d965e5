/**
 * The console's OpenID Connect relying party against a real provider (oidc-provider): the
 * authorization request it builds, and everything finish() refuses — a wrong PKCE verifier, a
 * replayed code, another sign-in's nonce, a wrong client secret, an ID token signed by a stranger —
 * plus discovery that fails or names another issuer.
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { SignJWT } from 'jose'
import { OidcSignInClient, SignInError, sha256 } from '../../../src/authn/index.ts'
import { signInToConsole } from '../../support/console-sign-in.ts'
import {
  startTestSignInProvider,
  type TestSignInClient,
  type TestSignInProvider,
} from '../../support/oidc-sign-in-provider.ts'

const ORIGIN = 'https://console.test'

describe('OIDC sign-in client (authorization code + PKCE)', () => {
  let provider: TestSignInProvider
  let client: TestSignInClient
  const options = () => ({
    issuer: provider.issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    scopes: ['openid', 'email', 'profile', 'groups'],
    redirectUri: `${ORIGIN}/console/auth/callback`,
    clockSkewSeconds: 60,
    fetchLimits: { allowInsecureLoopback: true },
  })

  before(async () => {
    provider = await startTestSignInProvider()
    client = provider.registerClient({
      clientId: 'gatehouse-console',
      redirectUris: [`${ORIGIN}/console/auth/callback`],
      postLogoutRedirectUris: [],
    })
    provider.addPerson({ username: 'ada', email: 'ada@example.com', name: 'Ada', groups: ['engineering'] })
  })
  after(() => provider.close())

  /** A real code from the provider for a sign-in started by `signIn`. */
  async function codeFor(signIn: OidcSignInClient) {
    const started = await signIn.start()
    let code = ''
    await signInToConsole({
      consoleOrigin: ORIGIN,
      username: 'ada',
      gateway: async (path) => {
        if (path === '/console/auth/sign-in')
          return { status: 303, headers: { location: started.url }, body: '' }
        const query = new URL(path, ORIGIN).searchParams
        assert.equal(query.get('state'), started.state)
        code = query.get('code') ?? ''
        return { status: 303, headers: {}, body: '' }
      },
    })
    assert.ok(code)
    return { ...started, code }
  }

  it('asks for the code with S256 PKCE, state and nonce, and verifies the ID token it gets', async () => {
    const signIn = new OidcSignInClient(options())
    const started = await codeFor(signIn)
    const url = new URL(started.url)
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
    assert.equal(url.searchParams.get('code_challenge'), sha256(started.codeVerifier))
    assert.equal(url.searchParams.get('nonce'), started.nonce)
    const claims = await signIn.finish(started.code, started)
    assert.equal(claims['email'], 'ada@example.com')
    assert.deepEqual(claims['groups'], ['engineering'])
    assert.equal(claims['aud'], client.clientId)
    // A code is good once.
    await assert.rejects(signIn.finish(started.code, started), (error: unknown) => {
      assert.ok(error instanceof SignInError)
      assert.equal(error.reason, 'token_exchange_failed')
      return true
    })
  })

  it('refuses another sign-in’s nonce and a wrong PKCE verifier', async () => {
    const signIn = new OidcSignInClient(options())
    const first = await codeFor(signIn)
    await assert.rejects(signIn.finish(first.code, { ...first, nonce: 'another-sign-in' }), /nonce/)
    const second = await codeFor(signIn)
    await assert.rejects(
      signIn.finish(second.code, { ...second, codeVerifier: 'x'.repeat(64) }),
      (error: unknown) => error instanceof SignInError && error.reason === 'token_exchange_failed',
    )
  })

  it('refuses a wrong client secret, and an ID token signed by a key the provider does not publish', async () => {
    const wrongSecret = new OidcSignInClient({ ...options(), clientSecret: 'not-the-secret' })
    const started = await codeFor(wrongSecret)
    await assert.rejects(wrongSecret.finish(started.code, started), /invalid_client/)

    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const forged = await new SignJWT({ nonce: 'n', email: 'mallory@example.com' })
      .setProtectedHeader({ alg: 'RS256', kid: 'forged' })
      .setIssuer(provider.issuer)
      .setAudience(client.clientId)
      .setSubject('mallory')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey)
    const tricked = new OidcSignInClient({
      ...options(),
      fetch: async () => new Response(JSON.stringify({ id_token: forged }), { status: 200 }),
    })
    await assert.rejects(
      tricked.finish('any', { codeVerifier: 'v', nonce: 'n' }),
      (error: unknown) => error instanceof SignInError && error.reason === 'invalid_id_token',
    )
  })

  it('fails discovery that is unreachable or names another issuer, and refuses a plain-http issuer', async () => {
    await assert.rejects(
      new OidcSignInClient({ ...options(), issuer: 'http://127.0.0.1:9' }).start(),
      (error: unknown) => error instanceof SignInError && error.reason === 'provider_unreachable',
    )
    await assert.rejects(
      new OidcSignInClient({ ...options(), issuer: `${provider.issuer}/` }).start(),
      /another issuer/,
    )
    assert.throws(
      () => new OidcSignInClient({ ...options(), issuer: 'http://login.example.com', fetchLimits: {} }),
    )
  })

  it('builds the provider’s sign-out URL (RP-initiated logout)', async () => {
    const url = new URL((await new OidcSignInClient(options()).endSessionUrl(`${ORIGIN}/console/`))!)
    assert.equal(url.searchParams.get('client_id'), client.clientId)
    assert.equal(url.searchParams.get('post_logout_redirect_uri'), `${ORIGIN}/console/`)
  })
})
