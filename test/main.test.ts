/**
 * The gateway as an operator runs it: `node src/main.ts` in front of the real test broker, driven
 * over HTTP, with Kafka itself consulted to check what really happened.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Admin } from '@platformatic/kafka'
import { startLocalKafka, stopLocalKafka, type LocalKafka } from '../scripts/local-kafka.ts'
import { basicAuthorization, jsonOf, startGateway, type GatewayProcess } from './support/gateway-process.ts'
import { createObserver, kafkaEnvironment, testKafka } from './support/kafka.ts'

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
}

describe('gatehouse process in front of a real broker', () => {
  let kafka: LocalKafka
  let gateway: GatewayProcess
  let observer: Admin
  let authorization: string
  let clusterUrl: string

  before(async () => {
    kafka = await testKafka()
    observer = createObserver(kafka)
    gateway = await startGateway({ env: kafkaEnvironment(kafka) })
    const credential = gateway.credential()
    assert.ok(credential, `the first start prints the generated credential:\n${gateway.stderr()}`)
    authorization = basicAuthorization(credential.key, credential.secret)
    clusterUrl = `${gateway.url}/kafka/v3/clusters/${kafka.clusterId}`
  })
  after(async () => {
    await gateway?.stop()
    await observer?.close()
  })

  const call = (path: string, init: RequestInit = {}) =>
    fetch(path.startsWith('http') ? path : `${clusterUrl}${path}`, {
      ...init,
      headers: {
        authorization,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.headers ?? {}),
      },
    })

  it('lists the broker’s real cluster id as a KafkaClusterList', async () => {
    const response = await call(`${gateway.url}/kafka/v3/clusters`)
    assert.equal(response.status, 200)
    const body = await jsonOf(response)
    assert.equal(body.kind, 'KafkaClusterList')
    assert.deepEqual(
      body.data.map((cluster: { cluster_id: string }) => cluster.cluster_id),
      [kafka.clusterId],
    )
    assert.equal(body.data[0].metadata.self, clusterUrl)
  })

  it('creates a topic that Kafka itself then has, with 201 and a Location header', async () => {
    const name = `it-create-${randomUUID().slice(0, 8)}`
    const response = await call('/topics', {
      method: 'POST',
      body: JSON.stringify({ topic_name: name, partitions_count: 2 }),
    })
    assert.equal(response.status, 201)
    assert.equal(response.headers.get('location'), `${clusterUrl}/topics/${name}`)
    const body = await jsonOf(response)
    assert.equal(body.partitions_count, 2)
    assert.equal(body.replication_factor, 1)

    const seen = await observer.metadata({ topics: [name], forceUpdate: true })
    assert.equal(seen.topics.get(name)?.partitionsCount, 2)

    const again = await call('/topics', { method: 'POST', body: JSON.stringify({ topic_name: name }) })
    assert.equal(again.status, 400)
    assert.deepEqual(await jsonOf(again), { error_code: 40002, message: `Topic '${name}' already exists.` })
  })

  it('gets, lists and deletes a topic; Kafka no longer has it afterwards', async () => {
    const name = `it-delete-${randomUUID().slice(0, 8)}`
    assert.equal(
      (await call('/topics', { method: 'POST', body: JSON.stringify({ topic_name: name }) })).status,
      201,
    )

    const got = await call(`/topics/${name}`)
    assert.equal(got.status, 200)
    assert.equal((await jsonOf(got)).topic_name, name)
    const listed = await jsonOf(await call('/topics'))
    assert.ok(listed.data.some((topic: { topic_name: string }) => topic.topic_name === name))

    assert.equal((await call(`/topics/${name}`, { method: 'DELETE' })).status, 204)
    // Kafka deletes topics asynchronously: metadata may show the topic for a moment longer.
    let status = 0
    let isListed = true
    for (let attempt = 0; attempt < 50 && (status !== 404 || isListed); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100))
      status = (await call(`/topics/${name}`)).status
      isListed = (await observer.listTopics()).includes(name)
    }
    assert.equal(isListed, false, 'Kafka no longer lists the topic')
    const gone = await call(`/topics/${name}`)
    assert.equal(gone.status, 404)
    assert.equal((await jsonOf(gone)).error_code, 40403)
  })

  it('refuses bad requests in Confluent’s shape', async () => {
    const noCredentials = await fetch(`${clusterUrl}/topics`)
    assert.equal(noCredentials.status, 401)
    assert.equal((await jsonOf(noCredentials)).error_code, 40101)
    assert.match(String(noCredentials.headers.get('www-authenticate')), /^Basic realm="gatehouse"/)

    const unknown = await call(`/topics/no-such-topic-${randomUUID().slice(0, 8)}`)
    assert.equal(unknown.status, 404)
    assert.equal((await jsonOf(unknown)).error_code, 40403)

    const malformed = await call('/topics', { method: 'POST', body: '{"topic_name":' })
    assert.equal(malformed.status, 400)
    assert.equal((await jsonOf(malformed)).error_code, 400)

    const wrongType = await call('/topics', {
      method: 'POST',
      body: 'topic_name=x',
      headers: { 'content-type': 'text/plain' },
    })
    assert.equal(wrongType.status, 415)
    assert.equal((await jsonOf(wrongType)).error_code, 415)

    const tooMany = await call('/topics', {
      method: 'POST',
      body: JSON.stringify({ topic_name: `it-rf-${randomUUID().slice(0, 8)}`, replication_factor: 3 }),
    })
    assert.equal(tooMany.status, 400)
    const tooManyBody = await jsonOf(tooMany)
    assert.equal(tooManyBody.error_code, 40002)
    assert.match(tooManyBody.message, /replication factor/i)
  })

  it('creates an ACL that Kafka itself then has, and deletes it again', async () => {
    const topic = `it-acl-${randomUUID().slice(0, 8)}`
    const acl = {
      resource_type: 'TOPIC',
      resource_name: topic,
      pattern_type: 'LITERAL',
      principal: 'User:alice',
      host: '*',
      operation: 'READ',
      permission: 'ALLOW',
    }
    const created = await call('/acls', { method: 'POST', body: JSON.stringify(acl) })
    assert.equal(created.status, 201)
    const filter = {
      resourceType: 2,
      resourceName: topic,
      resourcePatternType: 3,
      principal: null,
      host: null,
      operation: 1,
      permissionType: 1,
    } as const
    const seen = await observer.describeAcls({ filter })
    assert.equal(seen[0]?.acls[0]?.principal, 'User:alice')

    const deleted = await call(
      `/acls?resource_type=TOPIC&resource_name=${topic}&pattern_type=LITERAL&operation=ANY&permission=ANY`,
      { method: 'DELETE' },
    )
    assert.equal(deleted.status, 200)
    assert.equal((await jsonOf(deleted)).data.length, 1)
    assert.deepEqual(await observer.describeAcls({ filter }), [])
  })

  it('is ready, and logs JSON lines that carry the request id and never the secret', async () => {
    assert.equal((await fetch(`${gateway.url}/readyz`)).status, 200)
    const response = await call('/topics', { headers: { 'x-request-id': 'it-trace-1' } })
    assert.equal(response.headers.get('x-request-id'), 'it-trace-1')
    await new Promise((resolve) => setTimeout(resolve, 100))

    const lines = gateway.stdout().trim().split('\n')
    for (const line of lines) JSON.parse(line)
    const requestLines = lines.filter((line) => line.includes('"reqId":"it-trace-1"'))
    assert.ok(requestLines.length >= 2, 'both the incoming and the completed line carry the id')
    const secret = gateway.credential()!.secret
    assert.equal(gateway.stdout().includes(secret), false, 'the secret must not be logged')
    assert.equal(
      gateway.stdout().includes(kafka.sasl.password),
      false,
      'the Kafka password must not be logged',
    )
  })

  it('keeps only a hash of the generated secret in an owner-only data directory, and does not print it again', async () => {
    const secret = gateway.credential()!.secret
    assert.equal(statSync(gateway.dataDir).mode & 0o777, 0o700)
    for (const file of filesUnder(gateway.dataDir)) {
      assert.equal(readFileSync(file).includes(secret), false, `${file} must not hold the secret`)
    }
  })

  it('refuses a second process on the same data directory, and starts again after the first stops', async () => {
    const second = await startGateway({
      env: kafkaEnvironment(kafka),
      dataDir: gateway.dataDir,
      waitUntilListening: false,
    })
    assert.equal(await second.exited, 1)
    assert.match(second.stderr(), /Another Gatehouse process \(pid \d+\) is using the data directory/)
  })
})

describe('gatehouse process restarts', () => {
  it('loses no acknowledged change when killed with SIGKILL, and keeps its credential', async () => {
    // Given a gateway that acknowledged a service account and a key
    const kafka = await testKafka()
    const gateway = await startGateway({ env: kafkaEnvironment(kafka) })
    const { key, secret } = gateway.credential()!
    const authorization = basicAuthorization(key, secret)
    const headers = { authorization, 'content-type': 'application/json' }
    const account = await fetch(`${gateway.url}/iam/v2/service-accounts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ display_name: 'survivor' }),
    })
    assert.equal(account.status, 201)
    const accountId = (await jsonOf(account)).id as string
    const apiKey = await fetch(`${gateway.url}/iam/v2/api-keys`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ spec: { owner: { id: accountId } } }),
    })
    assert.equal(apiKey.status, 202)
    const created = await jsonOf(apiKey)
    // When it is killed at once and started again on the same data directory
    await gateway.stop('SIGKILL')
    const restarted = await startGateway({ env: kafkaEnvironment(kafka), dataDir: gateway.dataDir })
    try {
      // Then everything acknowledged is there, and the bootstrap credential is not printed again
      assert.equal(restarted.credential(), undefined)
      const read = await fetch(`${restarted.url}/iam/v2/service-accounts/${accountId}`, {
        headers: { authorization },
      })
      assert.equal(read.status, 200)
      const management = await fetch(`${restarted.url}/iam/v2/api-keys?spec.owner=${accountId}`, {
        headers: { authorization: basicAuthorization(created.id, created.spec.secret) },
      })
      assert.equal(management.status, 200, 'the key acknowledged before the kill still works')
    } finally {
      await restarted.stop()
    }
  })
})

describe('gatehouse process lifecycle', () => {
  it('exits non-zero naming the bad key of a config file', async () => {
    const dataDir = (await import('node:fs')).mkdtempSync(
      join((await import('node:os')).tmpdir(), 'gatehouse-bad-'),
    )
    const file = join(dataDir, 'bad.yaml')
    writeFileSync(file, 'kafka:\n  requestTimeoutMs: fast\n')
    const gateway = await startGateway({ args: ['--config', file], waitUntilListening: false, dataDir })
    assert.equal(await gateway.exited, 1)
    assert.match(gateway.stderr(), /kafka\.requestTimeoutMs \(in .*bad\.yaml\) must be integer/)
  })

  it('exits non-zero naming an unknown GATEHOUSE_ variable', async () => {
    const gateway = await startGateway({ env: { GATEHOUSE_SERVER_PROT: '1' }, waitUntilListening: false })
    assert.equal(await gateway.exited, 1)
    assert.match(
      gateway.stderr(),
      /Unknown environment variable GATEHOUSE_SERVER_PROT: did you mean GATEHOUSE_SERVER_PORT\?/,
    )
  })

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const kafka = await testKafka()
    const gateway = await startGateway({ env: kafkaEnvironment(kafka) })
    const { key, secret } = gateway.credential()!
    const name = `it-sigterm-${randomUUID().slice(0, 8)}`
    const body = JSON.stringify({ topic_name: name })
    const url = new URL(`${gateway.url}/kafka/v3/clusters/${kafka.clusterId}/topics`)

    // Send the headers and half the body, stop the gateway, then send the rest.
    const response = new Promise<{ status: number; body: string; connection: string | undefined }>(
      (resolve, reject) => {
        const request = httpRequest(url, {
          method: 'POST',
          headers: {
            authorization: basicAuthorization(key, secret),
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        })
        request.on('response', (incoming) => {
          let text = ''
          incoming.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              body: text,
              connection: incoming.headers.connection,
            }),
          )
        })
        request.on('error', reject)
        request.write(body.slice(0, 5))
        setTimeout(() => {
          gateway.child.kill('SIGTERM')
          setTimeout(() => request.end(body.slice(5)), 300)
        }, 200)
      },
    )
    const { status, connection } = await response
    assert.equal(status, 201)
    assert.equal(connection, 'close', 'clients are told not to reuse the connection during shutdown')
    assert.equal(await gateway.exited, 0)
    assert.match(gateway.stdout(), /shutting down: finishing in-flight requests/)
  })

  it('starts with Kafka down, reports 503, and recovers by itself when Kafka comes up', async () => {
    // A broker of its own, so stopping it cannot disturb the shared one.
    const recovery = { name: 'recovery', port: 39092, controllerPort: 39093 }
    const kafka = await startLocalKafka(recovery)
    await stopLocalKafka(recovery.name)
    const gateway = await startGateway({ env: kafkaEnvironment(kafka) })
    try {
      const { key, secret } = gateway.credential()!
      const authorization = basicAuthorization(key, secret)

      const notReady = await fetch(`${gateway.url}/readyz`)
      assert.equal(notReady.status, 503)
      assert.match((await jsonOf(notReady)).checks.kafka, /^failing: /)
      const down = await fetch(`${gateway.url}/kafka/v3/clusters`, { headers: { authorization } })
      assert.equal(down.status, 503)
      assert.equal((await jsonOf(down)).error_code, 50302)

      await startLocalKafka(recovery)
      let status = 0
      for (let attempt = 0; attempt < 60 && status !== 200; attempt++) {
        status = (await fetch(`${gateway.url}/readyz`)).status
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 500))
      }
      assert.equal(status, 200, 'ready again without a restart')
      const up = await fetch(`${gateway.url}/kafka/v3/clusters`, { headers: { authorization } })
      assert.equal(up.status, 200)
      assert.equal((await jsonOf(up)).data[0].cluster_id, kafka.clusterId)
    } finally {
      await gateway.stop()
      await stopLocalKafka(recovery.name)
    }
  })

  it('serves several clusters behind one gateway, each by its own id', async () => {
    const first = await testKafka()
    const second = await startLocalKafka({ name: 'second', port: 39192, controllerPort: 39193 })
    const gateway = await startGateway({
      env: {
        ...kafkaEnvironment(first),
        GATEHOUSE_KAFKA_ADDITIONAL_CLUSTERS: JSON.stringify([
          { bootstrapServers: [second.bootstrapServers], sasl: second.sasl },
        ]),
      },
    })
    const observer = createObserver(second)
    try {
      const { key, secret } = gateway.credential()!
      const authorization = basicAuthorization(key, secret)
      const clusters = await jsonOf(
        await fetch(`${gateway.url}/kafka/v3/clusters`, { headers: { authorization } }),
      )
      assert.deepEqual(
        clusters.data.map((cluster: { cluster_id: string }) => cluster.cluster_id),
        [first.clusterId, second.clusterId],
      )

      const name = `it-second-${randomUUID().slice(0, 8)}`
      const created = await fetch(`${gateway.url}/kafka/v3/clusters/${second.clusterId}/topics`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ topic_name: name }),
      })
      assert.equal(created.status, 201)
      assert.ok((await observer.listTopics()).includes(name), 'the topic is on the second cluster')
      const onFirst = await fetch(`${gateway.url}/kafka/v3/clusters/${first.clusterId}/topics/${name}`, {
        headers: { authorization },
      })
      assert.equal(onFirst.status, 404, 'and not on the first')

      // The walk-through: a service account, a key for the first cluster, used there, refused on
      // the second, and refused everywhere once the service account is deleted.
      const json = { authorization, 'content-type': 'application/json' }
      const account = await jsonOf(
        await fetch(`${gateway.url}/iam/v2/service-accounts`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ display_name: 'orders', description: 'Orders service' }),
        }),
      )
      // Clusters are registered as they first answer; the key waits until the first one is.
      let keyResponse: Response | undefined
      for (let attempt = 0; attempt < 40 && keyResponse?.status !== 202; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250))
        keyResponse = await fetch(`${gateway.url}/iam/v2/api-keys`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ spec: { owner: { id: account.id }, resource: { id: first.clusterId } } }),
        })
      }
      assert.equal(keyResponse!.status, 202)
      const apiKey = await jsonOf(keyResponse!)
      const asKey = { authorization: basicAuthorization(apiKey.id, apiKey.spec.secret) }
      const topicsOfFirst = await fetch(`${gateway.url}/kafka/v3/clusters/${first.clusterId}/topics`, {
        headers: asKey,
      })
      assert.equal(topicsOfFirst.status, 200)
      const topicsOfSecond = await fetch(`${gateway.url}/kafka/v3/clusters/${second.clusterId}/topics`, {
        headers: asKey,
      })
      assert.equal(topicsOfSecond.status, 401)
      assert.equal((await jsonOf(topicsOfSecond)).error_code, 40101)
      const deleted = await fetch(`${gateway.url}/iam/v2/service-accounts/${account.id}`, {
        method: 'DELETE',
        headers: { authorization },
      })
      assert.equal(deleted.status, 204)
      const afterDelete = await fetch(`${gateway.url}/kafka/v3/clusters/${first.clusterId}/topics`, {
        headers: asKey,
      })
      assert.equal(afterDelete.status, 401)
      assert.equal(gateway.stdout().includes(apiKey.spec.secret), false, 'the secret is never logged')
      assert.equal(gateway.stderr().includes(apiKey.spec.secret), false, 'the secret is never logged')
    } finally {
      await observer.close()
      await gateway.stop()
      await stopLocalKafka('second')
    }
  })

  it('registers a cluster through /cmk/v2/clusters, serves it after a restart, and unregisters it', async () => {
    const first = await testKafka()
    const second = await startLocalKafka({ name: 'second', port: 39192, controllerPort: 39193 })
    const gateway = await startGateway({ env: kafkaEnvironment(first) })
    let restarted: GatewayProcess | undefined
    const observer = createObserver(second)
    try {
      const { key, secret } = gateway.credential()!
      const authorization = basicAuthorization(key, secret)
      const json = { authorization, 'content-type': 'application/json' }
      const environments = await jsonOf(
        await fetch(`${gateway.url}/org/v2/environments`, { headers: { authorization } }),
      )
      const environmentId = environments.data[0].id as string

      const registered = await fetch(`${gateway.url}/cmk/v2/clusters`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          spec: {
            display_name: 'second',
            environment: { id: environmentId },
            kafka_bootstrap_endpoint: `SASL_PLAINTEXT://${second.bootstrapServers}`,
            kafka_sasl: second.sasl,
          },
        }),
      })
      assert.equal(registered.status, 202, await registered.clone().text())
      assert.equal((await jsonOf(registered)).id, second.clusterId, 'the id is the one the brokers report')

      const name = `it-registered-${randomUUID().slice(0, 8)}`
      const created = await fetch(`${gateway.url}/kafka/v3/clusters/${second.clusterId}/topics`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ topic_name: name }),
      })
      assert.equal(created.status, 201)
      assert.ok((await observer.listTopics()).includes(name), 'the topic is on the registered cluster')

      const wrongPassword = await fetch(`${gateway.url}/cmk/v2/clusters`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          spec: {
            display_name: 'second-again',
            environment: { id: environmentId },
            kafka_bootstrap_endpoint: second.bootstrapServers,
            kafka_sasl: { username: second.sasl.username, password: 'wrong-password' },
          },
        }),
      })
      assert.equal(wrongPassword.status, 422)
      assert.equal((await jsonOf(wrongPassword)).errors[0].code, 'cluster_connection_failed')

      // The registration, password included, survives a restart (it is encrypted in the data directory).
      await gateway.stop()
      for (const file of filesUnder(gateway.dataDir)) {
        assert.equal(
          readFileSync(file).includes(second.sasl.password),
          false,
          `${file} holds the Kafka password`,
        )
      }
      restarted = await startGateway({ env: kafkaEnvironment(first), dataDir: gateway.dataDir })
      const topics = await fetch(`${restarted.url}/kafka/v3/clusters/${second.clusterId}/topics/${name}`, {
        headers: { authorization },
      })
      assert.equal(topics.status, 200)

      const deleted = await fetch(`${restarted.url}/cmk/v2/clusters/${second.clusterId}`, {
        method: 'DELETE',
        headers: { authorization },
      })
      assert.equal(deleted.status, 204)
      const gone = await fetch(`${restarted.url}/kafka/v3/clusters/${second.clusterId}/topics`, {
        headers: { authorization },
      })
      assert.equal(gone.status, 404)
      for (const output of [gateway.stdout(), gateway.stderr(), restarted.stdout(), restarted.stderr()]) {
        assert.equal(output.includes(second.sasl.password), false, 'the Kafka password is never logged')
      }
    } finally {
      await observer.close()
      await gateway.stop()
      await restarted?.stop()
      await stopLocalKafka('second')
    }
  })
})
