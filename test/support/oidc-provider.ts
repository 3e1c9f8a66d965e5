/**
 * @module test/support/oidc-provider
 *
 * A real OpenID provider for Gatehouse's tests: `oidc-provider` (OpenID certified) on 127.0.0.1,
 * issuing RS256-signed JWT access tokens through the client-credentials grant, shaped like the
 * tokens of Okta, Microsoft Entra ID (v2.0 and v1.0) and Keycloak (see `oidc-token-shapes.ts`).
 *
 * Design: one HTTP server on an ephemeral port, one `oidc-provider` instance per flavour, each
 * mounted under its own issuer path. An `oidc-provider` instance is exactly one issuer with one
 * keystore, and a real deployment has one issuer per tenant, realm or authorization server, each
 * with its own keys; one port keeps the tests' configuration to one base URL. The flavours are:
 *
 * | flavour  | issuer                             | token endpoint                               |
 * | -------- | ---------------------------------- | -------------------------------------------- |
 * | okta     | `<base>/oauth2/<authServerId>`     | `<issuer>/v1/token` (jwks `<issuer>/v1/keys`) |
 * | entraV2  | `<base>/<tenantId>/v2.0`           | `<issuer>/token`                             |
 * | entraV1  | `<base>/<tenantId>/` (slash kept)  | `<base>/<tenantId>/oauth2/token`             |
 * | keycloak | `<base>/realms/<realm>`            | `<issuer>/protocol/openid-connect/token`     |
 *
 * Discovery is at `<issuer without trailing slash>/.well-known/openid-configuration` for all of
 * them; tests (and Gatehouse) should take endpoints from discovery, not from this table.
 *
 * Key rotation: `oidc-provider` reads its keystore once, at construction. Rotating therefore
 * builds a fresh provider instance for that issuer (same issuer, same clients, new keystore) and
 * swaps it in between requests. The JWKS document is served by this module rather than by
 * `oidc-provider`, so a key can sign tokens while staying out of the published key set.
 *
 * SSO (issue 8) is not built yet, but nothing here prevents it: a client registered with
 * `grant_types: ['authorization_code']` and `redirect_uris`, a `findAccount` that returns a test
 * user's claims, `cookies.keys`, `ttl` functions for `AccessToken`/`IdToken`/`Session`/`Grant`/
 * `Interaction`, and either `features.devInteractions` (oidc-provider's built-in login form) or
 * interaction routes on this server would add it to `buildProvider` below.
 */
import { generateKeyPair, randomBytes, randomUUID } from 'node:crypto'
import type { JsonWebKey } from 'node:crypto'
import type { EventEmitter } from 'node:events'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import Provider, { errors } from 'oidc-provider'
import type {
  Adapter,
  AdapterFactory,
  AdapterPayload,
  ClientMetadata,
  Configuration,
  KoaContextWithOIDC,
  ResourceServer,
} from 'oidc-provider'

import { OIDC_FLAVOURS, shapeAccessToken } from './oidc-token-shapes.ts'
import type { IssuerFacts, OidcFlavour, TestClientClaims } from './oidc-token-shapes.ts'

export { OIDC_FLAVOURS, type OidcFlavour } from './oidc-token-shapes.ts'

const generateRsaKeyPair = promisify(generateKeyPair)

/**
 * Token requests that did not name a resource. oidc-provider writes the default into the request's
 * parameters, so afterwards only this set tells "sent `resource=`" from "sent nothing".
 */
const requestsWithDefaultedResource = new WeakSet<KoaContextWithOIDC>()

const SIGNING_ALGORITHM = 'RS256'
const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600

// ---------------------------------------------------------------------------------------------
// Options and the handle a test gets back
// ---------------------------------------------------------------------------------------------

/** One client (application) registered at an issuer. Everything is optional. */
export interface TestOidcClientOptions {
  /** Defaults to the flavour's form: Okta `0oa…`, Entra a GUID, Keycloak `kafka-client-…`. */
  readonly clientId?: string
  /**
   * Defaults to a random URL-safe secret. Must not contain `%` or `+`: the Okta-style request puts
   * the secret raw in a Basic header, and oidc-provider form-decodes it (RFC 6749 §2.3.1).
   */
  readonly clientSecret?: string
  /** Okta and Keycloak only: the scopes this client may request (`scp` / `scope`). */
  readonly scopes?: readonly string[]
  /** Entra: app roles (`roles`). Keycloak: realm roles (`realm_access.roles`). Not for Okta. */
  readonly roles?: readonly string[]
  /** A `groups` array claim. */
  readonly groups?: readonly string[]
  /** Entra only: issue the delegated shape, with `scp` as one space-separated string. */
  readonly delegatedScopes?: readonly string[]
  /** `sub` (Okta: defaults to the client id; Keycloak: a UUID), or Entra's `oid` and `sub` (a GUID). */
  readonly subject?: string
  /** Overrides the issuer's access-token lifetime for this client. */
  readonly accessTokenTtlSeconds?: number
  /** Merged over the shaped claims, last; a key set to `undefined` removes that claim. */
  readonly claims?: Readonly<Record<string, unknown>>
}

