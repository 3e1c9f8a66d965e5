import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import type { AuditRecord } from '../../src/core/index.ts'
import { KafkaAuditTrail } from '../../src/kafka/index.ts'
import { PlatformaticKafkaClusterClient } from '../../src/kafka/platformatic/index.ts'
import { FakeKafkaCluster } from '../support/fake-kafka-cluster.ts'
import { readRecords, testKafka } from '../support/kafka.ts'

function event(subject: string, n: number): AuditRecord {
  return {
    specversion: '1.0',
    id: `event-${n}`,
    source: 'gatehouse://test',
    type: 'io.gatehouse.authentication.v1',
    time: new Date(0).toISOString(),
    subject,
    datacontenttype: 'application/json',
    data: {
      request: { requestId: `r${n}`, method: 'GET', path: '/x', clientAddress: '127.0.0.1' },
      credential: { kind: 'none' },
      principals: [],
      decision: 'DENIED',
      failure: 'GW_AUTHN_REQUIRED',
    },
  }
}

/** The records the fake holds in a topic's only partition. */
const written = (cluster: FakeKafkaCluster, topic: string) => cluster.records.get(topic)?.[0] ?? []

const until = async (condition: () => boolean, what: string) => {
  const deadline = Date.now() + 5_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('KafkaAuditTrail', () => {
  it('buffers while Kafka is down and delivers everything, in order, when it returns', async () => {
    // Given
    const cluster = Object.assign(new FakeKafkaCluster(), { isDown: true })
    const trail = new KafkaAuditTrail({
      topic: 'audit',
      client: async () => cluster,
      bufferMaxBytes: 1_000_000,
      retryInitialMs: 5,
      retryMaxMs: 20,
    })
    // When
    for (let n = 0; n < 20; n++) trail.record(event('crn://x/topic=a', n))
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(trail.stats().delivered, 0)
    assert.equal(trail.stats().buffered, 20)
    cluster.isDown = false
    await until(() => trail.stats().delivered === 20, 'all are delivered')
    // Then
    assert.deepEqual(
      written(cluster, 'audit').map((record) => JSON.parse(record.value!.toString()).id as string),
      Array.from({ length: 20 }, (_, n) => `event-${n}`),
    )
    assert.equal(written(cluster, 'audit')[0]!.key!.toString(), 'crn://x/topic=a')
    assert.deepEqual(trail.stats(), { buffered: 0, bufferedBytes: 0, delivered: 20, dropped: 0 })
    await trail.close(100)
  })

  it('drops the oldest records beyond the memory bound, and counts them', async () => {
    const cluster = Object.assign(new FakeKafkaCluster(), { isDown: true })
    const size = Buffer.byteLength(JSON.stringify(event('s', 0))) + 1
    const trail = new KafkaAuditTrail({
      topic: 'audit',
      client: async () => cluster,
      bufferMaxBytes: size * 5,
      retryInitialMs: 5,
      retryMaxMs: 10,
    })
    for (let n = 0; n < 8; n++) trail.record(event('s', n))
    assert.equal(trail.stats().dropped, 3)
    assert.equal(trail.stats().buffered, 5)
    assert.ok(trail.stats().bufferedBytes <= size * 5)
    cluster.isDown = false
    await until(() => trail.stats().delivered === 5, 'the kept ones are delivered')
    assert.deepEqual(
      written(cluster, 'audit').map((record) => JSON.parse(record.value!.toString()).id),
      // The first was already on its way when the others came, so it is kept; 1–3 were the oldest queued.
      ['event-0', 'event-4', 'event-5', 'event-6', 'event-7'],
    )
    await trail.close(100)
  })

  it('drops a record Kafka refuses as too large instead of blocking the ones after it', async () => {
    const cluster = new FakeKafkaCluster()
    cluster.maxRecordBytes = 2_000
    const trail = new KafkaAuditTrail({
      topic: 'audit',
      client: async () => cluster,
      bufferMaxBytes: 1_000_000,
    })
    const huge = event('s', 1) as unknown as { data: Record<string, unknown> }
    huge.data['padding'] = 'x'.repeat(5_000)
    trail.record(huge as unknown as AuditRecord)
    trail.record(event('s', 2))
    await until(() => trail.stats().delivered === 1, 'the small one is delivered')
    assert.equal(trail.stats().dropped, 1)
    assert.equal(trail.stats().buffered, 0)
    await trail.close(100)
  })

  it('never throws from record(), even for an event it cannot serialise', () => {
    const trail = new KafkaAuditTrail({
      topic: 'audit',
      client: () => Promise.reject(new Error('no cluster')),
      bufferMaxBytes: 1_000,
    })
    const circular = event('s', 1) as unknown as { data: Record<string, unknown> }
    circular.data['self'] = circular
    assert.doesNotThrow(() => trail.record(circular as unknown as AuditRecord))
    assert.equal(trail.stats().dropped, 1)
    void trail.close(0)
  })

  it('writes CloudEvents JSON records to a real topic', async () => {
    const kafka = await testKafka()
    const client = new PlatformaticKafkaClusterClient({
      bootstrapServers: [kafka.bootstrapServers],
      clientId: 'gatehouse-audit-test',
      sasl: kafka.sasl,
      connectTimeoutMs: 5_000,
      requestTimeoutMs: 30_000,
    })
    const topic = `audit-${randomUUID().slice(0, 8)}`
    const trail = new KafkaAuditTrail({ topic, client: async () => client, bufferMaxBytes: 1_000_000 })
    try {
      trail.record(event('crn://x/topic=a', 1))
      trail.record(event('crn://x/topic=a', 2))
      await trail.close(10_000)
      assert.equal(trail.stats().delivered, 2)
      const records = await readRecords(kafka, topic, 2)
      const events = records.map((record) => JSON.parse(Buffer.from(record.value).toString()))
      assert.deepEqual(
        events.map((each) => [each.specversion, each.id, each.type]),
        [
          ['1.0', 'event-1', 'io.gatehouse.authentication.v1'],
          ['1.0', 'event-2', 'io.gatehouse.authentication.v1'],
        ],
      )
    } finally {
      await client.deleteTopic(topic).catch(() => undefined)
      await client.close()
    }
  })
})
