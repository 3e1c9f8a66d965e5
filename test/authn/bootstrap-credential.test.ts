import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BOOTSTRAP_PRINCIPAL_NAME, prepareBootstrapCredential } from '../../src/authn/index.ts'
import { ConfigError, GatewayError } from '../../src/core/index.ts'
import type { BootstrapCredentialRecord, BootstrapCredentialStore } from '../../src/store/index.ts'

class MemoryCredentialStore implements BootstrapCredentialStore {
  record: BootstrapCredentialRecord | undefined
  writes = 0
  async readBootstrapCredential() {
    return this.record
  }
  async writeBootstrapCredential(record: BootstrapCredentialRecord) {
    this.writes++
    this.record = record
  }
}

describe('bootstrap credential', () => {
  it('generates a credential once, stores only its hash, and accepts it afterwards', async () => {
    const store = new MemoryCredentialStore()
    const first = await prepareBootstrapCredential(store, {}, () => new Date('2026-11-22T00:00:00Z'))
    assert.ok(first.generated)
    const { key, secret } = first.generated
    assert.equal(store.record?.keyId, key)
    assert.equal(store.record?.createdAt, '2026-11-22T00:00:00.000Z')
    assert.ok(!JSON.stringify(store.record).includes(secret))

    const second = await prepareBootstrapCredential(store, {})
    assert.equal(second.generated, undefined)
    assert.equal(store.writes, 1)
    const principal = second.authenticator.authenticate({ kind: 'basic', key, secret })
    assert.deepEqual(principal, {
      name: BOOTSTRAP_PRINCIPAL_NAME,
      method: 'bootstrap_credential',
      credentialId: key,
    })
  })

  it('uses a configured key and secret without touching the store', async () => {
    const store = new MemoryCredentialStore()
    const prepared = await prepareBootstrapCredential(store, {
      apiKey: 'CONFIGUREDKEY123',
      apiSecret: 'configured-secret-value',
    })
    assert.equal(prepared.generated, undefined)
    assert.equal(store.writes, 0)
    assert.equal(
      prepared.authenticator.authenticate({
        kind: 'basic',
        key: 'CONFIGUREDKEY123',
        secret: 'configured-secret-value',
      }).credentialId,
      'CONFIGUREDKEY123',
    )
  })

  it('refuses half a configured credential', async () => {
    await assert.rejects(
      prepareBootstrapCredential(new MemoryCredentialStore(), { apiKey: 'ONLYTHEKEY123456' }),
      ConfigError,
    )
    await assert.rejects(
      prepareBootstrapCredential(new MemoryCredentialStore(), { apiSecret: 'only-the-secret-here' }),
      ConfigError,
    )
  })

  it('distinguishes missing from wrong credentials only by code, never by which half was wrong', async () => {
    const { authenticator, generated } = await prepareBootstrapCredential(new MemoryCredentialStore(), {})
    const codeOf = (run: () => unknown) => {
      try {
        run()
        return 'accepted'
      } catch (error) {
        return error instanceof GatewayError ? `${error.code}: ${error.message}` : String(error)
      }
    }
    assert.equal(
      codeOf(() => authenticator.authenticate(undefined)),
      'GW_AUTHN_REQUIRED: Authentication failed',
    )
    const wrongKey = codeOf(() =>
      authenticator.authenticate({ kind: 'basic', key: 'WRONGKEY12345678', secret: generated!.secret }),
    )
    const wrongSecret = codeOf(() =>
      authenticator.authenticate({ kind: 'basic', key: generated!.key, secret: 'wrong' }),
    )
    assert.equal(wrongKey, 'GW_AUTHN_FAILED: Authentication failed')
    assert.equal(wrongSecret, wrongKey)
  })
})
