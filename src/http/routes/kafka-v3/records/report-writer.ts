/**
 * @module http/routes/kafka-v3/records/report-writer
 *
 * Writes a produce stream's delivery reports strictly in the order of its records, whatever order
 * Kafka answers in. Reports that are ready together go out in one write: Kafka settles a whole
 * batch of records at once, and one write per record would cost more than the record itself.
 */
import type { Writable } from 'node:stream'

/** The place of one report in the output; filled in by `settle`. */
export interface ReportSlot {
  line: string | undefined
}

export class OrderedReportWriter {
  readonly #out: Writable
  readonly #isGone: () => boolean
  /** Reserved slots from the first unwritten one (at `#head`) on. */
  #slots: (ReportSlot | undefined)[] = []
  #head = 0
  #isFlushQueued = false
  #isAwaitingDrain = false
  #waiters: { below: number; resolve: () => void }[] = []

  /** @param isGone whether the client has left; reports are then dropped instead of written. */
  constructor(out: Writable, isGone: () => boolean) {
    this.#out = out
    this.#isGone = isGone
  }

  /** Reports reserved and not yet handed to the output. */
  get pending(): number {
    return this.#slots.length - this.#head
  }

  /**
   * Takes the next place in the output for `slot` (a new one by default). Every slot must be
   * settled, or `drained(0)` never resolves.
   */
  reserve<Slot extends ReportSlot>(slot: Slot): Slot
  reserve(): ReportSlot
  reserve(slot: ReportSlot = { line: undefined }): ReportSlot {
    this.#slots.push(slot)
    return slot
  }

  /** Gives a slot its text (one JSON report followed by CRLF). */
  settle(slot: ReportSlot, line: string): void {
    slot.line = line
    if (this.#isFlushQueued) return
    this.#isFlushQueued = true
    // Kafka's answer settles many slots in one run of microtasks; flushing after them writes once.
    queueMicrotask(() => this.#flush())
  }

  /** Resolves once at most `below` reports are still unwritten. */
  drained(below: number): Promise<void> {
    if (this.pending <= below) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ below, resolve }))
  }

  /** To be called when the client leaves: a write waiting for the output to drain gives up. */
  wake(): void {
    this.#isAwaitingDrain = false
    this.#flush()
  }

  #flush(): void {
    this.#isFlushQueued = false
    if (this.#isAwaitingDrain) return
    let text = ''
    while (this.#head < this.#slots.length) {
      const line = this.#slots[this.#head]!.line
      if (line === undefined) break
      text += line
      this.#slots[this.#head++] = undefined
    }
    if (this.#head > 1_024 && this.#head * 2 > this.#slots.length) {
      this.#slots = this.#slots.slice(this.#head)
      this.#head = 0
    }
    if (text !== '' && !this.#isGone() && !this.#out.write(text)) {
      this.#isAwaitingDrain = true
      this.#out.once('drain', () => this.wake())
    }
    if (this.#waiters.length === 0) return
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.pending > waiter.below) return true
      waiter.resolve()
      return false
    })
  }
}
