import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose'
import type { JWTPayload } from 'jose'

import {
  OIDC_FLAVOURS,
  TokenRequestError,
  fetchTokenEntraStyle,
  fetchTokenOktaStyle,
  startTestOidcProvider,
} from './oidc-provider.ts'
import type { OidcFlavour, TestOidcIssuer, TestOidcProvider, TokenRequest } from './oidc-provider.ts'

const TENANT_ID = 'e13b8f44-0a1c-4b0e-9d2a-6c3f5e8f1d5a'
const APPLICATION_ID = '7df2c309-e7d1-4927-b203-90e4df7409d5'

const REQUEST_STYLES = [
  ['Okta-style (Basic header, client_secret_basic)', fetchTokenOktaStyle],
  ['Entra-style (secret in the body, client_secret_post)', fetchTokenEntraStyle],
] as const

/** Every claim each flavour's client-credentials token carries, and nothing else. */
const CLAIM_NAMES: Readonly<Record<OidcFlavour, readonly string[]>> = {
  okta: ['aud', 'cid', 'exp', 'groups', 'iat', 'iss', 'jti', 'scp', 'sub', 'ver'],
  entraV2: [
    'aio',
    'aud',
    'azp',
    'azpacr',
    'exp',
    'iat',
    'iss',
    'nbf',
    'oid',
    'rh',
    'roles',
    'sub',
    'tid',
    'uti',
    'ver',
  ],
  entraV1: [
    'aio',
    'appid',
    'appidacr',
    'aud',
    'exp',
    'iat',
    'idp',
    'iss',
    'nbf',
    'oid',
    'rh',
    'roles',
    'sub',
    'tid',
    'uti',
    'ver',
  ],
  keycloak: [
    'acr',
    'aud',
    'azp',
    'clientAddress',
    'clientHost',
    'clientId',
    'email_verified',
    'exp',
    'iat',
    'iss',
    'jti',
    'preferred_username',
    'realm_access',
    'scope',
    'sub',
    'typ',
  ],
}

/** Verifies `token` the way Gatehouse will: signature from the issuer's JWKS, issuer, audience, time. */
async function verify(issuer: TestOidcIssuer, token: string): Promise<JWTPayload> {
  const audience = typeof issuer.audience === 'string' ? issuer.audience : issuer.audience[0]!
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), {
    issuer: issuer.issuer,
    audience,
    algorithms: ['RS256'],
  })
  return payload
}

function assertLifetime(payload: JWTPayload, seconds: number): void {
  const now = Math.floor(Date.now() / 1000)
  assert.equal(typeof payload.iat, 'number')
  assert.ok(Math.abs(payload.iat! - now) <= 5, 'iat is now')
  assert.equal(payload.exp, payload.iat! + seconds)
}

