import assert from 'node:assert/strict'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../../../../support/test-app.ts'

describe('produce records (component, fake Kafka)', () => {
  let t: TestApp
  let url: string

  before(async () => {
    t = await buildTestApp({ batchMaxEntries: 5 })
    await t.kafka.createTopic({ name: 'orders', partitionsCount: 2, configs: [], validateOnly: false })
    url = `/kafka/v3/clusters/${t.kafka.clusterId}/topics/orders/records`
  })
  after(async () => {
    await t.app.close()
  })

  const produce = (payload: string | Readable, path = url) =>
    t.app.inject({
      method: 'POST',
      url: path,
      headers: { authorization: t.authorization, 'content-type': 'application/json' },
      payload,
    })
  const reports = (body: string) => {
    assert.ok(body.endsWith('\r\n'), 'each report ends with CRLF')
    return body
      .split('\r\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line))
  }

  it('answers one delivery report per record, in order, each followed by CRLF', async () => {
    const response = await produce(
      '{"partition_id":1,"key":{"type":"STRING","data":"k"},"value":{"type":"JSON","data":{"n":1}},"timestamp":"2021-02-05T19:14:42Z"}\n' +
        '{"partition_id":1,"value":{"type":"BINARY","data":"Zm9v"}}{"partition_id":0}',
    )
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^application\/json/)
    const [first, second, third] = reports(response.body)
    assert.deepEqual(first, {
      error_code: 200,
      cluster_id: t.kafka.clusterId,
      topic_name: 'orders',
      partition_id: 1,
      offset: 0,
      timestamp: '2021-02-05T19:14:42Z',
      key: { type: 'STRING', size: 1 },
      value: { type: 'JSON', size: 7 },
    })
    assert.equal(second.offset, 1)
    assert.deepEqual(second.value, { type: 'BINARY', size: 3 })
    assert.equal(second.key, undefined)
    assert.equal(third.partition_id, 0)
    assert.equal(t.kafka.records.get('orders')?.[1]?.[1]?.value?.toString(), 'foo')
  })

  it('reports a bad record in its place while its neighbours succeed', async () => {
    const response = await produce(
      '{"value":{"type":"STRING","data":"ok-1"},"partition_id":0}' +
        '{"value":{"type":"BINARY","data":"%%%"}}' +
        '{"value":{"type":"JSON","data":1},"partition_id":9}' +
        '{"value":{"type":"JSON","data":1},"unknown":true}' +
        '{"value":{"type":"STRING","data":"ok-2"},"partition_id":0}',
    )
    assert.equal(response.statusCode, 200)
    const codes = reports(response.body).map((report) => report.error_code)
    assert.deepEqual(codes, [200, 400, 40402, 400, 200])
    const bodies = reports(response.body)
    assert.equal(bodies[1].message, 'Bad Request: data="%%%" is not a valid base64 string.')
    assert.deepEqual(Object.keys(bodies[1]).sort(), ['error_code', 'message'])
  })

  it('reads records that arrive in small chunks of a streamed body', async () => {
    const text = '{"value":{"type":"STRING","data":"a"}}\n{"value":{"type":"STRING","data":"b"}}\n'
    const response = await produce(Readable.from([...text].map((char) => Buffer.from(char))))
    assert.deepEqual(
      reports(response.body).map((report) => report.error_code),
      [200, 200],
    )
  })

  it('ends a malformed stream with one in-band error after the good records', async () => {
    const response = await produce(
      '{"value":{"type":"STRING","data":"a"}} {"value": oops} {"value":{"type":"STRING","data":"never"}}',
    )
    assert.equal(response.statusCode, 200)
    const all = reports(response.body)
    assert.equal(all.length, 2)
    assert.equal(all[0].error_code, 200)
    assert.equal(all[1].error_code, 400)
    assert.match(all[1].message, /^Bad Request: Error processing message: /)
  })

  it('answers a stream that is not JSON objects with one in-band error', async () => {
    const response = await produce('[{"value":null}]')
    assert.equal(response.statusCode, 200)
    const [only] = reports(response.body)
    assert.equal(only.error_code, 400)
    assert.match(only.message, /each record must be a JSON object/)
  })

  it('answers an empty body with 422 / 42206', async () => {
    for (const payload of ['', '  \n ']) {
      const response = await produce(payload)
      assert.equal(response.statusCode, 422)
      assert.equal(response.json().error_code, 42206)
    }
  })

  it('reports an unknown topic, and a name no topic can have, in-band per record', async () => {
    for (const topic of ['missing-topic', 'bad%20name']) {
      const response = await produce(
        '{"value":{"type":"STRING","data":"a"}}',
        url.replace('/orders/', `/${topic}/`),
      )
      assert.equal(response.statusCode, 200)
      assert.deepEqual(reports(response.body), [
        { error_code: 40403, message: 'This server does not host this topic-partition.' },
      ])
    }
  })

  it('needs credentials and JSON like every route', async () => {
    const anonymous = await t.app.inject({
      method: 'POST',
      url,
      payload: '{}',
      headers: { 'content-type': 'application/json' },
    })
    assert.equal(anonymous.statusCode, 401)
    const text = await t.app.inject({
      method: 'POST',
      url,
      payload: '{}',
      headers: { authorization: t.authorization, 'content-type': 'text/plain' },
    })
    assert.equal(text.statusCode, 415)
  })

  describe('records:batch', () => {
    const batch = (body: unknown) => produce(JSON.stringify(body), `${url}:batch`)

    it('answers 207 with successes and failures by entry id', async () => {
      const response = await batch({
        entries: [
          { id: 'a', partition_id: 0, value: { type: 'STRING', data: 'x' } },
          { id: 'b', value: { type: 'BINARY', data: '!' } },
          { id: 'c', partition_id: 1, key: { type: 'JSON', data: [1] } },
        ],
      })
      assert.equal(response.statusCode, 207)
      const body = response.json()
      assert.deepEqual(
        body.successes.map((success: { id: string }) => success.id),
        ['a', 'c'],
      )
      assert.equal(body.successes[0].error_code, undefined)
      assert.equal(body.successes[0].topic_name, 'orders')
      assert.deepEqual(body.successes[1].key, { type: 'JSON', size: 3 })
      assert.deepEqual(body.failures, [
        { id: 'b', error_code: 400, message: 'Bad Request: data="!" is not a valid base64 string.' },
      ])
    })

    it('refuses an invalid batch as a whole with 422 / 42208', async () => {
      const cases: [unknown, RegExp][] = [
        [{ entries: [] }, /^Empty batch\.$/],
        [{ entries: null }, /^Empty batch\.$/],
        [
          { entries: Array.from({ length: 6 }, (_, i) => ({ id: `e${i}` })) },
          /^Too many entries in batch: 6; at most 5/,
        ],
        [{ entries: [{ id: 'x' }, { id: 'x' }] }, /^Batch entry IDs are not distinct\.$/],
        [{ entries: [{ id: 'has space' }] }, /^Batch entry identifier is not a valid string\.$/],
        [{ entries: [{ id: 7 }] }, /^Batch entry identifier is not a valid string\.$/],
      ]
      for (const [body, message] of cases) {
        const response = await batch(body)
        assert.equal(response.statusCode, 422, JSON.stringify(body))
        assert.equal(response.json().error_code, 42208)
        assert.match(response.json().message, message)
      }
      assert.equal((await batch({ entries: [{ id: 'a', oops: 1 }] })).statusCode, 422)
    })
  })
})

