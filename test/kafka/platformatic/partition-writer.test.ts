import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, describe, it } from 'node:test'
import { Producer, ResponseError, TimeoutError, type Connection } from '@platformatic/kafka'
import { GatewayError } from '../../../src/core/index.ts'
import {
  KafkaPartitionWriter,
  chooseProduceVersion,
} from '../../../src/kafka/platformatic/partition-writer.ts'
import type { LocalKafka } from '../../../scripts/local-kafka.ts'
import { createObserver, readRecords, testKafka } from '../../support/kafka.ts'
import { gatewayErrorOf } from '../../support/gateway-error.ts'

const batchOf = (...values: string[]) =>
  values.map((value) => ({
    record: { key: null, value: Buffer.from(value), headers: [] },
    timestamp: new Date(),
  }))

type Answer = (version: number) => unknown
interface SentRequest {
  readonly version: number
  readonly hasTaggedFields: boolean
}

/**
 * A stand-in for the library's client, one broker (node 1) leading every partition: each Produce
 * request gets the next scripted answer (a response, or an error to fail with).
 */
function scriptedProducer(answers: Answer[]) {
  const sent: SentRequest[] = []
  const metadataRequests: { forceUpdate?: boolean | undefined }[] = []
  const connection = {
    send(
      _apiKey: number,
      version: number,
      createPayload: () => unknown,
      _parser: unknown,
      hasRequestTaggedFields: boolean,
      _hasResponseTaggedFields: boolean,
      callback: (error: unknown, response?: unknown) => void,
    ) {
      createPayload()
      sent.push({ version, hasTaggedFields: hasRequestTaggedFields })
      const answer = answers.shift()?.(version)
      queueMicrotask(() => (answer instanceof Error ? callback(answer) : callback(null, answer)))
    },
  } as unknown as Connection
  const producer = {
    listApis: async () => [{ apiKey: 0, name: 'Produce', minVersion: 3, maxVersion: 12 }],
    metadata: async (options: { forceUpdate?: boolean }) => {
      metadataRequests.push(options)
      return {
        brokers: new Map([[1, { host: 'kafka.invalid', port: 9092 }]]),
        topics: new Map([['t', { partitionsCount: 2, partitions: [{ leader: 1 }, { leader: 1 }] }]]),
      }
    },
    connections: { get: async () => connection },
    clearMetadata: () => undefined,
    close: async () => undefined,
  } as unknown as Producer
  return { producer, sent, metadataRequests }
}

const written = (partition: number, baseOffset: bigint) => () => ({
  responses: [{ name: 't', partitionResponses: [{ index: partition, errorCode: 0, baseOffset }] }],
})
const refused = (errorCode: number) => (version: number) =>
  new ResponseError(0, version, { '/responses/0/partition_responses/0': [errorCode, null] }, {})

const NOT_LEADER_OR_FOLLOWER = 6
const MESSAGE_TOO_LARGE = 10

