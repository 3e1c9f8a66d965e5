/**
 * Kafka dies in the middle of a produce stream: the response still ends, every record reported
 * with 200 is in Kafka once the broker is back, the others are reported as errors, and the gateway
 * serves again without a restart. The broker here is a dedicated one (`fault`), killed with
 * SIGKILL, so the shared test broker is never disturbed.
 */
import { startTestAuthorizer, testResourceDirectory } from '../../../../support/authorization.ts'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../../../src/http/index.ts'
import { KafkaClusterDirectory } from '../../../../../src/kafka/index.ts'
import { PlatformaticKafkaClusterClient } from '../../../../../src/kafka/platformatic/index.ts'
import {
  readLocalKafkaState,
  startLocalKafka,
  stopLocalKafka,
  type LocalKafka,
} from '../../../../../scripts/local-kafka.ts'
import { basicAuthorization } from '../../../../support/gateway-process.ts'
import { createObserver, readRecords } from '../../../../support/kafka.ts'
import { staticKeyAuthenticator } from '../../../../support/static-key.ts'

const FAULT_KAFKA = { name: 'fault', port: 39292, controllerPort: 39293 } as const
const KEY = 'FAULTKEY12345678'
const SECRET = 'it-secret-for-broker-failure'

interface Report {
  readonly error_code: number
  readonly partition_id?: number
  readonly offset?: number
  readonly message?: string
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** `promise`, or a failure naming `what` after `timeoutMs`; the timer never outlives the promise. */
async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Retries `attempt` until it returns a value, for at most `timeoutMs`. */
async function eventually<T>(
  what: string,
  timeoutMs: number,
  attempt: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      const value = await attempt()
      if (value !== undefined) return value
    } catch (error) {
      lastError = error
    }
    await sleep(250)
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`, { cause: lastError })
}

describe('produce stream while the Kafka broker dies (dedicated broker)', () => {
  let kafka: LocalKafka
  let app: FastifyInstance
  let client: PlatformaticKafkaClusterClient
  let base: string
  const authorization = basicAuthorization(KEY, SECRET)

  before(async () => {
    kafka = await startLocalKafka({
      ...FAULT_KAFKA,
      log: (line) => process.stderr.write(`[kafka] ${line}\n`),
    })
    client = new PlatformaticKafkaClusterClient({
      bootstrapServers: [kafka.bootstrapServers],
      clientId: 'gatehouse-it-fault',
      sasl: kafka.sasl,
      connectTimeoutMs: 1_000,
      requestTimeoutMs: 3_000,
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
      authenticator: staticKeyAuthenticator(KEY, SECRET),
      readinessChecks: [],
    })
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    base = `${address}/kafka/v3/clusters/${kafka.clusterId}/topics`
  })
  after(async () => {
    await app?.close()
    await client?.close()
    await stopLocalKafka(FAULT_KAFKA.name)
  })

  it('ends the response, reports only written records as written, and serves again once Kafka is back', async () => {
    // Given a topic and a client streaming numbered records, 10 every 10 ms
    const topic = `it-fault-${randomUUID().slice(0, 8)}`
    const observer = createObserver(kafka)
    try {
      await observer.createTopics({ topics: [topic], partitions: 2, replicas: 1 })
    } finally {
      await observer.close()
    }
    await eventually('the new topic takes records', 15_000, async () => {
      const response = await fetch(`${base}/${topic}/records`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: '{"value":{"type":"STRING","data":"warm-up"}}',
      })
      return (await response.text()).startsWith('{"error_code":200') ? true : undefined
    })

    const request = httpRequest(`${base}/${topic}/records`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
    })
    let sent = 0
    let received = ''
    let reportCount = 0
    const response = new Promise<string>((resolve, reject) => {
      request.on('error', reject)
      request.on('response', (incoming) => {
        incoming.setEncoding('utf8')
        incoming.on('data', (chunk: string) => {
          received += chunk
          reportCount = received.split('\r\n').length - 1
        })
        incoming.on('end', () => resolve(received))
        incoming.on('error', reject)
      })
    })
    const feeder = setInterval(() => {
      let chunk = ''
      for (let index = 0; index < 10; index++)
        chunk += `${JSON.stringify({ value: { type: 'STRING', data: `r${sent++}` } })}\n`
      request.write(chunk)
    }, 10)

    try {
      // When the broker is killed once records are flowing, and the client goes on for a while
      await eventually('records flow before the kill', 30_000, async () =>
        reportCount >= 300 ? true : undefined,
      )
      const pid = readLocalKafkaState(FAULT_KAFKA.name)!.pid!
      process.kill(pid, 'SIGKILL')
      await eventually('the broker is gone', 10_000, async () => (isAlive(pid) ? undefined : true))
      await sleep(1_500)
      clearInterval(feeder)
      request.end()

      // Then the response ends, with one report per record sent, in order
      const body = await within(response, 60_000, 'the response ends after the kill')
      const reports = body
        .split('\r\n')
        .slice(0, -1)
        .map((line) => JSON.parse(line) as Report)
      assert.equal(reports.length, sent, 'one report per record')
      const written = reports.flatMap((report, index) =>
        report.error_code === 200 ? [{ report, index }] : [],
      )
      const failed = reports.filter((report) => report.error_code !== 200)
      assert.ok(written.length >= 300, `records written before the kill (${written.length})`)
      assert.ok(failed.length > 0, 'records sent after the kill are reported as errors')
      for (const report of failed) {
        assert.ok(report.error_code >= 400, JSON.stringify(report))
        assert.equal(typeof report.message, 'string')
        assert.equal(report.offset, undefined)
      }

      // And once the broker is back, every record reported 200 is where its report says
      kafka = await startLocalKafka({
        ...FAULT_KAFKA,
        log: (line) => process.stderr.write(`[kafka] ${line}\n`),
      })
      const total = await eventually('partition offsets after the restart', 60_000, async () => {
        const ends = await Promise.all([0, 1].map((partition) => client.partitionOffsets(topic, partition)))
        return ends.reduce((sum, end) => sum + Number(end.latest - end.earliest), 0)
      })
      assert.ok(total >= written.length + 1, `Kafka holds ${total} records, ${written.length} + 1 reported`)
      const stored = new Map(
        (await readRecords(kafka, topic, total, 60_000)).map((message) => [
          `${message.partition}:${message.offset}`,
          message.value.toString(),
        ]),
      )
      for (const { report, index } of written) {
        assert.equal(
          stored.get(`${report.partition_id}:${report.offset}`),
          `r${index}`,
          `record ${index} at ${report.partition_id}:${report.offset}`,
        )
      }

      // And the gateway serves produce again without a restart
      const again = await eventually('produce works again', 60_000, async () => {
        const retry = await fetch(`${base}/${topic}/records`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: '{"value":{"type":"STRING","data":"after"}}',
        })
        const report = JSON.parse((await retry.text()).split('\r\n')[0]!) as Report
        return report.error_code === 200 ? report : undefined
      })
      assert.equal(typeof again.offset, 'number')
    } finally {
      clearInterval(feeder)
      request.destroy()
    }
  })
})
