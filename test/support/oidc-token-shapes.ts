/**
 * @module test/support/oidc-token-shapes
 *
 * What a client-credentials access token from each real identity provider looks like, as pure
 * functions from "who asked, what was granted, when" to a JWT header and claim set. The test OIDC
 * provider (`oidc-provider.ts`) signs what these return, so Gatehouse's verifier and pool filters
 * are tested against the shapes they will meet in the wild: arrays where the provider sends
 * arrays, space-separated strings where it sends strings, and none of the RFC 9068 claims
 * (`client_id`, `scope`, `typ: at+jwt`) that none of these providers actually sends.
 *
 * The shapes follow the providers' documented token references: Okta custom authorization
 * servers, Microsoft Entra ID access tokens v1.0 and v2.0, and Keycloak service-account tokens
 * (Keycloak 24 and earlier name the client `clientId`; 25 and later `client_id`).
 */
import { randomBytes, randomUUID } from 'node:crypto'

/** The identity providers whose token shapes the test provider imitates. */
export type OidcFlavour = 'okta' | 'entraV2' | 'entraV1' | 'keycloak'

export const OIDC_FLAVOURS: readonly OidcFlavour[] = ['okta', 'entraV2', 'entraV1', 'keycloak']

/** The claim values a test chooses for one client; the flavour decides where each one goes. */
export interface TestClientClaims {
  /** Okta: the scopes the client may request, sent as the `scp` array. Keycloak: the `scope` string. */
  readonly scopes: readonly string[]
  /** Entra: app roles assigned to the client (`roles`). Keycloak: realm roles (`realm_access.roles`). */
  readonly roles: readonly string[]
  /** A `groups` array claim, as a groups claim mapping adds it; omitted when empty. */
  readonly groups: readonly string[]
  /** Entra only: turns the token into the delegated shape, `scp` as one space-separated string. */
  readonly delegatedScopes: readonly string[]
  /** `sub` (Okta, Keycloak) or `oid` and `sub` (Entra). */
  readonly subject: string
  /** Claims merged over the shaped ones, last; a key set to `undefined` removes that claim. */
  readonly claims: Readonly<Record<string, unknown>>
}

/** The issuer-wide facts a token shape needs. */
export interface IssuerFacts {
  readonly flavour: OidcFlavour
  readonly issuer: string
  /** `aud`: Okta's authorization server audience, Entra v2's application id, Entra v1's App ID URI. */
  readonly audience: string | readonly string[]
  /** Entra only: the directory (tenant) id, the `tid` claim. */
  readonly tenantId?: string
}

/** One token being issued: who asked, what was granted, and the times oidc-provider chose. */
export interface IssuedToken {
  readonly clientId: string
  /** Scopes granted by this request, after checking them against the client's allowed scopes. */
  readonly grantedScopes: readonly string[]
  readonly issuedAt: number
  readonly expiresAt: number
}

/** A JWT's protected header fields (beyond `alg` and `kid`) and its claim set. */
export interface ShapedToken {
  /** Fields laid over oidc-provider's header; `typ: undefined` drops its `at+jwt` type. */
  readonly header: Record<string, unknown>
  readonly payload: Record<string, unknown>
}

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

function optionalArray(name: string, values: readonly string[]): Record<string, unknown> {
  return values.length > 0 ? { [name]: [...values] } : {}
}

/**
 * Builds the header and claims of an access token as the given flavour's provider would issue it
 * for the client-credentials grant. Pure apart from the random token ids each provider adds.
 */
export function shapeAccessToken(
  facts: IssuerFacts,
  client: TestClientClaims,
  token: IssuedToken,
): ShapedToken {
  const shaped = SHAPERS[facts.flavour](facts, client, token)
  return { header: shaped.header, payload: { ...shaped.payload, ...client.claims } }
}

const SHAPERS: Readonly<
  Record<OidcFlavour, (facts: IssuerFacts, client: TestClientClaims, token: IssuedToken) => ShapedToken>
> = {
  // Okta signs with only `kid` and `alg` in the header. `scp` is always an array, `ver` the
  // number 1, and a client-credentials token has `sub` = `cid` = the client id (`uid` appears
  // only on tokens issued to a user).
  okta: (facts, client, token) => ({
    header: { typ: undefined },
    payload: {
      ver: 1,
      jti: `AT.${randomToken(32)}`,
      iss: facts.issuer,
      aud: facts.audience,
      iat: token.issuedAt,
      exp: token.expiresAt,
      cid: token.clientId,
      scp: [...token.grantedScopes],
      sub: client.subject,
      ...optionalArray('groups', client.groups),
    },
  }),
  // Entra v2.0: `aud` is the API application's client id, `azp` the caller's; an app-only token
  // carries `roles` and no `scp`; the delegated shape carries `scp` as one string. No `jti`:
  // Entra's token id is `uti`.
  entraV2: (facts, client, token) => ({
    header: { typ: 'JWT' },
    payload: {
      aud: facts.audience,
      iss: facts.issuer,
      iat: token.issuedAt,
      nbf: token.issuedAt,
      exp: token.expiresAt,
      aio: randomToken(48),
      azp: token.clientId,
      azpacr: '1',
      ...optionalArray('groups', client.groups),
      oid: client.subject,
      rh: `0.${randomToken(36)}.`,
      ...optionalArray('roles', client.roles),
      ...(client.delegatedScopes.length > 0 ? { scp: client.delegatedScopes.join(' ') } : {}),
      sub: client.subject,
      tid: facts.tenantId,
      uti: randomToken(16),
      ver: '2.0',
    },
  }),
  // Entra v1.0: the same facts under older names (`appid`, `appidacr`), `aud` is the App ID URI,
  // the issuer is the sts.windows.net form with its trailing slash, repeated in `idp`.
  entraV1: (facts, client, token) => ({
    header: { typ: 'JWT' },
    payload: {
      aud: facts.audience,
      iss: facts.issuer,
      iat: token.issuedAt,
      nbf: token.issuedAt,
      exp: token.expiresAt,
      aio: randomToken(48),
      appid: token.clientId,
      appidacr: '1',
      ...optionalArray('groups', client.groups),
      idp: facts.issuer,
      oid: client.subject,
      rh: `0.${randomToken(36)}.`,
      ...optionalArray('roles', client.roles),
      ...(client.delegatedScopes.length > 0 ? { scp: client.delegatedScopes.join(' ') } : {}),
      sub: client.subject,
      tid: facts.tenantId,
      uti: randomToken(16),
      ver: '1.0',
    },
  }),
  // Keycloak: realm roles nested under `realm_access`, `scope` one space-separated string, the
  // service-account user as `sub` and `preferred_username`, and the client as `azp`/`clientId`.
  keycloak: (facts, client, token) => ({
    header: { typ: 'JWT' },
    payload: {
      exp: token.expiresAt,
      iat: token.issuedAt,
      jti: randomUUID(),
      iss: facts.issuer,
      aud: Array.isArray(facts.audience) ? [...facts.audience] : facts.audience,
      sub: client.subject,
      typ: 'Bearer',
      azp: token.clientId,
      acr: '1',
      realm_access: { roles: [...client.roles] },
      scope: token.grantedScopes.join(' '),
      clientHost: '127.0.0.1',
      email_verified: false,
      ...optionalArray('groups', client.groups),
      preferred_username: `service-account-${token.clientId}`,
      clientAddress: '127.0.0.1',
      clientId: token.clientId,
    },
  }),
}