export interface OktaIssuerOptions {
  /** The custom authorization server id in the issuer path; default `default`. */
  readonly authorizationServerId?: string
  /** `aud`; default `api://default`. */
  readonly audience?: string
  /** Default: one client with scopes `['kafka']`. */
  readonly clients?: readonly TestOidcClientOptions[]
}

export interface EntraIssuerOptions {
  /** Directory (tenant) id; default one random GUID shared by `entraV1` and `entraV2`. */
  readonly tenantId?: string
  /** Client id of the API application the tokens are for (v2 `aud`); default a shared GUID. */
  readonly applicationId?: string
  /** The API application's App ID URI (v1 `aud`); default `api://<applicationId>`. */
  readonly applicationIdUri?: string
  /** Default: one client with roles `['Kafka.ReadWrite']`. */
  readonly clients?: readonly TestOidcClientOptions[]
}

export interface KeycloakIssuerOptions {
  /** Default `gatehouse`. */
  readonly realm?: string
  /** `aud`; default `account`, as Keycloak sends without an audience mapper. */
  readonly audience?: string | readonly string[]
  /** Default: one client with scopes `['profile', 'email']` and the realm's default roles. */
  readonly clients?: readonly TestOidcClientOptions[]
}

export interface TestOidcProviderOptions {
  /** Which issuers to start; default all four. */
  readonly flavours?: readonly OidcFlavour[]
  readonly okta?: OktaIssuerOptions
  readonly entraV2?: EntraIssuerOptions
  readonly entraV1?: EntraIssuerOptions
  readonly keycloak?: KeycloakIssuerOptions
  /** Access-token lifetime; default 3600 s. */
  readonly accessTokenTtlSeconds?: number
  /** When set, JWKS responses carry `Cache-Control: max-age=<n>` (Gatehouse may read it). */
  readonly jwksMaxAgeSeconds?: number
}

/** What a token request needs; a `TestOidcClient` is one, so it can be passed as it is. */
export interface TokenRequest {
  readonly tokenEndpoint: string
  readonly clientId: string
  readonly clientSecret: string
  /** Omitted from the request when undefined. */
  readonly scope?: string | undefined
}

/** A client registered at one issuer. */
export interface TestOidcClient extends TokenRequest {
  readonly flavour: OidcFlavour
  /**
   * The scope value this client would send: Okta and Keycloak its scopes joined by spaces
   * (undefined when it has none), Entra `<App ID URI>/.default`.
   */
  readonly scope: string | undefined
}

/** The claim settings a test may change on a registered client, live. */
export type TestOidcClientClaimsUpdate = Pick<
  TestOidcClientOptions,
  'scopes' | 'roles' | 'groups' | 'delegatedScopes' | 'subject' | 'accessTokenTtlSeconds' | 'claims'
>

/** One issuer (a tenant, realm or authorization server) of the test provider. */
export interface TestOidcIssuer {
  readonly flavour: OidcFlavour
  /** The exact `iss` of its tokens (Entra v1's keeps its trailing slash). */
  readonly issuer: string
  readonly discoveryUrl: string
  readonly tokenEndpoint: string
  readonly jwksUri: string
  /** The `aud` of its tokens. */
  readonly audience: string | readonly string[]
  /** Entra only. */
  readonly tenantId: string | undefined
  readonly clients: readonly TestOidcClient[]
  /** The registered client `clientId`, or the first one; throws `TypeError` if there is none such. */
  client(clientId?: string): TestOidcClient
  /**
   * Changes what the client's next tokens say: each field given replaces the old value (`claims`
   * as a whole), fields left out stay. Throws `TypeError` for an unknown client.
   */
  updateClient(clientId: string, update: TestOidcClientClaimsUpdate): void
  /** Registers another client and returns it. */
  addClient(options?: TestOidcClientOptions): TestOidcClient
  /** The `kid` new tokens are signed with. */
  readonly signingKid: string
  /** The `kid`s in the served JWKS, newest first. */
  readonly publishedKids: readonly string[]
  /** How many times the JWKS has been fetched, so tests can assert on a verifier's caching. */
  readonly jwksFetchCount: number
  /**
   * Generates a key with a new `kid`, publishes it and signs new tokens with it. Older keys stay
   * published (as real providers overlap keys) unless `retirePrevious` is set. Returns the new kid.
   */
  rotateSigningKey(options?: { readonly retirePrevious?: boolean }): Promise<string>
  /**
   * Generates a key that signs new tokens but is NOT in the JWKS: a verifier sees an unknown
   * `kid`, refetches, and still cannot find it. `publishSigningKey()` publishes it later.
   */
  signWithUnpublishedKey(): Promise<string>
  /** Adds the current signing key to the JWKS if it is not there yet. */
  publishSigningKey(): void
  /** Errors oidc-provider answered with 500 `server_error`: look here when a token request fails so. */
  readonly serverErrors: readonly unknown[]
}

