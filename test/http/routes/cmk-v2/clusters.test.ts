/**
 * `/cmk/v2/clusters` over fake Kafka clusters and a real (in-memory) store: registering a cluster
 * connects to it first, a registered cluster is served by `/kafka/v3` at once, and unregistering it
 * revokes its keys.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ClusterConnection } from '../../../../src/kafka/index.ts'
import { openIdentityStore, SYSTEM_ACTOR, type SqlIdentityStore } from '../../../../src/store/sql/index.ts'
import { FakeKafkaCluster } from '../../../support/fake-kafka-cluster.ts'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

const PASSWORD = 'kafka-password-that-must-never-show'

/** Brokers at `<name>:9092` belong to a fake cluster `fake-<name>`; `down:9092` answers nothing. */
function fakeBrokers() {
  const connected: { connection: ClusterConnection; cluster: FakeKafkaCluster }[] = []
  const connect = (connection: ClusterConnection) => {
    const host = connection.bootstrapServers[0]!.split(':')[0]!
    const cluster = new FakeKafkaCluster(`fake-${host}`)
    cluster.isDown = host === 'down'
    connected.push({ connection, cluster })
    return cluster
  }
  return { connected, connect }
}

describe('cluster management API (/cmk/v2/clusters)', () => {
  let t: TestApp
  let store: SqlIdentityStore
  let admin: Record<string, string>
  let json: Record<string, string>
  let environmentId: string
  const brokers = fakeBrokers()

  before(async () => {
    store = (await openIdentityStore({ kind: 'pglite-memory' })).store
    t = await buildTestApp({
      identities: store,
      registration: {
        source: { list: () => store.listKafkaClusterConnections() },
        connect: brokers.connect,
        refreshIntervalMs: 60_000,
      },
    })
    admin = { authorization: t.authorization }
    json = { ...admin, 'content-type': 'application/json' }
    environmentId = (await store.listEnvironments({ pageSize: 1 })).items[0]!.id
    await store.registerKafkaCluster(
      { id: t.kafka.clusterId, environmentId, displayName: 'configured', source: 'config' },
      SYSTEM_ACTOR,
    )
  })
  after(async () => {
    await t.app.close()
    await store.close()
  })

  const register = (spec: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/cmk/v2/clusters', headers: json, payload: { spec } })

  it('registers a cluster by connecting to it, and serves it under the id its brokers report', async () => {
    const response = await register({
      display_name: 'analytics',
      environment: { id: environmentId },
      kafka_bootstrap_endpoint: 'SASL_PLAINTEXT://analytics:9092,analytics-2:9092',
      kafka_sasl: { mechanism: 'SCRAM-SHA-512', username: 'gatehouse', password: PASSWORD },
    })
    assert.equal(response.statusCode, 202, response.body)
    const cluster = response.json()
    assert.equal(cluster.id, 'fake-analytics')
    assert.equal(response.headers['location'], cluster.metadata.self)
    assert.equal(cluster.spec.kafka_bootstrap_endpoint, 'SASL_PLAINTEXT://analytics:9092,analytics-2:9092')
    assert.deepEqual(cluster.spec.kafka_sasl, { mechanism: 'SCRAM-SHA-512', username: 'gatehouse' })
    assert.equal(cluster.spec.source, 'API')
    assert.equal(cluster.spec.environment.id, environmentId)
    assert.match(
      cluster.metadata.resource_name,
      new RegExp(`/environment=${environmentId}/cloud-cluster=fake-analytics$`),
    )
    assert.deepEqual(brokers.connected.at(-1)!.connection, {
      bootstrapServers: ['analytics:9092', 'analytics-2:9092'],
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'gatehouse', password: PASSWORD },
    })

    const listed = await t.app.inject({ url: '/kafka/v3/clusters', headers: admin })
    assert.deepEqual(
      listed.json().data.map((entry: { cluster_id: string }) => entry.cluster_id),
      [t.kafka.clusterId, 'fake-analytics'],
    )
    const created = await t.app.inject({
      method: 'POST',
      url: '/kafka/v3/clusters/fake-analytics/topics',
      headers: json,
      payload: { topic_name: 'clicks' },
    })
    assert.equal(created.statusCode, 201, created.body)
    assert.ok(
      brokers.connected.at(-1)!.cluster.topics.has('clicks'),
      'the topic is on the registered cluster',
    )
    assert.equal(t.kafka.topics.has('clicks'), false, 'and not on the configured one')
  })

  it('lists, reads and renames clusters, configured ones included, filtered by environment', async () => {
    const list = await t.app.inject({ url: `/cmk/v2/clusters?environment=${environmentId}`, headers: admin })
    assert.equal(list.statusCode, 200)
    const ids = list.json().data.map((cluster: { id: string }) => cluster.id)
    assert.deepEqual(ids, [t.kafka.clusterId, 'fake-analytics'])
    assert.equal(list.json().data[0].spec.source, 'CONFIGURATION')
    assert.equal('kafka_bootstrap_endpoint' in list.json().data[0].spec, false)

    const otherEnvironment = await store.createEnvironment({ displayName: 'empty' }, SYSTEM_ACTOR)
    const none = await t.app.inject({
      url: `/cmk/v2/clusters?environment=${otherEnvironment.id}`,
      headers: admin,
    })
    assert.deepEqual(none.json().data, [])
    const wrongEnvironment = await t.app.inject({
      url: `/cmk/v2/clusters/fake-analytics?environment=${otherEnvironment.id}`,
      headers: admin,
    })
    assert.equal(wrongEnvironment.statusCode, 404)

    const renamed = await t.app.inject({
      method: 'PATCH',
      url: '/cmk/v2/clusters/fake-analytics',
      headers: json,
      payload: { spec: { display_name: 'analytics-eu' } },
    })
    assert.equal(renamed.statusCode, 200, renamed.body)
    const read = await t.app.inject({ url: '/cmk/v2/clusters/fake-analytics', headers: admin })
    assert.equal(read.json().spec.display_name, 'analytics-eu')
    const moved = await t.app.inject({
      method: 'PATCH',
      url: '/cmk/v2/clusters/fake-analytics',
      headers: json,
      payload: { spec: { environment: { id: otherEnvironment.id } } },
    })
    assert.equal(moved.statusCode, 422)
    assert.equal(moved.json().errors[0].source.pointer, '/spec/environment/id')
  })

  it('refuses bad endpoints, unknown environments, unreachable brokers and duplicates, connecting to nothing new', async () => {
    const before = brokers.connected.length
    const cases: [Record<string, unknown>, number, string][] = [
      [{ kafka_bootstrap_endpoint: 'SASL_SSL://secure:9093' }, 422, '/spec/kafka_bootstrap_endpoint'],
      [{ kafka_bootstrap_endpoint: 'not a host' }, 422, '/spec/kafka_bootstrap_endpoint'],
      [{ kafka_bootstrap_endpoint: 'broker:99999' }, 422, '/spec/kafka_bootstrap_endpoint'],
      [
        { kafka_bootstrap_endpoint: 'SASL_PLAINTEXT://needs-sasl:9092' },
        422,
        '/spec/kafka_bootstrap_endpoint',
      ],
      [
        { kafka_bootstrap_endpoint: 'x:9092', environment: { id: 'env-nope00' } },
        422,
        '/spec/environment/id',
      ],
      [
        { kafka_bootstrap_endpoint: 'x:9092', kafka_sasl: { username: 'u' } },
        422,
        '/spec/kafka_sasl/password',
      ],
      [{ kafka_bootstrap_endpoint: 'x:9092', display_name: '' }, 422, '/spec/display_name'],
      [{ kafka_bootstrap_endpoint: 'x:9092', color: 'red' }, 422, '/spec/color'],
    ]
    for (const [override, status, pointer] of cases) {
      const response = await register({
        display_name: 'bad',
        environment: { id: environmentId },
        ...override,
      })
      assert.equal(response.statusCode, status, `${JSON.stringify(override)}: ${response.body}`)
      assert.equal(response.json().errors[0].source.pointer, pointer, JSON.stringify(override))
    }
    assert.equal(brokers.connected.length, before, 'no bad request made a connection')

    const unreachable = await register({
      display_name: 'down',
      environment: { id: environmentId },
      kafka_bootstrap_endpoint: 'down:9092',
    })
    assert.equal(unreachable.statusCode, 422)
    assert.equal(unreachable.json().errors[0].code, 'cluster_connection_failed')
    assert.match(unreachable.json().errors[0].detail, /Could not connect to down:9092/)

    const again = await register({
      display_name: 'analytics-again',
      environment: { id: environmentId },
      kafka_bootstrap_endpoint: 'analytics:9092',
    })
    assert.equal(again.statusCode, 409)
    assert.match(
      again.json().errors[0].detail,
      /belong to cluster fake-analytics, which is already registered/,
    )
    const list = await t.app.inject({ url: '/cmk/v2/clusters', headers: admin })
    assert.equal(list.json().data.length, 2, 'nothing was stored')
  })

  it('keeps the Kafka password out of every response and audit record', async () => {
    const everything = [
      (await t.app.inject({ url: '/cmk/v2/clusters', headers: admin })).body,
      (await t.app.inject({ url: '/cmk/v2/clusters/fake-analytics', headers: admin })).body,
      JSON.stringify((await store.listAuditEvents({ pageSize: 100 })).items),
      JSON.stringify(await store.getKafkaCluster('fake-analytics')),
    ]
    for (const text of everything) assert.equal(text.includes(PASSWORD), false, text)
    const connections = await store.listKafkaClusterConnections()
    assert.equal(
      connections.find((entry) => entry.clusterId === 'fake-analytics')?.connection.sasl?.password,
      PASSWORD,
    )
  })

  it('a cluster key opens its registered cluster; unregistering the cluster revokes the key and stops serving it', async () => {
    const account = await store.createServiceAccount(
      { displayName: 'analytics-app', description: '' },
      SYSTEM_ACTOR,
    )
    const issued = await t.app.inject({
      method: 'POST',
      url: '/iam/v2/api-keys',
      headers: json,
      payload: {
        spec: { owner: { id: account.id }, resource: { id: 'fake-analytics', environment: environmentId } },
      },
    })
    assert.equal(issued.statusCode, 202, issued.body)
    const key = issued.json()
    const asKey = { authorization: `Basic ${Buffer.from(`${key.id}:${key.spec.secret}`).toString('base64')}` }
    assert.equal(
      (await t.app.inject({ url: '/kafka/v3/clusters/fake-analytics/topics', headers: asKey })).statusCode,
      200,
    )
    const managing = await t.app.inject({ url: '/cmk/v2/clusters', headers: asKey })
    assert.equal(managing.statusCode, 401, 'a cluster key does not open the management API')

    const configured = await t.app.inject({
      method: 'DELETE',
      url: `/cmk/v2/clusters/${t.kafka.clusterId}`,
      headers: admin,
    })
    assert.equal(configured.statusCode, 409)
    assert.match(configured.json().errors[0].detail, /configuration file/)

    const client = brokers.connected.find((entry) => entry.cluster.clusterId === 'fake-analytics')!.cluster
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: '/cmk/v2/clusters/fake-analytics',
      headers: admin,
    })
    assert.equal(deleted.statusCode, 204)
    assert.equal(
      (await t.app.inject({ url: '/kafka/v3/clusters/fake-analytics/topics', headers: asKey })).statusCode,
      401,
    )
    const served = await t.app.inject({ url: '/kafka/v3/clusters/fake-analytics/topics', headers: admin })
    assert.equal(served.statusCode, 404)
    assert.equal(await store.getApiKey(key.id), undefined, 'the key is gone')
    assert.equal(client.isClosed, true, 'the client was closed')
    const gone = await t.app.inject({
      method: 'DELETE',
      url: '/cmk/v2/clusters/fake-analytics',
      headers: admin,
    })
    assert.equal(gone.statusCode, 404)
  })

  it('serves a cluster registered by another instance within a second of its first use', async () => {
    await store.registerKafkaCluster(
      {
        id: 'fake-elsewhere',
        environmentId,
        displayName: 'registered elsewhere',
        source: 'api',
        connection: { bootstrapServers: ['elsewhere:9092'] },
      },
      SYSTEM_ACTOR,
    )
    // Unknown ids make the directory read the store at most once a second, so the first request
    // may come within a second of an earlier lookup and miss; one within two seconds must not.
    const deadline = Date.now() + 2_000
    let response = await t.app.inject({ url: '/kafka/v3/clusters/fake-elsewhere', headers: admin })
    while (response.statusCode === 404 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      response = await t.app.inject({ url: '/kafka/v3/clusters/fake-elsewhere', headers: admin })
    }
    assert.equal(response.statusCode, 200, response.body)
    assert.equal(response.json().cluster_id, 'fake-elsewhere')
  })
})
