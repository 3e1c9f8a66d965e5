/**
 * @module test/kafka/cluster-client.contract
 *
 * The contract of the Kafka port, as one suite that every implementation runs: the fake used by
 * HTTP tests and the real adapter against a real broker. If the fake drifts from Kafka, this fails.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { GatewayError } from '../../src/core/index.ts'
import type { KafkaClusterClient } from '../../src/kafka/index.ts'
import { gatewayErrorOf } from '../support/gateway-error.ts'

export interface ContractSubject {
  readonly client: KafkaClusterClient
  /** Reads a topic's partition count without going through the subject, when possible. */
  readonly observeTopic?: (name: string) => Promise<{ partitions: number } | undefined>
  /** Commits a consumer group's offset the way a consumer would, outside the port. */
  readonly commitOffset: (
    groupId: string,
    topic: string,
    partitionId: number,
    offset: bigint,
  ) => Promise<void>
  /** Releases what the subject holds besides the client (e.g. the observer's connections). */
  readonly dispose?: () => Promise<void>
}

/**
 * Reads until `read` returns `expected` (up to 4 s) and returns the last value. Kafka applies topic
 * creation, config changes and deletions through the controller; a broker's answers lag briefly.
 */
async function eventually<T>(read: () => Promise<T>, expected: T): Promise<T | undefined> {
  const attempt = () => read().catch(() => undefined)
  let value = await attempt()
  for (let tries = 0; tries < 40 && value !== expected; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    value = await attempt()
  }
  return value
}