/** The running provider. */
export interface TestOidcProvider extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string
  readonly issuers: { readonly [F in OidcFlavour]: TestOidcIssuer }
  /** Every issuer that was started, in `OIDC_FLAVOURS` order. */
  readonly startedIssuers: readonly TestOidcIssuer[]
  /** Stops the server and drops open connections. */
  close(): Promise<void>
}

// ---------------------------------------------------------------------------------------------
// Token requests, exactly as the seed documents show them
// ---------------------------------------------------------------------------------------------

/** A successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  readonly access_token: string
  readonly token_type: string
  readonly expires_in: number
  readonly scope?: string
}

/** The token endpoint answered with an error; `body` is its OAuth error object when it sent one. */
export class TokenRequestError extends Error {
  readonly status: number
  readonly body: { readonly error?: string; readonly error_description?: string }

  constructor(status: number, body: TokenRequestError['body']) {
    super(
      `token request failed with ${status}: ${body.error ?? 'no error code'} ${body.error_description ?? ''}`,
    )
    this.name = 'TokenRequestError'
    this.status = status
    this.body = body
  }
}

async function readTokenResponse(response: Response): Promise<TokenResponse> {
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = {}
  }
  if (!response.ok) throw new TokenRequestError(response.status, body as TokenRequestError['body'])
  return body as TokenResponse
}

/**
 * Requests a token the way Okta's documentation does (client_secret_basic):
 * `Authorization: Basic base64(client_id:client_secret)`, body `grant_type=client_credentials&scope=…`.
 * Resolves to the token response; rejects with `TokenRequestError` on any non-2xx answer.
 */
