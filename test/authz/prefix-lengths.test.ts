import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FNV_OFFSET_BASIS, hashName } from '../../src/authz/membership-filter.ts'
import {
  hashPrefixes,
  lengthBit,
  lengthsFitting,
  LongPrefixes,
  lowestLength,
  SHORT_LIMIT,
} from '../../src/authz/prefix-lengths.ts'

describe('prefix lengths', () => {
  it('lets through the lengths a prefix of a name can have, up to the short limit', () => {
    assert.equal(lengthsFitting(0), lengthBit(0))
    assert.equal(lengthsFitting(3), lengthBit(0) | lengthBit(1) | lengthBit(2) | lengthBit(3))
    const allShort = lengthsFitting(SHORT_LIMIT)
    assert.equal(lengthsFitting(500), allShort)
    assert.equal(allShort & lengthBit(SHORT_LIMIT), lengthBit(SHORT_LIMIT))
    assert.equal(allShort >>> (SHORT_LIMIT + 1), 0)
  })

  it('hashes each asked prefix as hashName hashes it, shortest first', () => {
    const name = 'orders-of-the-north'
    const lengths = lengthBit(0) | lengthBit(3) | lengthBit(7) | lengthBit(19)
    const hashes: number[] = []
    hashPrefixes(name, lengths, FNV_OFFSET_BASIS, hashes)
    for (let remaining = lengths; remaining !== 0; remaining &= remaining - 1) {
      const length = lowestLength(remaining)
      assert.equal(hashes[length], hashName(name.slice(0, length)), `length ${length}`)
    }
    assert.equal(hashes[5], undefined)
  })

  it('remembers long prefixes by type, and never forgets which principal has one', () => {
    const prefixes: [number, number, number][] = []
    for (let principal = 0; principal < 500; principal++)
      prefixes.push([principal, principal % 3, 30 + (principal % 40)])
    const long = new LongPrefixes(3, prefixes)
    for (const [principal, type, length] of prefixes)
      assert.equal(long.mayHave(principal, type, length), true)
    assert.deepEqual(
      [...long.lengthsOf(0)],
      [...new Set(prefixes.filter(([, type]) => type === 0).map(([, , length]) => length))].sort(
        (a, b) => a - b,
      ),
    )
    let wrong = 0
    for (const [principal, type, length] of prefixes)
      if (long.mayHave(principal, (type + 1) % 3, length)) wrong++
    assert.ok(wrong < 25, `${wrong} of 500 said maybe for the wrong type`)
  })
})
