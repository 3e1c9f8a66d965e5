import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createServer, type Socket } from 'node:net'
import { Consumer } from '@platformatic/kafka'
import { before, describe, it } from 'node:test'
import { PlatformaticKafkaClusterClient } from '../../../src/kafka/platformatic/index.ts'
import type { LocalKafka } from '../../../scripts/local-kafka.ts'
import { createObserver, startConsumerProtocolMember, testKafka } from '../../support/kafka.ts'
import { runKafkaClusterClientContract } from '../cluster-client.contract.ts'
import { gatewayErrorOf } from '../../support/gateway-error.ts'

function clientFor(
  kafka: LocalKafka,
  overrides: Partial<{ username: string; password: string; bootstrap: string; timeoutMs: number }> = {},
) {
  return new PlatformaticKafkaClusterClient({
    bootstrapServers: [overrides.bootstrap ?? kafka.bootstrapServers],
    clientId: 'gatehouse-test',
    sasl: {
      mechanism: 'PLAIN',
      username: overrides.username ?? kafka.sasl.username,
      password: overrides.password ?? kafka.sasl.password,
    },
    connectTimeoutMs: 2_000,
    requestTimeoutMs: overrides.timeoutMs ?? 10_000,
  })
}

runKafkaClusterClientContract('@platformatic/kafka on a real broker', async () => {
  const kafka = await testKafka()
  const observer = createObserver(kafka)
  return {
    client: clientFor(kafka),
    dispose: () => observer.close(),
    commitOffset: async (groupId: string, topic: string, partitionId: number, offset: bigint) => {
      await observer.alterConsumerGroupOffsets({
        groupId,
        topics: [{ name: topic, partitionOffsets: [{ partition: partitionId, offset }] }],
      })
    },
    // Seen through a separate Kafka client, not through the adapter under test.
    observeTopic: async (name: string) => {
      const metadata = await observer.metadata({ topics: [name], forceUpdate: true })
      const topic = metadata.topics.get(name)
      return topic ? { partitions: topic.partitionsCount } : undefined
    },
  }
})

