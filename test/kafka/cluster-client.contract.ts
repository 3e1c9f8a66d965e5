/**
 * @module test/kafka/cluster-client.contract
 *
 * The contract of the Kafka port, as one suite that every implementation runs: the fake used by
 * HTTP tests and the real adapter against a real broker. If the fake drifts from Kafka, this fails.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { GatewayError } from '../../src/core/index.ts'
import type { KafkaClusterClient } from '../../src/kafka/index.ts'

export interface ContractSubject {
  readonly client: KafkaClusterClient
  /** Reads a topic's partition count without going through the subject, when possible. */
  readonly observeTopic?: (name: string) => Promise<{ partitions: number } | undefined>
  /** Releases what the subject holds besides the client (e.g. the observer's connections). */
  readonly dispose?: () => Promise<void>
}

function uniqueTopic(label: string): string {
  return `contract-${label}-${randomUUID().slice(0, 8)}`
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<GatewayError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}, but the call succeeded`),
    (reason: unknown) => reason,
  )
  assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`)
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
      await rejectsWith(subject.client.describeTopic(topic), 'GW_KAFKA_UNKNOWN_TOPIC')
    })

    it('reports an unknown topic on describe and on delete', async () => {
      const topic = uniqueTopic('missing')
      await rejectsWith(subject.client.describeTopic(topic), 'GW_KAFKA_UNKNOWN_TOPIC')
      await rejectsWith(subject.client.deleteTopic(topic), 'GW_KAFKA_UNKNOWN_TOPIC')
    })
  })
}
