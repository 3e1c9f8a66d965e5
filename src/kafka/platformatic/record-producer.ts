/**
 * @module kafka/platformatic/record-producer
 *
 * Produces records for many concurrent HTTP requests. Records that arrive in the same turn of the
 * event loop are sent together (one record batch per partition), which is where the throughput
 * comes from; each record still settles on its own.
 *
 * The gateway chooses every record's partition itself before sending: Kafka's answer gives one
 * base offset per batch, from which each record's own offset is derived (offsets within one batch
 * are contiguous).
 */
import { murmur2 } from '@platformatic/kafka'
import { GatewayError } from '../../core/index.ts'
import type { KafkaRecordToProduce, ProduceReceipt, ProducedKafkaRecord } from '../port.ts'
import { keyByteLength, valueByteLength } from '../record-data.ts'
import { toGatewayError } from './error-mapping.ts'
import type { BatchEntry } from './record-batch.ts'

/**
 * Where batches go: one partition's batch is appended whole or not at all.
 *
 * `append` resolves with the offset Kafka gave the batch's first record (the others follow it in
 * order), and rejects with a `GatewayError`; after a rejection none of the batch was written,
 * except when Kafka could not be heard from in time (then it is unknown, and the records are
 * reported failed, never written).
 */
export interface PartitionWriter {
  append(topic: string, partitionId: number, entries: readonly BatchEntry[]): Promise<bigint>
  close(): Promise<void>
}

interface PendingRecord {
  readonly topic: string
  readonly record: KafkaRecordToProduce
  readonly timestamp: Date
  readonly receipt: ProduceReceipt
  /** Chosen when the record's round is placed (-1 until then). */
  partitionId: number
}

type Placed = PendingRecord

/** Most records one round takes from the queue; the rest wait for the next round. */
const MAX_ROUND_RECORDS = 2_000
/**
 * Most bytes (keys, values, headers) sent to one partition in one Produce request. A partition's
 * batch must fit the topic's `max.message.bytes` (1 MiB by default) or all of it fails.
 */
const MAX_PARTITION_BATCH_BYTES = 512 * 1_024
/**
 * Rounds sent and not yet answered. While this many are out, new records wait and join the next
 * round: under load that makes fewer, fuller Produce requests, which is where the gateway's CPU
 * goes; when idle a record is still sent in the next turn of the event loop.
 */
const MAX_ROUNDS_IN_FLIGHT = 3
/**
 * While a round is out, the next one waits until this many records are pending (or until no
 * round is out): a Produce request of a few records costs the broker almost as much CPU as one of
 * hundreds, and on a machine the broker shares, that CPU is the gateway's throughput. An idle
 * gateway still sends a lone record at once.
 */
const FULL_ROUND_RECORDS = 1_000

export interface RecordProducerOptions {
  readonly writer: PartitionWriter
  /** Partition count of a topic; rejects with `GW_KAFKA_UNKNOWN_TOPIC`. `refresh` skips caches. */
  readonly partitionCount: (topic: string, refresh: boolean) => Promise<number>
}

function isRecordSizeError(error: GatewayError): boolean {
  return error.code === 'GW_KAFKA_RECORD_TOO_LARGE'
}

function sizeOf(record: KafkaRecordToProduce): number {
  let size = Math.max(0, keyByteLength(record)) + Math.max(0, valueByteLength(record))
  for (const header of record.headers) size += header.name.length + (header.value?.length ?? 0)
  return size
}

export class RecordProducer {
  readonly #writer: PartitionWriter
  readonly #partitionCount: RecordProducerOptions['partitionCount']
  #pending: PendingRecord[] = []
  #isFlushScheduled = false
  #roundsInFlight = 0
  /** By topic: where the next round's keyless records go (modulo the partition count). */
  readonly #nextKeylessPartition = new Map<string, number>()
  /** The placing of the latest round; each round is placed after the one before it. */
  #lastPlacing: Promise<unknown> = Promise.resolve()

  constructor(options: RecordProducerOptions) {
    this.#writer = options.writer
    this.#partitionCount = options.partitionCount
  }

  produce(topic: string, record: KafkaRecordToProduce): Promise<ProducedKafkaRecord> {
    return new Promise((delivered, failed) => this.produceTo(topic, record, { delivered, failed }))
  }

  /** Settles `receipt` with a `GatewayError` on failure. */
  produceTo(topic: string, record: KafkaRecordToProduce, receipt: ProduceReceipt): void {
    const timestamp = record.timestamp ?? new Date()
    this.#pending.push({ topic, record, timestamp, receipt, partitionId: -1 })
    this.#scheduleFlush()
  }

  /** Whether the pending records should go out now rather than wait for a round in flight. */
  #isRoundDue(): boolean {
    if (this.#pending.length === 0 || this.#roundsInFlight >= MAX_ROUNDS_IN_FLIGHT) return false
    return this.#roundsInFlight === 0 || this.#pending.length >= FULL_ROUND_RECORDS
  }