describe('produce stream duration limit (component, fake Kafka, real HTTP)', () => {
  const LIMIT_MS = 400
  let t: TestApp
  let base: string

  before(async () => {
    t = await buildTestApp({ streamMaxDurationMs: LIMIT_MS })
    await t.kafka.createTopic({ name: 'timed', partitionsCount: 1, configs: [], validateOnly: false })
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  })
  after(async () => {
    await t.app.close()
  })

  /** Opens a chunked produce request that the test feeds; collects the response until its end. */
  function openStream(topic: string) {
    const request = httpRequest(`${base}/kafka/v3/clusters/${t.kafka.clusterId}/topics/${topic}/records`, {
      method: 'POST',
      headers: { authorization: t.authorization, 'content-type': 'application/json' },
    })
    // The gateway closes the connection while the client still sends: an EPIPE or reset is expected.
    request.on('error', () => {})
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the response did not end')), LIMIT_MS + 5_000)
      request.on('response', (incoming: IncomingMessage) => {
        let body = ''
        incoming.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
        incoming.on('end', () => {
          clearTimeout(timer)
          resolve({ status: incoming.statusCode ?? 0, body })
        })
      })
    })
    const closed = new Promise<void>((resolve) => request.on('close', resolve))
    return { request, response, closed }
  }

  it('stops reading when the limit elapses, reports every record read, then one in-band 408, and closes', async () => {
    // Given a client that keeps sending a record every 50 ms and never ends its body
    const { request, response, closed } = openStream('timed')
    let sent = 0
    const feeder = setInterval(() => {
      if (request.destroyed) return
      request.write(`{"value":{"type":"STRING","data":"r${sent++}"}}\n`)
    }, 50)
    try {
      // When the limit elapses
      const { status, body } = await response
      // Then every report but the last is a written record, in order, and the last is the 408
      assert.equal(status, 200)
      assert.ok(body.endsWith('\r\n'))
      const lines = body
        .split('\r\n')
        .slice(0, -1)
        .map((line) => JSON.parse(line) as { error_code: number; offset?: number; message?: string })
      const last = lines.pop()!
      assert.deepEqual(last, {
        error_code: 408,
        message: 'Streaming connection open for longer than allowed: Connection will be closed.',
      })
      assert.ok(lines.length >= 2, `records were read before the limit (${lines.length})`)
      assert.deepEqual(
        lines.map((line) => [line.error_code, line.offset]),
        lines.map((_, index) => [200, index]),
      )
      const written = t.kafka.records.get('timed')?.[0] ?? []
      assert.equal(written.length, lines.length, 'each record read is written once and reported')
      assert.equal(written.at(-1)?.value?.toString(), `r${lines.length - 1}`)
      await Promise.race([
        closed,
        new Promise((_, reject) => setTimeout(() => reject(new Error('connection not closed')), 5_000)),
      ])
    } finally {
      clearInterval(feeder)
      request.destroy()
    }
  })

  it('answers 408 / 408 when the limit elapses before the first record', async () => {
    // Given a client that sends headers and then nothing
    const { request, response } = openStream('timed')
    request.flushHeaders()
    try {
      // When / Then
      const { status, body } = await response
      assert.equal(status, 408)
      assert.equal(JSON.parse(body).error_code, 408)
    } finally {
      request.destroy()
    }
  })
})
