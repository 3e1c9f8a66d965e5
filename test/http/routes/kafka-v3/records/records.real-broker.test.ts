/**
 * Produce through the HTTP API onto the real broker, reading records back with a Kafka consumer:
 * a record reported with 200 is in Kafka at the reported partition and offset.
 */
import { startTestAuthorizer, testResourceDirectory } from '../../../../support/authorization.ts'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../../../src/http/index.ts'
import { staticKeyAuthenticator } from '../../../../support/static-key.ts'
import { KafkaClusterDirectory } from '../../../../../src/kafka/index.ts'
import { PlatformaticKafkaClusterClient } from '../../../../../src/kafka/platformatic/index.ts'
import type { LocalKafka } from '../../../../../scripts/local-kafka.ts'
import { basicAuthorization } from '../../../../support/gateway-process.ts'
import { javaDefaultPartitions, readRecords, testKafka } from '../../../../support/kafka.ts'

describe('produce on a real broker', () => {
  let kafka: LocalKafka
  let app: FastifyInstance
  let client: PlatformaticKafkaClusterClient
  let base: string
  const authorization = basicAuthorization('ITKEY12345678901', 'it-secret-for-produce-tests')

  before(async () => {
    kafka = await testKafka()
    client = new PlatformaticKafkaClusterClient({
      bootstrapServers: [kafka.bootstrapServers],
      clientId: 'gatehouse-it',
      sasl: kafka.sasl,
      connectTimeoutMs: 3_000,
      requestTimeoutMs: 15_000,
    })
    const clusters = new KafkaClusterDirectory([client])
    app = await buildApp({
      server: { trustProxy: false, bodyLimitBytes: 1_048_576, publicUrl: undefined },
      produce: { batchMaxEntries: 10, maxRecordJsonBytes: 8_388_608, streamMaxDurationMs: 3_600_000 },
      isMetricsPublic: false,
      logger: false,
      clusters,
      authorizer: (await startTestAuthorizer(clusters)).authorizer,
      resources: testResourceDirectory,
      authenticator: staticKeyAuthenticator('ITKEY12345678901', 'it-secret-for-produce-tests'),
      readinessChecks: [],
    })
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    base = `${address}/kafka/v3/clusters/${kafka.clusterId}/topics`
  })
  after(async () => {
    await app.close()
    await client.close()
  })

  async function createTopic(partitions = 2): Promise<string> {
    const name = `it-produce-${randomUUID().slice(0, 8)}`
    const response = await fetch(base, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ topic_name: name, partitions_count: partitions }),
    })
    assert.equal(response.status, 201)
    return name
  }

  const lines = (text: string) =>
    text
      .split('\r\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))

  it('writes each reported record where the report says, with its key, value, headers and timestamp', async () => {
    const topic = await createTopic()
    const body =
      '{"partition_id":1,"headers":[{"name":"h","value":"SGVhZGVyLTE="},{"name":"h","value":null}],' +
      '"key":{"type":"STRING","data":"k-1"},"value":{"type":"JSON","data":{"n":1}},"timestamp":"2021-02-05T19:14:42.5Z"}' +
      '{"key":{"type":"BINARY","data":"AAEC"},"value":{"type":"STRING","data":"second"}}' +
      '{"value":{"type":"BINARY","data":"!!"}}' +
      '{"partition_id":0,"value":{"type":"STRING","data":"third"}}'
    const response = await fetch(`${base}/${topic}/records`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body,
    })
    assert.equal(response.status, 200)
    const reports = lines(await response.text())
    assert.deepEqual(
      reports.map((report) => report.error_code),
      [200, 200, 400, 200],
    )
    assert.equal(reports[0].timestamp, '2021-02-05T19:14:42.500Z')

    const written = await readRecords(kafka, topic, 3)
    for (const report of reports.filter((candidate) => candidate.error_code === 200)) {
      const record = written.find(
        (message) => message.partition === report.partition_id && message.offset === BigInt(report.offset),
      )
      assert.ok(record, `a record at ${report.partition_id}/${report.offset}`)
    }
    const first = written.find((message) => message.key?.toString() === 'k-1')!
    assert.equal(first.partition, 1)
    assert.equal(first.value.toString(), '{"n":1}')
    assert.equal(first.timestamp, BigInt(Date.parse('2021-02-05T19:14:42.5Z')))
    assert.deepEqual(
      first.headerEntries.map(([name, value]) => [
        name.toString(),
        value === null || value === undefined ? null : value.toString(),
      ]),
      [
        ['h', 'Header-1'],
        ['h', null],
      ],
    )
    assert.deepEqual(
      written.find((message) => message.value.toString() === 'second')!.key,
      Buffer.from([0, 1, 2]),
    )
  })

  it('places keyed records as Kafka’s Java client does (murmur2 of the key)', async () => {
    const topic = await createTopic(6)
    const keys = ['a', 'b', 'orders', 'customer-42', 'żółw', 'k'.repeat(33)]
    const expected = javaDefaultPartitions(6, keys)
    const body = Object.keys(expected)
      .map((key) =>
        JSON.stringify({ key: { type: 'STRING', data: key }, value: { type: 'STRING', data: key } }),
      )
      .join('\n')
    const reports = lines(
      await (
        await fetch(`${base}/${topic}/records`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body,
        })
      ).text(),
    )
    assert.deepEqual(
      Object.fromEntries(Object.keys(expected).map((key, index) => [key, reports[index].partition_id])),
      expected,
    )
  })

  it('streams reports back while the request is still open (chunked), and survives a client that hangs up', async () => {
    const topic = await createTopic(1)
    const url = new URL(`${base}/${topic}/records`)
    const received: string[] = []
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      })
      request.on('error', reject)
      request.on('response', (response) => {
        assert.equal(response.statusCode, 200)
        response.setEncoding('utf8').on('data', (chunk: string) => {
          received.push(chunk)
          if (received.join('').split('\r\n').length > 2) {
            // Two reports arrived while the request body is still open: hang up mid-stream.
            request.destroy()
            resolve()
          }
        })
      })
      request.write('{"value":{"type":"STRING","data":"1"}}')
      setTimeout(() => request.write('{"value":{"type":"STRING","data":"2"}}'), 200)
    })
    const reports = lines(received.join(''))
    assert.deepEqual(
      reports.map((report) => [report.error_code, report.offset]),
      [
        [200, 0],
        [200, 1],
      ],
    )
    // The server is healthy afterwards and the records are in Kafka.
    assert.equal((await readRecords(kafka, topic, 2)).length, 2)
    const health = await fetch(`${base}/${topic}`, { headers: { authorization } })
    assert.equal(health.status, 200)
  })

  it('batch-produces with 207 and reads back every success', async () => {
    const topic = await createTopic(1)
    const response = await fetch(`${base}/${topic}/records:batch`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({
        entries: [
          { id: '1', value: { type: 'STRING', data: 'one' } },
          { id: '2', value: { type: 'STRING', data: 'x'.repeat(2 * 1024 * 1024) } },
          { id: '3', value: { type: 'STRING', data: 'three' } },
        ],
      }),
    }).catch((error: unknown) => error)
    // The 2 MiB entry exceeds the 1 MiB body limit of non-streaming requests.
    assert.ok(response instanceof Response)
    assert.equal(response.status, 413)

    const small = await fetch(`${base}/${topic}/records:batch`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({
        entries: [
          { id: '1', value: { type: 'STRING', data: 'one' } },
          { id: '2', partition_id: 4 },
          { id: '3', value: { type: 'STRING', data: 'three' } },
        ],
      }),
    })
    assert.equal(small.status, 207)
    const body = await small.json()
    assert.deepEqual(
      (body as { successes: { id: string }[] }).successes.map((success) => success.id),
      ['1', '3'],
    )
    assert.deepEqual((body as { failures: unknown[] }).failures, [
      { id: '2', error_code: 40402, message: 'Partition not found.' },
    ])
    const values = (await readRecords(kafka, topic, 2)).map((message) => message.value.toString())
    assert.deepEqual(values, ['one', 'three'])
  })

  it('fails alone a record larger than the topic allows, in a stream', async () => {
    const topic = await createTopic(1)
    const big = 'y'.repeat(1_100_000)
    const body = [
      '{"value":{"type":"STRING","data":"before"}}',
      `{"value":{"type":"STRING","data":"${big}"}}`,
      '{"value":{"type":"STRING","data":"after"}}',
    ].join('')
    const reports = lines(
      await (
        await fetch(`${base}/${topic}/records`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body,
        })
      ).text(),
    )
    assert.deepEqual(
      reports.map((report) => report.error_code),
      [200, 413, 200],
    )
    assert.deepEqual(
      (await readRecords(kafka, topic, 2)).map((message) => message.value.toString()),
      ['before', 'after'],
    )
  })
})