export async function fetchTokenOktaStyle(request: TokenRequest): Promise<TokenResponse> {
  const credentials = Buffer.from(`${request.clientId}:${request.clientSecret}`).toString('base64')
  const body = new URLSearchParams({ grant_type: 'client_credentials' })
  if (request.scope !== undefined) body.set('scope', request.scope)
  const response = await fetch(request.tokenEndpoint, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      authorization: `Basic ${credentials}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: body.toString(),
  })
  return readTokenResponse(response)
}

/**
 * Requests a token the way Microsoft's documentation does (client_secret_post): `client_id`,
 * `scope`, `client_secret` and `grant_type=client_credentials` all in the form body, no
 * Authorization header. For Entra issuers `scope` is `<App ID URI>/.default`.
 * Resolves to the token response; rejects with `TokenRequestError` on any non-2xx answer.
 */
export async function fetchTokenEntraStyle(request: TokenRequest): Promise<TokenResponse> {
  const body = new URLSearchParams({ client_id: request.clientId })
  if (request.scope !== undefined) body.set('scope', request.scope)
  body.set('client_secret', request.clientSecret)
  body.set('grant_type', 'client_credentials')
  const response = await fetch(request.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  })
  return readTokenResponse(response)
}

// ---------------------------------------------------------------------------------------------
// Starting the provider
// ---------------------------------------------------------------------------------------------

/**
 * Starts the issuers on 127.0.0.1 (ephemeral port) and resolves once they answer. Throws
 * `TypeError` for options that make no sense for a flavour (e.g. `roles` for Okta). The caller
 * must `close()` it (or `await using` it).
 */
export async function startTestOidcProvider(
  options: TestOidcProviderOptions = {},
): Promise<TestOidcProvider> {
  const flavours = options.flavours ?? OIDC_FLAVOURS
  checkPositiveInteger('accessTokenTtlSeconds', options.accessTokenTtlSeconds)
  if (
    options.jwksMaxAgeSeconds !== undefined &&
    !(Number.isSafeInteger(options.jwksMaxAgeSeconds) && options.jwksMaxAgeSeconds >= 0)
  ) {
    throw new TypeError('options.jwksMaxAgeSeconds must be a non-negative integer')
  }

  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  try {
    // Entra v1 and v2 are two token versions of one tenant, so by default they share it.
    const sharedTenantId = randomUUID()
    const sharedApplicationId = randomUUID()
    const started = await Promise.all(
      OIDC_FLAVOURS.filter((flavour) => flavours.includes(flavour)).map((flavour) =>
        IssuerRuntime.start(
          describeIssuer(flavour, baseUrl, options, sharedTenantId, sharedApplicationId),
          options,
        ),
      ),
    )
    const mountPaths = new Set(started.map((issuer) => issuer.mountPath))
    if (mountPaths.size !== started.length) throw new TypeError('two issuers would share one issuer path')
    // Longest mount first, so `/<tenant>/v2.0/…` reaches Entra v2 before Entra v1 takes `/<tenant>/…`.
    const byMountLength = [...started].sort((a, b) => b.mountPath.length - a.mountPath.length)
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const issuer = byMountLength.find((candidate) => candidate.owns(request.url ?? '/'))
      if (issuer === undefined) {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}')
        return
      }
      issuer.handle(request, response)
    })

    const issuers = Object.fromEntries(started.map((issuer) => [issuer.flavour, issuer])) as Partial<
      Record<OidcFlavour, TestOidcIssuer>
    >
    const close = () => closeServer(server)
    return {
      baseUrl,
      issuers: new Proxy(issuers, {
        get(target, flavour) {
          const issuer = target[flavour as OidcFlavour]
          if (
            issuer === undefined &&
            typeof flavour === 'string' &&
            (OIDC_FLAVOURS as string[]).includes(flavour)
          ) {
            throw new TypeError(`the ${flavour} issuer was not started (options.flavours)`)
          }
          return issuer
        },
      }) as Record<OidcFlavour, TestOidcIssuer>,
      startedIssuers: started,
      close,
      [Symbol.asyncDispose]: close,
    }
  } catch (error) {
    await closeServer(server)
    throw error
  }
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return
  const closed = new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  )
  // fetch keeps connections alive; without this, close() waits for them to time out.
  server.closeAllConnections()
  await closed
}

function checkPositiveInteger(path: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
    throw new TypeError(`options.${path} must be a positive integer`)
  }
}

// ---------------------------------------------------------------------------------------------
// What each flavour's issuer looks like
// ---------------------------------------------------------------------------------------------

interface IssuerDescription {
  readonly facts: IssuerFacts
  readonly baseUrl: string
  /** The issuer URL's path without a trailing slash; oidc-provider mounts its routes there. */
  readonly mountPath: string
  readonly routes: NonNullable<Configuration['routes']>
  /** The resource indicator the issuer's API is known by; token requests default to it. */
  readonly resource: string
  /** Entra: the `.default` scope values that ask for that resource. */
  readonly defaultScopes: readonly string[]
  readonly clients: readonly TestOidcClientOptions[]
}

function describeIssuer(
  flavour: OidcFlavour,
  baseUrl: string,
  options: TestOidcProviderOptions,
  sharedTenantId: string,
  sharedApplicationId: string,
): IssuerDescription {
  switch (flavour) {
    case 'okta': {
      const authorizationServerId = options.okta?.authorizationServerId ?? 'default'
      const audience = options.okta?.audience ?? 'api://default'
      checkPathSegment('okta.authorizationServerId', authorizationServerId)
      const mountPath = `/oauth2/${authorizationServerId}`
      return {
        facts: { flavour, issuer: `${baseUrl}${mountPath}`, audience },
        baseUrl,
        mountPath,
        routes: {
          authorization: '/v1/authorize',
          token: '/v1/token',
          jwks: '/v1/keys',
          userinfo: '/v1/userinfo',
          end_session: '/v1/logout',
          introspection: '/v1/introspect',
          revocation: '/v1/revoke',
        },
        resource: absoluteUri('okta.audience', audience),
        defaultScopes: [],
        clients: options.okta?.clients ?? [{}],
      }
    }
    case 'entraV2':
    case 'entraV1': {
      const entra = options[flavour]
      const tenantId = entra?.tenantId ?? sharedTenantId
      const applicationId = entra?.applicationId ?? sharedApplicationId
      const applicationIdUri = entra?.applicationIdUri ?? `api://${applicationId}`
      checkPathSegment(`${flavour}.tenantId`, tenantId)
      const isV2 = flavour === 'entraV2'
      const mountPath = isV2 ? `/${tenantId}/v2.0` : `/${tenantId}`
      return {
        facts: {
          flavour,
          // v1 tokens come from sts.windows.net, whose issuer ends in a slash.
          issuer: isV2 ? `${baseUrl}${mountPath}` : `${baseUrl}${mountPath}/`,
          audience: isV2 ? applicationId : applicationIdUri,
          tenantId,
        },
        baseUrl,
        mountPath,
        // v1's paths are Microsoft's (/<tenant>/oauth2/token, /<tenant>/discovery/keys). v2's real
        // ones (/<tenant>/oauth2/v2.0/token) lie outside its issuer path, so it keeps the defaults.
        routes: isV2
          ? {}
          : { authorization: '/oauth2/authorize', token: '/oauth2/token', jwks: '/discovery/keys' },
        resource: absoluteUri(`${flavour}.applicationIdUri`, applicationIdUri),
        // Entra accepts the API by App ID URI or by its application (client) id.
        defaultScopes: [`${applicationIdUri}/.default`, `${applicationId}/.default`],
        clients: entra?.clients ?? [{}],
      }
    }
    case 'keycloak': {
      const realm = options.keycloak?.realm ?? 'gatehouse'
      checkPathSegment('keycloak.realm', realm)
      const mountPath = `/realms/${realm}`
      const issuer = `${baseUrl}${mountPath}`
      const openIdConnect = '/protocol/openid-connect'
      return {
        facts: { flavour, issuer, audience: options.keycloak?.audience ?? 'account' },
        baseUrl,
        mountPath,
        routes: {
          authorization: `${openIdConnect}/auth`,
          token: `${openIdConnect}/token`,
          jwks: `${openIdConnect}/certs`,
          userinfo: `${openIdConnect}/userinfo`,
          end_session: `${openIdConnect}/logout`,
          introspection: `${openIdConnect}/token/introspect`,
          revocation: `${openIdConnect}/revoke`,
        },
        // Keycloak has no resource indicators; the realm itself stands for "its tokens".
        resource: issuer,
        defaultScopes: [],
        clients: options.keycloak?.clients ?? [{}],
      }
    }
  }
}

