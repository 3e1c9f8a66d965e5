import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ApiKeyAuthenticator, hashSecret, type ApiKeyLookup } from '../../../src/authn/index.ts'
import { GatewayError } from '../../../src/core/index.ts'
import type { ApiKeyRecord } from '../../../src/store/index.ts'

function keyRecord(
  id: string,
  secret: string,
  scope: ApiKeyRecord['scope'] = { kind: 'management' },
): ApiKeyRecord {
  return {
    id,
    displayName: '',
    description: '',
    ownerId: 'sa-abc123',
    ownerKind: 'ServiceAccount',
    scope,
    secretHash: hashSecret(secret),
    createdAt: new Date(0),
    updatedAt: new Date(0),
  }
}

/** A fake store that counts lookups and can announce deletions or fail. */
class FakeKeys implements ApiKeyLookup {
  readonly keys = new Map<string, ApiKeyRecord>()
  lookups = 0
  failing = false
  #listeners = new Set<(id: string) => void>()
  async getApiKey(id: string) {
    this.lookups++
    if (this.failing) throw new Error('connection refused')
    return this.keys.get(id)
  }
  onApiKeyDeleted(listener: (id: string) => void) {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
  delete(id: string, announce: boolean) {
    this.keys.delete(id)
    if (announce) this.#listeners.forEach((listener) => listener(id))
  }
}

const basic = (key: string, secret: string) => ({ kind: 'basic' as const, key, secret })

describe('API key authenticator', () => {
  it('returns the owner as principal with the key scope', async () => {
    const store = new FakeKeys()
    store.keys.set('K1', keyRecord('K1', 's1', { kind: 'cluster', clusterId: 'c-1', environmentId: 'env-a' }))
    const principal = await new ApiKeyAuthenticator(store, { cacheTtlMs: 500 }).authenticate(
      basic('K1', 's1'),
    )
    assert.deepEqual(principal, {
      name: 'User:sa-abc123',
      principals: ['User:sa-abc123'],
      method: 'api_key',
      credentialId: 'K1',
      scope: { kind: 'cluster', clusterId: 'c-1' },
    })
  })

  it('refuses unknown keys and wrong secrets with the same error', async () => {
    const store = new FakeKeys()
    store.keys.set('K1', keyRecord('K1', 's1'))
    const authenticator = new ApiKeyAuthenticator(store, { cacheTtlMs: 500 })
    const unknown = await authenticator.authenticate(basic('NOPE', 's1')).catch((error: unknown) => error)
    const wrong = await authenticator.authenticate(basic('K1', 'not-s1')).catch((error: unknown) => error)
    assert.ok(unknown instanceof GatewayError && wrong instanceof GatewayError)
    assert.equal(unknown.code, 'GW_AUTHN_FAILED')
    assert.equal(wrong.code, unknown.code)
    assert.equal(wrong.message, unknown.message)
  })

  it('asks for credentials when none were sent, and refuses bearer tokens for now', async () => {
    const authenticator = new ApiKeyAuthenticator(new FakeKeys(), { cacheTtlMs: 500 })
    await assert.rejects(authenticator.authenticate(undefined), { code: 'GW_AUTHN_REQUIRED' })
    await assert.rejects(authenticator.authenticate({ kind: 'bearer', token: 'x' }), {
      code: 'GW_AUTHN_FAILED',
    })
  })

  it('serves a verified key from the cache within the TTL and asks the store again after it', async () => {
    // Given
    let now = 1_000
    const store = new FakeKeys()
    store.keys.set('K1', keyRecord('K1', 's1'))
    const authenticator = new ApiKeyAuthenticator(store, { cacheTtlMs: 500, now: () => now })
    // When
    await authenticator.authenticate(basic('K1', 's1'))
    now += 499
    await authenticator.authenticate(basic('K1', 's1'))
    const lookupsWithinTtl = store.lookups
    store.delete('K1', false)
    now += 1
    // Then
    assert.equal(lookupsWithinTtl, 1)
    await assert.rejects(authenticator.authenticate(basic('K1', 's1')), { code: 'GW_AUTHN_FAILED' })
    assert.equal(store.lookups, 2)
  })

  it('forgets a key at once when its deletion is announced', async () => {
    const store = new FakeKeys()
    store.keys.set('K1', keyRecord('K1', 's1'))
    const authenticator = new ApiKeyAuthenticator(store, { cacheTtlMs: 1_000 })
    await authenticator.authenticate(basic('K1', 's1'))
    store.delete('K1', true)
    await assert.rejects(authenticator.authenticate(basic('K1', 's1')), { code: 'GW_AUTHN_FAILED' })
  })

  it('with TTL 0 asks the store on every request', async () => {
    const store = new FakeKeys()
    store.keys.set('K1', keyRecord('K1', 's1'))
    const authenticator = new ApiKeyAuthenticator(store, { cacheTtlMs: 0 })
    await authenticator.authenticate(basic('K1', 's1'))
    await authenticator.authenticate(basic('K1', 's1'))
    assert.equal(store.lookups, 2)
  })

  it('fails closed with 503 when the store cannot be asked', async () => {
    const store = new FakeKeys()
    store.keys.set('K1', keyRecord('K1', 's1'))
    store.failing = true
    const error = await new ApiKeyAuthenticator(store, { cacheTtlMs: 500 })
      .authenticate(basic('K1', 's1'))
      .catch((caught: unknown) => caught)
    assert.ok(error instanceof GatewayError)
    assert.equal(error.code, 'GW_STORE_UNAVAILABLE')
    assert.equal(error.status, 503)
  })

  it('keeps at most maxCachedKeys keys, evicting the oldest', async () => {
    const store = new FakeKeys()
    for (const id of ['A', 'B', 'C']) store.keys.set(id, keyRecord(id, 's'))
    const authenticator = new ApiKeyAuthenticator(store, { cacheTtlMs: 10_000, maxCachedKeys: 2 })
    for (const id of ['A', 'B', 'C']) await authenticator.authenticate(basic(id, 's'))
    await authenticator.authenticate(basic('B', 's'))
    await authenticator.authenticate(basic('C', 's'))
    assert.equal(store.lookups, 3)
    await authenticator.authenticate(basic('A', 's'))
    assert.equal(store.lookups, 4)
  })

  it('a lookup that was under way when a deletion arrived does not put the key back in the cache', async () => {
    // Given a store whose answer is held back until after the deletion
    const store = new FakeKeys()
    store.keys.set('K1', keyRecord('K1', 's1'))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const slow: ApiKeyLookup = {
      getApiKey: async (id) => {
        const record = await store.getApiKey(id)
        await gate
        return record
      },
      onApiKeyDeleted: (listener) => store.onApiKeyDeleted(listener),
    }
    const authenticator = new ApiKeyAuthenticator(slow, { cacheTtlMs: 10_000 })
    // When
    const first = authenticator.authenticate(basic('K1', 's1'))
    store.delete('K1', true)
    release()
    await first
    // Then the next request asks the store, which no longer has the key
    await assert.rejects(authenticator.authenticate(basic('K1', 's1')), { code: 'GW_AUTHN_FAILED' })
  })
})
