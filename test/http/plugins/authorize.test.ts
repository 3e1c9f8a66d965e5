import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import Fastify from 'fastify'
import { generateKeyId, generateSecret } from '../../../src/authn/index.ts'
import type { AuditRecord, AuditTrail, AuthorizationAuditData } from '../../../src/core/index.ts'
import { kafkaV3Operations } from '../../../src/http/api-reference/kafka-v3.ts'
import { installAuthorization } from '../../../src/http/plugins/authorize.ts'
import { installErrorHandling } from '../../../src/http/plugins/error-handler.ts'
import { ResourcePaths } from '../../../src/http/authorization/resource-paths.ts'
import {
  MemoryRoleBindings,
  TEST_ENVIRONMENT_ID,
  TEST_ORGANIZATION_ID,
  startTestAuthorizer,
  testResourceDirectory,
} from '../../support/authorization.ts'
import { parseCurlCommand } from '../../support/curl-command.ts'
import { buildTestApp, type TestApp } from '../../support/test-app.ts'

const NOBODY = { key: generateKeyId(), secret: generateSecret(), ownerId: 'sa-nobody' }
const READER = { key: generateKeyId(), secret: generateSecret(), ownerId: 'sa-reader' }
const basic = (credential: { key: string; secret: string }) =>
  `Basic ${Buffer.from(`${credential.key}:${credential.secret}`).toString('base64')}`

/** Collects audit records for assertions. */
class RecordingAuditTrail implements AuditTrail {
  readonly records: AuditRecord[] = []
  record(event: AuditRecord): void {
    this.records.push(event)
  }
  authorizations(): AuthorizationAuditData[] {
    return this.records
      .filter((record) => record.type === 'io.gatehouse.authorization.v1')
      .map((record) => record.data as AuthorizationAuditData)
  }
}

function topicCrn(clusterId: string, topic: string): string {
  return `crn://confluent.cloud/organization=${TEST_ORGANIZATION_ID}/environment=${TEST_ENVIRONMENT_ID}/cloud-cluster=${clusterId}/kafka=${clusterId}/topic=${topic}`
}

