/**
 * @module authz/membership-filter
 *
 * The hashing the indexes build their keys with (`hashName`, `memberKey`), and a blocked Bloom
 * filter over such keys: "certainly not stored" or "maybe stored". The indexes ask the filter
 * before looking for rules that are rarely there (a principal's prefixes longer than the lengths
 * its own word records); a "maybe" is always followed by the real lookup, so a false positive
 * costs time, never a wrong decision, and there are no false negatives.
 */

/*
 * Every hash handed out is cut to 30 bits: V8 keeps such numbers as small integers, while a full
 * 32-bit value crossing a call or stored in a map is boxed, an allocation per decision.
 */
const SMALL = 0x3fffffff

/** FNV-1a's start; callers that need the hash of every prefix of a name roll it with `FNV_PRIME`. */
export const FNV_OFFSET_BASIS = 0x811c9dc5 | 0
export const FNV_PRIME = 0x01000193

/** FNV-1a over the name's UTF-16 code units, finished by `finishHash`. */
export function hashName(name: string): number {
  return finishHash(rollHash(FNV_OFFSET_BASIS, name, 0, name.length))
}

/** FNV-1a's steps over `text[from…to)`, on from `state` (unfinished: see `finishHash`). */
export function rollHash(state: number, text: string, from: number, to: number): number {
  let hash = state
  for (let index = from; index < to; index++) hash = Math.imul(hash ^ text.charCodeAt(index), FNV_PRIME)
  return hash
}

/** The last step of `hashName`, for callers that rolled the FNV-1a steps themselves. */
export function finishHash(hash: number): number {
  return mix(hash) & SMALL
}

/** MurmurHash3's 32-bit finalizer: every input bit affects every output bit. */
function mix(value: number): number {
  let hash = value
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return hash >>> 0
}

/** The key of a name (its `hashName`) under a small tag, e.g. a principal's number and a resource type. */
export function memberKey(nameHash: number, tag: number): number {
  return mix(nameHash ^ Math.imul(tag + 1, 0x9e3779b1)) & SMALL
}

/** Bits per key: about 1 % false positives with three bits set in a 512-bit block. */
const BITS_PER_KEY = 16
/** One block is one 64-byte cache line: a query reads one line. */
const WORDS_PER_BLOCK = 16

export class MembershipFilter {
  readonly #words: Int32Array
  readonly #blockMask: number

  constructor(keys: readonly number[]) {
    let blocks = 1
    while (blocks * WORDS_PER_BLOCK * 32 < keys.length * BITS_PER_KEY) blocks *= 2
    this.#words = new Int32Array(blocks * WORDS_PER_BLOCK)
    this.#blockMask = blocks - 1
    for (const key of keys) this.#add(key)
  }

  #add(key: number): void {
    const base = (key & this.#blockMask) * WORDS_PER_BLOCK
    const bits = mix(key ^ 0x5bd1e995)
    for (let shift = 0; shift < 27; shift += 9) {
      const bit = (bits >>> shift) & 511
      this.#words[base + (bit >>> 5)]! |= 1 << (bit & 31)
    }
  }

  /** False: the key was certainly not given. True: it may have been. */
  mayContain(key: number): boolean {
    const base = (key & this.#blockMask) * WORDS_PER_BLOCK
    const bits = mix(key ^ 0x5bd1e995)
    const words = this.#words
    for (let shift = 0; shift < 27; shift += 9) {
      const bit = (bits >>> shift) & 511
      if ((words[base + (bit >>> 5)]! & (1 << (bit & 31))) === 0) return false
    }
    return true
  }
}