describe('test OIDC provider', () => {
  let oidc: TestOidcProvider

  before(async () => {
    oidc = await startTestOidcProvider({
      okta: {
        clients: [
          {
            clientId: '0oa6m0gmwcioVkltr4x7',
            scopes: ['kafka.produce', 'kafka.consume'],
            groups: ['orders'],
          },
        ],
      },
      entraV2: {
        tenantId: TENANT_ID,
        applicationId: APPLICATION_ID,
        clients: [{ roles: ['Kafka.Producer'] }],
      },
      entraV1: {
        tenantId: TENANT_ID,
        applicationId: APPLICATION_ID,
        clients: [{ roles: ['Kafka.Producer'] }],
      },
      keycloak: {
        realm: 'kafka',
        audience: ['gatehouse', 'account'],
        clients: [{ clientId: 'orders-service', scopes: ['profile', 'kafka'], roles: ['kafka-producer'] }],
      },
    })
  })

  after(() => oidc.close())

  const expectations: Readonly<Record<OidcFlavour, (issuer: TestOidcIssuer, payload: JWTPayload) => void>> = {
    okta: (issuer, payload) => {
      const clientId = issuer.client().clientId
      assert.equal(issuer.issuer, `${oidc.baseUrl}/oauth2/default`)
      assert.equal(payload.ver, 1)
      assert.equal(payload.aud, 'api://default')
      assert.deepEqual(payload.scp, ['kafka.produce', 'kafka.consume'])
      assert.equal(payload.cid, clientId)
      assert.equal(payload.sub, clientId, 'a client-credentials token names the client as sub')
      assert.deepEqual(payload.groups, ['orders'])
      assert.match(payload.jti!, /^AT\./)
    },
    entraV2: (issuer, payload) => {
      assert.equal(issuer.issuer, `${oidc.baseUrl}/${TENANT_ID}/v2.0`)
      assert.equal(payload.ver, '2.0')
      assert.equal(payload.aud, APPLICATION_ID)
      assert.equal(payload.tid, TENANT_ID)
      assert.equal(payload.azp, issuer.client().clientId)
      assert.deepEqual(payload.roles, ['Kafka.Producer'])
      assert.equal(payload.sub, payload.oid)
      assert.equal(payload.nbf, payload.iat)
    },
    entraV1: (issuer, payload) => {
      assert.equal(issuer.issuer, `${oidc.baseUrl}/${TENANT_ID}/`)
      assert.equal(payload.ver, '1.0')
      assert.equal(payload.aud, `api://${APPLICATION_ID}`)
      assert.equal(payload.tid, TENANT_ID)
      assert.equal(payload.appid, issuer.client().clientId)
      assert.equal(payload.idp, issuer.issuer)
      assert.deepEqual(payload.roles, ['Kafka.Producer'])
      assert.equal(payload.sub, payload.oid)
    },
    keycloak: (issuer, payload) => {
      assert.equal(issuer.issuer, `${oidc.baseUrl}/realms/kafka`)
      assert.deepEqual(payload.aud, ['gatehouse', 'account'])
      assert.deepEqual(payload.realm_access, { roles: ['kafka-producer'] })
      assert.equal(payload.scope, 'profile kafka')
      assert.equal(payload.azp, 'orders-service')
      assert.equal(payload.clientId, 'orders-service')
      assert.equal(payload.preferred_username, 'service-account-orders-service')
      assert.equal(payload.typ, 'Bearer')
    },
  }

  for (const flavour of OIDC_FLAVOURS) {
    for (const [styleName, fetchToken] of REQUEST_STYLES) {
      it(`issues a signed ${flavour}-shaped token to an ${styleName} request`, async () => {
        // Given
        const issuer = oidc.issuers[flavour]
        const client = issuer.client()

        // When
        const response = await fetchToken(client)

        // Then
        assert.equal(response.token_type, 'Bearer')
        assert.equal(response.expires_in, 3600)
        const header = decodeProtectedHeader(response.access_token)
        assert.equal(header.alg, 'RS256')
        assert.equal(header.kid, issuer.signingKid)
        // None of these providers types its tokens at+jwt: Okta sends no typ, the others "JWT".
        assert.equal(header.typ, flavour === 'okta' ? undefined : 'JWT')
        const payload = await verify(issuer, response.access_token)
        assert.deepEqual(Object.keys(payload).sort(), [...CLAIM_NAMES[flavour]].sort())
        assert.equal(payload.iss, issuer.issuer)
        assertLifetime(payload, 3600)
        expectations[flavour](issuer, payload)
      })
    }
  }

  it('serves discovery at each issuer with its issuer, token endpoint and jwks_uri', async () => {
    for (const issuer of oidc.startedIssuers) {
      // When
      const response = await fetch(issuer.discoveryUrl)

      // Then
      assert.equal(response.status, 200)
      const discovery = (await response.json()) as {
        issuer: string
        jwks_uri: string
        token_endpoint: string
        grant_types_supported: string[]
      }
      assert.equal(discovery.issuer, issuer.issuer)
      assert.equal(discovery.jwks_uri, issuer.jwksUri)
      assert.equal(discovery.token_endpoint, issuer.tokenEndpoint)
      assert.ok(discovery.grant_types_supported.includes('client_credentials'))
      const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kid: string; d?: string }[] }
      assert.deepEqual(
        jwks.keys.map((key) => key.kid),
        [issuer.signingKid],
      )
      assert.equal(jwks.keys[0]!.d, undefined, 'the JWKS holds public keys only')
    }
  })

  it('serves each flavour at the paths its real provider uses', () => {
    assert.equal(oidc.issuers.okta.tokenEndpoint, `${oidc.baseUrl}/oauth2/default/v1/token`)
    assert.equal(oidc.issuers.okta.jwksUri, `${oidc.baseUrl}/oauth2/default/v1/keys`)
    assert.equal(oidc.issuers.entraV1.tokenEndpoint, `${oidc.baseUrl}/${TENANT_ID}/oauth2/token`)
    assert.equal(oidc.issuers.entraV1.jwksUri, `${oidc.baseUrl}/${TENANT_ID}/discovery/keys`)
    assert.equal(
      oidc.issuers.entraV2.discoveryUrl,
      `${oidc.baseUrl}/${TENANT_ID}/v2.0/.well-known/openid-configuration`,
    )
    assert.equal(oidc.issuers.keycloak.jwksUri, `${oidc.baseUrl}/realms/kafka/protocol/openid-connect/certs`)
  })

  for (const [styleName, fetchToken] of REQUEST_STYLES) {
    it(`answers a wrong client secret in an ${styleName} request with 401 invalid_client`, async () => {
      for (const issuer of oidc.startedIssuers) {
        // Given
        const request: TokenRequest = { ...issuer.client(), clientSecret: 'not-the-secret' }

        // When / Then
        await assert.rejects(fetchToken(request), (error: unknown) => {
          assert.ok(error instanceof TokenRequestError)
          assert.equal(error.status, 401)
          assert.equal(error.body.error, 'invalid_client')
          return true
        })
      }
    })
  }

  it('accepts the Entra .default scope by App ID URI or by application id, and nothing else', async () => {
    const issuer = oidc.issuers.entraV2
    const client = issuer.client()
    assert.equal(client.scope, `api://${APPLICATION_ID}/.default`)

    const byApplicationId = await fetchTokenEntraStyle({ ...client, scope: `${APPLICATION_ID}/.default` })
    assert.equal((await verify(issuer, byApplicationId.access_token)).aud, APPLICATION_ID)

    for (const scope of ['api://another-app/.default', `api://${APPLICATION_ID}/Kafka.Produce`, undefined]) {
      await assert.rejects(fetchTokenEntraStyle({ ...client, scope }), (error: unknown) => {
        assert.ok(error instanceof TokenRequestError)
        assert.equal(error.status, 400)
        assert.equal(error.body.error, scope === undefined ? 'invalid_request' : 'invalid_scope')
        return true
      })
    }
  })

  it('accepts the Entra v1 endpoint form that names the API with resource= instead of a scope', async () => {
    // Given
    const issuer = oidc.issuers.entraV1
    const client = issuer.client()
    const requestNaming = (resource: string) =>
      fetch(issuer.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: client.clientSecret,
          resource,
        }).toString(),
      })

    // When
    const known = await requestNaming(`api://${APPLICATION_ID}`)
    const unknown = await requestNaming('api://another-app')

    // Then
    assert.equal(known.status, 200)
    const { access_token } = (await known.json()) as { access_token: string }
    assert.equal((await verify(issuer, access_token)).aud, `api://${APPLICATION_ID}`)
    assert.equal(unknown.status, 400)
    assert.equal(((await unknown.json()) as { error: string }).error, 'invalid_target')
  })

  it('grants Okta scopes one by one, all of them when none is asked, and refuses others', async () => {
    const issuer = oidc.issuers.okta
    const client = issuer.client()

    const one = await fetchTokenOktaStyle({ ...client, scope: 'kafka.consume' })
    assert.deepEqual((await verify(issuer, one.access_token)).scp, ['kafka.consume'])

    const all = await fetchTokenOktaStyle({ ...client, scope: undefined })
    assert.deepEqual((await verify(issuer, all.access_token)).scp, ['kafka.produce', 'kafka.consume'])

    await assert.rejects(fetchTokenOktaStyle({ ...client, scope: 'kafka.admin' }), (error: unknown) => {
      assert.ok(error instanceof TokenRequestError)
      assert.equal(error.status, 400)
      assert.equal(error.body.error, 'invalid_scope')
      return true
    })
  })

  it('issues the delegated Entra shape, scp as one space-separated string, to a client configured so', async () => {
    // Given
    const issuer = oidc.issuers.entraV2
    const client = issuer.addClient({ delegatedScopes: ['Kafka.Produce', 'Kafka.Consume'], roles: [] })

    // When
    const payload = await verify(issuer, (await fetchTokenEntraStyle(client)).access_token)

    // Then
    assert.equal(payload.scp, 'Kafka.Produce Kafka.Consume')
    assert.equal(payload.roles, undefined, 'Entra omits roles when none is assigned')
  })

  it("lets a test change a client's claims between tokens, so one token matches a pool filter and the next misses", async () => {
    // Given
    const issuer = oidc.issuers.keycloak
    const client = issuer.addClient({ roles: ['kafka-admin'], groups: ['/platform'] })
    const before = await verify(issuer, (await fetchTokenOktaStyle(client)).access_token)
    assert.deepEqual(before.realm_access, { roles: ['kafka-admin'] })
    assert.deepEqual(before.groups, ['/platform'])

    // When
    issuer.updateClient(client.clientId, {
      roles: ['kafka-reader'],
      claims: { groups: undefined, tenant: 'acme' },
    })

    // Then
    const afterUpdate = await verify(issuer, (await fetchTokenOktaStyle(client)).access_token)
    assert.deepEqual(afterUpdate.realm_access, { roles: ['kafka-reader'] })
    assert.equal(afterUpdate.groups, undefined)
    assert.equal(afterUpdate.tenant, 'acme')
  })

  it('answers a request for an issuer it did not start with a TypeError', async () => {
    const oktaOnly = await startTestOidcProvider({ flavours: ['okta'] })
    try {
      assert.throws(() => oktaOnly.issuers.keycloak, TypeError)
      assert.deepEqual(
        oktaOnly.startedIssuers.map((issuer) => issuer.flavour),
        ['okta'],
      )
    } finally {
      await oktaOnly.close()
    }
  })

  it('refuses client options a flavour has no claim for', async () => {
    await assert.rejects(
      startTestOidcProvider({ flavours: ['okta'], okta: { clients: [{ roles: ['admin'] }] } }),
      TypeError,
    )
    assert.throws(() => oidc.issuers.entraV1.addClient({ scopes: ['Kafka.Produce'] }), TypeError)
  })
})

