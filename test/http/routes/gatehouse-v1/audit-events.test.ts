/**
 * GET /gatehouse/v1/audit-events over the fake cluster: filters, bounds, bad input and who may read.
 * The read from a real broker is covered by test/cli/cli.real-broker.test.ts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { AuditRecord } from '../../../../src/core/index.ts'
import { TEST_AUDIT_TOPIC, buildTestApp, type TestApp } from '../../../support/test-app.ts'

const NOBODY = { key: 'NOBODYKEY2345678', secret: 'nobody-secret', ownerId: 'sa-nobody' }

function authorizationRecord(
  time: string,
  keyId: string,
  decision: 'ALLOWED' | 'DENIED',
  principal = 'User:sa-app',
): AuditRecord {
  return {
    specversion: '1.0',
    id: `${time}-${keyId}-${decision}`,
    source: 'gatehouse://test',
    type: 'io.gatehouse.authorization.v1',
    time,
    subject: 'crn://confluent.cloud/organization=o/topic=orders',
    datacontenttype: 'application/json',
    data: {
      request: { requestId: 'r', method: 'POST', path: '/p', clientAddress: '127.0.0.1' },
      credential: { kind: 'api_key', id: keyId },
      principals: [principal],
      operation: 'Write',
      resourceType: 'Topic',
      resource: 'crn://confluent.cloud/organization=o/topic=orders',
      decision,
      reason: decision === 'ALLOWED' ? 'role-binding' : 'no-rule',
    },
  }
}

describe('GET /gatehouse/v1/audit-events', () => {
  let t: TestApp
  const get = (query: string, authorization = t.authorization) =>
    t.app.inject({ method: 'GET', url: `/gatehouse/v1/audit-events${query}`, headers: { authorization } })

  before(async () => {
    t = await buildTestApp({ extraKeys: [NOBODY] })
    await t.kafka.createTopic({
      name: TEST_AUDIT_TOPIC,
      partitionsCount: 2,
      configs: [],
      validateOnly: false,
    })
    const write = (record: AuditRecord | string, partitionId = 0) =>
      t.kafka.produce(TEST_AUDIT_TOPIC, {
        partitionId,
        key: null,
        value: Buffer.from(typeof record === 'string' ? record : JSON.stringify(record)),
        headers: [],
        timestamp: new Date(typeof record === 'string' ? '2026-01-01T00:00:03Z' : record.time),
      })
    await write(authorizationRecord('2025-12-31T23:00:00Z', 'KEYAAAAAAAAAAAAA', 'ALLOWED'))
    await write(authorizationRecord('2026-01-01T00:00:01Z', 'KEYAAAAAAAAAAAAA', 'ALLOWED'), 1)
    await write(authorizationRecord('2026-01-01T00:00:02Z', 'KEYBBBBBBBBBBBBB', 'DENIED', 'User:sa-other'))
    await write('not an audit record')
    await write(authorizationRecord('2026-01-01T00:00:04Z', 'KEYAAAAAAAAAAAAA', 'DENIED'), 1)
  })
  after(() => t.app.close())

  it('answers the records since the given time, oldest first, skipping what is not an audit record', async () => {
    const response = await get('?since=2026-01-01T00:00:00Z')
    assert.equal(response.statusCode, 200, response.body)
    const body = response.json()
    assert.equal(body.kind, 'AuditEventList')
    assert.equal(body.metadata.is_truncated, false)
    assert.deepEqual(
      body.data.map((record: AuditRecord) => record.time),
      ['2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z', '2026-01-01T00:00:04Z'],
    )
  })

  it('filters by credential id, principal, decision and type', async () => {
    const times = async (query: string) =>
      (await get(`?since=2026-01-01T00:00:00Z&${query}`))
        .json()
        .data.map((record: AuditRecord) => record.time)
    assert.deepEqual(await times('credential_id=KEYAAAAAAAAAAAAA'), [
      '2026-01-01T00:00:01Z',
      '2026-01-01T00:00:04Z',
    ])
    assert.deepEqual(await times('principal=User:sa-other'), ['2026-01-01T00:00:02Z'])
    assert.deepEqual(await times('decision=DENIED&credential_id=KEYAAAAAAAAAAAAA'), ['2026-01-01T00:00:04Z'])
    assert.deepEqual(await times('type=authentication'), [])
  })

  it('stops at page_size and says more may follow', async () => {
    const body = (await get('?since=2025-01-01T00:00:00Z&page_size=2')).json()
    assert.equal(body.data.length, 2)
    assert.equal(body.metadata.is_truncated, true)
  })

  it('refuses a time that is not RFC 3339, an unknown decision and a page size over 1000 with 400', async () => {
    for (const query of ['?since=yesterday', '?since=2026-01-01', '?decision=MAYBE', '?page_size=1001']) {
      const response = await get(query)
      assert.equal(response.statusCode, 400, `${query}: ${response.body}`)
      assert.equal(response.json().error_code, 400)
      assert.match(response.json().message, /since|decision|page_size/)
    }
  })

  it('refuses a caller without OrganizationAdmin with 403', async () => {
    const response = await get(
      '',
      `Basic ${Buffer.from(`${NOBODY.key}:${NOBODY.secret}`).toString('base64')}`,
    )
    assert.equal(response.statusCode, 403)
  })
})