describe('partition writer', () => {
  it('speaks the newest Produce version both sides know, and refuses a broker with none', () => {
    assert.equal(chooseProduceVersion({ minVersion: 0, maxVersion: 12 }), 11)
    assert.equal(chooseProduceVersion({ minVersion: 3, maxVersion: 7 }), 7)
    assert.throws(() => chooseProduceVersion({ minVersion: 0, maxVersion: 2 }), GatewayError)
    assert.throws(() => chooseProduceVersion({ minVersion: 12, maxVersion: 13 }), GatewayError)
  })

  it('resends a batch the leader refused unwritten, after fresh metadata', async () => {
    // Given a broker that is no longer the leader at the first attempt
    const { producer, sent, metadataRequests } = scriptedProducer([
      refused(NOT_LEADER_OR_FOLLOWER),
      written(1, 42n),
    ])
    const writer = new KafkaPartitionWriter({ producer, timeoutMs: 1_000, retries: 2, retryDelayMs: 1 })
    // When
    const offset = await writer.append('t', 1, batchOf('a'))
    // Then
    assert.equal(offset, 42n)
    assert.equal(sent.length, 2)
    assert.deepEqual(
      metadataRequests.map((request) => request.forceUpdate),
      [false, true],
    )
  })

  it('gives up after its retries, and never resends after a timeout (the batch may be written)', async () => {
    // Given a leader that keeps moving, and one that does not answer in time
    const moving = scriptedProducer([1, 2, 3].map(() => refused(NOT_LEADER_OR_FOLLOWER)))
    const silent = scriptedProducer([() => new TimeoutError('Request timed out')])
    const options = { timeoutMs: 1_000, retries: 2, retryDelayMs: 1 }
    // When
    const gaveUp = await gatewayErrorOf(
      new KafkaPartitionWriter({ ...options, producer: moving.producer }).append('t', 0, batchOf('a')),
    )
    const timedOut = await gatewayErrorOf(
      new KafkaPartitionWriter({ ...options, producer: silent.producer }).append('t', 0, batchOf('a')),
    )
    // Then
    assert.equal(moving.sent.length, 3, 'the first send and two retries')
    assert.equal(gaveUp.code, 'GW_KAFKA_RETRIABLE')
    assert.equal(silent.sent.length, 1)
    assert.equal(timedOut.code, 'GW_KAFKA_RETRIABLE')
  })

  it('reports a batch too large for the topic at once, as such', async () => {
    const { producer, sent } = scriptedProducer([refused(MESSAGE_TOO_LARGE)])
    const writer = new KafkaPartitionWriter({ producer, timeoutMs: 1_000, retries: 2, retryDelayMs: 1 })
    const failure = await gatewayErrorOf(writer.append('t', 0, batchOf('a')))
    assert.equal(failure.code, 'GW_KAFKA_RECORD_TOO_LARGE')
    assert.equal(sent.length, 1)
  })

  it('frames requests by version: classic up to v8, with tagged fields from v9', async () => {
    const { producer, sent } = scriptedProducer([written(0, 0n), written(0, 0n)])
    await new KafkaPartitionWriter({ producer, timeoutMs: 1_000, retries: 0, retryDelayMs: 1 }).append(
      't',
      0,
      batchOf('a'),
    )
    await new KafkaPartitionWriter({
      producer,
      timeoutMs: 1_000,
      retries: 0,
      retryDelayMs: 1,
      maxVersion: 7,
    }).append('t', 0, batchOf('a'))
    assert.deepEqual(sent, [
      { version: 11, hasTaggedFields: true },
      { version: 7, hasTaggedFields: false },
    ])
  })

  describe('on a real broker', () => {
    let kafka: LocalKafka
    before(async () => {
      kafka = await testKafka()
    })

    async function newTopic(prefix: string): Promise<string> {
      const topic = `${prefix}-${randomUUID().slice(0, 8)}`
      const observer = createObserver(kafka)
      try {
        await observer.createTopics({ topics: [topic], partitions: 2, replicas: 1 })
      } finally {
        await observer.close()
      }
      return topic
    }

    function newWriter(maxVersion?: number): KafkaPartitionWriter {
      return new KafkaPartitionWriter({
        producer: new Producer({
          clientId: 'gatehouse-test-writer',
          bootstrapBrokers: [kafka.bootstrapServers],
          sasl: { mechanism: 'PLAIN', username: kafka.sasl.username, password: kafka.sasl.password },
        }),
        timeoutMs: 10_000,
        retries: 5,
        retryDelayMs: 200,
        ...(maxVersion === undefined ? {} : { maxVersion }),
      })
    }

    for (const maxVersion of [11, 7, 3]) {
      it(`writes batches that a Kafka consumer reads back (Produce v${maxVersion})`, async () => {
        // Given a topic and a writer capped at this version
        const topic = await newTopic(`it-writer-v${maxVersion}`)
        const writer = newWriter(maxVersion)
        try {
          // When two batches go to partition 1 and one to partition 0
          const first = await writer.append(topic, 1, batchOf('a', 'b'))
          const second = await writer.append(topic, 1, batchOf('c'))
          const other = await writer.append(topic, 0, batchOf('d'))
          // Then the offsets follow each other, and Kafka holds exactly those records there
          assert.deepEqual([first, second, other], [0n, 2n, 0n])
          const stored = (await readRecords(kafka, topic, 4)).map(
            (message) => `${message.partition}:${message.offset}:${message.value.toString()}`,
          )
          assert.deepEqual(stored.sort(), ['0:0:d', '1:0:a', '1:1:b', '1:2:c'])
        } finally {
          await writer.close()
        }
      })
    }

    it('keeps concurrent batches apart although they are written into one reused buffer', async () => {
      // Given
      const topic = await newTopic('it-writer-concurrent')
      const writer = newWriter()
      try {
        // When 40 batches of different sizes are appended at once
        const batches = Array.from({ length: 40 }, (_, index) =>
          Array.from(
            { length: 1 + (index % 7) },
            (_, position) => `${index}.${position}.${'x'.repeat(index * 50)}`,
          ),
        )
        const offsets = await Promise.all(
          batches.map((values, index) => writer.append(topic, index % 2, batchOf(...values))),
        )
        // Then each record is where its batch's offset says, intact
        const total = batches.reduce((sum, values) => sum + values.length, 0)
        const stored = new Map(
          (await readRecords(kafka, topic, total)).map((message) => [
            `${message.partition}:${message.offset}`,
            message.value.toString(),
          ]),
        )
        batches.forEach((values, index) =>
          values.forEach((value, position) =>
            assert.equal(stored.get(`${index % 2}:${offsets[index]! + BigInt(position)}`), value),
          ),
        )
      } finally {
        await writer.close()
      }
    })
  })
})
