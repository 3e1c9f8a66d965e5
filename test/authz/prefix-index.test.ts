import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PACKED_LIMIT, PrefixIndex } from '../../src/authz/prefix-index.ts'

/** A deterministic generator, so that a failure names a case that can be run again. */
function generator(seed: number) {
  let state = seed
  return (bound: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    return (state >>> 16) % bound
  }
}

function randomName(random: (bound: number) => number, alphabet: string, maxLength: number): string {
  let name = ''
  for (let length = random(maxLength + 1); length > 0; length--) name += alphabet[random(alphabet.length)]
  return name
}

/** The values of every stored prefix of `name`, as the index reports them (shortest first). */
function matches(index: PrefixIndex<string>, name: string): string[] {
  const found: string[] = ['stale', 'stale', 'stale']
  return found.slice(0, index.matchesOf(name, found))
}

function expectedMatches(prefixes: ReadonlyMap<string, string>, name: string): string[] {
  return [...prefixes.keys()]
    .filter((prefix) => name.startsWith(prefix))
    .sort((a, b) => a.length - b.length)
    .map((prefix) => prefixes.get(prefix)!)
}

describe('PrefixIndex', () => {
  for (const [form, packedLimit] of [
    ['packed', Number.POSITIVE_INFINITY],
    ['tree', 0],
  ] as const) {
    it(`${form}: finds every stored prefix of a name, shortest first, and nothing else`, () => {
      const random = generator(form === 'packed' ? 3 : 5)
      for (let round = 0; round < 200; round++) {
        // A small alphabet makes prefixes of prefixes, shared stems and near misses common.
        const prefixes = new Map<string, string>()
        for (let count = random(40); count > 0; count--) {
          const prefix = randomName(random, 'ab-é', 6)
          prefixes.set(prefix, `value of "${prefix}"`)
        }
        const index = new PrefixIndex(prefixes, packedLimit)
        assert.equal(index.size, prefixes.size)
        for (let probe = 0; probe < 50; probe++) {
          const name = randomName(random, 'ab-éc', 8)
          assert.deepEqual(matches(index, name), expectedMatches(prefixes, name), `name "${name}"`)
        }
      }
    })

    it(`${form}: the empty prefix matches every name, the empty name only it`, () => {
      const index = new PrefixIndex(
        new Map([
          ['', 'everything'],
          ['o', 'o'],
        ]),
        packedLimit,
      )
      assert.deepEqual(matches(index, 'orders'), ['everything', 'o'])
      assert.deepEqual(matches(index, ''), ['everything'])
      assert.deepEqual(matches(new PrefixIndex(new Map(), packedLimit), 'orders'), [])
    })
  }

  it('keeps up to PACKED_LIMIT prefixes packed and more in a tree, with the same answers', () => {
    const many = new Map(Array.from({ length: PACKED_LIMIT + 1 }, (_, n) => [`orders-${n}`, `v${n}`]))
    const few = new Map([...many].slice(0, PACKED_LIMIT))
    for (const prefixes of [few, many]) {
      const index = new PrefixIndex(prefixes)
      assert.deepEqual(matches(index, 'orders-12-eu'), ['v1', 'v12'])
      assert.deepEqual(matches(index, 'orders-'), [])
    }
  })

  it('holds prefixes too long for the packed form (over 65,535 characters) in the tree', () => {
    const long = 'x'.repeat(70_000)
    const index = new PrefixIndex(
      new Map([
        [long, 'long'],
        ['x', 'short'],
      ]),
    )
    assert.deepEqual(matches(index, `${long}y`), ['short', 'long'])
    assert.deepEqual(matches(index, long.slice(1)), ['short'])
  })
})
