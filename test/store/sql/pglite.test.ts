import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { DataDirectoryLockedError, openIdentityStore, SYSTEM_ACTOR } from '../../../src/store/sql/index.ts'
import { StoreSecretError } from '../../../src/store/index.ts'
import { MIGRATIONS } from '../../../src/store/sql/migrations.ts'
import { identityStoreContract } from './identity-store.contract.ts'

identityStoreContract('PGlite', async () => (await openIdentityStore({ kind: 'pglite-memory' })).store)

describe('PGlite store in a data directory', () => {
  it('keeps data across reopening, and migrates only once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'))
    const first = await openIdentityStore({ kind: 'pglite', dataDir })
    const account = await first.store.createServiceAccount(
      { displayName: 'kept', description: '' },
      SYSTEM_ACTOR,
    )
    await first.store.close()
    const second = await openIdentityStore({ kind: 'pglite', dataDir })
    try {
      assert.deepEqual(
        first.appliedMigrations,
        MIGRATIONS.map((migration) => migration.version),
      )
      assert.deepEqual(second.appliedMigrations, [])
      assert.equal((await second.store.getServiceAccount(account.id))?.displayName, 'kept')
    } finally {
      await second.store.close()
    }
  })

  it('reads stored Kafka credentials back after a restart, and refuses them under another key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'))
    const connection = {
      bootstrapServers: ['kafka:9092'],
      sasl: { mechanism: 'PLAIN' as const, username: 'gatehouse', password: 'stored-across-restarts' },
    }
    const first = await openIdentityStore({ kind: 'pglite', dataDir })
    const environmentId = (await first.store.listEnvironments({ pageSize: 1 })).items[0]!.id
    await first.store.registerKafkaCluster(
      { id: 'kept-cluster', environmentId, displayName: 'kept', source: 'api', connection },
      SYSTEM_ACTOR,
    )
    await first.store.close()
    const second = await openIdentityStore({ kind: 'pglite', dataDir })
    try {
      assert.deepEqual(await second.store.listKafkaClusterConnections(), [
        { clusterId: 'kept-cluster', connection },
      ])
    } finally {
      await second.store.close()
    }
    const otherKey = Buffer.alloc(32, 9).toString('base64')
    const third = await openIdentityStore({ kind: 'pglite', dataDir, encryptionKey: otherKey })
    try {
      await assert.rejects(third.store.listKafkaClusterConnections(), StoreSecretError)
    } finally {
      await third.store.close()
    }
  })

  it('is locked while open: a second opener is refused with advice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'))
    const first = await openIdentityStore({ kind: 'pglite', dataDir })
    try {
      await assert.rejects(openIdentityStore({ kind: 'pglite', dataDir }), (error: unknown) => {
        assert.ok(error instanceof DataDirectoryLockedError)
        assert.match(error.message, /store\.databaseUrl/)
        return true
      })
    } finally {
      await first.store.close()
    }
  })
})
