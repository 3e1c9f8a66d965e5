import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

describe('broker and cluster configs (component, fake Kafka)', () => {
  let t: TestApp
  let cluster: string

  before(async () => {
    t = await buildTestApp()
    cluster = `/kafka/v3/clusters/${t.kafka.clusterId}`
  })
  after(async () => {
    await t.app.close()
  })

  const call = (method: 'GET' | 'PUT' | 'DELETE' | 'POST', url: string, body?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: {
        authorization: t.authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    })

  it('lists and gets a broker’s configs, for one broker and for all', async () => {
    const list = (await call('GET', `${cluster}/brokers/1/configs`)).json()
    assert.equal(list.kind, 'KafkaBrokerConfigList')
    const partitions = (await call('GET', `${cluster}/brokers/1/configs/num.partitions`)).json()
    assert.equal(partitions.kind, 'KafkaBrokerConfig')
    assert.equal(partitions.broker_id, 1)
    assert.equal(partitions.source, 'STATIC_BROKER_CONFIG')
    assert.equal(
      partitions.metadata.resource_name,
      `crn:///kafka=${t.kafka.clusterId}/broker=1/config=num.partitions`,
    )
    const all = (await call('GET', `${cluster}/brokers/-/configs`)).json()
    assert.equal(all.data.length, list.data.length)
    assert.equal((await call('GET', `${cluster}/brokers/7/configs`)).statusCode, 404)
    assert.equal((await call('GET', `${cluster}/brokers/1/configs/no.such`)).statusCode, 404)
  })

  it('sets, alters and resets cluster-wide configs, which brokers then apply', async () => {
    assert.deepEqual((await call('GET', `${cluster}/broker-configs`)).json().data, [])
    assert.equal(
      (await call('PUT', `${cluster}/broker-configs/log.cleaner.backoff.ms`, { value: '20000' })).statusCode,
      204,
    )
    const set = (await call('GET', `${cluster}/broker-configs/log.cleaner.backoff.ms`)).json()
    assert.equal(set.kind, 'KafkaClusterConfig')
    assert.equal(set.config_type, 'BROKER')
    assert.equal(set.value, '20000')
    assert.equal(
      (await call('GET', `${cluster}/brokers/1/configs/log.cleaner.backoff.ms`)).json().source,
      'DYNAMIC_DEFAULT_BROKER_CONFIG',
    )

    assert.equal(
      (
        await call('POST', `${cluster}/broker-configs:alter`, {
          data: [{ name: 'min.insync.replicas', value: '1' }],
          validate_only: true,
        })
      ).statusCode,
      204,
    )
    assert.equal(
      (await call('GET', `${cluster}/broker-configs/min.insync.replicas`)).statusCode,
      404,
      'validate only changes nothing',
    )

    assert.equal((await call('DELETE', `${cluster}/broker-configs/log.cleaner.backoff.ms`)).statusCode, 204)
    assert.equal((await call('GET', `${cluster}/broker-configs/log.cleaner.backoff.ms`)).statusCode, 404)
  })

  it('refuses to change a static config at run time with 400 / 40002', async () => {
    const response = await call('POST', `${cluster}/brokers/1/configs:alter`, {
      data: [{ name: 'log.dirs', value: '/tmp' }],
    })
    assert.equal(response.statusCode, 400)
    assert.deepEqual(response.json(), {
      error_code: 40002,
      message: 'Cannot update these configs dynamically: [log.dirs]',
    })
  })
})
