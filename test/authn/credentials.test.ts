import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseAuthorizationHeader } from '../../src/authn/index.ts'
import { GatewayError } from '../../src/core/index.ts'

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`

describe('Authorization header parsing', () => {
  it('returns undefined when there is no header', () => {
    assert.equal(parseAuthorizationHeader(undefined), undefined)
    assert.equal(parseAuthorizationHeader(''), undefined)
  })

  it('splits Basic key:secret at the first colon, so secrets may contain colons', () => {
    assert.deepEqual(parseAuthorizationHeader(basic('KEY:se:cr:et')), {
      kind: 'basic',
      key: 'KEY',
      secret: 'se:cr:et',
    })
    assert.deepEqual(parseAuthorizationHeader(basic('KEY:')), { kind: 'basic', key: 'KEY', secret: '' })
  })

  it('reads Bearer tokens', () => {
    assert.deepEqual(parseAuthorizationHeader('Bearer abc.def.ghi'), { kind: 'bearer', token: 'abc.def.ghi' })
  })

  it('fails closed on anything malformed', () => {
    for (const header of [
      'Basic',
      'Basic ***',
      basic(':secret'),
      basic('nocolon'),
      'Bearer',
      'Negotiate abc',
      'x'.repeat(16_385),
    ]) {
      assert.throws(
        () => parseAuthorizationHeader(header),
        (error: unknown) => error instanceof GatewayError && error.code === 'GW_AUTHN_FAILED',
        header.slice(0, 30),
      )
    }
  })
})
