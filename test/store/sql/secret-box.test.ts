import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { InvalidEncryptionKeyError, SecretBox, SecretUnsealError } from '../../../src/store/sql/secret-box.ts'

describe('SecretBox', () => {
  it('opens what it sealed; the sealed form holds no plaintext and differs each time', () => {
    const box = SecretBox.random()
    const first = box.seal('hunter2-kafka-password')
    const second = box.seal('hunter2-kafka-password')
    assert.notEqual(first, second)
    assert.equal(first.includes('hunter2'), false)
    assert.match(first, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/)
    assert.equal(box.open(first), 'hunter2-kafka-password')
    assert.equal(box.open(box.seal('')), '')
  })

  it('refuses another key’s or an altered value instead of returning garbage', () => {
    const box = SecretBox.random()
    const sealed = box.seal('secret')
    assert.throws(() => SecretBox.random().open(sealed), SecretUnsealError)
    const [version, iv, tag, ciphertext] = sealed.split('.')
    const flipped = ciphertext!.startsWith('A') ? 'B' + ciphertext!.slice(1) : 'A' + ciphertext!.slice(1)
    assert.throws(() => box.open([version, iv, tag, flipped].join('.')), SecretUnsealError)
    assert.throws(() => box.open('not sealed'), SecretUnsealError)
  })

  it('takes a configured key of exactly 32 bytes in base64', () => {
    const key = Buffer.alloc(32, 1).toString('base64')
    assert.equal(SecretBox.fromBase64(key).open(SecretBox.fromBase64(key).seal('x')), 'x')
    assert.throws(() => SecretBox.fromBase64(Buffer.alloc(16).toString('base64')), InvalidEncryptionKeyError)
    assert.throws(() => SecretBox.fromBase64('not base64 at all'), InvalidEncryptionKeyError)
  })

  it('keeps a generated key in the data directory, readable by its owner only, and reuses it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'gatehouse-secret-box-'))
    const sealed = (await SecretBox.inDirectory(directory)).seal('kept')
    assert.equal((await SecretBox.inDirectory(directory)).open(sealed), 'kept')
    const path = join(directory, 'encryption.key')
    assert.equal(statSync(path).mode & 0o777, 0o600)
    assert.equal(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').length, 32)
  })
})