function checkPathSegment(path: string, value: string): void {
  if (!/^[A-Za-z0-9._~-]+$/.test(value)) throw new TypeError(`options.${path} must be one URL path segment`)
}

function absoluteUri(path: string, value: string): string {
  // oidc-provider only takes absolute URIs as resource indicators.
  if (URL.parse(value) === null) throw new TypeError(`options.${path} must be an absolute URI, got ${value}`)
  return value
}

// ---------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------

interface ClientRecord {
  readonly clientId: string
  readonly clientSecret: string
  claims: TestClientClaims
  accessTokenTtlSeconds: number | undefined
}

const OPTIONS_NOT_FOR: Readonly<Record<OidcFlavour, readonly (keyof TestOidcClientOptions)[]>> = {
  okta: ['roles', 'delegatedScopes'],
  entraV2: ['scopes'],
  entraV1: ['scopes'],
  keycloak: ['delegatedScopes'],
}

function checkClientOptions(flavour: OidcFlavour, options: TestOidcClientClaimsUpdate): void {
  for (const name of OPTIONS_NOT_FOR[flavour]) {
    if (options[name as keyof TestOidcClientClaimsUpdate] !== undefined) {
      throw new TypeError(
        `client option ${name} has no meaning for ${flavour} tokens; use claims to add such a claim`,
      )
    }
  }
  checkPositiveInteger('clients[].accessTokenTtlSeconds', options.accessTokenTtlSeconds)
}

function defaultClientId(flavour: OidcFlavour): string {
  switch (flavour) {
    case 'okta':
      // Okta client ids are "0oa" and 17 more letters and digits.
      return `0oa${randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 17)}`
    case 'entraV2':
    case 'entraV1':
      return randomUUID()
    case 'keycloak':
      return `kafka-client-${randomBytes(3).toString('hex')}`
  }
}

/** What a freshly registered client typically has at each provider. */
function defaultScopesAndRoles(
  flavour: OidcFlavour,
  realmDefaultRoles: string,
): { scopes: readonly string[]; roles: readonly string[] } {
  switch (flavour) {
    case 'okta':
      return { scopes: ['kafka'], roles: [] }
    case 'entraV2':
    case 'entraV1':
      return { scopes: [], roles: ['Kafka.ReadWrite'] }
    case 'keycloak':
      // Keycloak's default client scopes and every realm's default roles.
      return {
        scopes: ['profile', 'email'],
        roles: [realmDefaultRoles, 'offline_access', 'uma_authorization'],
      }
  }
}

