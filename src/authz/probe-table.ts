/**
 * @module authz/probe-table
 *
 * The building blocks both indexes lay their rules out with, chosen for slow memory: 100,000 rules
 * do not fit in a CPU's caches, and a read the caches miss costs hundreds of nanoseconds, far more
 * than the instructions of a decision. What a decision costs is then the number of such reads that
 * wait for one another. So every rule a decision may need is found by a key computed from the
 * request alone (a hash of the resource name or prefix, of the principal, of the kind of rule),
 * never by following pointers from one structure to the next: all the table slots a decision
 * needs can be read at once (`ProbeTable.touch`), and their misses overlap instead of adding up.
 * A key only locates a run of rules; the run's text (name or prefix), principal and place are then
 * compared with the request's, so a hash collision costs a comparison, never a wrong decision.
 */

/**
 * An open-addressing table from 30-bit keys to run positions, four bytes a slot (half a key and
 * position pair, so more of it stays in the CPU's caches). A slot holds the position + 1 (0: empty) and, in the
 * bits the positions leave free, a fingerprint of the key (its top bits). Runs whose keys differ
 * may share a slot's fingerprint, and different runs may share a key (a hash collision): every
 * run that may be stored under a key is handed out, for the caller to compare.
 */
export class ProbeTable {
  readonly #slots: Int32Array
  readonly #slotMask: number
  readonly #positionBits: number
  readonly #positionMask: number
  /** How far right a key is shifted to give its fingerprint. */
  readonly #fingerprintShift: number

  /** `keys[i]` locates `positions[i]` (non-negative). */
  constructor(keys: readonly number[], positions: readonly number[]) {
    let capacity = 16
    // At most two thirds full: a search for a missing key ends after a slot or two, in the same cache line.
    while (capacity * 2 < keys.length * 3) capacity *= 2
    this.#slotMask = capacity - 1
    this.#slots = new Int32Array(capacity)
    let highest = 0
    for (const position of positions) highest = Math.max(highest, position + 1)
    this.#positionBits = Math.max(1, 32 - Math.clz32(highest))
    if (this.#positionBits > 30) throw new RangeError('too many rules for one table')
    this.#positionMask = (1 << this.#positionBits) - 1
    this.#fingerprintShift = this.#positionBits - 2
    for (let index = 0; index < keys.length; index++) {
      let slot = keys[index]! & this.#slotMask
      while (this.#slots[slot] !== 0) slot = (slot + 1) & this.#slotMask
      this.#slots[slot] = this.#fingerprintOf(keys[index]!) | (positions[index]! + 1)
    }
  }

  /** The key's top bits, where a slot's position leaves room. */
  #fingerprintOf(key: number): number {
    return ((key >>> this.#fingerprintShift) << this.#positionBits) | 0
  }

  /**
   * Reads the first slot of each of `keys[0…count)`, one after the other with nothing depending on
   * what was read, so that the CPU waits for all the cache misses together; the lookups that
   * follow then find the slots in cache. Returns a value made of what was read (callers keep it,
   * so that the reads are not optimized away).
   */
  touch(keys: readonly number[], count: number): number {
    const slots = this.#slots
    const slotMask = this.#slotMask
    let sum = 0
    for (let index = 0; index < count; index++) sum ^= slots[keys[index]! & slotMask]!
    return sum
  }

  /**
   * Every run stored under `keys[0…count)`, in key order, into `found` (and the index of the key
   * that found it into `foundBy`); returns how many. Reads the slots of all keys at once first.
   */
  findAll(keys: readonly number[], count: number, found: number[], foundBy: number[]): number {
    this.touched ^= this.touch(keys, count)
    let length = 0
    for (let index = 0; index < count; index++) {
      const before = length
      length = this.positionsOf(keys[index]!, found, length)
      for (let at = before; at < length; at++) foundBy[at] = index
    }
    return length
  }

  /** What `touch` read in `findAll`: kept so that the reads are not optimized away. */
  touched = 0

  /** Appends the position of every run that may be stored under `key` to `found` from `at`; returns the new length. */
  positionsOf(key: number, found: number[], at: number): number {
    const slots = this.#slots
    const positionMask = this.#positionMask
    const fingerprint = this.#fingerprintOf(key)
    let count = at
    for (let slot = key & this.#slotMask; slots[slot] !== 0; slot = (slot + 1) & this.#slotMask) {
      const value = slots[slot]!
      if ((value & ~positionMask) === fingerprint) found[count++] = (value & positionMask) - 1
    }
    return count
  }
}

/**
 * Writes `text` into `words` two UTF-16 code units a word (the first in the low half): a run's
 * text sits beside its header, in the same cache line, instead of one read further away.
 */
export function pushText(words: number[], text: string): void {
  for (let index = 0; index < text.length; index += 2)
    words.push(text.charCodeAt(index) | ((index + 1 < text.length ? text.charCodeAt(index + 1) : 0) << 16))
}

/** How many words `pushText` writes for a text of `length` code units. */
export function textWords(length: number): number {
  return (length + 1) >>> 1
}

/** Whether the `length` code units written by `pushText` at `words[at…]` are the beginning of `name`. */
export function wordsStart(words: Int32Array, at: number, length: number, name: string): boolean {
  if (length > name.length) return false
  const pairs = length >>> 1
  for (let pair = 0; pair < pairs; pair++) {
    if (words[at + pair] !== (name.charCodeAt(2 * pair) | (name.charCodeAt(2 * pair + 1) << 16))) return false
  }
  return (length & 1) === 0 || (words[at + pairs]! & 0xffff) === name.charCodeAt(length - 1)
}

/**
 * The runs a decision looks for, in the order it visits them (each run's key, the owner and text
 * length it must have), and the runs found under those keys. Scratch state: an index keeps one
 * and every decision reuses it, so none allocates.
 */
export class Probes {
  readonly keys: number[] = []
  readonly owners: number[] = []
  readonly lengths: number[] = []
  count = 0
  /** Runs found, in probe order, and the probe that found each. */
  readonly found: number[] = []
  readonly foundBy: number[] = []
  foundCount = 0
  /** What the reads made to fill the caches returned: kept so that they are not optimized away. */
  touched = 0

  /** Adds a probe; returns its index. */
  add(key: number, owner: number, length: number): number {
    this.keys[this.count] = key
    this.owners[this.count] = owner
    this.lengths[this.count] = length
    return this.count++
  }

  /**
   * Finds the runs stored under the probes' keys in `table` (see `findAll`: the slots are read
   * together), then reads the first word of every run found (in `words`) together, so that the
   * runs are in cache when they are compared. Returns how many were found.
   */
  find(table: ProbeTable, words: Int32Array): number {
    this.foundCount = table.findAll(this.keys, this.count, this.found, this.foundBy)
    let touched = 0
    for (let at = 0; at < this.foundCount; at++) touched ^= words[this.found[at]!]!
    this.touched ^= touched
    return this.foundCount
  }
}
