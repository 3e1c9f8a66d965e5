import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PACKED_LIMIT, PrincipalPrefixes } from '../../src/authz/prefix-index.ts'

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

/** The values of every stored prefix of `name` that `principal` holds, as the index reports them. */
function matches(index: PrincipalPrefixes<string>, principal: number, name: string): string[] {
  const found: string[] = ['stale', 'stale', 'stale']
  return found.slice(0, index.matchesOf(principal, name, found))
}

function expectedMatches(prefixes: ReadonlyMap<string, string> | undefined, name: string): string[] {
  return [...(prefixes?.keys() ?? [])]
    .filter((prefix) => name.startsWith(prefix))
    .sort((a, b) => a.length - b.length)
    .map((prefix) => prefixes!.get(prefix)!)
}

function single(prefixes: ReadonlyMap<string, string>, packedLimit?: number): PrincipalPrefixes<string> {
  return new PrincipalPrefixes(new Map([[0, prefixes]]), packedLimit)
}

describe('PrincipalPrefixes', () => {
  for (const [form, packedLimit] of [
    ['packed', Number.POSITIVE_INFINITY],
    ['by length', 0],
  ] as const) {
    it(`${form}: finds every prefix of a name the principal holds, shortest first, and nothing else`, () => {
      const random = generator(form === 'packed' ? 3 : 5)
      for (let round = 0; round < 100; round++) {
        // A small alphabet makes prefixes of prefixes, shared stems and near misses common; numbers
        // are dense in some rounds and sparse (a few high numbers) in others.
        const byPrincipal = new Map<number, Map<string, string>>()
        const spread = round % 2 === 0 ? 8 : 5_000
        for (let principals = 1 + random(6); principals > 0; principals--) {
          const prefixes = new Map<string, string>()
          const principal = random(spread)
          for (let count = random(40); count > 0; count--) {
            const prefix = randomName(random, 'ab-é', 6)
            prefixes.set(prefix, `${principal}: "${prefix}"`)
          }
          byPrincipal.set(principal, prefixes)
        }
        const index = new PrincipalPrefixes(byPrincipal, packedLimit)
        for (let probe = 0; probe < 50; probe++) {
          const name = randomName(random, 'ab-éc', 8)
          const principal =
            probe % 5 === 0 ? random(spread * 2) : [...byPrincipal.keys()][probe % byPrincipal.size]!
          assert.deepEqual(
            matches(index, principal, name),
            expectedMatches(byPrincipal.get(principal), name),
            `principal ${principal}, name "${name}"`,
          )
        }
      }
    })

    it(`${form}: the empty prefix matches every name, the empty name only it`, () => {
      const index = single(
        new Map([
          ['', 'everything'],
          ['o', 'o'],
        ]),
        packedLimit,
      )
      assert.deepEqual(matches(index, 0, 'orders'), ['everything', 'o'])
      assert.deepEqual(matches(index, 0, ''), ['everything'])
      assert.deepEqual(matches(single(new Map(), packedLimit), 0, 'orders'), [])
      assert.deepEqual(matches(new PrincipalPrefixes(new Map(), packedLimit), 3, 'orders'), [])
    })
  }

  it('keeps up to PACKED_LIMIT prefixes packed and more by length, with the same answers', () => {
    const many = new Map(Array.from({ length: PACKED_LIMIT + 1 }, (_, n) => [`orders-${n}`, `v${n}`]))
    const few = new Map([...many].slice(0, PACKED_LIMIT))
    for (const prefixes of [few, many]) {
      const index = new PrincipalPrefixes(new Map([[7, prefixes]]))
      assert.deepEqual(matches(index, 7, 'orders-12-eu'), ['v1', 'v12'])
      assert.deepEqual(matches(index, 7, 'orders-'), [])
      assert.deepEqual(matches(index, 6, 'orders-12-eu'), [])
    }
  })

  it('finds prefixes among thousands of one principal (many lengths, crowded hash slots)', () => {
    const random = generator(11)
    const prefixes = new Map<string, string>()
    while (prefixes.size < 5_000) {
      const prefix = randomName(random, 'abc', 12)
      prefixes.set(prefix, prefix)
    }
    const index = single(prefixes)
    for (let probe = 0; probe < 500; probe++) {
      const name = randomName(random, 'abcd', 14)
      assert.deepEqual(matches(index, 0, name), expectedMatches(prefixes, name), `name "${name}"`)
    }
  })

  it('holds prefixes too long for the packed form (over 65,535 characters) by length', () => {
    const long = 'x'.repeat(70_000)
    const index = single(
      new Map([
        [long, 'long'],
        ['x', 'short'],
      ]),
    )
    assert.deepEqual(matches(index, 0, `${long}y`), ['short', 'long'])
    assert.deepEqual(matches(index, 0, long.slice(1)), ['short'])
  })
})
