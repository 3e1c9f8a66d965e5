/**
 * @module authz/principal-numbers
 *
 * The principals rules name, numbered 0, 1, 2… in the order first seen (`User:*` is 0): numbers are
 * cheaper keys than strings, and dense enough to index arrays. During a decision, `hold` notes
 * which of them the caller holds; decisions are synchronous, so one scratch list serves every
 * decision and none allocates. Indexes built with the same numbering (the authorizer's ACL and
 * role-binding indexes) share one `hold` per decision: looking the caller's principals up is
 * a large part of a decision's cost when the rules do not fit in the CPU's caches.
 */
export const EVERYONE = 'User:*'
export const EVERYONE_ID = 0

/**
 * Passed to an index as the caller's principals: those its `PrincipalNumbers` holds already, by a
 * `hold(principals, EVERYONE_ID)` made for this decision.
 */
export const HELD: readonly string[] = Object.freeze([])

export class PrincipalNumbers {
  readonly #numbers = new Map<string, number>([[EVERYONE, EVERYONE_ID]])
  /** The numbers of the caller's principals, in `held[0…heldCount)`; valid until the next `hold`. */
  readonly held: number[] = []
  heldCount = 0

  /** How many principals are numbered: every number is below it. */
  get size(): number {
    return this.#numbers.size
  }

  /** The principal's number, a new one if it had none. */
  numberOf(principal: string): number {
    let number = this.#numbers.get(principal)
    if (number === undefined) {
      number = this.#numbers.size
      this.#numbers.set(principal, number)
    }
    return number
  }

  /**
   * Notes the numbers of the caller's principals (those the rules name, each once, `excluded`
   * left out) and returns how many there are.
   */
  hold(principals: readonly string[], excluded = -1): number {
    this.heldCount = 0
    for (let index = 0; index < principals.length; index++) {
      const number = this.#numbers.get(principals[index]!)
      if (number !== undefined && number !== excluded && !this.holds(number))
        this.held[this.heldCount++] = number
    }
    return this.heldCount
  }

  /** Whether the caller holds the principal numbered `number` (after `hold`). */
  holds(number: number): boolean {
    for (let index = 0; index < this.heldCount; index++) if (this.held[index] === number) return true
    return false
  }
}