function createClientRecord(
  flavour: OidcFlavour,
  realmDefaultRoles: string,
  options: TestOidcClientOptions,
): ClientRecord {
  checkClientOptions(flavour, options)
  const clientId = options.clientId ?? defaultClientId(flavour)
  const clientSecret = options.clientSecret ?? randomBytes(30).toString('base64url')
  if (/[%+]/.test(clientSecret)) {
    throw new TypeError(
      'a test client secret must not contain % or + (the Basic header would not round-trip)',
    )
  }
  const defaults = defaultScopesAndRoles(flavour, realmDefaultRoles)
  return {
    clientId,
    clientSecret,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    claims: {
      scopes: options.scopes ?? defaults.scopes,
      roles: options.roles ?? defaults.roles,
      groups: options.groups ?? [],
      delegatedScopes: options.delegatedScopes ?? [],
      subject: options.subject ?? (flavour === 'okta' ? clientId : randomUUID()),
      claims: options.claims ?? {},
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Signing keys
// ---------------------------------------------------------------------------------------------

interface SigningKey {
  readonly kid: string
  readonly privateJwk: JsonWebKey
  readonly publicJwk: JsonWebKey
  isPublished: boolean
}

async function generateSigningKey(isPublished: boolean): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 })
  const kid = randomBytes(32).toString('base64url')
  const labels = { kid, alg: SIGNING_ALGORITHM, use: 'sig' }
  return {
    kid,
    privateJwk: { ...privateKey.export({ format: 'jwk' }), ...labels },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), ...labels },
    isPublished,
  }
}

// ---------------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------------

interface StoredPayload {
  payload: AdapterPayload
  /** Epoch milliseconds; undefined for entries that do not expire. */
  readonly expiresAt: number | undefined
}

/**
 * Where oidc-provider keeps stateful artefacts (sessions, codes, grants; JWT client-credentials
 * tokens are never stored). oidc-provider's own in-memory adapter does the same but prints a
 * warning on every start; this one also outlives the provider instance across key rotations.
 */
