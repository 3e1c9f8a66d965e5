import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  generateKeyId,
  generateSecret,
  hasValidSecretChecksum,
  hashSecret,
  secretMatches,
} from '../../../src/authn/index.ts'

describe('API key and secret format', () => {
  it('generates 16-character base32 key ids that differ', () => {
    const ids = new Set(Array.from({ length: 200 }, generateKeyId))
    assert.equal(ids.size, 200)
    for (const id of ids) assert.match(id, /^[A-Z2-7]{16}$/)
  })

  it('generates prefixed secrets whose checksum a scanner can verify', () => {
    for (let i = 0; i < 200; i++) {
      const secret = generateSecret()
      assert.match(secret, /^ghsk_[0-9A-Za-z]{46}$/)
      assert.ok(hasValidSecretChecksum(secret))
    }
  })

  it('detects a mistyped secret by its checksum', () => {
    const secret = generateSecret()
    const position = 10
    const replacement = secret[position] === 'a' ? 'b' : 'a'
    const typo = secret.slice(0, position) + replacement + secret.slice(position + 1)
    assert.equal(hasValidSecretChecksum(typo), false)
    assert.equal(hasValidSecretChecksum(secret.slice(0, -1)), false)
    assert.equal(hasValidSecretChecksum('ghsk_' + '!'.repeat(46)), false)
    assert.equal(hasValidSecretChecksum('ghp_' + secret.slice(5)), false)
  })

  it('hashes with a fresh salt each time and verifies only the right secret', () => {
    const secret = generateSecret()
    const first = hashSecret(secret)
    const second = hashSecret(secret)
    assert.notEqual(first.salt, second.salt)
    assert.notEqual(first.hash, second.hash)
    assert.ok(!first.hash.includes(secret) && !JSON.stringify(first).includes(secret))
    assert.ok(secretMatches(secret, first))
    assert.ok(secretMatches(secret, second))
    assert.equal(secretMatches(secret + 'x', first), false)
    assert.equal(secretMatches('', first), false)
  })
})