describe('authorization on the Kafka API', () => {
  let t: TestApp
  const audit = new RecordingAuditTrail()

  before(async () => {
    t = await buildTestApp({ extraKeys: [NOBODY, READER], audit })
    await t.kafka.createTopic({ name: 'orders', partitionsCount: 1, configs: [], validateOnly: false })
    await t.kafka.createTopic({ name: 'orders-eu', partitionsCount: 1, configs: [], validateOnly: false })
    await t.kafka.createTopic({ name: 'payments', partitionsCount: 1, configs: [], validateOnly: false })
  })
  after(() => t.app.close())

  it('refuses a principal without rules on every cluster endpoint, and shows it empty lists', async () => {
    // Given: every example of the Kafka API reference, sent with a key whose owner holds nothing
    const lists = new Set(['listKafkaTopics', 'listKafkaConsumerGroups', 'listKafkaAllTopicConfigs'])
    const checked: string[] = []
    for (const [operationId, reference] of Object.entries(kafkaV3Operations)) {
      const example = reference.examples[0]
      if (example === undefined || operationId === 'listKafkaClusters') continue
      const request = parseCurlCommand(example.command, {
        KEY: NOBODY.key,
        SECRET: NOBODY.secret,
        CLUSTER_ID: t.kafka.clusterId,
        CONSUMER_ID: 'consumer-1',
      })
      // When
      const response = await t.app.inject({
        method: request.method as 'GET',
        url: request.url,
        headers: request.headers,
        ...(request.body === undefined
          ? {}
          : {
              payload:
                request.headers['transfer-encoding'] === 'chunked'
                  ? Readable.from([request.body])
                  : request.body,
            }),
      })
      // Then
      if (lists.has(operationId)) {
        assert.equal(response.statusCode, 200, `${operationId}: ${response.body}`)
        assert.deepEqual(response.json<{ data: unknown[] }>().data, [], operationId)
      } else {
        assert.equal(response.statusCode, 403, `${operationId}: ${response.statusCode} ${response.body}`)
        assert.deepEqual(
          response.json(),
          { error_code: 40301, message: 'Request is not authorized' },
          operationId,
        )
      }
      checked.push(operationId)
    }
    assert.ok(checked.length >= 50, `only ${checked.length} operations were checked`)
    const clusters = await t.app.inject({
      url: '/kafka/v3/clusters',
      headers: { authorization: basic(NOBODY) },
    })
    assert.deepEqual(clusters.json<{ data: unknown[] }>().data, [])
  })

  it('answers 403 alike for a topic that exists and one that does not', async () => {
    const existing = await t.app.inject({
      url: `/kafka/v3/clusters/${t.kafka.clusterId}/topics/payments`,
      headers: { authorization: basic(NOBODY) },
    })
    const missing = await t.app.inject({
      url: `/kafka/v3/clusters/${t.kafka.clusterId}/topics/no-such-topic`,
      headers: { authorization: basic(NOBODY) },
    })
    assert.equal(existing.statusCode, 403)
    assert.equal(missing.statusCode, 403)
    assert.equal(existing.body, missing.body)
  })

  it('lists and describes only the topics a prefix binding covers, with their authorized operations', async () => {
    // Given
    await t.grant(`User:${READER.ownerId}`, 'DeveloperRead', topicCrn(t.kafka.clusterId, 'orders*'))
    const headers = { authorization: basic(READER) }
    // When
    const list = await t.app.inject({
      url: `/kafka/v3/clusters/${t.kafka.clusterId}/topics?includeAuthorizedOperations=true`,
      headers,
    })
    const payments = await t.app.inject({
      url: `/kafka/v3/clusters/${t.kafka.clusterId}/topics/payments`,
      headers,
    })
    const orders = await t.app.inject({
      url: `/kafka/v3/clusters/${t.kafka.clusterId}/topics/orders?include_authorized_operations=true`,
      headers,
    })
    // Then
    const topics = list.json<{ data: { topic_name: string; authorized_operations: string[] }[] }>().data
    assert.deepEqual(
      topics.map((topic) => topic.topic_name),
      ['orders', 'orders-eu'],
    )
    assert.deepEqual(topics[0]!.authorized_operations, ['READ', 'DESCRIBE'])
    assert.equal(payments.statusCode, 403)
    assert.deepEqual(orders.json<{ authorized_operations: string[] }>().authorized_operations, [
      'READ',
      'DESCRIBE',
    ])
    const plain = await t.app.inject({
      url: `/kafka/v3/clusters/${t.kafka.clusterId}/topics/orders`,
      headers,
    })
    assert.deepEqual(plain.json<{ authorized_operations: string[] }>().authorized_operations, [])
  })

  it('lets a DENY ACL win over a role binding, and applies ACL changes made through the API at once', async () => {
    // Given: the reader may read orders through its binding
    const url = `/kafka/v3/clusters/${t.kafka.clusterId}/topics/orders`
    const headers = { authorization: basic(READER) }
    assert.equal((await t.app.inject({ url, headers })).statusCode, 200)
    // When: an administrator denies it DESCRIBE on orders
    const deny = await t.app.inject({
      method: 'POST',
      url: `/kafka/v3/clusters/${t.kafka.clusterId}/acls`,
      headers: { authorization: t.authorization, 'content-type': 'application/json' },
      payload: {
        resource_type: 'TOPIC',
        resource_name: 'orders',
        pattern_type: 'LITERAL',
        principal: `User:${READER.ownerId}`,
        host: '*',
        operation: 'DESCRIBE',
        permission: 'DENY',
      },
    })
    const afterDeny = await t.app.inject({ url, headers })
    // Then
    assert.equal(deny.statusCode, 201, deny.body)
    assert.equal(afterDeny.statusCode, 403)
    const decision = audit.authorizations().at(-1)!
    assert.equal(decision.decision, 'DENIED')
    assert.equal(decision.reason, 'acl-deny')
    assert.equal(decision.rule?.kind, 'acl')
    assert.deepEqual(decision.principals, [`User:${READER.ownerId}`])
    // And: deleting the ACL through the API restores access at once
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/kafka/v3/clusters/${t.kafka.clusterId}/acls?resource_type=TOPIC&resource_name=orders&pattern_type=LITERAL&principal=User:${READER.ownerId}&host=*&operation=DESCRIBE&permission=DENY`,
      headers: { authorization: t.authorization },
    })
    assert.equal(removed.statusCode, 200, removed.body)
    assert.equal((await t.app.inject({ url, headers })).statusCode, 200)
  })

  it('lets an ALLOW ACL for User:* grant everyone, from any host', async () => {
    const url = `/kafka/v3/clusters/${t.kafka.clusterId}/topics/payments`
    assert.equal((await t.app.inject({ url, headers: { authorization: basic(NOBODY) } })).statusCode, 403)
    await t.kafka.createAcls([
      {
        resourceType: 'TOPIC',
        resourceName: 'payments',
        patternType: 'LITERAL',
        principal: 'User:*',
        host: '*',
        operation: 'READ',
        permission: 'ALLOW',
      },
    ])
    await t.authorizer.reloadAcls(t.kafka.clusterId)
    const allowed = await t.app.inject({ url, headers: { authorization: basic(NOBODY) } })
    assert.equal(allowed.statusCode, 200, allowed.body)
    assert.equal(audit.authorizations().at(-1)!.reason, 'acl-allow')
  })

  it('writes every decision to the audit trail with the credential id and never the secret', () => {
    const records = audit.records
    assert.ok(records.some((record) => record.type === 'io.gatehouse.authentication.v1'))
    for (const record of records) {
      assert.equal(record.specversion, '1.0')
      const text = JSON.stringify(record)
      assert.ok(!text.includes(READER.secret) && !text.includes(NOBODY.secret) && !text.includes(t.secret))
    }
    const denied = audit
      .authorizations()
      .find((data) => data.decision === 'DENIED' && data.reason === 'no-rule')
    assert.deepEqual(denied?.credential, { kind: 'api_key', id: NOBODY.key })
  })
})

describe('authorization when the rules cannot be read', () => {
  it('denies Kafka actions when the cluster cannot be asked for its ACLs', async () => {
    // Given: ACLs that cannot be read, and an administrator binding
    const { authorizer } = await startTestAuthorizer({
      listAcls: () => Promise.reject(new Error('broker down')),
    })
    const t = await buildTestApp()
    try {
      const verdicts = await authorizer.authorize({ principals: ['User:sa-test01'], host: '127.0.0.1' }, [
        {
          resource: await new ResourcePaths(testResourceDirectory).topic(t.kafka.clusterId, 'orders'),
          operation: 'Read',
        },
      ])
      // Then: denied for the error, although a role binding would allow it
      assert.equal(verdicts[0]!.allowed, false)
      assert.equal(verdicts[0]!.reason, 'error')
    } finally {
      await t.app.close()
      authorizer.close()
    }
  })
})

describe('route declarations', () => {
  async function bareApp() {
    const app = Fastify({ logger: false })
    installErrorHandling(app)
    const { authorizer } = await startTestAuthorizer(
      { listAcls: async () => [] },
      { roleBindings: new MemoryRoleBindings() },
    )
    installAuthorization(app, {
      authorizer,
      paths: new ResourcePaths(testResourceDirectory),
      audit: { record: () => undefined },
      auditSource: 'test',
    })
    return app
  }

  it('refuses to start with a route that declares no access rule', async () => {
    const app = await bareApp()
    assert.throws(
      () => app.get('/kafka/v3/clusters/:cluster_id/undeclared', async () => ({})),
      /declares no access rule/,
    )
    assert.throws(
      () => app.get('/iam/v2/other', { schema: { operationId: 'notInTheTable' } }, async () => ({})),
      /declares no access rule/,
    )
    await app.close()
  })

  it('turns a handler that was to decide but answered without asking into an error', async () => {
    const app = await bareApp()
    app.addHook('onRequest', async (request) => {
      request.principal = {
        name: 'User:sa-x',
        principals: ['User:sa-x'],
        method: 'api_key',
        credentialId: 'KEY',
        scope: { kind: 'global' },
      }
    })
    app.get('/iam/v2/api-keys', { schema: { operationId: 'listIamV2ApiKeys' } }, async () => ({ data: [] }))
    const response = await app.inject({ url: '/iam/v2/api-keys' })
    assert.equal(response.statusCode, 500)
    await app.close()
  })
})
