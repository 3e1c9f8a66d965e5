import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { after, before, describe, it } from 'node:test'
import {
  DEFAULT_JWKS_MAX_AGE_MS,
  JwksCache,
  jwksMaxAgeMs,
  MAX_JWKS_MAX_AGE_MS,
  MIN_JWKS_MAX_AGE_MS,
} from '../../../src/authn/index.ts'
import { generateTestKey, jwksOf, TestHttpServer } from './oidc-fixtures.ts'

const T0 = Date.UTC(2026, 0, 1)
const rsaKey = generateTestKey('RS256', 'rsa-1')
const rotatedKey = generateTestKey('RS256', 'rsa-2')
const ecKey = generateTestKey('ES256', 'ec-1')

describe('JWKS cache', () => {
  let server: TestHttpServer
  let pathCounter = 0
  /** Each test gets its own path, so hit counts never mix. */
  const freshPath = () => `/jwks-${++pathCounter}`

  before(async () => {
    server = await TestHttpServer.start()
  })
  after(() => server.close())

  function cacheFor(path: string, clock: { now: number }, cooldownMs = 30_000) {
    return new JwksCache({
      jwksUri: server.url(path),
      fetchLimits: { allowInsecureLoopback: true, totalTimeoutMs: 1_000 },
      cooldownMs,
      now: () => clock.now,
    })
  }

  describe('max-age', () => {
    it('reads max-age from Cache-Control and clamps it to [5 min, 7 days], 24 h when absent', () => {
      assert.equal(jwksMaxAgeMs(undefined), DEFAULT_JWKS_MAX_AGE_MS)
      assert.equal(jwksMaxAgeMs('public'), DEFAULT_JWKS_MAX_AGE_MS)
      assert.equal(jwksMaxAgeMs('public, max-age=3600'), 3_600_000)
      assert.equal(jwksMaxAgeMs('Max-Age="3600"'), 3_600_000)
      assert.equal(jwksMaxAgeMs('max-age=10'), MIN_JWKS_MAX_AGE_MS)
      assert.equal(jwksMaxAgeMs('max-age=0'), MIN_JWKS_MAX_AGE_MS)
      assert.equal(jwksMaxAgeMs('no-store'), MIN_JWKS_MAX_AGE_MS)
      assert.equal(jwksMaxAgeMs('max-age=99999999'), MAX_JWKS_MAX_AGE_MS)
      assert.equal(jwksMaxAgeMs('max-age=-5'), DEFAULT_JWKS_MAX_AGE_MS)
      assert.equal(MIN_JWKS_MAX_AGE_MS, 300_000)
      assert.equal(MAX_JWKS_MAX_AGE_MS, 604_800_000)
      assert.equal(DEFAULT_JWKS_MAX_AGE_MS, 86_400_000)
    })

    it('keeps keys until the clamped max-age, then fetches again (injected clock)', async () => {
      // Given: a JWKS served with max-age=10 s, below the 5 min floor
      const path = freshPath()
      server.json(path, jwksOf(rsaKey), { 'cache-control': 'max-age=10' })
      const clock = { now: T0 }
      const jwks = cacheFor(path, clock)
      // When
      assert.equal((await jwks.selectKey('RS256', 'rsa-1')).found, true)
      // Then
      assert.equal(jwks.status().expiresAt?.getTime(), T0 + MIN_JWKS_MAX_AGE_MS)
      clock.now = T0 + 60_000
      await jwks.selectKey('RS256', 'rsa-1')
      assert.equal(server.hits(path), 1, 'max-age=10 must not cause a fetch after a minute')
      clock.now = T0 + MIN_JWKS_MAX_AGE_MS
      await jwks.selectKey('RS256', 'rsa-1')
      assert.equal(server.hits(path), 2)
    })

    it('caps a very long max-age at 7 days', async () => {
      const path = freshPath()
      server.json(path, jwksOf(rsaKey), { 'cache-control': 'max-age=31536000' })
      const clock = { now: T0 }
      const jwks = cacheFor(path, clock)
      await jwks.refresh()
      assert.equal(jwks.status().expiresAt?.getTime(), T0 + MAX_JWKS_MAX_AGE_MS)
    })

    it('keeps keys for 24 h when the response has no max-age', async () => {
      const path = freshPath()
      server.json(path, jwksOf(rsaKey))
      const clock = { now: T0 }
      const jwks = cacheFor(path, clock)
      await jwks.refresh()
      assert.equal(jwks.status().expiresAt?.getTime(), T0 + DEFAULT_JWKS_MAX_AGE_MS)
    })
  })

  describe('unknown kid', () => {
    it('refetches once for an unknown kid, then not again during the cooldown', async () => {
      // Given: keys fetched once
      const path = freshPath()
      server.json(path, jwksOf(rsaKey))
      const clock = { now: T0 }
      const jwks = cacheFor(path, clock)
      await jwks.selectKey('RS256', 'rsa-1')
      assert.equal(server.hits(path), 1)
      // When: a flood of made-up kids, right after the cooldown
      clock.now = T0 + 30_000
      const selections = await Promise.all(
        Array.from({ length: 50 }, (_, i) => jwks.selectKey('RS256', `made-up-${i}`)),
      )
      for (let i = 0; i < 50; i++) await jwks.selectKey('RS256', `made-up-again-${i}`)
      // Then: one refetch in all
      assert.ok(selections.every((selection) => !selection.found && selection.reason === 'unknown_kid'))
      assert.equal(server.hits(path), 2)
      // And after the cooldown, one more is allowed
      clock.now = T0 + 60_000
      await jwks.selectKey('RS256', 'made-up-later')
      assert.equal(server.hits(path), 3)
    })

    it('finds a rotated key through the refetch', async () => {
      // Given
      const path = freshPath()
      server.json(path, jwksOf(rsaKey))
      const clock = { now: T0 }
      const jwks = cacheFor(path, clock)
      await jwks.selectKey('RS256', 'rsa-1')
      // When: the provider rotates, and a token with the new kid arrives after the cooldown
      server.json(path, jwksOf(rotatedKey))
      clock.now = T0 + 31_000
      const selection = await jwks.selectKey('RS256', 'rsa-2')
      // Then
      assert.equal(selection.found, true)
      assert.equal(selection.found && selection.kid, 'rsa-2')
      assert.equal(server.hits(path), 2)
    })

    it('does not refetch for a kid that arrives within the cooldown of the first fetch', async () => {
      const path = freshPath()
      server.json(path, jwksOf(rsaKey))
      const clock = { now: T0 }
      const jwks = cacheFor(path, clock)
      await jwks.selectKey('RS256', 'rsa-1')
      clock.now = T0 + 29_999
      const selection = await jwks.selectKey('RS256', 'rsa-unknown')
      assert.deepEqual(selection, { found: false, reason: 'unknown_kid' })
      assert.equal(server.hits(path), 1)
    })
  })

  describe('failures keep the cached keys', () => {
    it('keeps verifying with cached keys when the endpoint goes down, and retries at most once per cooldown', async () => {
      // Given: keys fetched, and max-age long past
      const path = freshPath()
      server.json(path, jwksOf(rsaKey))
      const clock = { now: T0 }
      const jwks = cacheFor(path, clock)
      await jwks.refresh()
      server.route(path, (_request, response) => {
        response.writeHead(503)
        response.end()
      })
      clock.now = T0 + DEFAULT_JWKS_MAX_AGE_MS + 1
      // When
      const first = await jwks.selectKey('RS256', 'rsa-1')
      const second = await jwks.selectKey('RS256', 'rsa-1')
      // Then
      assert.equal(first.found, true)
      assert.equal(second.found, true)
      assert.equal(server.hits(path), 2, 'one failed retry, then the cooldown')
      const status = jwks.status()
      assert.equal(status.lastFetch, 'error')
      assert.equal(status.error?.reason, 'http_status')
      assert.equal(status.keyCount, 1)
      assert.equal(status.fetchedAt?.getTime(), T0)
    })

    for (const [name, body] of [
      ['garbage', 'this is not json'],
      ['a JSON array', '[]'],
      ['an object without keys', '{"kids":[]}'],
      ['only symmetric keys', JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }] })],
    ] as const) {
      it(`keeps the cached keys when a refresh returns ${name}`, async () => {
        const path = freshPath()
        server.json(path, jwksOf(rsaKey))
        const jwks = cacheFor(path, { now: T0 })
        assert.equal((await jwks.refresh()).lastFetch, 'ok')
        server.json(path, body)
        const status = await jwks.refresh()
        assert.equal(status.lastFetch, 'error')
        assert.ok(status.error?.message)
        assert.equal(status.keyCount, 1)
        assert.equal((await jwks.selectKey('RS256', 'rsa-1')).found, true)
      })
    }

    const hostileResponses: [string, string, (response: ServerResponse) => void][] = [
      [
        'a redirect',
        'redirect',
        (response) => {
          response.writeHead(307, { location: '/elsewhere' })
          response.end()
        },
      ],
      [
        'a huge body',
        'too_large',
        (response) => {
          response.writeHead(200, { 'content-type': 'application/json' })
          response.end(JSON.stringify({ keys: [rsaKey.jwk], padding: 'x'.repeat(300 * 1024) }))
        },
      ],
      [
        'a body that never ends',
        'timeout',
        (response) => {
          response.writeHead(200, { 'content-type': 'application/json' })
          response.write('{"keys":[')
        },
      ],
    ]
    for (const [name, reason, respond] of hostileResponses) {
      it(`reports ${reason} and keeps the cached keys when the JWKS endpoint sends ${name}`, async () => {
        // Given
        const path = freshPath()
        server.json(path, jwksOf(rsaKey))
        const jwks = cacheFor(path, { now: T0 })
        await jwks.refresh()
        // When
        server.route(path, (_request, response) => respond(response))
        const status = await jwks.refresh()
        // Then
        assert.equal(status.lastFetch, 'error')
        assert.equal(status.error?.reason, reason)
        assert.equal(server.hits('/elsewhere'), 0)
        assert.equal((await jwks.selectKey('RS256', 'rsa-1')).found, true)
      })
    }

    it('reports no_keys when the very first fetch fails', async () => {
      const path = freshPath()
      server.route(path, (_request, response) => {
        response.writeHead(404)
        response.end()
      })
      const jwks = cacheFor(path, { now: T0 })
      assert.deepEqual(await jwks.selectKey('RS256', 'rsa-1'), { found: false, reason: 'no_keys' })
      assert.equal(jwks.status().lastFetch, 'error')
    })
  })

  describe('key selection', () => {
    it('keeps only asymmetric signing keys, and counts the ones it ignores', async () => {
      // Given
      const path = freshPath()
      server.json(
        path,
        JSON.stringify({
          keys: [
            rsaKey.jwk,
            ecKey.jwk,
            { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac', alg: 'HS256' },
            { ...rotatedKey.jwk, use: 'enc' },
            { kty: 'RSA', kid: 'broken', n: 'AQAB' },
            { ...generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }), kid: 'agreement' },
            {
              ...generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }),
              kid: 'weak-rsa',
            },
          ],
        }),
      )
      const jwks = cacheFor(path, { now: T0 })
      // When
      const status = await jwks.refresh()
      // Then
      assert.equal(status.lastFetch, 'ok')
      assert.equal(status.keyCount, 2)
      assert.equal(status.ignoredKeyCount, 5)
      assert.deepEqual(
        jwks.keys().map((key) => key.kid),
        ['rsa-1', 'ec-1'],
      )
      assert.deepEqual(await jwks.selectKey('HS256', 'hmac'), { found: false, reason: 'unknown_kid' })
    })

    it('matches the key type to the algorithm', async () => {
      const path = freshPath()
      server.json(path, jwksOf(rsaKey, ecKey))
      const jwks = cacheFor(path, { now: T0 })
      assert.equal((await jwks.selectKey('ES256', 'ec-1')).found, true)
      assert.equal((await jwks.selectKey('ES256', 'rsa-1')).found, false)
      assert.equal((await jwks.selectKey('ES384', 'ec-1')).found, false, 'P-256 key for ES384')
    })

    it('uses the only fitting key for a token without kid, and refuses when several fit', async () => {
      const path = freshPath()
      server.json(path, jwksOf(rsaKey, ecKey))
      const jwks = cacheFor(path, { now: T0 })
      const single = await jwks.selectKey('ES256', undefined)
      assert.equal(single.found && single.kid, 'ec-1')
      server.json(path, jwksOf(rsaKey, rotatedKey))
      await jwks.refresh()
      assert.deepEqual(await jwks.selectKey('RS256', undefined), { found: false, reason: 'ambiguous_key' })
    })
  })

  describe('forced refresh', () => {
    it('fetches even within max-age and cooldown, and reports the result', async () => {
      // Given
      const path = freshPath()
      server.json(path, jwksOf(rsaKey), { 'cache-control': 'max-age=3600' })
      const clock = { now: T0 }
      const jwks = cacheFor(path, clock)
      assert.equal(jwks.status().lastFetch, 'not_fetched')
      await jwks.selectKey('RS256', 'rsa-1')
      // When
      clock.now = T0 + 1_000
      server.json(path, jwksOf(rsaKey, rotatedKey), { 'cache-control': 'max-age=3600' })
      const status = await jwks.refresh()
      // Then
      assert.equal(server.hits(path), 2)
      assert.deepEqual(status, {
        jwksUri: server.url(path),
        lastFetch: 'ok',
        lastAttemptAt: new Date(T0 + 1_000),
        keyCount: 2,
        ignoredKeyCount: 0,
        fetchedAt: new Date(T0 + 1_000),
        expiresAt: new Date(T0 + 1_000 + 3_600_000),
      })
    })

    it('joins a fetch already under way instead of starting another', async () => {
      const path = freshPath()
      server.json(path, jwksOf(rsaKey))
      const jwks = cacheFor(path, { now: T0 })
      const [first, second] = await Promise.all([jwks.refresh(), jwks.refresh()])
      assert.equal(server.hits(path), 1)
      assert.equal(first, second)
    })
  })

  it('refuses a negative cooldown at construction', () => {
    assert.throws(() => new JwksCache({ jwksUri: 'https://idp.example.com/jwks', cooldownMs: -1 }), TypeError)
  })
})
