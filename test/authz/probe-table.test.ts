import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ProbeTable, pushText, textWords, wordsStart } from '../../src/authz/probe-table.ts'

/** Deterministic 30-bit keys. */
function keysOf(count: number, seed: number): number[] {
  let state = seed
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    return (state ^ (state >>> 15)) & 0x3fffffff
  })
}

describe('ProbeTable', () => {
  it('hands out the position stored under every key, and for a key stored again, every position', () => {
    const keys = keysOf(10_000, 3)
    // Every tenth key again, with another position: one key, two runs (a hash collision).
    const all = [...keys, ...keys.filter((_, index) => index % 10 === 0)]
    const positions = all.map((_, index) => index * 7)
    const table = new ProbeTable(all, positions)
    keys.forEach((key, index) => {
      const found: number[] = []
      const count = table.positionsOf(key, found, 0)
      assert.ok(found.slice(0, count).includes(index * 7), `key ${key}`)
      if (index % 10 === 0) assert.ok(found.slice(0, count).includes((keys.length + index / 10) * 7))
    })
  })

  it('hands out almost nothing for keys it was not given (positions leave room for a fingerprint)', () => {
    const table = new ProbeTable(
      keysOf(10_000, 3),
      keysOf(10_000, 3).map((_, index) => index),
    )
    let candidates = 0
    for (const key of keysOf(10_000, 99)) candidates += table.positionsOf(key, [], 0)
    assert.ok(candidates < 50, `${candidates} candidates for 10,000 keys not stored`)
  })

  it('finds keys stored with positions that leave few bits (large rule sets)', () => {
    const keys = keysOf(2_000, 5)
    const positions = keys.map((_, index) => (1 << 26) + index)
    const table = new ProbeTable(keys, positions)
    keys.forEach((key, index) => {
      const found: number[] = []
      const count = table.positionsOf(key, found, 0)
      assert.ok(found.slice(0, count).includes(positions[index]!))
    })
  })

  it('findAll lists the runs in the order of the keys, with the key that found each', () => {
    const table = new ProbeTable([10, 20, 10, 30], [100, 200, 300, 400])
    const found: number[] = []
    const foundBy: number[] = []
    const count = table.findAll([30, 99, 10], 3, found, foundBy)
    assert.equal(count, 3)
    assert.deepEqual(found.slice(0, 1), [400])
    assert.deepEqual(new Set(found.slice(1, 3)), new Set([100, 300]))
    assert.deepEqual(foundBy.slice(0, 3), [0, 2, 2])
  })

  it('an empty table finds nothing', () => {
    assert.equal(new ProbeTable([], []).positionsOf(12345, [], 0), 0)
  })
})

describe('pushText and wordsStart', () => {
  const texts = ['', 'a', 'ab', 'abc', 'orders-1', 'zürich', '日本語のトピック', '😀-emoji', 'x'.repeat(301)]

  it('spells a text two code units a word, and reads back exactly its beginnings', () => {
    for (const text of texts) {
      const words: number[] = [7]
      pushText(words, text)
      assert.equal(words.length, 1 + textWords(text.length))
      const stored = Int32Array.from(words)
      assert.equal(wordsStart(stored, 1, text.length, text), true, text)
      assert.equal(wordsStart(stored, 1, text.length, `${text}-more`), true, text)
      if (text.length > 0) {
        assert.equal(
          wordsStart(stored, 1, text.length, text.slice(0, -1)),
          false,
          `${text}: longer than the name`,
        )
        const changed = text.slice(0, -1) + String.fromCharCode(text.charCodeAt(text.length - 1) ^ 1)
        assert.equal(wordsStart(stored, 1, text.length, changed), false, `${text}: last unit differs`)
        const first = String.fromCharCode(text.charCodeAt(0) ^ 1) + text.slice(1)
        assert.equal(wordsStart(stored, 1, text.length, first), false, `${text}: first unit differs`)
      }
    }
  })
})
