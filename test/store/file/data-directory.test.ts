import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { DataDirectory } from '../../../src/store/file/index.ts'

const record = {
  keyId: 'KEYKEYKEYKEYKEY2',
  secretHash: { salt: 'c2FsdA', hash: 'aGFzaA' },
  createdAt: '2026-11-22T00:00:00.000Z',
}

describe('data directory store', () => {
  it('creates the directory owner-only and writes the credential record 0600, leaving no temp files', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gatehouse-data-')), 'nested', 'data')
    const directory = await DataDirectory.open(path)
    assert.equal(statSync(path).mode & 0o777, 0o700)
    assert.equal(await directory.readBootstrapCredential(), undefined)

    await directory.writeBootstrapCredential(record)
    assert.deepEqual(await directory.readBootstrapCredential(), record)
    assert.deepEqual(readdirSync(path), ['bootstrap-credential.json'])
    assert.equal(statSync(join(path, 'bootstrap-credential.json')).mode & 0o777, 0o600)

    // A second process (a restart) sees the same record.
    assert.deepEqual(await (await DataDirectory.open(path)).readBootstrapCredential(), record)
  })

  it('refuses a corrupt record instead of silently generating a new credential', async () => {
    const path = mkdtempSync(join(tmpdir(), 'gatehouse-data-'))
    writeFileSync(join(path, 'bootstrap-credential.json'), '{"keyId": 42}')
    await assert.rejects(
      (await DataDirectory.open(path)).readBootstrapCredential(),
      /not a bootstrap credential record/,
    )
  })

  it('reports a directory that disappeared as not ready', async () => {
    const path = mkdtempSync(join(tmpdir(), 'gatehouse-data-'))
    const directory = await DataDirectory.open(path)
    await directory.checkReady()
    rmSync(path, { recursive: true })
    await assert.rejects(directory.checkReady(), /ENOENT/)
  })
})
