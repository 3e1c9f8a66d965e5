/**
 * @module test/support/oidc-sign-in-provider
 *
 * A real OpenID provider (`oidc-provider`, OpenID certified) for people signing in to the console:
 * the authorization-code flow with PKCE required, RS256-signed ID tokens carrying `email`, `name`
 * and a `groups` claim, a login page the tests drive (a form with a username, by browser or by
 * `fetch`), consent granted implicitly (a first-party client), and RP-initiated logout.
 *
 * It is a separate module from oidc-provider.ts, whose issuers model workload tokens (client
 * credentials) of four vendors; people's sign-in needs one issuer with users, sessions and pages.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import type { EventEmitter } from 'node:events'
import Provider from 'oidc-provider'
import type { Adapter, AdapterPayload, ClientMetadata, KoaContextWithOIDC } from 'oidc-provider'

export interface TestPerson {
  /** What the person types on the login page; also their `sub`. */
  readonly username: string
  readonly email: string
  readonly name: string
  readonly groups: readonly string[]
}

export interface TestSignInClient {
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUris: readonly string[]
  readonly postLogoutRedirectUris: readonly string[]
}

export interface TestSignInProvider extends AsyncDisposable {
  readonly issuer: string
  /** Registers (or replaces) the one client; returns it with a generated secret unless given. */
  registerClient(client: Omit<TestSignInClient, 'clientSecret'> & { clientSecret?: string }): TestSignInClient
  /** Adds or replaces a person. */
  addPerson(person: TestPerson): void
  /** How many times the end-session endpoint ended a session. */
  readonly endedSessions: number
  readonly serverErrors: readonly unknown[]
  close(): Promise<void>
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)

function loginPage(uid: string, error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test IdP sign-in</title></head>
<body><main><h1>Test identity provider</h1>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="username">Username</label> <input id="username" name="username" autocomplete="username" autofocus>
<button type="submit">Sign in</button>
</form></main></body></html>`
}

function memoryAdapter(store: Map<string, { payload: AdapterPayload; expiresAt?: number }>) {
  return (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`
    const live = (k: string) => {
      const entry = store.get(k)
      if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
        store.delete(k)
        return undefined
      }
      return entry
    }
    const findBy = (field: string, value: string) => {
      for (const k of store.keys()) {
        const payload = k.startsWith(`${model}:`) ? live(k)?.payload : undefined
        if (payload?.[field as keyof AdapterPayload] === value) return payload
      }
      return undefined
    }
    return {
      upsert: async (id, payload, expiresIn) => {
        store.set(key(id), { payload, ...(expiresIn ? { expiresAt: Date.now() + expiresIn * 1000 } : {}) })
      },
      find: async (id) => live(key(id))?.payload,
      findByUid: async (uid) => findBy('uid', uid),
      findByUserCode: async (userCode) => findBy('userCode', userCode),
      consume: async (id) => {
        const entry = live(key(id))
        if (entry) entry.payload = { ...entry.payload, consumed: Math.floor(Date.now() / 1000) }
      },
      destroy: async (id) => {
        store.delete(key(id))
      },
      revokeByGrantId: async (grantId) => {
        for (const [k, entry] of store) if (entry.payload.grantId === grantId) store.delete(k)
      },
    }
  }
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  let body = ''
  for await (const chunk of request) body += String(chunk)
  return new URLSearchParams(body)
}

/** Starts the provider on 127.0.0.1 (an ephemeral port). */
export async function startTestSignInProvider(): Promise<TestSignInProvider> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const people = new Map<string, TestPerson>()
  const storage = new Map<string, { payload: AdapterPayload; expiresAt?: number }>()
  const serverErrors: unknown[] = []
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid: randomBytes(8).toString('hex'),
    alg: 'RS256',
    use: 'sig',
  }
  const cookieKeys = [randomBytes(32).toString('hex')]
  let endedSessions = 0
  let client: TestSignInClient | undefined
  let provider: Provider

  const build = () => {
    const clients: ClientMetadata[] = client
      ? [
          {
            client_id: client.clientId,
            client_secret: client.clientSecret,
            grant_types: ['authorization_code'],
            response_types: ['code'],
            redirect_uris: [...client.redirectUris],
            post_logout_redirect_uris: [...client.postLogoutRedirectUris],
            token_endpoint_auth_method: 'client_secret_basic',
          },
        ]
      : []
    provider = new Provider(issuer, {
      adapter: memoryAdapter(storage),
      clients,
      jwks: { keys: [jwk] },
      cookies: { keys: cookieKeys },
      pkce: { required: () => true },
      scopes: ['openid', 'email', 'profile', 'groups'],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
      // Put the scopes' claims in the ID token itself (as Okta, Entra and Keycloak can be set to).
      conformIdTokenClaims: false,
      findAccount: (_ctx, id) => {
        const person = people.get(id)
        if (person === undefined) return undefined
        return {
          accountId: id,
          claims: () => ({
            sub: id,
            email: person.email,
            email_verified: true,
            name: person.name,
            groups: [...person.groups],
          }),
        }
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      // A first-party client: every scope and claim asked for is granted without a consent page.
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const clientId = ctx.oidc.client!.clientId
        const accountId = ctx.oidc.session!.accountId!
        const existing = ctx.oidc.session!.grantIdFor(clientId)
        if (existing) {
          const grant = await ctx.oidc.provider.Grant.find(existing)
          if (grant) return grant
        }
        const grant = new ctx.oidc.provider.Grant({ clientId, accountId })
        grant.addOIDCScope('openid email profile groups')
        await grant.save()
        return grant
      },
      features: {
        devInteractions: { enabled: false },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: (ctx, form) => {
            ctx.type = 'html'
            ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign out</title></head><body>
${form}<p>Sign out of the test identity provider?</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button></body></html>`
          },
        },
      },
      ttl: {
        Session: 3600,
        Interaction: 600,
        Grant: 3600,
        IdToken: 600,
        AccessToken: 600,
        AuthorizationCode: 60,
      },
    })
    ;(provider as unknown as EventEmitter).on('error', (error: unknown) => serverErrors.push(error))
    provider.on('server_error', (_ctx: unknown, error: unknown) => serverErrors.push(error))
    provider.on('end_session.success', () => (endedSessions += 1))
  }
  build()

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', issuer)
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname)
    if (match === null) {
      void provider.callback()(request, response)
      return
    }
    void (async () => {
      try {
        const details = await provider.interactionDetails(request, response)
        if (details.uid !== match[1]) throw new Error('interaction mismatch')
        if (match[2] === undefined) {
          response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid))
          return
        }
        const username = (await readForm(request)).get('username') ?? ''
        if (!people.has(username)) {
          response
            .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
            .end(loginPage(details.uid, 'Unknown user.'))
          return
        }
        await provider.interactionFinished(
          request,
          response,
          { login: { accountId: username } },
          {
            mergeWithLastSubmission: false,
          },
        )
      } catch (error) {
        serverErrors.push(error)
        if (!response.headersSent) response.writeHead(400, { 'content-type': 'text/plain' })
        response.end('interaction failed')
      }
    })()
  })

  const close = async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return {
    issuer,
    registerClient(options) {
      client = { ...options, clientSecret: options.clientSecret ?? randomBytes(24).toString('base64url') }
      build()
      return client
    },
    addPerson(person) {
      people.set(person.username, person)
    },
    get endedSessions() {
      return endedSessions
    },
    serverErrors,
    close,
    [Symbol.asyncDispose]: close,
  }
}
