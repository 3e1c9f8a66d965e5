import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildTestApp } from '../../support/test-app.ts'

describe('health probes', () => {
  it('/healthz answers without credentials and without consulting Kafka', async () => {
    const t = await buildTestApp()
    t.kafka.isDown = true
    try {
      const response = await t.app.inject({ url: '/healthz' })
      assert.equal(response.statusCode, 200)
      assert.deepEqual(response.json(), { status: 'ok' })
    } finally {
      await t.app.close()
    }
  })

  it('/readyz is 200 when every check passes and 503 naming the failing one otherwise', async () => {
    let isStoreReady = true
    const t = await buildTestApp({
      readinessChecks: [
        { name: 'kafka', check: async () => void 0 },
        {
          name: 'store',
          check: async () => {
            if (!isStoreReady) throw new Error('data directory is not writable')
          },
        },
      ],
    })
    try {
      const ready = await t.app.inject({ url: '/readyz' })
      assert.equal(ready.statusCode, 200)
      assert.deepEqual(ready.json(), { status: 'ready', checks: { kafka: 'ok', store: 'ok' } })

      isStoreReady = false
      const notReady = await t.app.inject({ url: '/readyz' })
      assert.equal(notReady.statusCode, 503)
      assert.deepEqual(notReady.json(), {
        status: 'not_ready',
        checks: { kafka: 'ok', store: 'failing: data directory is not writable' },
      })
    } finally {
      await t.app.close()
    }
  })

  it('/readyz follows Kafka going down and coming back', async () => {
    const t = await buildTestApp()
    try {
      t.kafka.isDown = true
      assert.equal((await t.app.inject({ url: '/readyz' })).statusCode, 503)
      t.kafka.isDown = false
      assert.equal((await t.app.inject({ url: '/readyz' })).statusCode, 200)
    } finally {
      await t.app.close()
    }
  })
})
