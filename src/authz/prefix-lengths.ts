/**
 * @module authz/prefix-lengths
 *
 * The lengths of the prefixes a principal's rules use on one type of resource, as both indexes
 * record them so that a decision looks for a principal's prefixes only at the lengths it has:
 * - up to `SHORT_LIMIT`, as bits of a word the index keeps with the principal (bit L: a prefix of
 *   length L), with `HAS_LONG_PREFIXES` set when it has longer ones;
 * - the longer ones (rare) in `LongPrefixes`: every long length in use per type, and a Bloom
 *   filter saying which principal may have which.
 */
import { finishHash, memberKey, MembershipFilter, rollHash } from './membership-filter.ts'

export const SHORT_LIMIT = 29
export const HAS_LONG_PREFIXES = 1 << 30

/** The bit of a prefix of `length` (up to `SHORT_LIMIT`). */
export function lengthBit(length: number): number {
  return 1 << length
}

/** The bits of the lengths a prefix of a name of `nameLength` can have (up to `SHORT_LIMIT`). */
export function lengthsFitting(nameLength: number): number {
  return nameLength >= SHORT_LIMIT ? (1 << (SHORT_LIMIT + 1)) - 1 : (1 << (nameLength + 1)) - 1
}

/** The length of the lowest bit of `lengths` (not 0). */
export function lowestLength(lengths: number): number {
  return 31 - Math.clz32(lengths & -lengths)
}

/**
 * Hashes `name`'s prefixes at the lengths whose bits `lengths` holds, rolling FNV-1a on from
 * `rolled` (the state before the name's first character), and stores each prefix's finished hash
 * at `hashes[length]`. Returns the state after the longest.
 */
export function hashPrefixes(name: string, lengths: number, rolled: number, hashes: number[]): number {
  let state = rolled
  let hashed = 0
  for (let remaining = lengths; remaining !== 0; remaining &= remaining - 1) {
    const length = lowestLength(remaining)
    state = rollHash(state, name, hashed, length)
    hashed = length
    hashes[length] = finishHash(state)
  }
  return state
}

/** Prefix lengths over `SHORT_LIMIT`: which are in use per type, and which principal may have which. */
export class LongPrefixes {
  readonly #types: number
  readonly #lengths: readonly Int32Array[]
  readonly #filter: MembershipFilter

  /** `prefixes`: (principal number, type number, length) of every long prefix. */
  constructor(types: number, prefixes: readonly (readonly [number, number, number])[]) {
    this.#types = types
    const lengths = Array.from({ length: types }, () => new Set<number>())
    for (const [, type, length] of prefixes) lengths[type]!.add(length)
    this.#lengths = lengths.map((set) => Int32Array.from([...set].sort((a, b) => a - b)))
    this.#filter = new MembershipFilter(
      prefixes.map(([principal, type, length]) => this.#key(principal, type, length)),
    )
  }

  #key(principal: number, type: number, length: number): number {
    return memberKey(length, type + this.#types * principal)
  }

  /** The long lengths in use on a type, ascending. */
  lengthsOf(type: number): Int32Array {
    return this.#lengths[type]!
  }

  /** False when the principal certainly has no prefix of this length on this type. */
  mayHave(principal: number, type: number, length: number): boolean {
    return this.#filter.mayContain(this.#key(principal, type, length))
  }

  /**
   * The long lengths the principal may have on the type that fit `name`, into `lengths`, and the
   * hash of `name`'s prefix of each (FNV-1a rolled on from `rolled`, finished) into `hashes`;
   * returns how many. Hashed each time: long prefixes are rare.
   */
  prefixesOf(
    principal: number,
    type: number,
    name: string,
    rolled: number,
    lengths: number[],
    hashes: number[],
  ): number {
    const inUse = this.#lengths[type]!
    let state = rolled
    let hashed = 0
    let count = 0
    for (let next = 0; next < inUse.length && inUse[next]! <= name.length; next++) {
      const length = inUse[next]!
      if (!this.mayHave(principal, type, length)) continue
      state = rollHash(state, name, hashed, length)
      hashed = length
      lengths[count] = length
      hashes[count++] = finishHash(state)
    }
    return count
  }
}
