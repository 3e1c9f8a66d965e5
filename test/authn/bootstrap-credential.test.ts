import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { prepareBootstrapCredential, secretMatches } from '../../src/authn/index.ts'
import { ConfigError } from '../../src/core/index.ts'
import { openIdentityStore, type SqlIdentityStore } from '../../src/store/sql/index.ts'

describe('bootstrap credential', () => {
  let store: SqlIdentityStore
  before(async () => {
    store = (await openIdentityStore({ kind: 'pglite-memory' })).store
  })
  after(() => store.close())

  it('generates a global key once, owned by the bootstrap service account, and keeps only its hash', async () => {
    // When
    const first = await prepareBootstrapCredential(store, {})
    const second = await prepareBootstrapCredential(store, {})
    // Then
    assert.ok(first.generated)
    assert.equal(second.generated, undefined)
    assert.equal(second.keyId, first.keyId)
    const stored = await store.getApiKey(first.keyId)
    assert.deepEqual(stored?.scope, { kind: 'global' })
    assert.equal(stored?.ownerId, first.serviceAccountId)
    assert.ok(secretMatches(first.generated.secret, stored.secretHash))
    assert.ok(!JSON.stringify(stored).includes(first.generated.secret))
    const account = await store.getServiceAccount(first.serviceAccountId)
    assert.equal(account?.displayName, 'gatehouse-bootstrap')
  })

  it('replaces the bootstrap key with a configured one, and keeps it across restarts', async () => {
    // Given
    const generated = await prepareBootstrapCredential(store, {})
    // When
    const configured = await prepareBootstrapCredential(store, {
      apiKey: 'CONFIGUREDKEY001',
      apiSecret: 'a-configured-secret-of-some-length',
    })
    const stored = await store.getApiKey('CONFIGUREDKEY001')
    const again = await prepareBootstrapCredential(store, {
      apiKey: 'CONFIGUREDKEY001',
      apiSecret: 'a-configured-secret-of-some-length',
    })
    // Then
    assert.equal(configured.keyId, 'CONFIGUREDKEY001')
    assert.equal(await store.getApiKey(generated.keyId), undefined)
    assert.ok(secretMatches('a-configured-secret-of-some-length', stored!.secretHash))
    assert.equal((await store.getApiKey('CONFIGUREDKEY001'))?.secretHash.hash, stored!.secretHash.hash)
    assert.equal(again.serviceAccountId, configured.serviceAccountId)
  })

  it('takes a changed configured secret at the next start', async () => {
    await prepareBootstrapCredential(store, {
      apiKey: 'CONFIGUREDKEY002',
      apiSecret: 'first-secret-0123456789',
    })
    await prepareBootstrapCredential(store, {
      apiKey: 'CONFIGUREDKEY002',
      apiSecret: 'second-secret-0123456789',
    })
    const stored = await store.getApiKey('CONFIGUREDKEY002')
    assert.ok(secretMatches('second-secret-0123456789', stored!.secretHash))
    assert.ok(!secretMatches('first-secret-0123456789', stored!.secretHash))
  })

  it('refuses a key without a secret, and a secret without a key', async () => {
    await assert.rejects(prepareBootstrapCredential(store, { apiKey: 'ONLYKEY' }), ConfigError)
    await assert.rejects(prepareBootstrapCredential(store, { apiSecret: 'only-a-secret-here' }), ConfigError)
  })

  it('cannot have its service account deleted', async () => {
    const { serviceAccountId } = await prepareBootstrapCredential(store, {})
    await assert.rejects(store.deleteServiceAccount(serviceAccountId, { principal: 'User:x' }), {
      name: 'StoreConflictError',
    })
  })
})
