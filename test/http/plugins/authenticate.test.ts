import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../../support/test-app.ts'

describe('authentication on every route', () => {
  let t: TestApp
  let clusters: string

  before(async () => {
    t = await buildTestApp()
    clusters = '/kafka/v3/clusters'
  })
  after(async () => {
    await t.app.close()
  })

  const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`

  const BASIC_CHALLENGE = 'Basic realm="gatehouse", charset="UTF-8"'
  /** What a caller that sent no credential is offered. */
  const BOTH_CHALLENGES = [BASIC_CHALLENGE, 'Bearer realm="gatehouse"']
  /** What a caller that sent a bearer token is told (RFC 6750 §3). */
  const BEARER_CHALLENGE = 'Bearer realm="gatehouse", error="invalid_token"'

  function assertUnauthenticated(
    response: {
      statusCode: number
      headers: Record<string, unknown>
      json: () => unknown
    },
    challenge: string | string[] = BASIC_CHALLENGE,
  ) {
    assert.equal(response.statusCode, 401)
    assert.deepEqual(response.headers['www-authenticate'], challenge)
    const body = response.json() as { error_code: number; message: string }
    assert.equal(body.error_code, 40101)
    assert.match(body.message, /^Authentication failed/)
  }

  it('refuses a request without credentials with 401 / 40101, offering Basic and Bearer', async () => {
    assertUnauthenticated(await t.app.inject({ url: clusters }), BOTH_CHALLENGES)
  })

  it('refuses a wrong secret and an unknown key with the same answer', async () => {
    const wrongSecret = await t.app.inject({
      url: clusters,
      headers: { authorization: basic(t.key, `${t.secret}x`) },
    })
    const unknownKey = await t.app.inject({
      url: clusters,
      headers: { authorization: basic('UNKNOWNKEY123456', t.secret) },
    })
    assertUnauthenticated(wrongSecret)
    assertUnauthenticated(unknownKey)
    assert.deepEqual(wrongSecret.json(), unknownKey.json())
  })

  it('refuses malformed or unsupported Authorization headers', async () => {
    for (const authorization of [
      'Basic',
      'Basic !!!notbase64',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      'Digest abc',
      'Bearer ',
      'x'.repeat(20_000),
    ]) {
      assertUnauthenticated(
        await t.app.inject({ url: clusters, headers: { authorization } }),
        authorization.startsWith('Bearer') ? BEARER_CHALLENGE : BASIC_CHALLENGE,
      )
    }
  })

  it('refuses Bearer tokens until identity providers exist', async () => {
    assertUnauthenticated(
      await t.app.inject({ url: clusters, headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' } }),
      BEARER_CHALLENGE,
    )
  })

  it('asks unknown paths for credentials before saying 404, so paths cannot be probed', async () => {
    assertUnauthenticated(await t.app.inject({ url: '/no/such/path' }), BOTH_CHALLENGES)
    const known = await t.app.inject({ url: '/no/such/path', headers: { authorization: t.authorization } })
    assert.equal(known.statusCode, 404)
    assert.deepEqual(known.json(), { error_code: 404, message: 'HTTP 404 Not Found' })
  })

  it('answers control-plane paths in the errors[] shape', async () => {
    const response = await t.app.inject({ url: '/iam/v2/service-accounts' })
    assert.equal(response.statusCode, 401)
    const body = response.json()
    assert.equal(body.errors.length, 1)
    assert.equal(body.errors[0].status, '401')
    assert.equal(body.errors[0].code, 'unauthenticated')
    assert.equal(typeof body.errors[0].id, 'string')
  })

  it('accepts the bootstrap credential, with the scheme in any case', async () => {
    const response = await t.app.inject({
      url: clusters,
      headers: { authorization: t.authorization.replace('Basic', 'bAsIc') },
    })
    assert.equal(response.statusCode, 200)
  })

  it('counts authentication failures in /metrics', async () => {
    const read = async () => {
      const metrics = await t.app.inject({ url: '/metrics', headers: { authorization: t.authorization } })
      return Number(/^gatehouse_authentication_failures_total (\d+)/m.exec(metrics.body)?.[1])
    }
    const before = await read()
    await t.app.inject({ url: clusters })
    await t.app.inject({ url: clusters, headers: { authorization: basic(t.key, 'nope') } })
    assert.equal(await read(), before + 2)
  })
})
