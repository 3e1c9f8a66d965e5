/**
 * @module authz/prefix-index
 *
 * Name prefixes (PREFIXED ACLs, role bindings on `topic=orders-*`) by principal, answering "which
 * of this principal's prefixes start this name?". Decisions ask it for each of the caller's
 * principals. With large rule sets the cost of a decision is the cold memory it reads, not its
 * instructions, so the layout is chosen for memory traffic:
 * - a principal with up to `PACKED_LIMIT` prefixes has them packed (each prefix after a character
 *   holding its length, shortest first) in one string shared by every principal of the set, found
 *   through one array of regions: a question reads the region and one or two cache lines of text,
 *   with no object per principal to go through;
 * - a principal with more (`User:*` gathers many) has them in a hash table by length
 *   (`PrefixesByLength`): one probe per distinct prefix length, in a table small enough to stay
 *   in cache, instead of a walk through a tree whose nodes are scattered over the heap.
 */
import { FNV_OFFSET_BASIS, FNV_PRIME, finishHash, hashName } from './membership-filter.ts'

/** Past this many prefixes a principal's scan costs more than a probe per length. */
export const PACKED_LIMIT = 32

/** A prefix longer than this cannot have its length stored in one UTF-16 unit: it goes by length. */
const PACKED_MAX_LENGTH = 0xffff

/** Shortest first: the order in which both forms report matches. */
function byLength<Value>(prefixes: ReadonlyMap<string, Value>): [string, Value][] {
  return [...prefixes].sort(([a], [b]) => a.length - b.length)
}

/**
 * A large set of prefixes in an open-addressing table keyed by each prefix's `hashName`. A name is
 * hashed once, rolling: at each length some prefix has, the hash so far is looked up. A hash match
 * is confirmed against the prefix itself, so a collision costs a comparison, never a wrong answer.
 */
class PrefixesByLength<Value> {
  /** The distinct lengths of the stored prefixes, ascending. */
  readonly #lengths: Int32Array
  /** Pairs (hash, position + 1) of `#prefixes`; position 0 marks an empty slot. */
  readonly #slots: Int32Array
  readonly #slotMask: number
  readonly #prefixes: readonly string[]
  readonly #values: readonly Value[]

  constructor(prefixes: ReadonlyMap<string, Value>) {
    const sorted = byLength(prefixes)
    this.#prefixes = sorted.map(([prefix]) => prefix)
    this.#values = sorted.map(([, value]) => value)
    this.#lengths = Int32Array.from(new Set(this.#prefixes.map((prefix) => prefix.length)))
    let capacity = 4
    while (capacity < sorted.length * 2) capacity *= 2
    this.#slotMask = capacity - 1
    this.#slots = new Int32Array(capacity * 2)
    this.#prefixes.forEach((prefix, position) => {
      const hash = hashName(prefix)
      let slot = hash & this.#slotMask
      while (this.#slots[slot * 2 + 1] !== 0) slot = (slot + 1) & this.#slotMask
      this.#slots[slot * 2] = hash
      this.#slots[slot * 2 + 1] = position + 1
    })
  }

  /**
   * Writes the value of every stored prefix of `name` into `found` from index 0, shortest first,
   * and returns how many. The rolling hash is `hashName`'s, one step at a time.
   */
  matchesOf(name: string, found: Value[]): number {
    let count = 0
    const lengths = this.#lengths
    const slots = this.#slots
    let rolled = FNV_OFFSET_BASIS
    let hashed = 0
    for (let next = 0; next < lengths.length; next++) {
      const length = lengths[next]!
      if (length > name.length) break
      for (; hashed < length; hashed++) rolled = Math.imul(rolled ^ name.charCodeAt(hashed), FNV_PRIME)
      const hash = finishHash(rolled)
      for (let slot = hash & this.#slotMask; slots[slot * 2 + 1] !== 0; slot = (slot + 1) & this.#slotMask) {
        if (slots[slot * 2] !== hash) continue
        const position = slots[slot * 2 + 1]! - 1
        const prefix = this.#prefixes[position]!
        // Equal lengths: a shorter prefix with the same hash is found at its own length.
        if (prefix.length === length && name.startsWith(prefix)) {
          found[count++] = this.#values[position]!
          break
        }
      }
    }
    return count
  }
}