  #scheduleFlush(): void {
    if (this.#isFlushScheduled || !this.#isRoundDue()) return
    this.#isFlushScheduled = true
    setImmediate(() => this.#flush())
  }

  #flush(): void {
    this.#isFlushScheduled = false
    while (this.#isRoundDue()) {
      const round = this.#pending.splice(0, MAX_ROUND_RECORDS)
      this.#roundsInFlight++
      void this.#sendRound(round).finally(() => {
        this.#roundsInFlight--
        this.#scheduleFlush()
      })
    }
  }

  async #sendRound(round: PendingRecord[]): Promise<void> {
    // Each topic's records by partition.
    const byTopic = new Map<string, Placed[][]>()
    // A round that waits for a topic's metadata must not let a later round overtake it: records
    // of one partition go to Kafka in the order they arrived.
    const placing = this.#lastPlacing.then(() => this.#place(round))
    this.#lastPlacing = placing.catch(() => undefined)
    for (const placed of await placing) {
      let partitions = byTopic.get(placed.topic)
      if (partitions === undefined) byTopic.set(placed.topic, (partitions = []))
      ;(partitions[placed.partitionId] ??= []).push(placed)
    }
    // One send per partition, so that a partition's failure (too large, not its leader) touches
    // only its own records and never those that another partition has written.
    const sends: Promise<void>[] = []
    for (const records of [...byTopic.values()].flat()) {
      if (records === undefined) continue
      let batch: Placed[] = []
      let bytes = 0
      for (const placed of records) {
        const size = sizeOf(placed.record)
        if (batch.length > 0 && bytes + size > MAX_PARTITION_BATCH_BYTES) {
          sends.push(this.#send(batch))
          batch = []
          bytes = 0
        }
        batch.push(placed)
        bytes += size
      }
      sends.push(this.#send(batch))
    }
    await Promise.all(sends)
  }

  /** Chooses each record's partition; records that cannot be placed are rejected here. */
  async #place(round: PendingRecord[]): Promise<Placed[]> {
    const counts = new Map<string, number | GatewayError>()
    for (const pending of round) {
      if (counts.has(pending.topic)) continue
      try {
        counts.set(pending.topic, await this.#partitionCount(pending.topic, false))
      } catch (error) {
        counts.set(pending.topic, toGatewayError(error, { topicName: pending.topic }))
      }
    }
    const placed: Placed[] = []
    // Keyless records of a topic share one partition per round (see `#choosePartition`).
    const sticky = new Map<string, number>()
    for (const pending of round) {
      try {
        let count = counts.get(pending.topic)!
        if (count instanceof GatewayError) throw count
        const requested = pending.record.partitionId
        if (requested !== undefined && requested >= count) {
          // The topic may have grown since the count was cached.
          count = await this.#partitionCount(pending.topic, true)
          counts.set(pending.topic, count)
        }
        if (requested !== undefined && (requested < 0 || requested >= count)) {
          throw new GatewayError('GW_KAFKA_PARTITION_NOT_FOUND')
        }
        pending.partitionId = requested ?? this.#choosePartition(pending, count, sticky)
        placed.push(pending)
      } catch (error) {
        pending.receipt.failed(toGatewayError(error, { topicName: pending.topic }))
      }
    }
    return placed
  }

  /**
   * Kafka's Java client's choice: murmur2 for keyed records; the rest stick to one partition for a
   * whole round, the next round taking the next partition, as the Java client's sticky partitioner
   * does (KIP-480). A round's keyless records then make one Produce request, not one per partition:
   * each request costs the gateway and the broker CPU of its own, whatever it holds.
   */
  #choosePartition(pending: PendingRecord, count: number, sticky: Map<string, number>): number {
    const key = pending.record.key
    if (key !== null && key.length > 0) return (murmur2(key) & 0x7fffffff) % count
    const chosen = sticky.get(pending.topic)
    if (chosen !== undefined && chosen < count) return chosen
    const next = this.#nextKeylessPartition.get(pending.topic) ?? 0
    this.#nextKeylessPartition.set(pending.topic, next + 1)
    sticky.set(pending.topic, next % count)
    return next % count
  }

  /**
   * Sends records of one partition as one batch. Kafka appends a partition's batch whole or not at
   * all, so on failure none of them was written (a timeout leaves it unknown; they are reported
   * failed, never as written). Each record's offset is the batch's base offset plus its position.
   */
  async #send(records: Placed[]): Promise<void> {
    const first = records[0]!
    let baseOffset: bigint | undefined
    let failure: GatewayError | undefined
    try {
      baseOffset = await this.#writer.append(first.topic, first.partitionId, records)
    } catch (error) {
      failure = toGatewayError(error)
      if (isRecordSizeError(failure) && records.length > 1) {
        // One oversized record fails the whole batch; halve it until only that record fails.
        const half = Math.ceil(records.length / 2)
        await this.#send(records.slice(0, half))
        await this.#send(records.slice(half))
        return
      }
    }
    records.forEach((record, index) => {
      if (baseOffset === undefined)
        record.receipt.failed(
          failure ?? new GatewayError('GW_KAFKA_ERROR', 'Kafka did not acknowledge the record.'),
        )
      else
        record.receipt.delivered({
          partitionId: record.partitionId,
          offset: baseOffset + BigInt(index),
          timestamp: record.timestamp,
        })
    })
  }

  async close(): Promise<void> {
    await this.#writer.close()
  }
}
