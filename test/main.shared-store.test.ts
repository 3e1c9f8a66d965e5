/**
 * Two gateway processes sharing one PostgreSQL store, as a highly available deployment runs them:
 * what one creates, the other honours, and a key deleted through one stops working on the other
 * within a second.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { basicAuthorization, jsonOf, startGateway, type GatewayProcess } from './support/gateway-process.ts'
import { kafkaEnvironment, testKafka } from './support/kafka.ts'
import { createTestDatabase } from './support/postgres.ts'

const ADMIN_KEY = 'SHAREDADMIN00001'
const ADMIN_SECRET = 'shared-store-admin-secret'

describe('two gateway processes sharing a PostgreSQL store', () => {
  let first: GatewayProcess
  let second: GatewayProcess
  let dropDatabase: () => Promise<void>
  const admin = { authorization: basicAuthorization(ADMIN_KEY, ADMIN_SECRET) }

  before(async () => {
    const kafka = await testKafka()
    const database = await createTestDatabase()
    dropDatabase = database.drop
    const env = {
      ...kafkaEnvironment(kafka),
      GATEHOUSE_STORE_DATABASE_URL: database.url,
      GATEHOUSE_ADMIN_API_KEY: ADMIN_KEY,
      GATEHOUSE_ADMIN_API_SECRET: ADMIN_SECRET,
      GATEHOUSE_ADMIN_USER_EMAIL: 'Platform.Admin@example.com',
      GATEHOUSE_ADMIN_USER_FULL_NAME: 'Platform Admin',
    }
    // Started together: both migrate the same empty database at once.
    ;[first, second] = await Promise.all([startGateway({ env }), startGateway({ env })])
  })

  after(async () => {
    await Promise.all([first?.stop(), second?.stop()])
    await dropDatabase?.()
  })

  it('serves one organization from both', async () => {
    const [fromFirst, fromSecond] = await Promise.all(
      [first, second].map(async (gateway) => {
        const response = await fetch(`${gateway.url}/org/v2/organizations`, { headers: admin })
        assert.equal(response.status, 200)
        return (await jsonOf(response)).data.map((organization: { id: string }) => organization.id)
      }),
    )
    assert.equal(fromFirst.length, 1)
    assert.deepEqual(fromFirst, fromSecond)
  })

  it('creates the configured administrator user once, though both started together', async () => {
    const users = await jsonOf(await fetch(`${second.url}/iam/v2/users`, { headers: admin }))
    assert.deepEqual(
      users.data.map((user: { email: string; full_name: string; auth_type: string }) => [
        user.email,
        user.full_name,
        user.auth_type,
      ]),
      [['Platform.Admin@example.com', 'Platform Admin', 'AUTH_TYPE_SSO']],
    )
  })

  it('a key created through one works on the other, and stops working there within 1 s of its deletion', async () => {
    const created = await fetch(`${first.url}/iam/v2/service-accounts`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ display_name: 'shared-store-app' }),
    })
    assert.equal(created.status, 201)
    const accountId = (await jsonOf(created)).id as string
    const issued = await fetch(`${first.url}/iam/v2/api-keys`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ spec: { display_name: 'shared', owner: { id: accountId } } }),
    })
    assert.equal(issued.status, 202)
    const key = await jsonOf(issued)
    const asApp = { authorization: basicAuthorization(key.id, key.spec.secret) }

    // The second instance has verified (and cached) the key; any owner may list its own keys.
    const used = await fetch(`${second.url}/iam/v2/api-keys?spec.owner=${accountId}`, { headers: asApp })
    assert.equal(used.status, 200)

    const deleted = await fetch(`${first.url}/iam/v2/api-keys/${key.id}`, {
      method: 'DELETE',
      headers: admin,
    })
    assert.equal(deleted.status, 204)
    const deletedAt = Date.now()
    let status = 200
    while (status !== 401 && Date.now() - deletedAt < 1_000) {
      status = (await fetch(`${second.url}/iam/v2/api-keys?spec.owner=${accountId}`, { headers: asApp }))
        .status
    }
    assert.equal(status, 401, 'the other instance still accepted the key 1 s after its deletion')
    const onFirst = await fetch(`${first.url}/iam/v2/api-keys?spec.owner=${accountId}`, { headers: asApp })
    assert.equal(onFirst.status, 401)
  })
})
