import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

describe('Kafka REST v3 clusters (component, fake Kafka)', () => {
  let t: TestApp
  before(async () => {
    t = await buildTestApp()
  })
  after(async () => {
    await t.app.close()
  })

  it('lists the cluster with its own id, absolute links and a null next page', async () => {
    const response = await t.app.inject({
      url: '/kafka/v3/clusters',
      headers: { authorization: t.authorization, host: 'gw.test:8082' },
    })
    assert.equal(response.statusCode, 200)
    const id = t.kafka.clusterId
    const root = `http://gw.test:8082/kafka/v3/clusters/${id}`
    assert.deepEqual(response.json(), {
      kind: 'KafkaClusterList',
      metadata: { self: 'http://gw.test:8082/kafka/v3/clusters', next: null },
      data: [
        {
          kind: 'KafkaCluster',
          metadata: { self: root, resource_name: `crn:///kafka=${id}` },
          cluster_id: id,
          controller: { related: `${root}/brokers/1` },
          acls: { related: `${root}/acls` },
          brokers: { related: `${root}/brokers` },
          broker_configs: { related: `${root}/broker-configs` },
          consumer_groups: { related: `${root}/consumer-groups` },
          topics: { related: `${root}/topics` },
          partition_reassignments: { related: `${root}/topics/-/partitions/-/reassignment` },
        },
      ],
    })
  })

  it('gets one cluster by id and 404s an unknown id', async () => {
    const found = await t.app.inject({
      url: `/kafka/v3/clusters/${t.kafka.clusterId}`,
      headers: { authorization: t.authorization },
    })
    assert.equal(found.statusCode, 200)
    assert.equal(found.json().kind, 'KafkaCluster')
    const missing = await t.app.inject({
      url: '/kafka/v3/clusters/lkc-nope',
      headers: { authorization: t.authorization },
    })
    assert.equal(missing.statusCode, 404)
    assert.deepEqual(missing.json(), { error_code: 404, message: 'Cluster lkc-nope cannot be found.' })
  })
})
