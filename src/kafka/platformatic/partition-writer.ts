/**
 * @module kafka/platformatic/partition-writer
 *
 * Appends record batches to partitions: one Produce request per batch, sent to the partition's
 * leader over the client library's connection pool (which owns the sockets, TLS and SASL), with the
 * library's parser for the answer. The request body, batch included, is written here (the batch
 * by record-batch.ts), so the library never re-encodes the records.
 *
 * The body is written into one buffer that every request reuses: the connection copies a payload
 * into its request (behind its own length and header) as soon as the payload is created, so the
 * bytes are free again before the next request's. A fresh buffer per batch would cost more than the
 * copy: V8 counts such buffers as external memory, and a steady stream of them, with little else
 * allocated, made it run a full garbage collection several times a second.
 *
 * Retries are limited to answers that say nothing was written (stale leadership, too few
 * in-sync replicas): a timeout or a connection lost after sending leaves the outcome unknown, and
 * retrying it could write the records twice, so it fails and is reported as a failure.
 */
import {
  ProtocolError,
  Writer,
  produceV3,
  produceV4,
  produceV5,
  produceV6,
  produceV7,
  produceV8,
  produceV9,
  produceV10,
  produceV11,
  type Connection,
  type Producer,
} from '@platformatic/kafka'
import { GatewayError } from '../../core/index.ts'
import { isRetriableBeforeWrite, toGatewayError } from './error-mapping.ts'
import {
  layOutRecordBatch,
  unsignedVarIntSize,
  writeRecordBatch,
  writeUnsignedVarInt,
  type BatchEntry,
} from './record-batch.ts'
import type { PartitionWriter } from './record-producer.ts'

const PRODUCE_API_KEY = 0
/** The Produce versions whose answers the library can parse; v3 is the first with record batches. */
const PRODUCE_PARSERS = {
  3: produceV3.parseResponse,
  4: produceV4.parseResponse,
  5: produceV5.parseResponse,
  6: produceV6.parseResponse,
  7: produceV7.parseResponse,
  8: produceV8.parseResponse,
  9: produceV9.parseResponse,
  10: produceV10.parseResponse,
  11: produceV11.parseResponse,
} as const
type ProduceVersion = keyof typeof PRODUCE_PARSERS
const OLDEST_VERSION = 3
const NEWEST_VERSION = 11
/** From v9 on, requests use compact strings and arrays and carry tagged fields (KIP-482). */
const FIRST_FLEXIBLE_VERSION = 9
/** Writes with acks=all: a batch counts as written once every in-sync replica has it. */
const ACKS_ALL = -1

type ProduceResponse = ReturnType<(typeof PRODUCE_PARSERS)[ProduceVersion]>

/**
 * The newest Produce version both sides speak, from the broker's ApiVersions range.
 *
 * @throws GatewayError `GW_KAFKA_INVALID_REQUEST` when there is none (a broker older than 0.11).
 */
export function chooseProduceVersion(broker: { minVersion: number; maxVersion: number }): ProduceVersion {
  const version = Math.min(broker.maxVersion, NEWEST_VERSION)
  if (version < Math.max(broker.minVersion, OLDEST_VERSION)) {
    throw new GatewayError(
      'GW_KAFKA_INVALID_REQUEST',
      `The broker speaks Produce v${broker.minVersion}–v${broker.maxVersion}; Gatehouse needs one of v${OLDEST_VERSION}–v${NEWEST_VERSION}.`,
    )
  }
  return version as ProduceVersion
}

export interface ProduceRequest {
  readonly acks: number
  readonly timeoutMs: number
  readonly topic: string
  readonly partitionId: number
  readonly entries: readonly BatchEntry[]
}

/**
 * Writes the body of a Produce request carrying `request.entries` as one batch to one partition,
 * into a buffer from `allocate` (which may be larger), and returns the body: a view of that buffer. `version` decides the framing: classic
 * (v3–v8) or flexible (v9–v11: compact lengths as varints of n + 1, and empty tagged fields).
 */
export function writeProduceRequestBody(
  version: ProduceVersion,
  request: ProduceRequest,
  allocate: (size: number) => Buffer,
): Buffer {
  const { acks, timeoutMs, topic, partitionId, entries } = request
  const batch = layOutRecordBatch(entries)
  const nameBytes = Buffer.byteLength(topic)
  const isFlexible = version >= FIRST_FLEXIBLE_VERSION
  // transactional_id (null), acks, timeout_ms, [topic_data: name, [partition_data: index, records]]:
  // flexible, 1 + 2 + 4 + a topic count of 1 byte, the name, a partition count of 1 byte + 4, the
  // records' length, the batch and three empty tagged fields; classic, 2 + 2 + 4 + 4, the name
  // (2 + bytes), 4 + 4 + 4 and the batch.
  const nameSize = isFlexible ? unsignedVarIntSize(nameBytes + 1) + nameBytes : 2 + nameBytes
  const size = isFlexible
    ? 8 + nameSize + 5 + unsignedVarIntSize(batch.size + 1) + batch.size + 3
    : 12 + nameSize + 12 + batch.size
  const target = allocate(size)
  let offset: number
  if (isFlexible) {
    offset = target.writeUInt8(0, 0)
    offset = target.writeInt16BE(acks, offset)
    offset = target.writeInt32BE(timeoutMs, offset)
    offset = target.writeUInt8(1 + 1, offset)
    offset = writeUnsignedVarInt(target, offset, nameBytes + 1)
    offset += target.write(topic, offset)
    offset = target.writeUInt8(1 + 1, offset)
    offset = target.writeInt32BE(partitionId, offset)
    offset = writeUnsignedVarInt(target, offset, batch.size + 1)
  } else {
    offset = target.writeInt16BE(-1, 0)
    offset = target.writeInt16BE(acks, offset)
    offset = target.writeInt32BE(timeoutMs, offset)
    offset = target.writeInt32BE(1, offset)
    offset = target.writeInt16BE(nameBytes, offset)
    offset += target.write(topic, offset)
    offset = target.writeInt32BE(1, offset)
    offset = target.writeInt32BE(partitionId, offset)
    offset = target.writeInt32BE(batch.size, offset)
  }
  writeRecordBatch(entries, batch, target, offset)
  offset += batch.size
  // Tagged fields of the partition, the topic and the request.
  if (isFlexible) target.fill(0, offset, (offset += 3))
  return target.subarray(0, offset)
}

