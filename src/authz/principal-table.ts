/**
 * @module authz/principal-table
 *
 * The principals an index's rules name, numbered 0, 1, 2… (numbers are cheaper keys than strings,
 * and a caller principal no rule names is dropped before any rule is looked for). Every decision
 * reads this table, so it is kept compact, for more of it to stay in the CPU's caches: a slot table
 * (see `ProbeTable`) and the entries in one typed array, names two characters a word (about
 * 100 KiB for 2,000 principals). A `Map` spreads its entries and key strings over the heap; with
 * the benchmark's rules its lookups took about twice as long. Each principal's entry also holds a few words of
 * the index's own (what rules it has), read with its name instead of one read later. During a
 * decision, `hold` notes the numbers of the caller's principals and where their words are;
 * decisions are synchronous, so one scratch list serves every decision and none allocates.
 */
import { hashName } from './membership-filter.ts'
import { ProbeTable, pushText, wordsStart } from './probe-table.ts'

/** Kafka's principal for everyone: its ACLs apply to every caller, whether they name it or not. */
export const EVERYONE = 'User:*'

/** Per principal in `words`: its number, its length, the index's words, then its name. */
const NUMBER = 0
const LENGTH = 1
const DATA = 2

export class PrincipalTable {
  readonly #table: ProbeTable
  /** The entries; a held principal's own words start at `words[heldData[i]]`. */
  readonly words: Int32Array
  readonly #dataWords: number
  readonly size: number
  /** The numbers of the caller's principals, in `held[0…heldCount)`; valid until the next `hold`. */
  readonly held: number[] = []
  readonly heldData: number[] = []
  heldCount = 0
  /** Where `User:*`'s entry is in `words`, or -1 when no rule names it. */
  readonly #everyoneAt: number
  readonly #candidates: number[] = []

  /**
   * Numbers `principals` (distinct) by position. Each has `dataWords` words of the index's own,
   * `data[number * dataWords…]`.
   */
  constructor(principals: readonly string[], dataWords = 0, data: Int32Array = new Int32Array(0)) {
    const words: number[] = []
    const positions: number[] = []
    this.#dataWords = dataWords
    principals.forEach((principal, number) => {
      positions.push(words.length)
      words.push(number, principal.length)
      for (let word = 0; word < dataWords; word++) words.push(data[number * dataWords + word] ?? 0)
      pushText(words, principal)
    })
    this.words = Int32Array.from(words)
    this.#table = new ProbeTable(
      principals.map((principal) => hashName(principal)),
      positions,
    )
    this.size = principals.length
    this.#everyoneAt = this.#lookup(EVERYONE, hashName(EVERYONE))
  }

  /** The principal's number, or -1 when no rule names it. */
  numberOf(principal: string): number {
    const at = this.#lookup(principal, hashName(principal))
    return at < 0 ? -1 : this.words[at + NUMBER]!
  }

  /** Where the entry of `principal` (whose `hashName` is `hash`) is in `words`, or -1 when no rule names it. */
  #lookup(principal: string, hash: number): number {
    const count = this.#table.positionsOf(hash, this.#candidates, 0)
    const words = this.words
    const nameAt = DATA + this.#dataWords
    for (let index = 0; index < count; index++) {
      const at = this.#candidates[index]!
      if (
        words[at + LENGTH] === principal.length &&
        wordsStart(words, at + nameAt, principal.length, principal)
      )
        return at
    }
    return -1
  }

  /**
   * Notes the numbers of the caller's principals that rules name, each once, and where their
   * words are: `User:*` last when `withEveryone` (and rules name it), otherwise left out. Returns
   * how many.
   */
  hold(principals: readonly string[], withEveryone: boolean): number {
    this.heldCount = 0
    for (let index = 0; index < principals.length; index++) {
      const principal = principals[index]!
      if (principal === EVERYONE) continue
      const at = this.#lookup(principal, hashOfPrincipal(principal, index))
      if (at < 0) continue
      const number = this.words[at + NUMBER]!
      if (this.#holds(number)) continue
      this.heldData[this.heldCount] = at + DATA
      this.held[this.heldCount++] = number
    }
    if (withEveryone && this.#everyoneAt >= 0) {
      this.heldData[this.heldCount] = this.#everyoneAt + DATA
      this.held[this.heldCount++] = this.words[this.#everyoneAt + NUMBER]!
    }
    return this.heldCount
  }

  #holds(number: number): boolean {
    for (let index = 0; index < this.heldCount; index++) if (this.held[index] === number) return true
    return false
  }
}

/*
 * The hashes of the principals last looked up, by their place in the caller's list: a decision
 * looks the caller's principals up in the ACL index's table and then in the role-binding index's,
 * and hashes each once. A hash is reused only for the same name (compared, not assumed).
 */
const recentNames: string[] = []
const recentHashes: number[] = []

function hashOfPrincipal(principal: string, place: number): number {
  if (recentNames[place] === principal) return recentHashes[place]!
  const hash = hashName(principal)
  recentNames[place] = principal
  recentHashes[place] = hash
  return hash
}