/** Words per principal in the region table: start and end in the packed text, first value's position. */
const REGION_WORDS = 3
/** `regions[…+2]` of a principal whose prefixes are in `#byLength`. */
const BY_LENGTH = -1
/** A table indexed by principal number is kept while at most this many times longer than the principals (plus the slack). */
const DENSE_FACTOR = 4
const DENSE_SLACK = 64

/** Every principal's prefixes of one kind (one resource type, one node of the resource tree), each with a value. */
export class PrincipalPrefixes<Value> {
  /** The packed form of every principal with few prefixes, one after the other. */
  readonly #packed: string
  /** `REGION_WORDS` per principal number: where its prefixes lie in `#packed` and `#values`. */
  readonly #regions: Int32Array
  /** Packed form: the values, in the order of `#packed`. */
  readonly #values: readonly Value[]
  /** The principals with many prefixes. */
  readonly #byLength = new Map<number, PrefixesByLength<Value>>()
  /**
   * Where principals are few and their numbers high (a prefix pattern deep in the resource tree,
   * held by a handful of a large index's principals), each principal's row in `#regions`: a table
   * indexed by number would be mostly empty. Undefined when it is (the row is the number).
   */
  readonly #rowOf: Map<number, number> | undefined

  /**
   * `byPrincipal` maps principal numbers (small integers: the table is indexed by them) to their
   * prefixes. `packedLimit` is for tests, to exercise both forms with the same prefixes.
   */
  constructor(byPrincipal: ReadonlyMap<number, ReadonlyMap<string, Value>>, packedLimit = PACKED_LIMIT) {
    let highest = -1
    for (const principal of byPrincipal.keys()) highest = Math.max(highest, principal)
    const isSparse = highest + 1 > DENSE_FACTOR * byPrincipal.size + DENSE_SLACK
    this.#rowOf = isSparse
      ? new Map([...byPrincipal.keys()].map((principal, row) => [principal, row]))
      : undefined
    this.#regions = new Int32Array((isSparse ? byPrincipal.size : highest + 1) * REGION_WORDS)
    const text: string[] = []
    const values: Value[] = []
    let end = 0
    for (const [principal, prefixes] of byPrincipal) {
      const sorted = byLength(prefixes)
      const at = (this.#rowOf?.get(principal) ?? principal) * REGION_WORDS
      if (sorted.length > packedLimit || (sorted.at(-1)?.[0].length ?? 0) > PACKED_MAX_LENGTH) {
        this.#byLength.set(principal, new PrefixesByLength(prefixes))
        this.#regions[at + 2] = BY_LENGTH
        continue
      }
      this.#regions[at] = end
      this.#regions[at + 2] = values.length
      for (const [prefix, value] of sorted) {
        text.push(String.fromCharCode(prefix.length), prefix)
        end += 1 + prefix.length
        values.push(value)
      }
      this.#regions[at + 1] = end
    }
    this.#packed = text.join('')
    this.#values = values
  }

  /**
   * Writes the value of every prefix of `name` (the empty prefix included) that `principal` holds
   * into `found` from index 0, shortest first, and returns how many. `found` is the caller's
   * reusable scratch array: nothing is allocated here, as this runs for every decision.
   */
  matchesOf(principal: number, name: string, found: Value[]): number {
    const row = this.#rowOf === undefined ? principal : this.#rowOf.get(principal)
    if (row === undefined) return 0
    const at = row * REGION_WORDS
    if (at >= this.#regions.length) return 0
    const regions = this.#regions
    let valueAt = regions[at + 2]!
    if (valueAt === BY_LENGTH) return this.#byLength.get(principal)!.matchesOf(name, found)
    const packed = this.#packed
    const end = regions[at + 1]!
    let count = 0
    for (let position = regions[at]!; position < end; valueAt++) {
      const length = packed.charCodeAt(position)
      if (length > name.length) break // shortest first: no later prefix fits either
      const start = position + 1
      let matched = 0
      while (matched < length && packed.charCodeAt(start + matched) === name.charCodeAt(matched)) matched++
      if (matched === length) found[count++] = this.#values[valueAt]!
      position = start + length
    }
    return count
  }
}