/** Bodies up to this size are written into the reused buffer; a larger one gets its own. */
const REUSED_BUFFER_MAX_BYTES = 1_048_576

export interface KafkaPartitionWriterOptions {
  /** A client used for its connection pool, metadata and ApiVersions; its send is never called. */
  readonly producer: Producer
  /** How long the leader may wait for in-sync replicas (the request's timeout_ms). */
  readonly timeoutMs: number
  /** Retries of a batch that the broker refused without writing it. */
  readonly retries: number
  readonly retryDelayMs: number
  /** Caps the Produce version (tests use it to exercise the classic framing). */
  readonly maxVersion?: number
}

export class KafkaPartitionWriter implements PartitionWriter {
  readonly #producer: Producer
  readonly #options: KafkaPartitionWriterOptions
  #version: Promise<ProduceVersion> | undefined
  #reused = Buffer.alloc(0)

  constructor(options: KafkaPartitionWriterOptions) {
    this.#producer = options.producer
    this.#options = options
  }

  async append(topic: string, partitionId: number, entries: readonly BatchEntry[]): Promise<bigint> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#appendOnce(topic, partitionId, entries, attempt > 0)
      } catch (error) {
        if (attempt < this.#options.retries && isRetriableBeforeWrite(error)) {
          await new Promise((resolve) => setTimeout(resolve, this.#options.retryDelayMs))
          continue
        }
        // Whatever failed, the next batch starts from fresh leaders (and versions, after a
        // broker upgrade or downgrade refused this one).
        this.#producer.clearMetadata()
        const failure = toGatewayError(error, { topicName: topic })
        if (failure.code === 'GW_KAFKA_INVALID_REQUEST') this.#version = undefined
        throw failure
      }
    }
  }

  async #appendOnce(
    topic: string,
    partitionId: number,
    entries: readonly BatchEntry[],
    isRetry: boolean,
  ): Promise<bigint> {
    const version = await this.#produceVersion()
    const metadata = await this.#producer.metadata({ topics: [topic], forceUpdate: isRetry })
    const leaderId = metadata.topics.get(topic)?.partitions[partitionId]?.leader
    const leader = leaderId === undefined ? undefined : metadata.brokers.get(leaderId)
    // Leaderless, or newer than this metadata: a retry asks the cluster again.
    if (leader === undefined) throw new ProtocolError('LEADER_NOT_AVAILABLE')
    const connection = await this.#producer.connections.get(leader)
    const request = { acks: ACKS_ALL, timeoutMs: this.#options.timeoutMs, topic, partitionId, entries }
    const response = await this.#send(connection, version, request)
    const answer = response.responses[0]?.partitionResponses[0]
    if (answer === undefined || answer.index !== partitionId)
      throw new GatewayError('GW_KAFKA_ERROR', 'Kafka answered for another partition.')
    return answer.baseOffset
  }

  #produceVersion(): Promise<ProduceVersion> {
    if (this.#version !== undefined) return this.#version
    this.#version = this.#producer.listApis().then((apis) => {
      const produce = apis.find((api) => api.apiKey === PRODUCE_API_KEY)
      if (!produce)
        throw new GatewayError('GW_KAFKA_INVALID_REQUEST', 'The broker does not accept Produce requests.')
      return chooseProduceVersion({
        minVersion: produce.minVersion,
        maxVersion: Math.min(produce.maxVersion, this.#options.maxVersion ?? NEWEST_VERSION),
      })
    })
    // A failed lookup (Kafka down) is asked again next time; watched once, when it is made.
    this.#version.catch(() => (this.#version = undefined))
    return this.#version
  }

  #send(connection: Connection, version: ProduceVersion, request: ProduceRequest): Promise<ProduceResponse> {
    const isFlexible = version >= FIRST_FLEXIBLE_VERSION
    return new Promise((resolve, reject) => {
      connection.send(
        PRODUCE_API_KEY,
        version,
        () => Writer.create().append(writeProduceRequestBody(version, request, (size) => this.#buffer(size))),
        PRODUCE_PARSERS[version],
        isFlexible,
        isFlexible,
        (error, response) => (error ? reject(error) : resolve(response as ProduceResponse)),
      )
    })
  }

  /** The reused buffer, grown as needed (see the module's comment), or a fresh one past the limit. */
  #buffer(size: number): Buffer {
    if (size > REUSED_BUFFER_MAX_BYTES) return Buffer.allocUnsafe(size)
    if (this.#reused.length < size) this.#reused = Buffer.allocUnsafe(Math.max(size, this.#reused.length * 2))
    return this.#reused
  }

  async close(): Promise<void> {
    await this.#producer.close()
  }
}
