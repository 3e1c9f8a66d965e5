import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../../support/test-app.ts'

describe('request ids', () => {
  let t: TestApp
  before(async () => {
    t = await buildTestApp()
  })
  after(async () => {
    await t.app.close()
  })

  it('generates a distinct id for each request and returns it in X-Request-Id', async () => {
    const first = await t.app.inject({ url: '/healthz' })
    const second = await t.app.inject({ url: '/healthz' })
    assert.match(String(first.headers['x-request-id']), /^[0-9a-f-]{36}$/)
    assert.notEqual(first.headers['x-request-id'], second.headers['x-request-id'])
  })

  it('reuses a plain caller-supplied id and replaces an unsafe one', async () => {
    const reused = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-abc.123' } })
    assert.equal(reused.headers['x-request-id'], 'trace-abc.123')
    const replaced = await t.app.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\u0007<script>' },
    })
    assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/)
  })

  it('puts the request id into control-plane error bodies', async () => {
    const response = await t.app.inject({
      url: '/org/v2/environments',
      headers: { 'x-request-id': 'req-42' },
    })
    assert.equal(response.json().errors[0].id, 'req-42')
  })
})