function uniqueTopic(label: string): string {
  return `contract-${label}-${randomUUID().slice(0, 8)}`
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<GatewayError> {
  const error = await gatewayErrorOf(promise)
  assert.equal(error.code, code)
  return error
}

export function runKafkaClusterClientContract(
  name: string,
  createSubject: () => Promise<ContractSubject>,
): void {
  describe(`Kafka port contract: ${name}`, () => {
    let subject: ContractSubject

    before(async () => {
      subject = await createSubject()
    })
    after(async () => {
      await subject.client.close()
      await subject.dispose?.()
    })

    it('reads back records from a time up to the end, in time order, and refuses an unknown topic', async () => {
      // Given three records in two partitions, the first one an hour old
      const topic = `read-${randomUUID()}`
      await subject.client.createTopic({ name: topic, partitionsCount: 2, configs: [], validateOnly: false })
      const now = Date.now()
      const write = (partitionId: number, value: string, at: number) =>
        subject.client.produce(topic, {
          partitionId,
          key: null,
          value: Buffer.from(value),
          headers: [],
          timestamp: new Date(at),
        })
      await write(0, 'old', now - 3_600_000)
      await write(1, 'first', now - 2_000)
      await write(0, 'second', now - 1_000)
      // When
      const since = new Date(now - 60_000)
      const read = await subject.client.readRecords(topic, { since, maxRecords: 10, timeoutMs: 10_000 })
      const bounded = await subject.client.readRecords(topic, { since, maxRecords: 1, timeoutMs: 10_000 })
      // Then
      assert.deepEqual(
        read.records.map((record) => [record.value?.toString(), record.partitionId]),
        [
          ['first', 1],
          ['second', 0],
        ],
      )
      assert.equal(read.isComplete, true)
      assert.equal(read.records[1]!.offset, 1n)
      assert.equal(read.records[1]!.timestamp.getTime(), now - 1_000)
      assert.equal(bounded.records.length, 1)
      assert.equal(bounded.isComplete, false)
      await rejectsWith(
        subject.client.readRecords(`${topic}-absent`, { since, maxRecords: 1, timeoutMs: 5_000 }),
        'GW_KAFKA_UNKNOWN_TOPIC',
      )
    })

    it('describes the cluster with its id and at least one broker', async () => {
      const cluster = await subject.client.describeCluster()
      assert.match(cluster.clusterId, /^\S+$/)
      assert.ok(cluster.brokers.length >= 1)
      for (const broker of cluster.brokers) {
        assert.ok(Number.isInteger(broker.brokerId))
        assert.ok(broker.port > 0)
      }
    })

    it('creates a topic that is then listed and described with the requested partitions', async () => {
      const topic = uniqueTopic('create')
      const created = await subject.client.createTopic({
        name: topic,
        partitionsCount: 3,
        configs: [],
        validateOnly: false,
      })
      assert.deepEqual(created, { name: topic, partitionsCount: 3, replicationFactor: 1 })

      const described = await subject.client.describeTopic(topic)
      assert.equal(described.name, topic)
      assert.equal(described.partitionsCount, 3)
      assert.equal(described.replicationFactor, 1)
      assert.equal(described.isInternal, false)
      assert.deepEqual(
        described.partitions.map((partition) => partition.partitionId),
        [0, 1, 2],
      )

      const listed = await subject.client.listTopics()
      assert.ok(listed.some((candidate) => candidate.name === topic))
      const names = listed.map((candidate) => candidate.name)
      assert.deepEqual(names, [...names].sort())

      if (subject.observeTopic) assert.deepEqual(await subject.observeTopic(topic), { partitions: 3 })
    })

    it('validates without creating when validateOnly is set', async () => {
      const topic = uniqueTopic('validate')
      const result = await subject.client.createTopic({
        name: topic,
        partitionsCount: 2,
        configs: [],
        validateOnly: true,
      })
      assert.equal(result.partitionsCount, 2)
      await rejectsWith(subject.client.describeTopic(topic), 'GW_KAFKA_UNKNOWN_TOPIC')
    })

    it('refuses to create a topic twice', async () => {
      const topic = uniqueTopic('twice')
      await subject.client.createTopic({ name: topic, configs: [], validateOnly: false })
      const error = await rejectsWith(
        subject.client.createTopic({ name: topic, configs: [], validateOnly: false }),
        'GW_KAFKA_TOPIC_EXISTS',
      )
      assert.equal(error.message, `Topic '${topic}' already exists.`)
    })

    it('refuses a replication factor larger than the cluster', async () => {
      await rejectsWith(
        subject.client.createTopic({
          name: uniqueTopic('rf'),
          replicationFactor: 5,
          configs: [],
          validateOnly: false,
        }),
        'GW_KAFKA_INVALID_REQUEST',
      )
    })

    it('refuses zero partitions', async () => {
      await rejectsWith(
        subject.client.createTopic({
          name: uniqueTopic('zero'),
          partitionsCount: 0,
          configs: [],
          validateOnly: false,
        }),
        'GW_KAFKA_INVALID_REQUEST',
      )
    })

    it('deletes a topic, after which it is unknown', async () => {
      const topic = uniqueTopic('delete')
      await subject.client.createTopic({ name: topic, configs: [], validateOnly: false })
      await subject.client.deleteTopic(topic)
      // Kafka deletes asynchronously; metadata may show the topic for a moment longer.
      for (let attempt = 0; attempt < 50; attempt++) {
        const isGone = await subject.client.describeTopic(topic).then(
          () => false,
          () => true,
        )
        if (isGone) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      await rejectsWith(subject.client.describeTopic(topic), 'GW_KAFKA_UNKNOWN_TOPIC')
    })

    it('produces records to the requested partition with consecutive offsets', async () => {
      const topic = uniqueTopic('produce')
      await subject.client.createTopic({ name: topic, partitionsCount: 2, configs: [], validateOnly: false })
      const record = { partitionId: 1, key: Buffer.from('k'), value: Buffer.from('v'), headers: [] }
      const first = await subject.client.produce(topic, record)
      const second = await subject.client.produce(topic, {
        ...record,
        timestamp: new Date('2021-02-05T19:14:42Z'),
      })
      assert.equal(first.partitionId, 1)
      assert.equal(second.offset, first.offset + 1n)
      assert.equal(second.timestamp.toISOString(), '2021-02-05T19:14:42.000Z')
    })

    it('settles concurrent records each on its own, in order, and a bad one alone', async () => {
      const topic = uniqueTopic('concurrent')
      await subject.client.createTopic({ name: topic, partitionsCount: 1, configs: [], validateOnly: false })
      const outcomes = await Promise.allSettled(
        Array.from({ length: 30 }, (_, index) =>
          subject.client.produce(topic, {
            partitionId: index === 7 ? 3 : 0,
            key: null,
            value: index === 12 ? Buffer.alloc(2 * 1024 * 1024) : Buffer.from(String(index)),
            headers: [
              { name: 'n', value: Buffer.from('1') },
              { name: 'n', value: null },
            ],
          }),
        ),
      )
      const offsets = outcomes.flatMap((outcome) =>
        outcome.status === 'fulfilled' ? [outcome.value.offset] : [],
      )
      assert.equal(offsets.length, 28)
      assert.deepEqual(
        offsets,
        [...offsets].sort((a, b) => (a < b ? -1 : 1)),
        'offsets follow call order',
      )
      assert.equal(new Set(offsets).size, 28)
      const reasonOf = (index: number) =>
        ((outcomes[index] as PromiseRejectedResult).reason as GatewayError).code
      assert.equal(reasonOf(7), 'GW_KAFKA_PARTITION_NOT_FOUND')
      assert.equal(reasonOf(12), 'GW_KAFKA_RECORD_TOO_LARGE')
    })

    it('refuses to produce to an unknown topic or a negative partition', async () => {
      await rejectsWith(
        subject.client.produce(uniqueTopic('nowhere'), { key: null, value: Buffer.from('x'), headers: [] }),
        'GW_KAFKA_UNKNOWN_TOPIC',
      )
      const topic = uniqueTopic('negative')
      await subject.client.createTopic({ name: topic, configs: [], validateOnly: false })
      await rejectsWith(
        subject.client.produce(topic, { partitionId: -1, key: null, value: Buffer.from('x'), headers: [] }),
        'GW_KAFKA_PARTITION_NOT_FOUND',
      )
    })

    it('raises the partition count, and refuses to lower it or to touch an unknown topic', async () => {
      const topic = uniqueTopic('grow')
      await subject.client.createTopic({ name: topic, partitionsCount: 1, configs: [], validateOnly: false })
      await subject.client.increasePartitions(topic, 3)
      assert.equal((await subject.client.describeTopic(topic)).partitionsCount, 3)
      await rejectsWith(subject.client.increasePartitions(topic, 2), 'GW_KAFKA_INVALID_REQUEST')
      await rejectsWith(subject.client.increasePartitions(topic, 3), 'GW_KAFKA_INVALID_REQUEST')
      await rejectsWith(subject.client.increasePartitions(uniqueTopic('absent'), 4), 'GW_KAFKA_UNKNOWN_TOPIC')
      // A record can go to a new partition at once.
      assert.equal(
        (
          await subject.client.produce(topic, {
            partitionId: 2,
            key: null,
            value: Buffer.from('x'),
            headers: [],
          })
        ).partitionId,
        2,
      )
    })

    it('reports earliest and latest offsets of a partition', async () => {
      const topic = uniqueTopic('offsets')
      await subject.client.createTopic({ name: topic, partitionsCount: 2, configs: [], validateOnly: false })
      assert.deepEqual(await subject.client.partitionOffsets(topic, 0), { earliest: 0n, latest: 0n })
      for (let i = 0; i < 3; i++)
        await subject.client.produce(topic, {
          partitionId: 0,
          key: null,
          value: Buffer.from('x'),
          headers: [],
        })
      assert.deepEqual(await subject.client.partitionOffsets(topic, 0), { earliest: 0n, latest: 3n })
      assert.deepEqual(await subject.client.partitionOffsets(topic, 1), { earliest: 0n, latest: 0n })
    })

    it('describes topic configs with defaults, and alters them incrementally', async () => {
      const topic = uniqueTopic('configs')
      await subject.client.createTopic({
        name: topic,
        configs: [{ name: 'cleanup.policy', value: 'compact' }],
        validateOnly: false,
      })
      const byName = async () =>
        new Map((await subject.client.describeTopicConfigs(topic)).map((entry) => [entry.name, entry]))

      assert.equal(
        await eventually(async () => (await byName()).get('cleanup.policy')?.value, 'compact'),
        'compact',
      )
      const initial = await byName()
      assert.equal(initial.get('cleanup.policy')?.source, 'DYNAMIC_TOPIC_CONFIG')
      assert.equal(initial.get('cleanup.policy')?.isDefault, false)
      const retention = initial.get('retention.ms')
      assert.equal(retention?.isDefault, true)
      assert.equal(retention?.source, 'DEFAULT_CONFIG')
      assert.equal(retention?.value, '604800000')
      const names = [...initial.keys()]
      assert.deepEqual(names, [...names].sort())

      await subject.client.alterTopicConfigs(
        topic,
        [{ name: 'retention.ms', operation: 'SET', value: '1000' }],
        true,
      )
      assert.equal((await byName()).get('retention.ms')?.value, '604800000', 'validate only changes nothing')

      await subject.client.alterTopicConfigs(
        topic,
        [
          { name: 'retention.ms', operation: 'SET', value: '1000' },
          { name: 'cleanup.policy', operation: 'DELETE' },
        ],
        false,
      )
      assert.equal(await eventually(async () => (await byName()).get('retention.ms')?.value, '1000'), '1000')
      assert.equal(
        await eventually(async () => (await byName()).get('cleanup.policy')?.value, 'delete'),
        'delete',
      )
      const altered = await byName()
      assert.equal(altered.get('retention.ms')?.source, 'DYNAMIC_TOPIC_CONFIG')
      assert.equal(altered.get('retention.ms')?.synonyms[0]?.source, 'DYNAMIC_TOPIC_CONFIG')
      assert.equal(altered.get('cleanup.policy')?.value, 'delete')
      assert.equal(altered.get('cleanup.policy')?.isDefault, true)
    })

    it('refuses unknown config names and bad values, and configs of unknown topics', async () => {
      const topic = uniqueTopic('badconfig')
      await subject.client.createTopic({ name: topic, configs: [], validateOnly: false })
      await rejectsWith(
        subject.client.alterTopicConfigs(
          topic,
          [{ name: 'no.such.config', operation: 'SET', value: '1' }],
          false,
        ),
        'GW_KAFKA_INVALID_REQUEST',
      )
      await rejectsWith(
        subject.client.alterTopicConfigs(
          topic,
          [{ name: 'retention.ms', operation: 'SET', value: 'soon' }],
          false,
        ),
        'GW_KAFKA_INVALID_REQUEST',
      )
      await rejectsWith(subject.client.describeTopicConfigs(uniqueTopic('absent')), 'GW_KAFKA_UNKNOWN_TOPIC')
    })

    it('creates, finds (also by MATCH) and deletes ACLs', async () => {
      const name = uniqueTopic('acl')
      const read = {
        resourceType: 'TOPIC',
        resourceName: name,
        patternType: 'LITERAL',
        principal: 'User:alice',
        host: '*',
        operation: 'READ',
        permission: 'ALLOW',
      } as const
      const prefixed = {
        ...read,
        resourceName: name.slice(0, -2),
        patternType: 'PREFIXED',
        principal: 'User:bob',
        operation: 'WRITE',
        permission: 'DENY',
      } as const
      await subject.client.createAcls([prefixed, read])
      const any = { resourceType: 'ANY', patternType: 'ANY', operation: 'ANY', permission: 'ANY' } as const

      assert.deepEqual(await subject.client.describeAcls({ ...any, resourceName: name }), [read])
      // Kafka's listing order puts the shorter (prefix) name first.
      assert.deepEqual(
        await subject.client.describeAcls({ ...any, resourceName: name, patternType: 'MATCH' }),
        [prefixed, read],
      )
      assert.deepEqual(
        await subject.client.describeAcls({
          ...any,
          resourceName: name,
          principal: 'User:bob',
          patternType: 'MATCH',
        }),
        [prefixed],
      )

      assert.deepEqual(
        await subject.client.deleteAcls({ ...any, resourceName: name, patternType: 'MATCH' }),
        [prefixed, read],
      )
      assert.deepEqual(
        await subject.client.describeAcls({ ...any, resourceName: name, patternType: 'MATCH' }),
        [],
      )
    })

    it('refuses ACLs Kafka considers invalid', async () => {
      const acl = {
        resourceType: 'CLUSTER',
        resourceName: 'not-kafka-cluster',
        patternType: 'LITERAL',
        principal: 'User:alice',
        host: '*',
        operation: 'ALTER',
        permission: 'ALLOW',
      } as const
      await rejectsWith(subject.client.createAcls([acl]), 'GW_KAFKA_INVALID_REQUEST')
      await rejectsWith(
        subject.client.createAcls([{ ...acl, resourceName: 'kafka-cluster', principal: 'alice' }]),
        'GW_KAFKA_INVALID_REQUEST',
      )
    })

    it('lists no reassignment on a single broker, and refuses an unknown topic', async () => {
      const topic = uniqueTopic('reassign')
      await subject.client.createTopic({ name: topic, partitionsCount: 2, configs: [], validateOnly: false })
      assert.deepEqual(await subject.client.listReassignments(topic), [])
      assert.deepEqual(await subject.client.listReassignments(), [])
      await rejectsWith(subject.client.listReassignments(uniqueTopic('absent')), 'GW_KAFKA_UNKNOWN_TOPIC')
    })

    it('describes broker configs, and changes cluster-wide dynamic defaults', async () => {
      const brokerId = (await subject.client.describeCluster()).brokers[0]!.brokerId
      const byName = async (id: number | null) =>
        new Map((await subject.client.describeBrokerConfigs(id)).map((entry) => [entry.name, entry]))
      const partitions = (await byName(brokerId)).get('num.partitions')
      assert.equal(partitions?.value, '1')
      assert.equal(partitions?.source, 'STATIC_BROKER_CONFIG')

      // A config no other test reads, set cluster-wide and then removed again.
      const name = 'log.cleaner.backoff.ms'
      await subject.client.alterBrokerConfigs(null, [{ name, operation: 'SET', value: '20000' }], false)
      try {
        assert.equal(
          await eventually(
            async () => (await byName(null)).get(name)?.source,
            'DYNAMIC_DEFAULT_BROKER_CONFIG',
          ),
          'DYNAMIC_DEFAULT_BROKER_CONFIG',
        )
        assert.equal((await byName(null)).get(name)?.value, '20000')
        assert.equal(
          await eventually(async () => (await byName(brokerId)).get(name)?.value, '20000'),
          '20000',
          'the broker applies it',
        )
      } finally {
        await subject.client.alterBrokerConfigs(null, [{ name, operation: 'DELETE' }], false)
      }
      assert.equal(await eventually(async () => (await byName(null)).has(name), false), false)
      await rejectsWith(subject.client.describeBrokerConfigs(9_999), 'GW_BROKER_NOT_FOUND')
      // Kafka accepts unknown (custom) broker config names, but not changing a static one at run time.
      await rejectsWith(
        subject.client.alterBrokerConfigs(
          null,
          [{ name: 'log.dirs', operation: 'SET', value: '/tmp/x' }],
          false,
        ),
        'GW_KAFKA_INVALID_REQUEST',
      )
    })

    it('describes a consumer group with committed offsets and computes its lag', async () => {
      const topic = uniqueTopic('lag')
      const groupId = `group-${topic}`
      await subject.client.createTopic({ name: topic, partitionsCount: 2, configs: [], validateOnly: false })
      for (let i = 0; i < 5; i++)
        await subject.client.produce(topic, {
          partitionId: 0,
          key: null,
          value: Buffer.from('x'),
          headers: [],
        })
      await subject.client.produce(topic, { partitionId: 1, key: null, value: Buffer.from('x'), headers: [] })
      await subject.commitOffset(groupId, topic, 0, 2n)
      await subject.commitOffset(groupId, topic, 1, 1n)

      const group = await subject.client.describeConsumerGroup(groupId)
      assert.equal(group.groupId, groupId)
      assert.equal(group.state, 'EMPTY')
      assert.deepEqual(group.members, [])
      assert.ok(
        (await subject.client.listConsumerGroups()).some((candidate) => candidate.groupId === groupId),
      )

      const lags = await subject.client.consumerGroupLags(groupId)
      assert.deepEqual(
        lags.map((lag) => [lag.partitionId, lag.currentOffset, lag.logEndOffset, lag.lag, lag.member]),
        [
          [0, 2n, 5n, 3n, null],
          [1, 1n, 1n, 0n, null],
        ],
      )
      await rejectsWith(
        subject.client.describeConsumerGroup(`${groupId}-absent`),
        'GW_CONSUMER_GROUP_NOT_FOUND',
      )
      await rejectsWith(subject.client.consumerGroupLags(`${groupId}-absent`), 'GW_CONSUMER_GROUP_NOT_FOUND')
    })

    it('reports an unknown topic on describe and on delete', async () => {
      const topic = uniqueTopic('missing')
      await rejectsWith(subject.client.describeTopic(topic), 'GW_KAFKA_UNKNOWN_TOPIC')
      await rejectsWith(subject.client.deleteTopic(topic), 'GW_KAFKA_UNKNOWN_TOPIC')
    })
  })
}
