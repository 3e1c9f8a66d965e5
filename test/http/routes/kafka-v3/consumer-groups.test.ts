import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

describe('consumer groups and lag (component, fake Kafka)', () => {
  let t: TestApp
  let groups: string
  const get = (url: string) => t.app.inject({ url, headers: { authorization: t.authorization } })

  before(async () => {
    t = await buildTestApp()
    groups = `/kafka/v3/clusters/${t.kafka.clusterId}/consumer-groups`
    await t.kafka.createTopic({ name: 'events', partitionsCount: 2, configs: [], validateOnly: false })
    for (let i = 0; i < 4; i++)
      await t.kafka.produce('events', { partitionId: 0, key: null, value: Buffer.from('x'), headers: [] })
    await t.kafka.produce('events', { partitionId: 1, key: null, value: Buffer.from('x'), headers: [] })
    t.kafka.commitOffset('billing', 'events', 0, 1n)
    t.kafka.commitOffset('billing', 'events', 1, 1n)
    t.kafka.groups.set('billing', {
      groupId: 'billing',
      isSimple: false,
      partitionAssignor: 'range',
      state: 'STABLE',
      type: 'CLASSIC',
      coordinatorId: 1,
      members: [
        {
          consumerId: 'consumer-1-abc',
          instanceId: null,
          clientId: 'billing-app',
          host: '/127.0.0.1',
          assignments: [
            { topicName: 'events', partitionId: 0 },
            { topicName: 'events', partitionId: 1 },
          ],
        },
      ],
    })
  })
  after(async () => {
    await t.app.close()
  })

  it('lists groups and gets one in Confluent’s shape', async () => {
    const list = await get(groups)
    assert.equal(list.statusCode, 200)
    assert.deepEqual(
      list.json().data.map((group: { consumer_group_id: string }) => group.consumer_group_id),
      ['billing'],
    )
    const group = (await get(`${groups}/billing`)).json()
    assert.equal(group.kind, 'KafkaConsumerGroup')
    assert.equal(group.state, 'STABLE')
    assert.equal(group.partition_assignor, 'range')
    assert.equal(group.is_simple, false)
    assert.match(group.coordinator.related, /\/brokers\/1$/)
    assert.match(group.lag_summary.related, /\/consumer-groups\/billing\/lag-summary$/)
  })

  it('lists consumers and gets one, 404 for an unknown consumer or group', async () => {
    const consumers = (await get(`${groups}/billing/consumers`)).json()
    assert.equal(consumers.kind, 'KafkaConsumerList')
    assert.equal(consumers.data[0].client_id, 'billing-app')
    assert.equal((await get(`${groups}/billing/consumers/consumer-1-abc`)).statusCode, 200)
    assert.equal((await get(`${groups}/billing/consumers/nobody`)).statusCode, 404)
    const missing = await get(`${groups}/nope`)
    assert.equal(missing.statusCode, 404)
    assert.deepEqual(missing.json(), { error_code: 404, message: 'Consumer group nope cannot be found.' })
  })

  it('lists a consumer’s assignments and gets one, 404 for a partition it does not hold', async () => {
    const list = (await get(`${groups}/billing/consumers/consumer-1-abc/assignments`)).json()
    assert.equal(list.kind, 'KafkaConsumerAssignmentList')
    assert.deepEqual(
      list.data.map((assignment: { topic_name: string; partition_id: number }) => [
        assignment.topic_name,
        assignment.partition_id,
      ]),
      [
        ['events', 0],
        ['events', 1],
      ],
    )
    const one = (
      await get(`${groups}/billing/consumers/consumer-1-abc/assignments/events/partitions/1`)
    ).json()
    assert.match(one.lag.related, /\/consumer-groups\/billing\/lags\/events\/partitions\/1$/)
    assert.equal(
      (await get(`${groups}/billing/consumers/consumer-1-abc/assignments/events/partitions/5`)).statusCode,
      404,
    )
  })

  it('reports lag per partition with the owning consumer, and a summary', async () => {
    const lags = (await get(`${groups}/billing/lags`)).json()
    assert.equal(lags.kind, 'KafkaConsumerLagList')
    assert.deepEqual(
      lags.data.map(
        (lag: {
          partition_id: number
          current_offset: number
          log_end_offset: number
          lag: number
          consumer_id: string
        }) => [lag.partition_id, lag.current_offset, lag.log_end_offset, lag.lag, lag.consumer_id],
      ),
      [
        [0, 1, 4, 3, 'consumer-1-abc'],
        [1, 1, 1, 0, 'consumer-1-abc'],
      ],
    )
    assert.equal((await get(`${groups}/billing/lags/events/partitions/0`)).json().lag, 3)
    assert.equal((await get(`${groups}/billing/lags/events/partitions/7`)).statusCode, 404)

    const summary = (await get(`${groups}/billing/lag-summary`)).json()
    assert.equal(summary.kind, 'KafkaConsumerGroupLagSummary')
    assert.equal(summary.max_lag, 3)
    assert.equal(summary.total_lag, 3)
    assert.equal(summary.max_lag_topic_name, 'events')
    assert.equal(summary.max_lag_partition_id, 0)
    assert.equal(summary.max_lag_client_id, 'billing-app')
    assert.match(summary.max_lag_partition.related, /\/topics\/events\/partitions\/0$/)
  })
})
