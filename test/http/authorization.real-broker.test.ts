/**
 * Access-control scenarios on the gateway process in front of the real broker: role bindings and
 * Kafka ACLs made through the API decide what service accounts may do.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { Consumer, stringDeserializers, type Admin } from '@platformatic/kafka'
import type { LocalKafka } from '../../scripts/local-kafka.ts'
import { basicAuthorization, jsonOf, startGateway, type GatewayProcess } from '../support/gateway-process.ts'
import { createObserver, kafkaEnvironment, readRecords, testKafka } from '../support/kafka.ts'

interface AuditEvent {
  type: string
  data: { principals: string[]; decision: string } & Record<string, unknown>
}

describe('access control scenarios on a real broker', () => {
  let kafka: LocalKafka
  let gateway: GatewayProcess
  let observer: Admin
  let admin: string
  let clusterCrn: string
  const suffix = randomUUID().slice(0, 8)
  const orders = `orders-${suffix}-1`
  const payments = `payments-${suffix}`
  const group = `readers-${suffix}`
  const auditTopic = `gatehouse-audit-${suffix}`

  const call = (authorization: string, path: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: { authorization, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    })

  /** A service account and a key for the test cluster. */
  async function serviceAccountWithKey(name: string): Promise<{ id: string; authorization: string }> {
    const account = await call(admin, '/iam/v2/service-accounts', {
      method: 'POST',
      body: JSON.stringify({ display_name: `${name}-${suffix}` }),
    })
    assert.equal(account.status, 201)
    const id = (await jsonOf(account)).id as string
    const key = await call(admin, '/iam/v2/api-keys', {
      method: 'POST',
      body: JSON.stringify({ spec: { owner: { id }, resource: { id: kafka.clusterId } } }),
    })
    assert.equal(key.status, 202)
    const created = await jsonOf(key)
    return { id, authorization: basicAuthorization(created.id, created.spec.secret) }
  }

  async function bind(principal: string, roleName: string, crnPattern: string): Promise<string> {
    const response = await call(admin, '/iam/v2/role-bindings', {
      method: 'POST',
      body: JSON.stringify({ principal, role_name: roleName, crn_pattern: crnPattern }),
    })
    assert.equal(response.status, 201, await response.clone().text())
    return (await jsonOf(response)).id as string
  }

  /** Produces one record; answers the HTTP status and the delivery report's error code. */
  async function produce(
    authorization: string,
    topic: string,
  ): Promise<{ status: number; errorCode?: number }> {
    const response = await call(
      authorization,
      `/kafka/v3/clusters/${kafka.clusterId}/topics/${topic}/records`,
      {
        method: 'POST',
        body: JSON.stringify({ value: { type: 'JSON', data: { n: 1 } } }),
      },
    )
    const text = await response.text()
    if (response.status !== 200) return { status: response.status }
    return {
      status: 200,
      errorCode: (JSON.parse(text.split('\r\n')[0]!) as { error_code: number }).error_code,
    }
  }

  before(async () => {
    kafka = await testKafka()
    observer = createObserver(kafka)
    gateway = await startGateway({
      env: { ...kafkaEnvironment(kafka), GATEHOUSE_AUDIT_KAFKA_TOPIC: auditTopic },
    })
    const credential = gateway.credential()
    assert.ok(credential, gateway.stderr())
    admin = basicAuthorization(credential.key, credential.secret)
    for (const topic of [orders, payments]) {
      const created = await call(admin, `/kafka/v3/clusters/${kafka.clusterId}/topics`, {
        method: 'POST',
        body: JSON.stringify({ topic_name: topic, partitions_count: 1 }),
      })
      assert.equal(created.status, 201, await created.clone().text())
    }
    const cluster = await jsonOf(await call(admin, `/cmk/v2/clusters/${kafka.clusterId}`))
    const organizationId = (await jsonOf(await call(admin, '/org/v2/organizations'))).data[0].id as string
    clusterCrn = `crn://confluent.cloud/organization=${organizationId}/environment=${cluster.spec.environment.id}/cloud-cluster=${kafka.clusterId}/kafka=${kafka.clusterId}`
  })
  after(async () => {
    await observer?.deleteTopics({ topics: [orders, payments, auditTopic] }).catch(() => undefined)
    await gateway?.stop()
    await observer?.close()
  })

  it('DeveloperWrite on topic=orders-* lets a service account produce to orders-1 but not to payments', async () => {
    const writer = await serviceAccountWithKey('writer')
    await bind(`User:${writer.id}`, 'DeveloperWrite', `${clusterCrn}/topic=orders-${suffix}-*`)
    assert.deepEqual(await produce(writer.authorization, orders), { status: 200, errorCode: 200 })
    assert.deepEqual(await produce(writer.authorization, payments), { status: 403 })
  })

  it('DeveloperRead on a topic and its group lets it read the lag but not produce', async () => {
    // Given a group with a committed offset on the topic
    await produce(admin, orders)
    const consumer = new Consumer({
      clientId: 'gatehouse-test-readers',
      groupId: group,
      bootstrapBrokers: [kafka.bootstrapServers],
      sasl: { mechanism: 'PLAIN', username: kafka.sasl.username, password: kafka.sasl.password },
      deserializers: stringDeserializers,
    })
    const timer = setTimeout(() => void consumer.close(true), 30_000)
    try {
      const stream = await consumer.consume({ topics: [orders], mode: 'earliest', autocommit: false })
      for await (const message of stream) {
        await message.commit()
        break
      }
      await stream.close()
    } finally {
      clearTimeout(timer)
      await consumer.close(true)
    }
    const reader = await serviceAccountWithKey('reader')
    await bind(`User:${reader.id}`, 'DeveloperRead', `${clusterCrn}/topic=${orders}`)
    await bind(`User:${reader.id}`, 'DeveloperRead', `${clusterCrn}/group=${group}`)
    // When
    const lag = await call(
      reader.authorization,
      `/kafka/v3/clusters/${kafka.clusterId}/consumer-groups/${group}/lag-summary`,
    )
    // Then
    assert.equal(lag.status, 200, await lag.clone().text())
    assert.equal((await jsonOf(lag)).consumer_group_id, group)
    assert.deepEqual(await produce(reader.authorization, orders), { status: 403 })
  })

  it('a DENY ACL beats a role binding, and deleting a binding takes effect at once', async () => {
    const writer = await serviceAccountWithKey('denied-writer')
    const bindingId = await bind(`User:${writer.id}`, 'DeveloperWrite', `${clusterCrn}/topic=${orders}`)
    assert.deepEqual(await produce(writer.authorization, orders), { status: 200, errorCode: 200 })
    const acl = {
      resource_type: 'TOPIC',
      resource_name: orders,
      pattern_type: 'LITERAL',
      principal: `User:${writer.id}`,
      host: '*',
      operation: 'WRITE',
      permission: 'DENY',
    }
    const denied = await call(admin, `/kafka/v3/clusters/${kafka.clusterId}/acls`, {
      method: 'POST',
      body: JSON.stringify(acl),
    })
    assert.equal(denied.status, 201)
    assert.deepEqual(await produce(writer.authorization, orders), { status: 403 })
    const query = new URLSearchParams(acl).toString()
    assert.equal(
      (await call(admin, `/kafka/v3/clusters/${kafka.clusterId}/acls?${query}`, { method: 'DELETE' })).status,
      200,
    )
    assert.deepEqual(await produce(writer.authorization, orders), { status: 200, errorCode: 200 })
    // When the binding is deleted, the very next request is refused
    const deleted = await call(admin, `/iam/v2/role-bindings/${bindingId}`, { method: 'DELETE' })
    assert.equal(deleted.status, 200)
    assert.deepEqual(await produce(writer.authorization, orders), { status: 403 })
  })

  it('an ALLOW ACL for User:* applies to everyone; a key with no rules sees nothing', async () => {
    const nobody = await serviceAccountWithKey('nobody')
    const topics = await call(nobody.authorization, `/kafka/v3/clusters/${kafka.clusterId}/topics`)
    assert.equal(topics.status, 200)
    assert.deepEqual((await jsonOf(topics)).data, [])
    const payment = `/kafka/v3/clusters/${kafka.clusterId}/topics/${payments}`
    const before = await call(nobody.authorization, payment)
    assert.equal(before.status, 403)
    assert.deepEqual(await jsonOf(before), { error_code: 40301, message: 'Request is not authorized' })
    const acl = {
      resource_type: 'TOPIC',
      resource_name: payments,
      pattern_type: 'LITERAL',
      principal: 'User:*',
      host: '*',
      operation: 'DESCRIBE',
      permission: 'ALLOW',
    }
    assert.equal(
      (
        await call(admin, `/kafka/v3/clusters/${kafka.clusterId}/acls`, {
          method: 'POST',
          body: JSON.stringify(acl),
        })
      ).status,
      201,
    )
    try {
      assert.equal((await call(nobody.authorization, payment)).status, 200)
      const listed = await jsonOf(
        await call(nobody.authorization, `/kafka/v3/clusters/${kafka.clusterId}/topics`),
      )
      assert.deepEqual(
        listed.data.map((topic: { topic_name: string }) => topic.topic_name),
        [payments],
      )
    } finally {
      const query = new URLSearchParams(acl).toString()
      await call(admin, `/kafka/v3/clusters/${kafka.clusterId}/acls?${query}`, { method: 'DELETE' })
    }
  })

  it('writes the decisions to the audit topic as CloudEvents, naming the rule and never a secret', async () => {
    const writer = await serviceAccountWithKey('audited')
    assert.deepEqual(await produce(writer.authorization, payments), { status: 403 })
    // Records are written in the background: read the whole topic until the decision is there.
    const deadline = Date.now() + 20_000
    let found: { data: Record<string, unknown> } | undefined
    let events: AuditEvent[] = []
    while (found === undefined && Date.now() < deadline) {
      const partitions = await jsonOf(
        await call(admin, `/kafka/v3/clusters/${kafka.clusterId}/topics/${auditTopic}/partitions`),
      )
      let count = 0
      for (const partition of (partitions.data ?? []) as { partition_id: number }[]) {
        const offsets = await jsonOf(
          await call(
            admin,
            `/kafka/v3/clusters/${kafka.clusterId}/topics/${auditTopic}/partitions/${partition.partition_id}/offset`,
          ),
        )
        count += offsets.latest_offset as number
      }
      events =
        count === 0
          ? []
          : (await readRecords(kafka, auditTopic, count)).map(
              (record) => JSON.parse(Buffer.from(record.value).toString()) as AuditEvent,
            )
      found = events.find(
        (event) =>
          event.type === 'io.gatehouse.authorization.v1' &&
          event.data.principals.includes(`User:${writer.id}`) &&
          event.data.decision === 'DENIED',
      )
      if (found === undefined) await new Promise((resolve) => setTimeout(resolve, 500))
    }
    assert.ok(found, 'a DENIED authorization record for the writer reached the audit topic')
    // API secrets start with ghsk_: none may appear in any record.
    assert.ok(events.length > 0 && events.every((event) => !JSON.stringify(event).includes('ghsk_')))
    assert.equal(found.data['operation'], 'Write')
    assert.equal(found.data['reason'], 'no-rule')
    assert.match(String(found.data['resource']), new RegExp(`/topic=${payments}$`))
  })
})
