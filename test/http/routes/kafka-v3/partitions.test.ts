import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

describe('partitions, replicas, brokers and partition counts (component, fake Kafka)', () => {
  let t: TestApp
  let cluster: string
  const get = (url: string) => t.app.inject({ url, headers: { authorization: t.authorization } })

  before(async () => {
    t = await buildTestApp()
    cluster = `/kafka/v3/clusters/${t.kafka.clusterId}`
    await t.kafka.createTopic({ name: 'parts', partitionsCount: 2, configs: [], validateOnly: false })
    await t.kafka.produce('parts', { partitionId: 1, key: null, value: Buffer.from('a'), headers: [] })
  })
  after(async () => {
    await t.app.close()
  })

  it('lists and gets partitions with leader and replica links', async () => {
    const list = await get(`${cluster}/topics/parts/partitions`)
    assert.equal(list.statusCode, 200)
    assert.equal(list.json().kind, 'KafkaPartitionList')
    assert.deepEqual(
      list.json().data.map((partition: { partition_id: number }) => partition.partition_id),
      [0, 1],
    )
    const one = (await get(`${cluster}/topics/parts/partitions/1`)).json()
    assert.equal(one.metadata.resource_name, `crn:///kafka=${t.kafka.clusterId}/topic=parts/partition=1`)
    assert.match(one.leader.related, /\/topics\/parts\/partitions\/1\/replicas\/1$/)
  })

  it('reports earliest and latest offsets, and refuses other offset types', async () => {
    const response = await get(`${cluster}/topics/parts/partitions/1/offset`)
    assert.equal(response.statusCode, 200)
    assert.equal(response.json().kind, 'KafkaPartitionWithOffsets')
    assert.equal(response.json().earliest_offset, 0)
    assert.equal(response.json().latest_offset, 1)
    const wrong = await get(`${cluster}/topics/parts/partitions/1/offset?offset_type=latest_only`)
    assert.equal(wrong.statusCode, 400)
    assert.equal(wrong.json().message, 'offset_type:latest_only is invalid')
  })

  it('lists replicas and gets one, 404 for a broker without a replica', async () => {
    const replicas = (await get(`${cluster}/topics/parts/partitions/0/replicas`)).json()
    assert.equal(replicas.kind, 'KafkaReplicaList')
    assert.deepEqual(replicas.data[0], {
      ...replicas.data[0],
      broker_id: 1,
      is_leader: true,
      is_in_sync: true,
    })
    assert.equal((await get(`${cluster}/topics/parts/partitions/0/replicas/1`)).statusCode, 200)
    assert.equal((await get(`${cluster}/topics/parts/partitions/0/replicas/7`)).statusCode, 404)
  })

  it('answers 404 for an unknown partition and an unknown topic, 400 for a non-numeric partition id', async () => {
    const unknownPartition = await get(`${cluster}/topics/parts/partitions/9`)
    assert.equal(unknownPartition.statusCode, 404)
    assert.equal(unknownPartition.json().error_code, 40402)
    assert.equal((await get(`${cluster}/topics/nope/partitions`)).json().error_code, 40403)
    const nonNumeric = await get(`${cluster}/topics/parts/partitions/one`)
    assert.equal(nonNumeric.statusCode, 400)
    assert.match(nonNumeric.json().message, /partition_id/)
  })

  it('raises the partition count with PATCH and refuses to lower it', async () => {
    const patch = (count: unknown) =>
      t.app.inject({
        method: 'PATCH',
        url: `${cluster}/topics/parts`,
        headers: { authorization: t.authorization, 'content-type': 'application/json' },
        payload: JSON.stringify({ partitions_count: count }),
      })
    const raised = await patch(4)
    assert.equal(raised.statusCode, 200)
    assert.equal(raised.json().partitions_count, 4)
    const lowered = await patch(3)
    assert.equal(lowered.statusCode, 400)
    assert.equal(lowered.json().error_code, 40002)
    assert.equal((await patch('5')).statusCode, 400)
    assert.equal((await patch(0)).statusCode, 422)
  })

  it('lists reassignments (none in progress on one broker) and 404s a partition without one', async () => {
    for (const url of [
      `${cluster}/topics/-/partitions/-/reassignment`,
      `${cluster}/topics/parts/partitions/-/reassignment`,
    ]) {
      const response = await get(url)
      assert.equal(response.statusCode, 200, url)
      assert.deepEqual(response.json().data, [])
      assert.equal(response.json().kind, 'KafkaReassignmentList')
    }
    assert.equal((await get(`${cluster}/topics/parts/partitions/0/reassignment`)).statusCode, 404)
    assert.equal((await get(`${cluster}/topics/nope/partitions/-/reassignment`)).json().error_code, 40403)
  })

  it('lists the partition replicas a broker holds, across topics', async () => {
    await t.kafka.createTopic({ name: 'second', partitionsCount: 1, configs: [], validateOnly: false })
    const replicas = (await get(`${cluster}/brokers/1/partition-replicas`)).json()
    assert.equal(replicas.kind, 'KafkaReplicaList')
    const held = replicas.data.map(
      (replica: { topic_name: string; partition_id: number }) =>
        `${replica.topic_name}/${replica.partition_id}`,
    )
    assert.ok(held.includes('second/0') && held.includes('parts/0'), held.join(','))
    assert.equal((await get(`${cluster}/brokers/9/partition-replicas`)).statusCode, 404)
  })

  it('lists brokers and gets one, 404 for an unknown broker', async () => {
    const brokers = (await get(`${cluster}/brokers`)).json()
    assert.equal(brokers.kind, 'KafkaBrokerList')
    assert.deepEqual(
      brokers.data.map((broker: { broker_id: number; host: string }) => [broker.broker_id, broker.host]),
      [[1, '127.0.0.1']],
    )
    assert.equal(
      (await get(`${cluster}/brokers/1`))
        .json()
        .partition_replicas.related.endsWith('/brokers/1/partition-replicas'),
      true,
    )
    assert.equal((await get(`${cluster}/brokers/42`)).statusCode, 404)
  })
})
