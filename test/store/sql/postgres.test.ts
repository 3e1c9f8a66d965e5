import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openIdentityStore, SYSTEM_ACTOR, type OpenedStore } from '../../../src/store/sql/index.ts'
import { StoreSecretError } from '../../../src/store/index.ts'
import { MIGRATIONS } from '../../../src/store/sql/migrations.ts'
import { ApiKeyAuthenticator, hashSecret } from '../../../src/authn/index.ts'
import { createTestDatabase } from '../../support/postgres.ts'
import { identityStoreContract } from './identity-store.contract.ts'

const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64')

const databases: { drop: () => Promise<void> }[] = []
after(async () => {
  for (const database of databases) await database.drop()
})

identityStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase()
  databases.push(database)
  return (
    await openIdentityStore({
      kind: 'postgres',
      url: database.url,
      poolSize: 5,
      encryptionKey: TEST_ENCRYPTION_KEY,
    })
  ).store
})

describe('two gateway instances sharing PostgreSQL', () => {
  let first: OpenedStore
  let second: OpenedStore
  before(async () => {
    const database = await createTestDatabase()
    databases.push(database)
    // Both start at once: migrations and the organization happen exactly once.
    ;[first, second] = await Promise.all([
      openIdentityStore({ kind: 'postgres', url: database.url, poolSize: 5 }),
      openIdentityStore({ kind: 'postgres', url: database.url, poolSize: 5 }),
    ])
  })
  after(async () => {
    await first.store.close()
    await second.store.close()
  })

  it('migrate once and share one organization', async () => {
    assert.deepEqual(
      [...first.appliedMigrations, ...second.appliedMigrations].sort((a, b) => a - b),
      MIGRATIONS.map((migration) => migration.version),
    )
    assert.equal((await first.store.getOrganization()).id, (await second.store.getOrganization()).id)
  })

  it('refuses to store Kafka credentials without an encryption key, and stores clusters without them', async () => {
    const environmentId = (await first.store.listEnvironments({ pageSize: 1 })).items[0]!.id
    const cluster = (id: string, withSasl: boolean) => ({
      id,
      environmentId,
      displayName: id,
      source: 'api' as const,
      connection: {
        bootstrapServers: ['kafka:9092'],
        ...(withSasl ? { sasl: { mechanism: 'PLAIN' as const, username: 'u', password: 'p' } } : {}),
      },
    })
    await assert.rejects(
      first.store.registerKafkaCluster(cluster('keyless-sasl', true), SYSTEM_ACTOR),
      StoreSecretError,
    )
    assert.equal(await first.store.getKafkaCluster('keyless-sasl'), undefined)
    await first.store.registerKafkaCluster(cluster('keyless-plain', false), SYSTEM_ACTOR)
    assert.deepEqual(
      (await second.store.listKafkaClusterConnections()).find((entry) => entry.clusterId === 'keyless-plain')
        ?.connection,
      { bootstrapServers: ['kafka:9092'] },
    )
  })

  it('tells the other instance when role bindings change', async () => {
    let heard = 0
    const stop = second.store.onRoleBindingsChanged(() => heard++)
    await first.store.createRoleBinding(
      {
        principal: 'User:sa-shared',
        roleName: 'Operator',
        crnPattern: 'crn://confluent.cloud/organization=o',
      },
      SYSTEM_ACTOR,
    )
    const deadline = Date.now() + 2_000
    while (heard === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    stop()
    assert.ok(heard > 0, 'the change reached the other instance within 2 s')
  })

  it('tells the other instance within a second when an identity pool is deleted', async () => {
    const provider = await first.store.createIdentityProvider(
      {
        displayName: 'shared',
        description: '',
        issuer: 'https://shared.example.com',
        jwksUri: 'https://shared.example.com/jwks',
        identityClaim: 'claims.sub',
      },
      SYSTEM_ACTOR,
    )
    const pool = await first.store.createIdentityPool(
      provider.id,
      { displayName: 'shared', description: '', identityClaim: 'claims.sub', filter: 'true' },
      SYSTEM_ACTOR,
    )
    let heard = 0
    const stop = second.store.onIdentityProvidersChanged(() => heard++)
    await first.store.deleteIdentityPool(provider.id, pool!.id, SYSTEM_ACTOR)
    const deadline = Date.now() + 1_000
    while (heard === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    stop()
    assert.ok(heard > 0, 'the deletion reached the other instance within 1 s')
  })

  it('a key deleted on one instance stops working on the other within a second, with a warm cache', async () => {
    // Given a key that the second instance has verified and cached (cache TTL longer than the bound)
    const account = await first.store.createServiceAccount(
      { displayName: 'shared', description: '' },
      SYSTEM_ACTOR,
    )
    await first.store.createApiKey(
      {
        id: 'SHAREDKEY0000001',
        displayName: '',
        description: '',
        ownerId: account.id,
        ownerKind: 'ServiceAccount',
        scope: { kind: 'management' },
        secretHash: hashSecret('shared-secret'),
      },
      SYSTEM_ACTOR,
    )
    const verifier = new ApiKeyAuthenticator(second.store, { cacheTtlMs: 60_000 })
    const credential = { kind: 'basic' as const, key: 'SHAREDKEY0000001', secret: 'shared-secret' }
    await verifier.authenticate(credential)
    // When the first instance deletes it
    await first.store.deleteApiKey('SHAREDKEY0000001', SYSTEM_ACTOR)
    // Then the second refuses it within 1 s, through the database's notification alone
    const deadline = Date.now() + 1_000
    let refused = false
    while (!refused && Date.now() < deadline) {
      refused = await verifier.authenticate(credential).then(
        () => false,
        () => true,
      )
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    verifier.close()
    assert.ok(refused, 'the deletion reached the other instance within 1 s')
  })

  it('tells the other instance when a certificate authority changes', async () => {
    let heard = 0
    const stop = second.store.onCertificateAuthoritiesChanged(() => heard++)
    const authority = await first.store.createCertificateAuthority(
      {
        displayName: 'shared-pki',
        description: '',
        certificateChain: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        certificateChainFilename: 'chain.pem',
        requireCrlOnClientCertificate: false,
      },
      SYSTEM_ACTOR,
    )
    const deadline = Date.now() + 2_000
    while (heard === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    stop()
    await first.store.deleteCertificateAuthority(authority.id, SYSTEM_ACTOR)
    assert.ok(heard > 0, 'the other instance heard of the new authority through the database')
  })
})
