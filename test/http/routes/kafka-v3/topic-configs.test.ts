import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

describe('topic configs (component, fake Kafka)', () => {
  let t: TestApp
  let configs: string

  before(async () => {
    t = await buildTestApp()
    await t.kafka.createTopic({ name: 'conf', configs: [], validateOnly: false })
    configs = `/kafka/v3/clusters/${t.kafka.clusterId}/topics/conf/configs`
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

  it('lists configs and gets one in Confluent’s shape', async () => {
    const list = await call('GET', configs)
    assert.equal(list.statusCode, 200)
    assert.equal(list.json().kind, 'KafkaTopicConfigList')
    const retention = (await call('GET', `${configs}/retention.ms`)).json()
    assert.equal(retention.kind, 'KafkaTopicConfig')
    assert.equal(retention.value, '604800000')
    assert.equal(retention.is_default, true)
    assert.equal(retention.source, 'DEFAULT_CONFIG')
    assert.equal(
      retention.metadata.resource_name,
      `crn:///kafka=${t.kafka.clusterId}/topic=conf/config=retention.ms`,
    )
  })

  it('sets one config with PUT and resets it with DELETE', async () => {
    assert.equal((await call('PUT', `${configs}/retention.ms`, { value: '1000' })).statusCode, 204)
    const set = (await call('GET', `${configs}/retention.ms`)).json()
    assert.equal(set.value, '1000')
    assert.equal(set.source, 'DYNAMIC_TOPIC_CONFIG')
    assert.equal((await call('DELETE', `${configs}/retention.ms`)).statusCode, 204)
    assert.equal((await call('GET', `${configs}/retention.ms`)).json().is_default, true)
  })

  it('alters several configs at once, or only validates them', async () => {
    const alter = (body: unknown) => call('POST', `${configs}:alter`, body)
    assert.equal(
      (await alter({ data: [{ name: 'retention.ms', value: '5' }], validate_only: true })).statusCode,
      204,
    )
    assert.equal((await call('GET', `${configs}/retention.ms`)).json().value, '604800000')
    assert.equal(
      (
        await alter({
          data: [
            { name: 'retention.ms', value: '5' },
            { name: 'cleanup.policy', value: 'compact', operation: 'SET' },
          ],
        })
      ).statusCode,
      204,
    )
    assert.equal((await call('GET', `${configs}/cleanup.policy`)).json().value, 'compact')
    assert.equal((await alter({ data: [{ name: 'cleanup.policy', operation: 'DELETE' }] })).statusCode, 204)
    assert.equal((await call('GET', `${configs}/cleanup.policy`)).json().value, 'delete')
  })

  it('lists every topic’s configs, and the defaults a new topic would get', async () => {
    await t.kafka.createTopic({
      name: 'other',
      configs: [{ name: 'retention.ms', value: '42' }],
      validateOnly: false,
    })
    const all = (await call('GET', `/kafka/v3/clusters/${t.kafka.clusterId}/topics/-/configs`)).json()
    assert.equal(all.kind, 'KafkaTopicConfigList')
    assert.ok(
      all.data.some(
        (config: { topic_name: string; name: string; value: string }) =>
          config.topic_name === 'other' && config.name === 'retention.ms' && config.value === '42',
      ),
    )
    assert.ok(all.data.some((config: { topic_name: string }) => config.topic_name === 'conf'))

    const defaults = (
      await call('GET', `/kafka/v3/clusters/${t.kafka.clusterId}/topics/other/default-configs`)
    ).json()
    const retention = defaults.data.find((config: { name: string }) => config.name === 'retention.ms')
    assert.equal(retention.value, '604800000', 'the topic’s own override is set aside')
    assert.equal(retention.is_default, true)
    assert.equal(retention.source, 'DEFAULT_CONFIG')
  })

  it('refuses unknown configs, bad values and bad bodies with Confluent’s codes', async () => {
    const missing = await call('GET', `${configs}/no.such.config`)
    assert.equal(missing.statusCode, 404)
    assert.equal(
      missing.json().message,
      `Config no.such.config cannot be found for topic conf in cluster ${t.kafka.clusterId}.`,
    )
    assert.equal((await call('PUT', `${configs}/no.such.config`, { value: '1' })).statusCode, 404)
    const badValue = await call('POST', `${configs}:alter`, {
      data: [{ name: 'retention.ms', value: 'soon' }],
    })
    assert.equal(badValue.statusCode, 400)
    assert.equal(badValue.json().error_code, 40002)
    const badOperation = await call('POST', `${configs}:alter`, {
      data: [{ name: 'retention.ms', operation: 'APPEND' }],
    })
    assert.equal(badOperation.statusCode, 422)
    assert.match(badOperation.json().message, /data\.0\.operation/)
    assert.equal((await call('PUT', `${configs}/retention.ms`, { value: '1', extra: true })).statusCode, 422)
    assert.equal(
      (await call('GET', `/kafka/v3/clusters/${t.kafka.clusterId}/topics/absent/configs`)).json().error_code,
      40403,
    )
  })
})
