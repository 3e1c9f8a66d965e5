import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { CompactEncrypt, SignJWT } from 'jose'
import {
  TokenVerifier,
  tokenRejectionError,
  type OidcProvider,
  type TokenRejectionReason,
  type TokenVerification,
} from '../../../src/authn/index.ts'
import { GatewayError } from '../../../src/core/index.ts'
import {
  base64urlJson,
  generateTestKey,
  jwksOf,
  signByHand,
  signToken,
  TestHttpServer,
  type TestKey,
} from './oidc-fixtures.ts'

const NOW_SECONDS = Date.UTC(2026, 0, 1) / 1000
const ISSUER = 'https://idp.example.com/tenant-1'
const rsaKey = generateTestKey('RS256', 'rsa-1')
const psKey = generateTestKey('PS256', 'ps-1')
const ecKey = generateTestKey('ES256', 'ec-1')
const edKey = generateTestKey('EdDSA', 'ed-1')
/** Not published in the provider's JWKS: an attacker's key. */
const strangerKey = generateTestKey('RS256', 'rsa-1')

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: ISSUER, sub: 'workload-1', iat: NOW_SECONDS - 10, exp: NOW_SECONDS + 3600, ...overrides }
}

function rejectionOf(result: TokenVerification): { reason: TokenRejectionReason; detail: string } {
  assert.equal(result.isValid, false, 'the token should have been refused')
  if (result.isValid) throw new Error('unreachable')
  return result.rejection
}

