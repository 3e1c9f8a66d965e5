import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

describe('ACLs (component, fake Kafka)', () => {
  let t: TestApp
  let acls: string
  const acl = {
    resource_type: 'TOPIC',
    resource_name: 'orders',
    pattern_type: 'LITERAL',
    principal: 'User:alice',
    host: '*',
    operation: 'READ',
    permission: 'ALLOW',
  }

  before(async () => {
    t = await buildTestApp()
    acls = `/kafka/v3/clusters/${t.kafka.clusterId}/acls`
  })
  after(async () => {
    await t.app.close()
  })

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: {
        authorization: t.authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    })

  it('creates an ACL with 201, no body and its search URL as Location', async () => {
    const response = await call('POST', acls, acl)
    assert.equal(response.statusCode, 201)
    assert.equal(response.body, '')
    assert.equal(
      response.headers.location,
      `http://localhost:80${acls}?resource_type=TOPIC&resource_name=orders&pattern_type=LITERAL&principal=User%3Aalice&host=*&operation=READ&permission=ALLOW`,
    )
    assert.equal(t.kafka.acls.length, 1)
  })

  it('creates a batch with 201, accepting enum values in any case', async () => {
    const response = await call('POST', `${acls}:batch`, {
      data: [
        {
          ...acl,
          resource_name: 'pay',
          pattern_type: 'prefixed',
          operation: 'write',
          permission: 'deny',
          principal: 'User:bob',
        },
        { ...acl, resource_type: 'GROUP', resource_name: 'g1' },
      ],
    })
    assert.equal(response.statusCode, 201)
    assert.equal(t.kafka.acls.length, 3)
  })

  it('lists ACLs by filter in Kafka’s order', async () => {
    const all = await call('GET', acls)
    assert.equal(all.statusCode, 200)
    assert.equal(all.json().kind, 'KafkaAclList')
    assert.deepEqual(
      all
        .json()
        .data.map(
          (entry: { resource_type: string; resource_name: string }) =>
            `${entry.resource_type}:${entry.resource_name}`,
        ),
      ['GROUP:g1', 'TOPIC:orders', 'TOPIC:pay'],
    )
    const matched = await call('GET', `${acls}?resource_type=topic&resource_name=payments&pattern_type=match`)
    assert.deepEqual(
      matched.json().data.map((entry: { principal: string }) => entry.principal),
      ['User:bob'],
    )
    assert.match(
      matched.json().metadata.self,
      /\/acls\?resource_type=topic&resource_name=payments&pattern_type=match$/,
    )
  })

  it('refuses ACLs with selecting values, and unknown enum values with Confluent’s 404', async () => {
    for (const [field, value, message] of [
      ['resource_type', 'ANY', 'resource_type cannot be ANY'],
      ['pattern_type', 'MATCH', 'pattern_type cannot be MATCH'],
      ['operation', 'UNKNOWN', 'operation cannot be UNKNOWN'],
      ['permission', 'ANY', 'permission cannot be ANY'],
    ] as const) {
      const response = await call('POST', acls, { ...acl, [field]: value })
      assert.equal(response.statusCode, 400, field)
      assert.deepEqual(response.json(), { error_code: 400, message })
    }
    const unknown = await call('GET', `${acls}?operation=FLY`)
    assert.equal(unknown.statusCode, 404)
    assert.deepEqual(unknown.json(), {
      error_code: 404,
      message: "The valid values for AclOperation do not include 'FLY'",
    })
    const missingField = await call('POST', acls, { ...acl, host: undefined })
    assert.equal(missingField.statusCode, 422)
    const kafkaRefusal = await call('POST', acls, {
      ...acl,
      resource_type: 'CLUSTER',
      resource_name: 'other',
    })
    assert.equal(kafkaRefusal.statusCode, 400)
    assert.equal(kafkaRefusal.json().error_code, 40002)
  })

  it('deletes by filter, answering the deleted ACLs; the four enum filters are required', async () => {
    const missing = await call('DELETE', `${acls}?resource_type=TOPIC&pattern_type=LITERAL&operation=ANY`)
    assert.equal(missing.statusCode, 400)
    assert.equal(missing.json().message, 'permission cannot be unspecified or UNKNOWN')

    const deleted = await call(
      'DELETE',
      `${acls}?resource_type=TOPIC&pattern_type=ANY&operation=ANY&permission=ANY&principal=User%3Abob`,
    )
    assert.equal(deleted.statusCode, 200)
    assert.deepEqual(
      deleted
        .json()
        .data.map((entry: { resource_name: string; kind: string }) => [entry.kind, entry.resource_name]),
      [['KafkaAcl', 'pay']],
    )
    assert.equal(
      t.kafka.acls.some((entry) => entry.principal === 'User:bob'),
      false,
    )
  })
})