describe('@platformatic/kafka adapter on a real broker: what only a real broker shows', () => {
  let kafka: LocalKafka
  before(async () => {
    kafka = await testKafka()
  })

  it('reports the cluster id the broker was formatted with', async () => {
    const client = clientFor(kafka)
    try {
      assert.equal((await client.describeCluster()).clusterId, kafka.clusterId)
    } finally {
      await client.close()
    }
  })

  it('lists internal topics and marks them', async () => {
    const client = clientFor(kafka)
    const observer = createObserver(kafka)
    try {
      // Consumer-offsets exists once any group has been coordinated; asking for a coordinator creates it.
      await observer.findCoordinator({ keyType: 0, keys: ['gatehouse-test-group'] }).catch(() => undefined)
      for (let attempt = 0; attempt < 40; attempt++) {
        const internal = (await client.listTopics()).find((topic) => topic.name === '__consumer_offsets')
        if (internal) {
          assert.equal(internal.isInternal, true)
          return
        }
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      assert.fail('__consumer_offsets never appeared')
    } finally {
      await client.close()
      await observer.close()
    }
  })

  it('describes a live consumer as a member of its group with its assignments', async () => {
    const client = clientFor(kafka)
    const topic = `live-group-${randomUUID().slice(0, 8)}`
    const groupId = `group-${topic}`
    await client.createTopic({ name: topic, partitionsCount: 2, configs: [], validateOnly: false })
    const consumer = new Consumer({
      clientId: 'live-consumer',
      groupId,
      bootstrapBrokers: [kafka.bootstrapServers],
      sasl: { mechanism: 'PLAIN', username: kafka.sasl.username, password: kafka.sasl.password },
    })
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest' })
    try {
      let group = await client.describeConsumerGroup(groupId)
      for (
        let attempt = 0;
        attempt < 60 && (group.state !== 'STABLE' || group.members.length === 0);
        attempt++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 250))
        group = await client.describeConsumerGroup(groupId)
      }
      assert.equal(group.state, 'STABLE')
      assert.equal(group.type, 'CLASSIC')
      assert.equal(group.isSimple, false)
      assert.equal(group.members.length, 1)
      assert.equal(group.members[0]!.clientId, 'live-consumer')
      assert.deepEqual(group.members[0]!.assignments, [
        { topicName: topic, partitionId: 0 },
        { topicName: topic, partitionId: 1 },
      ])
    } finally {
      await stream.close()
      await consumer.close(true)
      await client.close()
    }
  })

  it('describes a member of a consumer-protocol (KIP-848) group with its assignments', async () => {
    const client = clientFor(kafka)
    const topic = `kip848-${randomUUID().slice(0, 8)}`
    const groupId = `group-${topic}`
    await client.createTopic({ name: topic, partitionsCount: 2, configs: [], validateOnly: false })
    // Kafka's own Java consumer with group.protocol=consumer.
    const member = startConsumerProtocolMember(kafka, topic, groupId)
    try {
      // The member joins through heartbeats once the JVM is up: wait for it and its assignment.
      const describe = () => client.describeConsumerGroup(groupId).catch(() => undefined)
      let group = await describe()
      for (
        let attempt = 0;
        attempt < 160 &&
        (group === undefined || group.members[0] === undefined || group.members[0].assignments.length < 2);
        attempt++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 250))
        group = await describe()
      }
      assert.ok(group, 'the group appeared')
      assert.equal(group.type, 'CONSUMER')
      assert.equal(group.state, 'STABLE')
      assert.equal(group.members.length, 1)
      assert.equal(group.members[0]!.clientId, 'kip848-member')
      assert.deepEqual(group.members[0]!.assignments, [
        { topicName: topic, partitionId: 0 },
        { topicName: topic, partitionId: 1 },
      ])
      const listed = (await client.listConsumerGroups()).find((each) => each.groupId === groupId)
      assert.equal(listed?.members.length, 1)
    } finally {
      await member.stop()
      await client.deleteTopic(topic).catch(() => undefined)
      await client.close()
    }
  })

  it('maps a wrong SASL password to GW_KAFKA_AUTHENTICATION_FAILED', async () => {
    const client = clientFor(kafka, { password: 'definitely-wrong' })
    try {
      assert.equal((await gatewayErrorOf(client.describeCluster())).code, 'GW_KAFKA_AUTHENTICATION_FAILED')
    } finally {
      await client.close()
    }
  })

  it('maps a broker refusal of a non-super user to GW_KAFKA_AUTHORIZATION_FAILED', async () => {
    const [user, password] = Object.entries(kafka.users)[0]!
    const client = clientFor(kafka, { username: user, password })
    try {
      const error = await gatewayErrorOf(
        client.createTopic({ name: `denied-${Date.now()}`, configs: [], validateOnly: false }),
      )
      assert.equal(error.code, 'GW_KAFKA_AUTHORIZATION_FAILED')
      assert.equal(error.status, 403)
    } finally {
      await client.close()
    }
  })

  it('fails fast with GW_KAFKA_UNAVAILABLE when nothing listens', async () => {
    const client = clientFor(kafka, { bootstrap: '127.0.0.1:1' })
    try {
      const started = Date.now()
      const error = await gatewayErrorOf(client.describeCluster())
      assert.equal(error.code, 'GW_KAFKA_UNAVAILABLE')
      assert.equal(error.definition.errorCode, 50302)
      assert.ok(Date.now() - started < 5_000, 'should not wait out retries for a refused connection')
    } finally {
      await client.close()
    }
  })

  it('fails with a 5xx, not a hang, when a "broker" accepts connections but never answers', async () => {
    const accepted = new Set<Socket>()
    const silent = createServer((socket) => accepted.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as { port: number }).port
    const client = clientFor(kafka, { bootstrap: `127.0.0.1:${port}`, timeoutMs: 1_000 })
    try {
      const error = await gatewayErrorOf(client.describeCluster())
      assert.ok(error.status >= 500, `expected a 5xx, got ${error.status} (${error.code})`)
    } finally {
      await client.close()
      for (const socket of accepted) socket.destroy()
      silent.close()
    }
  })
})
