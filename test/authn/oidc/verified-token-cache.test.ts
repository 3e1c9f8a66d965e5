import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { VerifiedTokenCache } from '../../../src/authn/index.ts'

describe('verified-token cache', () => {
  it('returns an entry until its expiry, and nothing from then on', () => {
    const clock = { now: 1_000 }
    const cache = new VerifiedTokenCache<string>({ now: () => clock.now })
    cache.set('token-a', 'op-1', 2_000, 'result-a')
    clock.now = 1_999
    assert.equal(cache.get('token-a'), 'result-a')
    clock.now = 2_000
    assert.equal(cache.get('token-a'), undefined)
    assert.equal(cache.size, 0, 'an expired entry is removed when found')
  })

  it('does not store an entry that has already expired', () => {
    const cache = new VerifiedTokenCache<string>({ now: () => 5_000 })
    cache.set('token-a', 'op-1', 5_000, 'result-a')
    assert.equal(cache.size, 0)
  })

  it('evicts the least recently used entry when full', () => {
    // Given
    const cache = new VerifiedTokenCache<string>({ maxEntries: 2, now: () => 0 })
    cache.set('token-a', 'op-1', 10, 'a')
    cache.set('token-b', 'op-1', 10, 'b')
    // When: a is used, then c arrives
    assert.equal(cache.get('token-a'), 'a')
    cache.set('token-c', 'op-1', 10, 'c')
    // Then: b, the least recently used, is gone
    assert.equal(cache.size, 2)
    assert.equal(cache.get('token-b'), undefined)
    assert.equal(cache.get('token-a'), 'a')
    assert.equal(cache.get('token-c'), 'c')
  })

  it('clears the entries of one provider only', () => {
    const cache = new VerifiedTokenCache<string>({ now: () => 0 })
    cache.set('token-a', 'op-1', 10, 'a')
    cache.set('token-b', 'op-2', 10, 'b')
    cache.set('token-c', 'op-1', 10, 'c')
    cache.clearProvider('op-1')
    assert.equal(cache.size, 1)
    assert.equal(cache.get('token-b'), 'b')
    assert.equal(cache.get('token-a'), undefined)
  })

  it('stores nothing with maxEntries 0, and refuses a negative or fractional size', () => {
    const cache = new VerifiedTokenCache<string>({ maxEntries: 0, now: () => 0 })
    cache.set('token-a', 'op-1', 10, 'a')
    assert.equal(cache.get('token-a'), undefined)
    assert.throws(() => new VerifiedTokenCache({ maxEntries: -1 }), TypeError)
    assert.throws(() => new VerifiedTokenCache({ maxEntries: 1.5 }), TypeError)
  })
})