function createMemoryAdapter(store: Map<string, StoredPayload>): AdapterFactory {
  return (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`
    const live = (key: string): StoredPayload | undefined => {
      const entry = store.get(key)
      if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
        store.delete(key)
        return undefined
      }
      return entry
    }
    const findBy = (field: 'uid' | 'userCode', value: string): AdapterPayload | undefined => {
      for (const key of store.keys()) {
        const payload = key.startsWith(`${model}:`) ? live(key)?.payload : undefined
        if (payload?.[field] === value) return payload
      }
      return undefined
    }
    return {
      upsert: async (id, payload, expiresIn) => {
        store.set(keyOf(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined })
      },
      find: async (id) => live(keyOf(id))?.payload,
      findByUid: async (uid) => findBy('uid', uid),
      findByUserCode: async (userCode) => findBy('userCode', userCode),
      consume: async (id) => {
        const entry = live(keyOf(id))
        if (entry !== undefined) entry.payload = { ...entry.payload, consumed: Math.floor(Date.now() / 1000) }
      },
      destroy: async (id) => {
        store.delete(keyOf(id))
      },
      revokeByGrantId: async (grantId) => {
        for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key)
      },
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One issuer at run time
// ---------------------------------------------------------------------------------------------

class IssuerRuntime implements TestOidcIssuer {
  readonly #description: IssuerDescription
  readonly #defaultTtlSeconds: number
  readonly #jwksMaxAgeSeconds: number | undefined
  readonly #clients = new Map<string, ClientRecord>()
  readonly #serverErrors: unknown[] = []
  readonly #storage = new Map<string, StoredPayload>()
  /** Newest first. */
  #keys: SigningKey[] = []
  #signingKid = ''
  #jwksFetchCount = 0
  #handleWithProvider: (request: IncomingMessage, response: ServerResponse) => Promise<void> = async () =>
    undefined

  private constructor(description: IssuerDescription, options: TestOidcProviderOptions) {
    this.#description = description
    this.#defaultTtlSeconds = options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS
    this.#jwksMaxAgeSeconds = options.jwksMaxAgeSeconds
  }

  static async start(
    description: IssuerDescription,
    options: TestOidcProviderOptions,
  ): Promise<IssuerRuntime> {
    const issuer = new IssuerRuntime(description, options)
    for (const clientOptions of description.clients) issuer.#register(clientOptions)
    const key = await generateSigningKey(true)
    issuer.#keys = [key]
    issuer.#signingKid = key.kid
    issuer.#buildProvider()
    return issuer
  }

  get flavour(): OidcFlavour {
    return this.#description.facts.flavour
  }

  get issuer(): string {
    return this.#description.facts.issuer
  }

  get mountPath(): string {
    return this.#description.mountPath
  }

  get discoveryUrl(): string {
    return `${this.#endpointBase}/.well-known/openid-configuration`
  }

  get tokenEndpoint(): string {
    return `${this.#endpointBase}${this.#description.routes.token ?? '/token'}`
  }

  get jwksUri(): string {
    return `${this.#endpointBase}${this.#jwksPath}`
  }

  get audience(): string | readonly string[] {
    return this.#description.facts.audience
  }

  get tenantId(): string | undefined {
    return this.#description.facts.tenantId
  }

  get clients(): readonly TestOidcClient[] {
    return [...this.#clients.values()].map((record) => this.#publicClient(record))
  }

  client(clientId?: string): TestOidcClient {
    const record = clientId === undefined ? this.#clients.values().next().value : this.#clients.get(clientId)
    if (record === undefined) {
      throw new TypeError(`no client ${clientId ?? '(any)'} is registered at ${this.issuer}`)
    }
    return this.#publicClient(record)
  }

  updateClient(clientId: string, update: TestOidcClientClaimsUpdate): void {
    const record = this.#clients.get(clientId)
    if (record === undefined) throw new TypeError(`no client ${clientId} is registered at ${this.issuer}`)
    checkClientOptions(this.flavour, update)
    const { accessTokenTtlSeconds, ...claims } = update
    record.claims = {
      ...record.claims,
      ...Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined)),
    }
    if (accessTokenTtlSeconds !== undefined) record.accessTokenTtlSeconds = accessTokenTtlSeconds
  }

  addClient(options: TestOidcClientOptions = {}): TestOidcClient {
    const record = this.#register(options)
    // oidc-provider reads static clients once, at construction.
    this.#buildProvider()
    return this.#publicClient(record)
  }

  get signingKid(): string {
    return this.#signingKid
  }

  get publishedKids(): readonly string[] {
    return this.#keys.filter((key) => key.isPublished).map((key) => key.kid)
  }

  get jwksFetchCount(): number {
    return this.#jwksFetchCount
  }

  get serverErrors(): readonly unknown[] {
    return this.#serverErrors
  }

  async rotateSigningKey(options: { readonly retirePrevious?: boolean } = {}): Promise<string> {
    const key = await generateSigningKey(true)
    this.#keys = options.retirePrevious === true ? [key] : [key, ...this.#keys]
    this.#signingKid = key.kid
    this.#buildProvider()
    return key.kid
  }

  async signWithUnpublishedKey(): Promise<string> {
    const key = await generateSigningKey(false)
    this.#keys = [key, ...this.#keys]
    this.#signingKid = key.kid
    this.#buildProvider()
    return key.kid
  }

  publishSigningKey(): void {
    const key = this.#keys.find((candidate) => candidate.kid === this.#signingKid)
    if (key !== undefined) key.isPublished = true
  }

  /** Whether a request for `url` (path and query) belongs to this issuer. */
  owns(url: string): boolean {
    const mountPath = this.#description.mountPath
    if (!url.startsWith(mountPath)) return false
    const next = url.charAt(mountPath.length)
    return next === '' || next === '/' || next === '?'
  }

  handle(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? '/'
    const path = url.slice(this.#description.mountPath.length).split('?')[0]
    if (path === this.#jwksPath && (request.method === 'GET' || request.method === 'HEAD')) {
      this.#serveJwks(request, response)
      return
    }
    // oidc-provider finds its mount path as the part of `req.originalUrl` before `req.url`, the
    // way Express and Connect mount sub-applications.
    Object.assign(request, { originalUrl: url })
    const rest = url.slice(this.#description.mountPath.length)
    request.url = rest.startsWith('/') ? rest : `/${rest}`
    // Koa settles every request itself (its error handling included), so nothing is left to await.
    void this.#handleWithProvider(request, response)
  }

  get #endpointBase(): string {
    return `${this.#description.baseUrl}${this.#description.mountPath}`
  }

  get #jwksPath(): string {
    return this.#description.routes.jwks ?? '/jwks'
  }

  #serveJwks(request: IncomingMessage, response: ServerResponse): void {
    this.#jwksFetchCount += 1
    const body = JSON.stringify({
      keys: this.#keys.filter((key) => key.isPublished).map((key) => key.publicJwk),
    })
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    }
    if (this.#jwksMaxAgeSeconds !== undefined) headers['cache-control'] = `max-age=${this.#jwksMaxAgeSeconds}`
    response.writeHead(200, headers).end(request.method === 'HEAD' ? undefined : body)
  }

  #register(options: TestOidcClientOptions): ClientRecord {
    const realmDefaultRoles = `default-roles-${this.#description.mountPath.split('/').at(-1) ?? ''}`
    const record = createClientRecord(this.flavour, realmDefaultRoles, options)
    if (this.#clients.has(record.clientId))
      throw new TypeError(`client ${record.clientId} is registered twice at ${this.issuer}`)
    this.#clients.set(record.clientId, record)
    return record
  }

  #publicClient(record: ClientRecord): TestOidcClient {
    const isEntra = this.flavour === 'entraV2' || this.flavour === 'entraV1'
    const scopes = record.claims.scopes
    return {
      flavour: this.flavour,
      clientId: record.clientId,
      clientSecret: record.clientSecret,
      tokenEndpoint: this.tokenEndpoint,
      scope: isEntra ? this.#description.defaultScopes[0] : scopes.length > 0 ? scopes.join(' ') : undefined,
    }
  }

  #buildProvider(): void {
    const isEntra = this.flavour === 'entraV2' || this.flavour === 'entraV1'
    const clients: ClientMetadata[] = [...this.#clients.values()].map((record) => ({
      client_id: record.clientId,
      client_secret: record.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      // Documentation only: oidc-provider accepts the secret in the header or the body either way.
      token_endpoint_auth_method: isEntra ? 'client_secret_post' : 'client_secret_basic',
    }))
    const provider = new Provider(this.issuer, {
      adapter: createMemoryAdapter(this.#storage),
      clients,
      jwks: { keys: this.#keys.map((key) => key.privateJwk) },
      routes: this.#description.routes,
      features: {
        clientCredentials: { enabled: true },
        // Nothing logs in yet; turning the built-in login form off keeps its warnings out of test output.
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: (ctx) => {
            requestsWithDefaultedResource.add(ctx)
            return this.#description.resource
          },
          useGrantedResource: () => true,
          getResourceServerInfo: (ctx, resourceIndicator, client) =>
            this.#resourceServerFor(ctx, resourceIndicator, client.clientId),
        },
      },
      formats: {
        customizers: {
          jwt: (_ctx, token, parts) => {
            const record = this.#clients.get(token.clientId ?? '')
            if (record === undefined) throw new Error(`token for unregistered client ${token.clientId}`)
            const shaped = shapeAccessToken(this.#description.facts, record.claims, {
              clientId: record.clientId,
              grantedScopes: token.scope ? token.scope.split(' ') : record.claims.scopes,
              issuedAt: parts.payload.iat as number,
              expiresAt: parts.payload.exp as number,
            })
            parts.header = { ...parts.header, ...shaped.header }
            parts.payload = shaped.payload
          },
        },
      },
      ttl: {
        ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? this.#defaultTtlSeconds,
      },
      // No browser calls these endpoints; answering CORS preflights with "no" is the safe default.
      clientBasedCORS: () => false,
    })
    // A listener replaces Koa's default one, which prints every error to stderr. The provider's
    // typings list only oidc-provider's own events, though Koa's 'error' is one too.
    ;(provider as unknown as EventEmitter).on('error', (error: unknown) => this.#serverErrors.push(error))
    provider.on('server_error', (_ctx: unknown, error: unknown) => this.#serverErrors.push(error))
    this.#handleWithProvider = provider.callback()
  }

  /**
   * Decides which scopes a token request may get, the way each provider does: Entra wants exactly
   * one `<API>/.default` scope (the v1 endpoint may name the API with `resource=` instead); Okta
   * and Keycloak refuse scopes the client was not granted, and grant all of them when none is asked.
   */
  #resourceServerFor(ctx: KoaContextWithOIDC, resourceIndicator: string, clientId: string): ResourceServer {
    if (resourceIndicator !== this.#description.resource) throw new errors.InvalidTarget()
    const record = this.#clients.get(clientId)
    if (record === undefined) throw new errors.InvalidClient('client not found')
    const params = ctx.oidc.params ?? {}
    const requested = typeof params.scope === 'string' ? params.scope.split(' ').filter(Boolean) : []
    let allowed: readonly string[]
    if (this.flavour === 'entraV2' || this.flavour === 'entraV1') {
      if (requested.length === 0 && requestsWithDefaultedResource.has(ctx)) {
        throw new errors.InvalidRequest(`scope is required, e.g. ${this.#description.defaultScopes[0]}`)
      }
      if (
        requested.length > 0 &&
        (requested.length !== 1 || !this.#description.defaultScopes.includes(requested[0]!))
      ) {
        throw new errors.InvalidScope(
          `client credential requests must ask for ${this.#description.defaultScopes[0]}`,
          requested.join(' '),
        )
      }
      allowed = requested
    } else {
      const notGranted = requested.filter((scope) => !record.claims.scopes.includes(scope))
      if (notGranted.length > 0)
        throw new errors.InvalidScope('requested scope is not allowed', notGranted.join(' '))
      allowed = record.claims.scopes
    }
    const audience = this.#description.facts.audience
    return {
      scope: allowed.join(' '),
      audience: typeof audience === 'string' ? audience : undefined,
      accessTokenFormat: 'jwt',
      accessTokenTTL: record.accessTokenTtlSeconds ?? this.#defaultTtlSeconds,
      jwt: { sign: { alg: SIGNING_ALGORITHM, kid: this.#signingKid } },
    }
  }
}
