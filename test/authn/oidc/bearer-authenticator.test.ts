import assert from 'node:assert/strict'
import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import { BearerAuthenticator, type IdentityPoolSource } from '../../../src/authn/index.ts'
import { GatewayError } from '../../../src/core/index.ts'
import type {
  IdentityPoolRecord,
  IdentityProviderRecord,
  IdentityProviderWithPools,
} from '../../../src/store/index.ts'
import { generateTestKey, jwksOf, signToken, TestHttpServer } from './oidc-fixtures.ts'

const ISSUER = 'https://idp.example.com/tenant-1'
const OTHER_ISSUER = 'https://idp.example.com/tenant-2'
const providerKey = generateTestKey('RS256', 'provider-key-1')
/** The key of a JWKS a provider is later pointed at: tokens signed before no longer verify with it. */
const replacementKey = generateTestKey('RS256', 'replacement-key-1')
const CREATED = new Date('2026-01-01T00:00:00Z')

/**
 * The store as the authenticator sees it: whatever `records` holds is what the next read returns,
 * `notify()` is the store's change notification, and `failing` makes reads reject.
 */
class FakeIdentityPoolSource implements IdentityPoolSource {
  records: IdentityProviderWithPools[] = []
  failing = false
  reads = 0
  /** The read in progress or last made, so a test can wait for a notification's reload. */
  lastRead: Promise<unknown> = Promise.resolve()
  readonly #listeners = new Set<() => void>()

  /** While set, reads take the records of their start but answer only once it resolves. */
  gate: Promise<void> | undefined

  listAllIdentityProvidersWithPools(): Promise<readonly IdentityProviderWithPools[]> {
    this.reads++
    const snapshot = structuredClone(this.records)
    const gate = this.gate ?? Promise.resolve()
    const read = this.failing ? Promise.reject(new Error('the database is down')) : gate.then(() => snapshot)
    this.lastRead = read.catch(() => undefined)
    return read
  }

  onIdentityProvidersChanged(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Adds pools to the first provider, as creating them through the API would. */
  addPools(...pools: IdentityPoolRecord[]): void {
    const [first, ...rest] = this.records
    this.records = [{ provider: first!.provider, pools: [...first!.pools, ...pools] }, ...rest]
  }

  get listenerCount(): number {
    return this.#listeners.size
  }

  /** Notifies the listeners and resolves once the reload they started has been installed. */
  async notifyAndSettle(): Promise<void> {
    const readsBefore = this.reads
    for (const listener of this.#listeners) listener()
    assert.ok(this.reads > readsBefore, 'the notification started a read')
    await this.lastRead
    // The authenticator installs the view in the continuation after the read resolves.
    await new Promise((resolve) => setImmediate(resolve))
  }
}

function providerRecord(
  overrides: Partial<IdentityProviderRecord> & { jwksUri: string },
): IdentityProviderRecord {
  return {
    id: 'op-aaaaaa',
    displayName: 'Corporate IdP',
    description: '',
    issuer: ISSUER,
    identityClaim: 'claims.sub',
    state: 'ENABLED',
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  }
}

function poolRecord(
  overrides: Partial<IdentityPoolRecord> & { id: string; filter: string },
): IdentityPoolRecord {
  return {
    providerId: 'op-aaaaaa',
    displayName: overrides.id,
    description: '',
    identityClaim: 'claims.sub',
    state: 'ENABLED',
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  }
}

function tokenClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: ISSUER,
    sub: 'workload-1',
    client_id: 'client-1',
    aud: 'kafka',
    scp: ['kafka.write'],
    iat: now - 5,
    exp: now + 600,
    ...overrides,
  }
}

