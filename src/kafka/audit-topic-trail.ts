/**
 * @module kafka/audit-topic-trail
 *
 * Writes audit records to a Kafka topic. `record()` only queues: a background loop delivers the
 * queue in order, keyed by the record's subject so that the records of one resource stay in order
 * within their partition. While Kafka is unreachable the queue grows up to `bufferMaxBytes`; past
 * that the oldest records are dropped and counted, so an outage costs a bounded amount of memory
 * and never slows a request down.
 */
import type { AuditRecord, AuditTrail, AuditTrailStats } from '../core/index.ts'
import { GatewayError } from '../core/index.ts'
import type { KafkaClusterClient } from './port.ts'

export interface KafkaAuditTrailOptions {
  readonly topic: string
  /** The client of the cluster that holds the topic (resolved on each delivery attempt). */
  readonly client: () => Promise<KafkaClusterClient>
  readonly bufferMaxBytes: number
  /** Records sent together at most. */
  readonly batchSize?: number
  /** First and longest wait between failed attempts. */
  readonly retryInitialMs?: number
  readonly retryMaxMs?: number
  /** Told about delivery failures (rate-limited by the backoff). */
  readonly onError?: (error: unknown) => void
}

interface Queued {
  readonly key: Buffer
  readonly value: Buffer
}

const sizeOf = (entry: Queued): number => entry.key.length + entry.value.length

/** Errors that trying again will not cure. */
function isRefusedForGood(error: unknown): boolean {
  return (
    error instanceof GatewayError &&
    (error.code === 'GW_KAFKA_RECORD_TOO_LARGE' || error.code === 'GW_KAFKA_INVALID_REQUEST')
  )
}

export class KafkaAuditTrail implements AuditTrail {
  readonly #options: KafkaAuditTrailOptions
  #queue: Queued[] = []
  #bufferedBytes = 0
  #inFlight = 0
  #delivered = 0
  #dropped = 0
  #pumping: Promise<void> | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #retryDelayMs: number
  #hasTopic = false
  #isClosing = false
  #isClosed = false

  constructor(options: KafkaAuditTrailOptions) {
    if (!(options.bufferMaxBytes > 0)) throw new TypeError('bufferMaxBytes must be positive')
    this.#options = options
    this.#retryDelayMs = options.retryInitialMs ?? 100
  }

  record(event: AuditRecord): void {
    let value: Buffer
    try {
      value = Buffer.from(JSON.stringify(event))
    } catch {
      this.#dropped++
      return
    }
    const entry = { key: Buffer.from(String(event.subject)), value }
    const size = sizeOf(entry)
    if (size > this.#options.bufferMaxBytes || this.#isClosed) {
      this.#dropped++
      return
    }
    this.#queue.push(entry)
    this.#bufferedBytes += size
    // Records being sent right now are not in the queue; they count against the bound until settled.
    while (this.#bufferedBytes > this.#options.bufferMaxBytes && this.#queue.length > 0) {
      const oldest = this.#queue.shift()!
      this.#bufferedBytes -= sizeOf(oldest)
      this.#dropped++
    }
    this.#schedule()
  }

  stats(): AuditTrailStats {
    return {
      buffered: this.#queue.length + this.#inFlight,
      bufferedBytes: this.#bufferedBytes,
      delivered: this.#delivered,
      dropped: this.#dropped,
    }
  }

  /** Tries to deliver what is queued within `timeoutMs`, then stops; later records are dropped. */
  async close(timeoutMs: number): Promise<void> {
    // From here on only this loop delivers, so nothing is sent twice.
    this.#isClosing = true
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    await this.#pumping
    const deadline = Date.now() + timeoutMs
    while (this.#queue.length > 0 && Date.now() < deadline) {
      await this.#pump()
      if (this.#queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    this.#isClosed = true
  }

  #schedule(): void {
    if (this.#pumping !== undefined || this.#retryTimer !== undefined || this.#isClosing) return
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined
    })
  }

  async #pump(): Promise<void> {
    while (this.#queue.length > 0) {
      // Taken out of the queue while in flight, so that dropping the oldest never drops these;
      // they still count against the bound until they are settled.
      const batch = this.#queue.splice(0, this.#options.batchSize ?? 500)
      this.#inFlight = batch.length
      let results: PromiseSettledResult<unknown>[] | undefined
      let failure: unknown
      try {
        const client = await this.#options.client()
        await this.#ensureTopic(client)
        results = await Promise.allSettled(
          batch.map((entry) =>
            client.produce(this.#options.topic, { key: entry.key, value: entry.value, headers: [] }),
          ),
        )
      } catch (error) {
        failure = error
      }
      this.#inFlight = 0
      const retry: Queued[] = []
      batch.forEach((entry, index) => {
        const result = results?.[index]
        if (result?.status === 'fulfilled') {
          this.#delivered++
        } else if (result !== undefined && isRefusedForGood(result.reason)) {
          // A record Kafka will never take (too large for the topic) would block the queue for good.
          this.#dropped++
        } else {
          failure ??= result?.reason
          retry.push(entry)
          return
        }
        this.#bufferedBytes -= sizeOf(entry)
      })
      if (retry.length > 0) {
        this.#queue.unshift(...retry)
        this.#options.onError?.(failure)
        this.#retryLater()
        return
      }
      this.#retryDelayMs = this.#options.retryInitialMs ?? 100
    }
  }

  #retryLater(): void {
    if (this.#isClosing) return
    const delay = this.#retryDelayMs
    this.#retryDelayMs = Math.min(delay * 2, this.#options.retryMaxMs ?? 5_000)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      this.#schedule()
    }, delay)
    this.#retryTimer.unref()
  }

  async #ensureTopic(client: KafkaClusterClient): Promise<void> {
    if (this.#hasTopic) return
    try {
      await client.createTopic({ name: this.#options.topic, configs: [], validateOnly: false })
    } catch (error) {
      if (!(error instanceof GatewayError && error.code === 'GW_KAFKA_TOPIC_EXISTS')) throw error
    }
    this.#hasTopic = true
  }
}
