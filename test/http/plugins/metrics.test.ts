import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createGatewayMetrics } from '../../../src/http/index.ts'
import { buildTestApp } from '../../support/test-app.ts'

describe('/metrics', () => {
  it('needs credentials by default and serves Prometheus text with them', async () => {
    const t = await buildTestApp()
    try {
      assert.equal((await t.app.inject({ url: '/metrics' })).statusCode, 401)
      await t.app.inject({
        url: `/kafka/v3/clusters/${t.kafka.clusterId}/topics`,
        headers: { authorization: t.authorization },
      })
      const response = await t.app.inject({ url: '/metrics', headers: { authorization: t.authorization } })
      assert.equal(response.statusCode, 200)
      assert.match(String(response.headers['content-type']), /^text\/plain/)
      assert.match(
        response.body,
        /gatehouse_http_request_duration_seconds_count\{method="GET",route="\/kafka\/v3\/clusters\/:cluster_id\/topics",status_code="200"\} 1/,
      )
      assert.match(response.body, /gatehouse_process_resident_memory_bytes/)
    } finally {
      await t.app.close()
    }
  })

  it('labels unmatched paths with one series instead of one per URL', async () => {
    const t = await buildTestApp()
    try {
      for (const path of ['/a', '/b', '/c'])
        await t.app.inject({ url: path, headers: { authorization: t.authorization } })
      const body = (await t.app.inject({ url: '/metrics', headers: { authorization: t.authorization } })).body
      assert.match(body, /route="unmatched",status_code="404"\} 3/)
      assert.doesNotMatch(body, /route="\/a"/)
    } finally {
      await t.app.close()
    }
  })

  it('can be made public for scrapers on a trusted network', async () => {
    const t = await buildTestApp({ isMetricsPublic: true })
    try {
      assert.equal((await t.app.inject({ url: '/metrics' })).statusCode, 200)
    } finally {
      await t.app.close()
    }
  })

  it('reports the audit trail’s delivered, dropped and buffered records', async () => {
    const stats = { buffered: 3, bufferedBytes: 300, delivered: 41, dropped: 2 }
    const metrics = createGatewayMetrics({ auditStats: () => stats })
    const first = await metrics.registry.metrics()
    assert.match(first, /gatehouse_audit_records_delivered_total 41/)
    assert.match(first, /gatehouse_audit_records_dropped_total 2/)
    assert.match(first, /gatehouse_audit_buffered_records 3/)
    stats.dropped = 7
    assert.match(await metrics.registry.metrics(), /gatehouse_audit_records_dropped_total 7/)
  })
})