describe('OIDC token verifier', () => {
  let server: TestHttpServer
  let provider: OidcProvider
  let clock: { now: number }
  let lookups: string[]

  before(async () => {
    server = await TestHttpServer.start()
    server.json('/jwks', jwksOf(rsaKey, psKey, ecKey, edKey))
  })
  after(() => server.close())

  let verifierCount = 0
  /** Hits on the JWKS of the provider of the latest verifier. */
  const jwksHits = () => server.hits(new URL(provider.jwksUri).pathname)

  /** A verifier whose provider has, unless overridden, its own JWKS path with the four test keys. */
  function verifierWith(
    providerOverrides: Partial<OidcProvider> = {},
    options: { clockSkewSeconds?: number } = {},
  ) {
    const ownJwksPath = `/jwks-of-verifier-${++verifierCount}`
    server.json(ownJwksPath, jwksOf(rsaKey, psKey, ecKey, edKey))
    provider = { id: 'op-1', issuer: ISSUER, jwksUri: server.url(ownJwksPath), ...providerOverrides }
    clock = { now: NOW_SECONDS * 1000 }
    lookups = []
    return new TokenVerifier({
      findProviderByIssuer: (issuer) => {
        lookups.push(issuer)
        return issuer === provider.issuer ? provider : undefined
      },
      fetchLimits: { allowInsecureLoopback: true, totalTimeoutMs: 1_000 },
      now: () => clock.now,
      ...options,
    })
  }

  describe('accepts', () => {
    for (const key of [rsaKey, psKey, ecKey, edKey]) {
      it(`a token signed with ${key.alg} by a key of the provider's JWKS`, async () => {
        // Given
        const verifier = verifierWith()
        const token = await signToken(key, claims())
        // When
        const result = await verifier.verify(token)
        // Then
        assert.equal(result.isValid, true, JSON.stringify(!result.isValid && result.rejection))
        if (!result.isValid) return
        assert.equal(result.token.providerId, 'op-1')
        assert.equal(result.token.header.alg, key.alg)
        assert.equal(result.token.keyId, key.kid)
        assert.equal(result.token.claims.sub, 'workload-1')
        assert.equal(result.token.expiresAt.getTime(), (NOW_SECONDS + 3600) * 1000)
        assert.ok(Object.isFrozen(result.token.claims))
      })
    }

    it('a token whose aud string is the provider audience', async () => {
      const verifier = verifierWith({ audience: 'gatehouse' })
      const result = await verifier.verify(await signToken(rsaKey, claims({ aud: 'gatehouse' })))
      assert.equal(result.isValid, true)
    })

    it('a token whose aud array contains the provider audience', async () => {
      const verifier = verifierWith({ audience: 'gatehouse' })
      const result = await verifier.verify(
        await signToken(ecKey, claims({ aud: ['other-api', 'gatehouse'] })),
      )
      assert.equal(result.isValid, true)
    })

    it('a token just past exp, or with nbf and iat just ahead, within the clock skew', async () => {
      const verifier = verifierWith()
      const token = await signToken(
        rsaKey,
        claims({ exp: NOW_SECONDS - 59, nbf: NOW_SECONDS + 59, iat: NOW_SECONDS + 59 }),
      )
      assert.equal((await verifier.verify(token)).isValid, true)
    })
  })

  describe('refuses', () => {
    it('an unsigned token (alg none)', async () => {
      const verifier = verifierWith()
      const token = `${base64urlJson({ alg: 'none', kid: 'rsa-1' })}.${base64urlJson(claims())}.`
      assert.equal(rejectionOf(await verifier.verify(token)).reason, 'alg_none')
      const withSignature = `${base64urlJson({ alg: 'None' })}.${base64urlJson(claims())}.c2ln`
      assert.equal(rejectionOf(await verifier.verify(withSignature)).reason, 'alg_none')
      assert.equal(jwksHits(), 0, 'refused before any key was looked up')
    })

    it('HS256 signed with the provider’s public key as the HMAC secret', async () => {
      // Given: the classic algorithm-confusion forgery, keyed with every public form of the key
      const verifier = verifierWith()
      const secrets = [
        rsaKey.publicKey.export({ format: 'pem', type: 'spki' }),
        rsaKey.publicKey.export({ format: 'der', type: 'spki' }),
        JSON.stringify(rsaKey.jwk),
      ]
      for (const secret of secrets) {
        const signingInput = `${base64urlJson({ alg: 'HS256', kid: 'rsa-1', typ: 'JWT' })}.${base64urlJson(claims())}`
        const signature = createHmac('sha256', secret).update(signingInput).digest('base64url')
        // When
        const result = await verifier.verify(`${signingInput}.${signature}`)
        // Then
        assert.equal(rejectionOf(result).reason, 'alg_symmetric')
      }
      // And jose itself would refuse the same forgery with a key we selected: belt and braces
      const hs512 = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS512' })
        .sign(new TextEncoder().encode('x'.repeat(64)))
      assert.equal(rejectionOf(await verifier.verify(hs512)).reason, 'alg_symmetric')
    })

    it('an algorithm outside the asymmetric list', async () => {
      const verifier = verifierWith()
      const token = `${base64urlJson({ alg: 'RS1', kid: 'rsa-1' })}.${base64urlJson(claims())}.c2ln`
      assert.equal(rejectionOf(await verifier.verify(token)).reason, 'alg_not_accepted')
    })

    it('a token signed by a key that is not the provider’s, even with a known kid', async () => {
      const verifier = verifierWith()
      const token = await signToken(strangerKey, claims())
      const rejection = rejectionOf(await verifier.verify(token))
      assert.equal(rejection.reason, 'bad_signature')
      assert.match(rejection.detail, /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/)
    })

    it('a token whose payload was altered after signing', async () => {
      const verifier = verifierWith()
      const [header, , signature] = (await signToken(rsaKey, claims())).split('.')
      const forged = `${header}.${base64urlJson(claims({ sub: 'admin' }))}.${signature}`
      assert.equal(rejectionOf(await verifier.verify(forged)).reason, 'bad_signature')
    })

    it('an unknown kid, after one refetch, and without refetching again during the cooldown', async () => {
      // Given: a verifier that has fetched the JWKS once
      const verifier = verifierWith({ jwksUri: server.url('/jwks-unknown-kid') })
      server.json('/jwks-unknown-kid', jwksOf(rsaKey))
      assert.equal((await verifier.verify(await signToken(rsaKey, claims()))).isValid, true)
      assert.equal(server.hits('/jwks-unknown-kid'), 1)
      clock.now += 30_000
      // When: many tokens with kids the provider never published
      const unknownKidKey = generateTestKey('RS256', 'rsa-unknown')
      const results = []
      for (let i = 0; i < 20; i++) {
        results.push(await verifier.verify(await signToken(unknownKidKey, claims({ jti: `t-${i}` }))))
      }
      // Then: one refetch, then none
      for (const result of results) assert.equal(rejectionOf(result).reason, 'unknown_kid')
      assert.equal(server.hits('/jwks-unknown-kid'), 2)
    })

    it('an expired token', async () => {
      const verifier = verifierWith()
      const token = await signToken(rsaKey, claims({ exp: NOW_SECONDS - 60 }))
      const result = await verifier.verify(token)
      assert.equal(rejectionOf(result).reason, 'expired')
      assert.equal(
        !result.isValid && result.rejection.clientMessage,
        'Authentication failed: the bearer token has expired.',
      )
    })

    it('a token without exp', async () => {
      const verifier = verifierWith()
      const { exp: _exp, ...withoutExp } = claims()
      assert.equal(
        rejectionOf(await verifier.verify(await signToken(rsaKey, withoutExp))).reason,
        'missing_expiry',
      )
    })

    it('time claims that are not numbers', async () => {
      const verifier = verifierWith()
      for (const bad of [{ exp: String(NOW_SECONDS + 3600) }, { nbf: 'yesterday' }, { iat: null }]) {
        const token = await signToken(rsaKey, claims(bad))
        assert.equal(
          rejectionOf(await verifier.verify(token)).reason,
          'invalid_time_claim',
          JSON.stringify(bad),
        )
      }
    })

    it('a token that is not valid yet (nbf beyond the skew)', async () => {
      const verifier = verifierWith()
      const token = await signToken(rsaKey, claims({ nbf: NOW_SECONDS + 61 }))
      assert.equal(rejectionOf(await verifier.verify(token)).reason, 'not_yet_valid')
    })

    it('a token issued in the future (iat beyond the skew)', async () => {
      const verifier = verifierWith()
      const token = await signToken(rsaKey, claims({ iat: NOW_SECONDS + 61 }))
      assert.equal(rejectionOf(await verifier.verify(token)).reason, 'issued_in_future')
    })

    it('uses the configured clock skew', async () => {
      const verifier = verifierWith({}, { clockSkewSeconds: 0 })
      const token = await signToken(rsaKey, claims({ exp: NOW_SECONDS }))
      assert.equal(rejectionOf(await verifier.verify(token)).reason, 'expired')
      assert.throws(() => verifierWith({}, { clockSkewSeconds: 301 }), TypeError)
    })

    it('a token from an issuer that is not registered, or differs in any character', async () => {
      const verifier = verifierWith()
      for (const iss of ['https://evil.example.com', `${ISSUER}/`, ISSUER.toUpperCase()]) {
        const token = await signToken(rsaKey, claims({ iss }))
        assert.equal(rejectionOf(await verifier.verify(token)).reason, 'unknown_issuer', iss)
      }
      assert.equal(jwksHits(), 0, 'no keys fetched for an unknown issuer')
    })

    it('a token without iss', async () => {
      const verifier = verifierWith()
      const { iss: _iss, ...withoutIss } = claims()
      assert.equal(
        rejectionOf(await verifier.verify(await signToken(rsaKey, withoutIss))).reason,
        'missing_issuer',
      )
    })

    it('a lookup that normalises issuers does not make a different issuer acceptable', async () => {
      const verifier = new TokenVerifier({
        findProviderByIssuer: () => ({ id: 'op-1', issuer: ISSUER, jwksUri: server.url('/jwks') }),
        fetchLimits: { allowInsecureLoopback: true },
        now: () => NOW_SECONDS * 1000,
      })
      const token = await signToken(rsaKey, claims({ iss: `${ISSUER}/` }))
      assert.equal(rejectionOf(await verifier.verify(token)).reason, 'unknown_issuer')
    })

    it('a wrong audience, as a string, an array or absent', async () => {
      const verifier = verifierWith({ audience: 'gatehouse' })
      for (const aud of ['other-api', ['other-api', 'gatehouse2'], undefined, 42]) {
        const token = await signToken(rsaKey, claims({ aud }))
        assert.equal(
          rejectionOf(await verifier.verify(token)).reason,
          'audience_mismatch',
          JSON.stringify(aud),
        )
      }
    })

    it('a token over 8 KiB, before any decoding', async () => {
      const verifier = verifierWith()
      const token = await signToken(rsaKey, claims({ padding: 'x'.repeat(8 * 1024) }))
      assert.ok(token.length > 8 * 1024)
      assert.equal(rejectionOf(await verifier.verify(token)).reason, 'too_large')
      assert.deepEqual(lookups, [])
    })

    it('broken base64url and broken JSON', async () => {
      const verifier = verifierWith()
      const good = await signToken(rsaKey, claims())
      const [header = '', payload = '', signature = ''] = good.split('.')
      const cases = [
        `${header}!.${payload}.${signature}`, // a character outside base64url
        `${header}.${payload.slice(0, -1)}*.${signature}`,
        `${header}.${payload}.${signature}=`, // padding is not base64url
        `${header.replace(/.$/, '_')}.${payload}.${signature}`, // non-canonical trailing bits or bad JSON
        `${Buffer.from('{"alg":"RS256"').toString('base64url')}.${payload}.${signature}`, // truncated JSON
        `${base64urlJson(['RS256'])}.${payload}.${signature}`, // JSON, but not an object
        `${header}.${Buffer.from('not json').toString('base64url')}.${signature}`,
        `${header}.${payload}.`, // no signature
        `${header}.${payload}`, // two parts
        '',
      ]
      for (const token of cases) {
        assert.equal(rejectionOf(await verifier.verify(token)).reason, 'malformed', token.slice(0, 40))
      }
    })

    it('an encrypted token (JWE, five parts), without trying to decrypt it', async () => {
      const verifier = verifierWith()
      const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims())))
        .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'rsa-1' })
        .encrypt(rsaKey.publicKey)
      assert.equal(jwe.split('.').length, 5)
      assert.equal(rejectionOf(await verifier.verify(jwe)).reason, 'encrypted_token')
    })

    it('a crit header, even one naming a registered parameter, with a valid signature', async () => {
      const verifier = verifierWith()
      for (const crit of [['exp'], ['b64'], []]) {
        const token = signByHand(
          rsaKey,
          { alg: 'RS256', kid: 'rsa-1', crit, exp: NOW_SECONDS + 60 },
          claims(),
        )
        assert.equal(rejectionOf(await verifier.verify(token)).reason, 'crit_header', JSON.stringify(crit))
      }
    })

    it('a kid that is not a string, or longer than 256 characters', async () => {
      const verifier = verifierWith()
      for (const kid of [7, ['rsa-1'], 'k'.repeat(257)]) {
        const token = signByHand(rsaKey, { alg: 'RS256', kid }, claims())
        assert.equal(rejectionOf(await verifier.verify(token)).reason, 'malformed', String(kid).slice(0, 20))
      }
    })
  })

  describe('key-carrying headers (jku, x5u, jwk, x5c)', () => {
    it('never fetches them and verifies only against the provider’s JWKS', async () => {
      // Given: an attacker's key, offered through every header that can carry or point to a key
      const verifier = verifierWith()
      const attacker: TestKey = generateTestKey('RS256', 'attacker')
      server.json('/attacker/jwks', jwksOf(attacker))
      server.json('/attacker/cert', '{}')
      const hostileHeaders = {
        jku: server.url('/attacker/jwks'),
        x5u: server.url('/attacker/cert'),
        jwk: attacker.jwk,
        x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'],
      }
      // When: signed by the attacker with a kid the provider does not have
      const forged = await signToken(attacker, claims(), hostileHeaders)
      const forgedWithKnownKid = await signToken(attacker, claims(), { ...hostileHeaders, kid: 'rsa-1' })
      // And a genuine token that carries the same headers
      const genuine = await signToken(rsaKey, claims(), hostileHeaders)
      // Then
      assert.equal(rejectionOf(await verifier.verify(forged)).reason, 'unknown_kid')
      assert.equal(rejectionOf(await verifier.verify(forgedWithKnownKid)).reason, 'bad_signature')
      const result = await verifier.verify(genuine)
      assert.equal(result.isValid, true)
      assert.equal(result.isValid && result.token.keyId, 'rsa-1')
      assert.equal(server.hits('/attacker/jwks'), 0)
      assert.equal(server.hits('/attacker/cert'), 0)
      assert.equal(
        jwksHits(),
        1,
        'only the provider JWKS, fetched once: the unknown kid came with the first fetch',
      )
    })
  })

  describe('JWKS availability', () => {
    it('keeps verifying with cached keys when the JWKS endpoint is down after a first fetch', async () => {
      // Given
      const verifier = verifierWith({ jwksUri: server.url('/jwks-flaky') })
      server.json('/jwks-flaky', jwksOf(rsaKey))
      assert.equal((await verifier.verify(await signToken(rsaKey, claims({ jti: 'a' })))).isValid, true)
      // When: the endpoint fails and the keys' max-age has run out
      server.route('/jwks-flaky', (request) => request.socket.destroy())
      clock.now += 25 * 3600 * 1000
      const token = await signToken(
        rsaKey,
        claims({ jti: 'b', iat: clock.now / 1000, exp: clock.now / 1000 + 60 }),
      )
      const result = await verifier.verify(token)
      // Then
      assert.equal(result.isValid, true, JSON.stringify(!result.isValid && result.rejection))
      assert.equal(server.hits('/jwks-flaky'), 2)
      assert.equal(verifier.jwksStatus(provider).lastFetch, 'error')
      assert.equal(verifier.jwksStatus(provider).error?.reason, 'network')
    })

    it('fetches the JWKS once for many tokens arriving together on a cold start', async () => {
      // Given
      const verifier = verifierWith()
      const tokens = await Promise.all(
        Array.from({ length: 20 }, (_, i) => signToken([rsaKey, ecKey][i % 2]!, claims({ jti: `c-${i}` }))),
      )
      // When
      const results = await Promise.all(tokens.map((token) => verifier.verify(token)))
      // Then
      assert.ok(results.every((result) => result.isValid))
      assert.equal(jwksHits(), 1)
    })

    it('refuses tokens with jwks_unavailable while no key could ever be fetched', async () => {
      const verifier = verifierWith({ jwksUri: server.url('/jwks-missing') })
      const rejection = rejectionOf(await verifier.verify(await signToken(rsaKey, claims())))
      assert.equal(rejection.reason, 'jwks_unavailable')
    })

    it('refuses https-less JWKS URIs of non-loopback hosts without fetching', async () => {
      const verifier = verifierWith({ jwksUri: 'http://idp.example.com/jwks' })
      assert.equal(
        rejectionOf(await verifier.verify(await signToken(rsaKey, claims()))).reason,
        'jwks_unavailable',
      )
      assert.equal(verifier.jwksStatus(provider).error?.reason, 'invalid_url')
    })
  })

  describe('verified-token cache', () => {
    it('answers a repeated token from the cache, until exp', async () => {
      // Given
      const verifier = verifierWith({ jwksUri: server.url('/jwks-cached') })
      server.json('/jwks-cached', jwksOf(rsaKey))
      const token = await signToken(rsaKey, claims({ exp: NOW_SECONDS + 120 }))
      assert.equal((await verifier.verify(token)).isValid, true)
      assert.equal(lookups.length, 1)
      // When / Then: cached, no lookup
      assert.equal((await verifier.verify(token)).isValid, true)
      assert.equal(lookups.length, 1)
      // After exp (and the skew), verified again and refused
      clock.now = (NOW_SECONDS + 180) * 1000
      assert.equal(rejectionOf(await verifier.verify(token)).reason, 'expired')
      assert.equal(lookups.length, 2)
    })

    it('verifies every time when the cache is off (maxCachedTokens 0)', async () => {
      const lookedUp: string[] = []
      const verifier = new TokenVerifier({
        findProviderByIssuer: (issuer) => {
          lookedUp.push(issuer)
          return { id: 'op-1', issuer: ISSUER, jwksUri: server.url('/jwks') }
        },
        fetchLimits: { allowInsecureLoopback: true },
        maxCachedTokens: 0,
        now: () => NOW_SECONDS * 1000,
      })
      const token = await signToken(rsaKey, claims())
      assert.equal((await verifier.verify(token)).isValid, true)
      assert.equal((await verifier.verify(token)).isValid, true)
      assert.equal(lookedUp.length, 2)
    })

    it('revokes a provider’s tokens at once when the provider is forgotten', async () => {
      // Given
      const verifier = verifierWith()
      const token = await signToken(rsaKey, claims())
      assert.equal((await verifier.verify(token)).isValid, true)
      // When: the provider is deleted
      verifier.forgetProvider('op-1')
      provider = { ...provider, issuer: 'https://deleted.example.com' }
      // Then
      assert.equal(rejectionOf(await verifier.verify(token)).reason, 'unknown_issuer')
    })

    it('drops cached tokens on a forced JWKS refresh, so a removed key stops working at once', async () => {
      // Given
      const verifier = verifierWith({ jwksUri: server.url('/jwks-rotating') })
      server.json('/jwks-rotating', jwksOf(rsaKey, ecKey))
      const token = await signToken(rsaKey, claims())
      assert.equal((await verifier.verify(token)).isValid, true)
      // When: the provider removes the key and an administrator refreshes
      server.json('/jwks-rotating', jwksOf(ecKey))
      const status = await verifier.refreshJwks(provider)
      // Then
      assert.equal(status.lastFetch, 'ok')
      assert.equal(status.keyCount, 1)
      assert.equal(rejectionOf(await verifier.verify(token)).reason, 'unknown_kid')
    })
  })

  describe('errors for the HTTP layer', () => {
    it('maps a rejection to GW_AUTHN_FAILED (401/40101) without the token in message or cause', async () => {
      const verifier = verifierWith()
      const token = await signToken(rsaKey, claims({ exp: NOW_SECONDS - 3600 }))
      const result = await verifier.verify(token)
      assert.equal(result.isValid, false)
      if (result.isValid) return
      const error = tokenRejectionError(result.rejection)
      assert.ok(error instanceof GatewayError)
      assert.equal(error.code, 'GW_AUTHN_FAILED')
      assert.equal(error.status, 401)
      assert.equal(error.definition.errorCode, 40101)
      assert.equal(error.message, 'Authentication failed: the bearer token has expired.')
      const everything = JSON.stringify({ message: error.message, cause: error.cause })
      for (const part of token.split('.')) assert.ok(!everything.includes(part))
    })

    it('lets a failing provider lookup through, so the caller can answer "unavailable"', async () => {
      const outage = new Error('store down')
      const verifier = new TokenVerifier({
        findProviderByIssuer: async () => {
          throw outage
        },
        now: () => NOW_SECONDS * 1000,
      })
      await assert.rejects(verifier.verify(await signToken(rsaKey, claims())), (error) => error === outage)
    })
  })
})
