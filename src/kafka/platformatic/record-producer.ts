/**
 * @module kafka/platformatic/record-producer
 *
 * Produces records for many concurrent HTTP requests through one Kafka producer. Records that
 * arrive in the same turn of the event loop are sent together (one Produce request per leader),
 * which is where the throughput comes from; each record still settles on its own.
 *
 * The gateway chooses every record's partition itself before sending: the library would silently
 * wrap a partition id past the topic's end, and it reports one base offset per partition, from
 * which each record's own offset is derived (offsets within one batch are contiguous).
 */
import { murmur2, type MessageToProduce, type Producer } from '@platformatic/kafka'
import { GatewayError } from '../../core/index.ts'
import type { KafkaRecordToProduce, ProducedKafkaRecord } from '../port.ts'
import { toGatewayError } from './error-mapping.ts'

interface PendingRecord {
  readonly topic: string
  readonly record: KafkaRecordToProduce
  readonly timestamp: Date
  readonly resolve: (produced: ProducedKafkaRecord) => void
  readonly reject: (error: GatewayError) => void
}

interface Placed extends PendingRecord {
  readonly partitionId: number
}

/** Most records one Produce round carries; the rest wait for the next round. */
const MAX_BATCH_RECORDS = 2_000

export interface RecordProducerOptions {
  readonly producer: Producer
  /** Partition count of a topic; rejects with `GW_KAFKA_UNKNOWN_TOPIC`. `refresh` skips caches. */
  readonly partitionCount: (topic: string, refresh: boolean) => Promise<number>
}

function recordSizeError(error: GatewayError): boolean {
  return error.code === 'GW_KAFKA_RECORD_TOO_LARGE'
}

export class RecordProducer {
  readonly #producer: Producer
  readonly #partitionCount: RecordProducerOptions['partitionCount']
  #pending: PendingRecord[] = []
  #isFlushScheduled = false
  readonly #roundRobin = new Map<string, number>()

  constructor(options: RecordProducerOptions) {
    this.#producer = options.producer
    this.#partitionCount = options.partitionCount
  }

  produce(topic: string, record: KafkaRecordToProduce): Promise<ProducedKafkaRecord> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ topic, record, timestamp: record.timestamp ?? new Date(), resolve, reject })
      if (!this.#isFlushScheduled) {
        this.#isFlushScheduled = true
        setImmediate(() => void this.#flush())
      }
    })
  }

  async #flush(): Promise<void> {
    this.#isFlushScheduled = false
    const batch = this.#pending.splice(0, MAX_BATCH_RECORDS)
    if (this.#pending.length > 0) {
      this.#isFlushScheduled = true
      setImmediate(() => void this.#flush())
    }
    const placed = await this.#place(batch)
    if (placed.length > 0) await this.#send(placed, true)
  }

  /** Chooses each record's partition; records that cannot be placed are rejected here. */
  async #place(batch: PendingRecord[]): Promise<Placed[]> {
    const counts = new Map<string, Promise<number>>()
    const countOf = (topic: string) => {
      let count = counts.get(topic)
      if (!count) {
        count = this.#partitionCount(topic, false)
        counts.set(topic, count)
      }
      return count
    }
    const placed: Placed[] = []
    for (const pending of batch) {
      try {
        let count = await countOf(pending.topic)
        const requested = pending.record.partitionId
        if (requested !== undefined && requested >= count) {
          // The topic may have grown since the count was cached.
          count = await this.#partitionCount(pending.topic, true)
          counts.set(pending.topic, Promise.resolve(count))
        }
        if (requested !== undefined && (requested < 0 || requested >= count)) {
          throw new GatewayError('GW_KAFKA_PARTITION_NOT_FOUND')
        }
        placed.push({ ...pending, partitionId: requested ?? this.#choosePartition(pending, count) })
      } catch (error) {
        pending.reject(toGatewayError(error, { topicName: pending.topic }))
      }
    }
    return placed
  }

  /** Kafka's Java client's choice for keyed records (murmur2), round robin for the rest. */
  #choosePartition(pending: PendingRecord, count: number): number {
    const key = pending.record.key
    if (key !== null && key.length > 0) return (murmur2(key) & 0x7fffffff) % count
    const next = this.#roundRobin.get(pending.topic) ?? 0
    this.#roundRobin.set(pending.topic, next + 1)
    return next % count
  }

  async #send(records: Placed[], canSplit: boolean): Promise<void> {
    const messages: MessageToProduce[] = records.map(({ topic, record, partitionId, timestamp }) => ({
      topic,
      partition: partitionId,
      timestamp: BigInt(timestamp.getTime()),
      ...(record.key === null ? {} : { key: record.key }),
      ...(record.value === null ? {} : { value: record.value }),
      // Distinct Buffer keys keep repeated header names apart. A null value is written as Kafka's
      // null header value (length -1) by the library's encoder, which its types do not show.
      headers: new Map(record.headers.map((header) => [Buffer.from(header.name), header.value as Buffer])),
    }))
    let offsets: { topic: string; partition: number; offset: bigint }[] = []
    let failure: GatewayError | undefined
    try {
      offsets = (await this.#producer.send({ messages, acks: -1 })).offsets ?? []
    } catch (error) {
      failure = toGatewayError(error)
      offsets = (error as { produced?: { offsets?: typeof offsets } }).produced?.offsets ?? []
      if (recordSizeError(failure) && canSplit && records.length > 1) {
        // One oversized record fails its whole partition batch; resend one by one so that only it fails.
        for (const record of records) await this.#send([record], false)
        return
      }
    }
    const baseOffsets = new Map(
      offsets.map((entry) => [`${entry.topic}\u0000${entry.partition}`, entry.offset]),
    )
    const nextIndex = new Map<string, bigint>()
    for (const record of records) {
      const partitionKey = `${record.topic}\u0000${record.partitionId}`
      const base = baseOffsets.get(partitionKey)
      if (base === undefined) {
        record.reject(failure ?? new GatewayError('GW_KAFKA_ERROR', 'Kafka did not acknowledge the record.'))
        continue
      }
      const index = nextIndex.get(partitionKey) ?? 0n
      nextIndex.set(partitionKey, index + 1n)
      record.resolve({ partitionId: record.partitionId, offset: base + index, timestamp: record.timestamp })
    }
  }

  async close(): Promise<void> {
    await this.#producer.close()
  }
}