describe('test OIDC provider lifetimes and caching headers', () => {
  it('uses the configured token lifetime, per issuer and per client, and the JWKS max-age', async () => {
    // Given
    const oidc = await startTestOidcProvider({
      flavours: ['okta'],
      accessTokenTtlSeconds: 120,
      jwksMaxAgeSeconds: 300,
      okta: { clients: [{ clientId: 'long' }, { clientId: 'short', accessTokenTtlSeconds: 5 }] },
    })
    try {
      const issuer = oidc.issuers.okta

      // When
      const long = await fetchTokenOktaStyle(issuer.client('long'))
      const short = await fetchTokenOktaStyle(issuer.client('short'))
      const jwks = await fetch(issuer.jwksUri)

      // Then
      assert.equal(long.expires_in, 120)
      assertLifetime(await verify(issuer, long.access_token), 120)
      assert.equal(short.expires_in, 5)
      assertLifetime(await verify(issuer, short.access_token), 5)
      assert.equal(jwks.headers.get('cache-control'), 'max-age=300')
    } finally {
      await oidc.close()
    }
  })
})

describe('test OIDC provider signing keys', () => {
  let oidc: TestOidcProvider
  let issuer: TestOidcIssuer

  before(async () => {
    oidc = await startTestOidcProvider({ flavours: ['entraV2'] })
    issuer = oidc.issuers.entraV2
  })

  after(() => oidc.close())

  it('rotates to a new kid, keeps the old key published, and a verifier that refetches accepts the new tokens', async () => {
    // Given a verifier that has cached the JWKS
    const jwks = createRemoteJWKSet(new URL(issuer.jwksUri), { cooldownDuration: 0 })
    const verifyCached = (token: string) => jwtVerify(token, jwks, { issuer: issuer.issuer })
    const oldKid = issuer.signingKid
    const oldToken = (await fetchTokenEntraStyle(issuer.client())).access_token
    await verifyCached(oldToken)
    const fetchesBefore = issuer.jwksFetchCount

    // When
    const newKid = await issuer.rotateSigningKey()
    const newToken = (await fetchTokenEntraStyle(issuer.client())).access_token

    // Then
    assert.notEqual(newKid, oldKid)
    assert.equal(decodeProtectedHeader(newToken).kid, newKid)
    assert.deepEqual(issuer.publishedKids, [newKid, oldKid])
    await verifyCached(newToken)
    assert.equal(issuer.jwksFetchCount, fetchesBefore + 1, 'the unknown kid made the verifier refetch once')
    await verifyCached(oldToken)
  })

  it('retires the previous keys when asked, so their tokens no longer verify', async () => {
    // Given
    const oldToken = (await fetchTokenEntraStyle(issuer.client())).access_token

    // When
    const newKid = await issuer.rotateSigningKey({ retirePrevious: true })

    // Then
    assert.deepEqual(issuer.publishedKids, [newKid])
    await assert.rejects(verify(issuer, oldToken), joseErrors.JWKSNoMatchingKey)
    await verify(issuer, (await fetchTokenEntraStyle(issuer.client())).access_token)
  })

  it('signs with a key kept out of the JWKS until it is published', async () => {
    // Given
    const publishedKid = issuer.signingKid

    // When
    const hiddenKid = await issuer.signWithUnpublishedKey()
    const token = (await fetchTokenEntraStyle(issuer.client())).access_token

    // Then
    assert.equal(decodeProtectedHeader(token).kid, hiddenKid)
    assert.deepEqual(issuer.publishedKids, [publishedKid])
    await assert.rejects(verify(issuer, token), joseErrors.JWKSNoMatchingKey)

    issuer.publishSigningKey()
    assert.deepEqual(issuer.publishedKids, [hiddenKid, publishedKid])
    await verify(issuer, token)
  })
})
