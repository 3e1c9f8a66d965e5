import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

describe('Kafka REST v3 topics (component, fake Kafka)', () => {
  let t: TestApp
  let base: string

  before(async () => {
    t = await buildTestApp()
    base = `/kafka/v3/clusters/${t.kafka.clusterId}/topics`
  })
  after(async () => {
    await t.app.close()
  })

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: t.authorization, 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    })

  it('creates a topic with 201, a Location header and Confluent’s shape', async () => {
    // When
    const response = await post(base, { topic_name: 'orders', partitions_count: 3 })
    // Then
    assert.equal(response.statusCode, 201)
    const self = `http://localhost:80${base}/orders`
    assert.equal(response.headers.location, self)
    assert.deepEqual(response.json(), {
      kind: 'KafkaTopic',
      metadata: { self, resource_name: `crn:///kafka=${t.kafka.clusterId}/topic=orders` },
      cluster_id: t.kafka.clusterId,
      topic_name: 'orders',
      is_internal: false,
      replication_factor: 1,
      partitions_count: 3,
      partitions: { related: `${self}/partitions` },
      configs: { related: `${self}/configs` },
      partition_reassignments: { related: `${self}/partitions/-/reassignment` },
      authorized_operations: [],
    })
    assert.equal(t.kafka.topics.get('orders')?.partitionsCount, 3)
  })

  it('answers 200 and creates nothing with validate_only', async () => {
    const response = await post(base, { topic_name: 'dry-run', validate_only: true })
    assert.equal(response.statusCode, 200)
    assert.equal(response.headers.location, undefined)
    assert.equal(t.kafka.topics.has('dry-run'), false)
  })

  it('refuses a duplicate with 400 / 40002', async () => {
    await post(base, { topic_name: 'dup' })
    const response = await post(base, { topic_name: 'dup' })
    assert.equal(response.statusCode, 400)
    assert.deepEqual(response.json(), { error_code: 40002, message: "Topic 'dup' already exists." })
  })

  it('refuses an invalid topic name with 422 / 42206 before asking Kafka', async () => {
    for (const name of ['', 'a b', '..', 'x'.repeat(250), 'ünïcode']) {
      const response = await post(base, { topic_name: name })
      assert.equal(response.statusCode, 422, name)
      assert.equal(response.json().error_code, 42206)
      assert.match(response.json().message, /^Payload error\. Invalid topic name\./)
    }
    assert.equal(t.kafka.topics.has('a b'), false)
  })

  it('rejects unknown fields with 422 naming the field', async () => {
    const response = await post(base, { topic_name: 'x1', partitions: 3 })
    assert.equal(response.statusCode, 422)
    assert.deepEqual(response.json(), { error_code: 422, message: 'Unrecognized field: partitions' })
    assert.equal(t.kafka.topics.has('x1'), false)
  })

  it('rejects a field of the wrong type with 400 naming the field', async () => {
    const response = await post(base, { topic_name: 'x2', partitions_count: 'A' })
    assert.equal(response.statusCode, 400)
    assert.equal(response.json().error_code, 400)
    assert.match(response.json().message, /partitions_count/)
  })

  it('rejects a missing topic_name with 422', async () => {
    const response = await post(base, { partitions_count: 1 })
    assert.equal(response.statusCode, 422)
    assert.match(response.json().message, /topic_name is required/)
  })

  it('rejects malformed JSON with 400 in the Kafka REST shape', async () => {
    const response = await post(base, '{"topic_name": ')
    assert.equal(response.statusCode, 400)
    assert.equal(response.json().error_code, 400)
    assert.match(response.json().message, /not valid JSON/)
  })

  it('rejects prototype-poisoning JSON with 400', async () => {
    const response = await post(base, '{"topic_name":"p","__proto__":{"isAdmin":true}}')
    assert.equal(response.statusCode, 400)
    assert.equal(response.json().error_code, 400)
    assert.equal(t.kafka.topics.has('p'), false)
  })

  it('rejects an empty body with 422 / 42206', async () => {
    const response = await post(base, '')
    assert.equal(response.statusCode, 422)
    assert.equal(response.json().error_code, 42206)
  })

  it('rejects a wrong content type with 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await post(base, 'topic_name=x', { 'content-type': type })
      assert.equal(response.statusCode, 415, type)
      assert.deepEqual(response.json(), { error_code: 415, message: 'HTTP 415 Unsupported Media Type' })
    }
  })

  it('rejects a body over the limit with 413', async () => {
    const small = await buildTestApp({ bodyLimitBytes: 1_024 })
    try {
      const response = await small.app.inject({
        method: 'POST',
        url: `/kafka/v3/clusters/${small.kafka.clusterId}/topics`,
        headers: { authorization: small.authorization, 'content-type': 'application/json' },
        payload: JSON.stringify({ topic_name: 'big', configs: [{ name: 'x', value: 'y'.repeat(2_000) }] }),
      })
      assert.equal(response.statusCode, 413)
      assert.equal(response.json().error_code, 413)
    } finally {
      await small.app.close()
    }
  })

  it('lists topics sorted by name', async () => {
    await post(base, { topic_name: 'b-topic' })
    await post(base, { topic_name: 'a-topic' })
    const response = await t.app.inject({ url: base, headers: { authorization: t.authorization } })
    assert.equal(response.statusCode, 200)
    const body = response.json()
    assert.equal(body.kind, 'KafkaTopicList')
    assert.deepEqual(body.metadata, { self: `http://localhost:80${base}`, next: null })
    const names = body.data.map((topic: { topic_name: string }) => topic.topic_name)
    assert.deepEqual(names, [...names].sort())
    assert.ok(names.includes('a-topic') && names.includes('b-topic'))
  })

  it('gets and deletes a topic; afterwards it is 404 / 40403', async () => {
    await post(base, { topic_name: 'short-lived' })
    const got = await t.app.inject({
      url: `${base}/short-lived`,
      headers: { authorization: t.authorization },
    })
    assert.equal(got.statusCode, 200)
    assert.equal(got.json().topic_name, 'short-lived')

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `${base}/short-lived`,
      headers: { authorization: t.authorization },
    })
    assert.equal(deleted.statusCode, 204)
    assert.equal(deleted.body, '')

    const gone = await t.app.inject({
      url: `${base}/short-lived`,
      headers: { authorization: t.authorization },
    })
    assert.equal(gone.statusCode, 404)
    assert.deepEqual(gone.json(), {
      error_code: 40403,
      message: 'This server does not host this topic-partition.',
    })
  })

  it('answers 404 / 40403 for a name that no topic can have, without asking Kafka', async () => {
    t.kafka.isDown = true
    try {
      const response = await t.app.inject({
        url: `${base}/a%20b`,
        headers: { authorization: t.authorization },
      })
      // The cluster id is already known, so only the topic name decides.
      assert.equal(response.statusCode, 404)
      assert.equal(response.json().error_code, 40403)
    } finally {
      t.kafka.isDown = false
    }
  })

  it('answers 404 for an unknown cluster id', async () => {
    const response = await t.app.inject({
      url: '/kafka/v3/clusters/no-such-cluster/topics',
      headers: { authorization: t.authorization },
    })
    assert.equal(response.statusCode, 404)
    assert.deepEqual(response.json(), {
      error_code: 404,
      message: 'Cluster no-such-cluster cannot be found.',
    })
  })

  it('answers 503 / 50302 while Kafka is unreachable', async () => {
    t.kafka.isDown = true
    try {
      const response = await t.app.inject({ url: base, headers: { authorization: t.authorization } })
      assert.equal(response.statusCode, 503)
      assert.equal(response.json().error_code, 50302)
    } finally {
      t.kafka.isDown = false
    }
  })

  it('uses the configured public URL in links', async () => {
    const behindProxy = await buildTestApp({ publicUrl: 'https://kafka-api.example.com' })
    try {
      const url = `/kafka/v3/clusters/${behindProxy.kafka.clusterId}/topics`
      const created = await behindProxy.app.inject({
        method: 'POST',
        url,
        headers: { authorization: behindProxy.authorization, 'content-type': 'application/json' },
        payload: '{"topic_name":"linked"}',
      })
      assert.equal(created.headers.location, `https://kafka-api.example.com${url}/linked`)
    } finally {
      await behindProxy.app.close()
    }
  })
})
