import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  finishHash,
  FNV_OFFSET_BASIS,
  FNV_PRIME,
  hashName,
  memberKey,
  MembershipFilter,
} from '../../src/authz/membership-filter.ts'

describe('MembershipFilter', () => {
  const names = Array.from({ length: 20_000 }, (_, n) => `orders-${n}`)
  const keys = names.map((name, n) => memberKey(hashName(name), n % 97))
  const filter = new MembershipFilter(keys)

  it('says "maybe" for every key it was given', () => {
    assert.equal(
      keys.every((key) => filter.mayContain(key)),
      true,
    )
  })

  it('says "no" for almost every other key (about 1 % false positives)', () => {
    const others = Array.from({ length: 100_000 }, (_, n) => memberKey(hashName(`payments-${n}`), n % 97))
    const falsePositives = others.filter((key) => filter.mayContain(key)).length
    assert.ok(falsePositives < 3_000, `${falsePositives} false positives in 100,000`)
    // The same name under another tag is another key.
    const retagged = names.map((name, n) => memberKey(hashName(name), (n % 97) + 1))
    assert.ok(retagged.filter((key) => filter.mayContain(key)).length < 600)
  })

  it('an empty filter contains nothing', () => {
    assert.equal(new MembershipFilter([]).mayContain(memberKey(hashName('orders'), 0)), false)
  })

  it('hashes as a rolled FNV-1a finished by finishHash, in 30 bits', () => {
    let rolled = FNV_OFFSET_BASIS
    for (const character of 'orders-é') rolled = Math.imul(rolled ^ character.charCodeAt(0), FNV_PRIME)
    assert.equal(finishHash(rolled), hashName('orders-é'))
    for (const name of ['', 'a', 'orders', 'x'.repeat(300)]) {
      const hash = hashName(name)
      assert.ok(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 30, `${name}: ${hash}`)
    }
    assert.notEqual(hashName('orders'), hashName('orderz'))
  })
})