async function assertRefused(promise: Promise<unknown>, status: number, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`)
    assert.equal(error.status, status)
    if (message) assert.match(error.message, message)
    return true
  })
}

describe('BearerAuthenticator', () => {
  let server: TestHttpServer
  let source: FakeIdentityPoolSource
  let authenticator: BearerAuthenticator
  let reloadErrors: unknown[]
  const jwksUri = () => server.url('/jwks')

  before(async () => {
    server = await TestHttpServer.start()
    server.json('/jwks', jwksOf(providerKey))
    server.json('/replacement-jwks', jwksOf(replacementKey))
  })
  after(() => server.close())

  beforeEach(() => {
    source = new FakeIdentityPoolSource()
    source.records = [
      {
        provider: providerRecord({ jwksUri: jwksUri() }),
        pools: [
          poolRecord({ id: 'pool-writer', filter: '"kafka.write" in claims.scp' }),
          poolRecord({ id: 'pool-reader', filter: '"kafka.read" in claims.scp' }),
        ],
      },
    ]
    reloadErrors = []
    authenticator = new BearerAuthenticator(source, {
      fetchLimits: { allowInsecureLoopback: true, totalTimeoutMs: 2_000 },
      onReloadError: (error) => reloadErrors.push(error),
    })
  })
  // Stops the store listener and the refresh timer, which would otherwise keep the process alive.
  afterEach(() => authenticator.close())

  describe('before the first load', () => {
    it('refuses every token with 503, saying the providers are not loaded', async () => {
      const token = await signToken(providerKey, tokenClaims())
      await assertRefused(authenticator.authenticate(token, undefined), 503, /not loaded yet/)
    })

    it('keeps refusing with 503 when the first read fails, and serves once a reload succeeds', async () => {
      source.failing = true
      await assert.rejects(authenticator.start(), /could not be read/)
      try {
        assert.equal(reloadErrors.length, 1)
        const token = await signToken(providerKey, tokenClaims())
        await assertRefused(authenticator.authenticate(token, undefined), 503)
        source.failing = false
        await authenticator.reload()
        const principal = await authenticator.authenticate(token, undefined)
        assert.deepEqual(principal.principals, ['User:pool-writer'])
      } finally {
        authenticator.close()
      }
    })
  })

  describe('once started', () => {
    beforeEach(() => authenticator.start())

    it('maps a token to every pool whose filter matches, as an oauth principal', async () => {
      const token = await signToken(providerKey, tokenClaims({ scp: ['kafka.write', 'kafka.read'] }))
      const principal = await authenticator.authenticate(token, undefined)
      assert.deepEqual(principal.principals, ['User:pool-writer', 'User:pool-reader'])
      assert.equal(principal.name, 'User:pool-writer')
      assert.equal(principal.method, 'oauth')
      assert.equal(principal.credentialId, 'op-aaaaaa')
      assert.deepEqual(principal.scope, { kind: 'global' })
      assert.deepEqual(principal.oauth, {
        providerId: 'op-aaaaaa',
        poolIds: ['pool-writer', 'pool-reader'],
        subject: 'workload-1',
      })
    })

    it('acts only as the pool the header names', async () => {
      const token = await signToken(providerKey, tokenClaims({ scp: ['kafka.write', 'kafka.read'] }))
      const principal = await authenticator.authenticate(token, 'pool-reader')
      assert.deepEqual(principal.principals, ['User:pool-reader'])
    })

    it('rereads pools when the store says they changed', async () => {
      const token = await signToken(providerKey, tokenClaims({ scp: ['kafka.admin'] }))
      await assertRefused(authenticator.authenticate(token, undefined), 401, /matches no identity pool/)
      source.addPools(poolRecord({ id: 'pool-admin', filter: '"kafka.admin" in claims.scp' }))
      await source.notifyAndSettle()
      assert.deepEqual((await authenticator.authenticate(token, undefined)).principals, ['User:pool-admin'])
    })

    it('stops listening to the store when closed', async () => {
      assert.equal(source.listenerCount, 1)
      authenticator.close()
      assert.equal(source.listenerCount, 0)
    })

    it('a reload asked for during a read waits for a read that sees the newer records', async () => {
      let openGate = (): void => undefined
      source.gate = new Promise<void>((resolve) => (openGate = resolve))
      const inFlight = authenticator.reload()
      // This change is made after the in-flight read took its snapshot: only a second read sees it.
      source.addPools(poolRecord({ id: 'pool-late', filter: '"kafka.late" in claims.scp' }))
      const later = authenticator.reload()
      source.gate = undefined
      openGate()
      await Promise.all([inFlight, later])
      const token = await signToken(providerKey, tokenClaims({ scp: ['kafka.late'] }))
      assert.deepEqual((await authenticator.authenticate(token, undefined)).principals, ['User:pool-late'])
    })

    it('keeps the previous view when a reload fails, and reports the failure', async () => {
      const token = await signToken(providerKey, tokenClaims())
      source.failing = true
      await authenticator.reload()
      assert.equal(reloadErrors.length, 1)
      assert.match(String(reloadErrors[0]), /database is down/)
      assert.deepEqual((await authenticator.authenticate(token, undefined)).principals, ['User:pool-writer'])
    })

    it('a pool whose stored filter no longer compiles matches nothing; the provider’s other pools still work', async () => {
      // A filter the API would refuse today may still be in the database (written by an older
      // version, or by hand): it must fail closed, not open and not for the whole provider.
      source.addPools(poolRecord({ id: 'pool-broken', filter: 'claims.sub ==' }))
      source.addPools(poolRecord({ id: 'pool-unknown-fn', filter: 'no_such_function(claims)' }))
      await source.notifyAndSettle()
      const token = await signToken(providerKey, tokenClaims())
      assert.deepEqual((await authenticator.authenticate(token, undefined)).principals, ['User:pool-writer'])
      await assertRefused(
        authenticator.authenticate(token, 'pool-broken'),
        401,
        /does not match the filter of identity pool pool-broken/,
      )
      await assertRefused(authenticator.authenticate(token, 'pool-unknown-fn'), 401)
    })

    it('a token of a deleted provider is refused at once, though it was verified and cached', async () => {
      const token = await signToken(providerKey, tokenClaims())
      await authenticator.authenticate(token, undefined)
      source.records = []
      await source.notifyAndSettle()
      await assertRefused(authenticator.authenticate(token, undefined), 401, /could not be verified/)
    })

    it('a provider pointed at another JWKS forgets its cached tokens: they are verified again, and fail', async () => {
      const token = await signToken(providerKey, tokenClaims())
      await authenticator.authenticate(token, undefined)
      const replacementHitsBefore = server.hits('/replacement-jwks')
      source.records[0] = {
        ...source.records[0]!,
        provider: providerRecord({ jwksUri: server.url('/replacement-jwks') }),
      }
      await source.notifyAndSettle()
      await assertRefused(authenticator.authenticate(token, undefined), 401, /could not be verified/)
      assert.equal(server.hits('/replacement-jwks'), replacementHitsBefore + 1, 'the new JWKS was fetched')
      const signedWithNewKey = await signToken(replacementKey, tokenClaims())
      assert.deepEqual((await authenticator.authenticate(signedWithNewKey, undefined)).principals, [
        'User:pool-writer',
      ])
    })

    it('a provider that gains an audience forgets its cached tokens: one without that aud is refused', async () => {
      const token = await signToken(providerKey, tokenClaims({ aud: 'something-else' }))
      await authenticator.authenticate(token, undefined)
      source.records[0] = {
        ...source.records[0]!,
        provider: providerRecord({ jwksUri: jwksUri(), audience: 'kafka' }),
      }
      await source.notifyAndSettle()
      await assertRefused(authenticator.authenticate(token, undefined), 401, /not meant for this service/)
    })

    it('a provider that moves to another issuer no longer accepts tokens of the old one', async () => {
      const token = await signToken(providerKey, tokenClaims())
      await authenticator.authenticate(token, undefined)
      source.records[0] = {
        ...source.records[0]!,
        provider: providerRecord({ jwksUri: jwksUri(), issuer: OTHER_ISSUER }),
      }
      await source.notifyAndSettle()
      await assertRefused(authenticator.authenticate(token, undefined), 401, /could not be verified/)
      const fromNewIssuer = await signToken(providerKey, tokenClaims({ iss: OTHER_ISSUER }))
      assert.deepEqual((await authenticator.authenticate(fromNewIssuer, undefined)).principals, [
        'User:pool-writer',
      ])
    })

    it('a pool header naming a pool of another provider is refused like an unknown pool', async () => {
      source.records.push({
        provider: providerRecord({ id: 'op-bbbbbb', issuer: OTHER_ISSUER, jwksUri: jwksUri() }),
        pools: [poolRecord({ id: 'pool-other', providerId: 'op-bbbbbb', filter: 'true' })],
      })
      await source.notifyAndSettle()
      const token = await signToken(providerKey, tokenClaims())
      await assertRefused(
        authenticator.authenticate(token, 'pool-other'),
        401,
        /pool-other does not exist for the provider that issued this token/,
      )
    })
  })

  describe('without notifications', () => {
    it('rereads providers and pools every refreshIntervalMs, in case a notification was lost', async () => {
      const periodic = new BearerAuthenticator(source, {
        fetchLimits: { allowInsecureLoopback: true, totalTimeoutMs: 2_000 },
        refreshIntervalMs: 20,
      })
      try {
        await periodic.start()
        source.addPools(poolRecord({ id: 'pool-unnotified', filter: '"kafka.quiet" in claims.scp' }))
        const readsAfterChange = source.reads
        const deadline = Date.now() + 5_000
        while (source.reads < readsAfterChange + 2 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        // Two reads later, the one that saw the change has been installed.
        const token = await signToken(providerKey, tokenClaims({ scp: ['kafka.quiet'] }))
        assert.deepEqual((await periodic.authenticate(token, undefined)).principals, ['User:pool-unnotified'])
      } finally {
        periodic.close()
      }
    })
  })

  describe('the identity claim named in audit records', () => {
    beforeEach(async () => {
      source.records = [
        {
          provider: providerRecord({ jwksUri: jwksUri(), identityClaim: 'claims.client_id' }),
          pools: [
            poolRecord({
              id: 'pool-writer',
              filter: '"kafka.write" in claims.scp',
              identityClaim: 'claims.sub',
            }),
            poolRecord({ id: 'pool-everyone', filter: 'true', identityClaim: 'claims.aud' }),
          ],
        },
      ]
      await authenticator.start()
    })

    // Confluent: the provider's identity claim names the caller, "if the client specifies mapping
    // to one identity pool ID, the identity claim configured with that pool will be used instead".
    it('is the pool’s when the header names exactly one pool', async () => {
      const token = await signToken(providerKey, tokenClaims())
      assert.equal((await authenticator.authenticate(token, 'pool-writer')).oauth.subject, 'workload-1')
      assert.equal((await authenticator.authenticate(token, 'pool-everyone')).oauth.subject, 'kafka')
    })

    it('is the provider’s when pools are mapped automatically', async () => {
      const token = await signToken(providerKey, tokenClaims())
      const principal = await authenticator.authenticate(token, undefined)
      assert.deepEqual(principal.oauth.poolIds, ['pool-writer', 'pool-everyone'])
      assert.equal(principal.oauth.subject, 'client-1')
    })

    it('is the provider’s when the header names several pools', async () => {
      const token = await signToken(providerKey, tokenClaims())
      const principal = await authenticator.authenticate(token, 'pool-everyone,pool-writer')
      assert.equal(principal.oauth.subject, 'client-1')
    })
  })
})
