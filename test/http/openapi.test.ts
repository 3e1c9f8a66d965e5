import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildTestApp } from '../support/test-app.ts'

describe('/openapi.json', () => {
  it('needs credentials and describes every Kafka REST route with its Confluent operation id', async () => {
    const t = await buildTestApp()
    try {
      assert.equal((await t.app.inject({ url: '/openapi.json' })).statusCode, 401)
      const response = await t.app.inject({
        url: '/openapi.json',
        headers: { authorization: t.authorization },
      })
      assert.equal(response.statusCode, 200)
      const document = response.json()
      assert.match(document.openapi, /^3\./)
      const operationIds = Object.values(
        document.paths as Record<string, Record<string, { operationId?: string }>>,
      ).flatMap((item) => Object.values(item).map((operation) => operation.operationId))
      for (const expected of [
        'listKafkaClusters',
        'createKafkaTopic',
        'produceRecord',
        'produceRecordsBatch',
        'getKafkaAcls',
        'listKafkaPartitionOffsets',
      ]) {
        assert.ok(operationIds.includes(expected), expected)
      }
      assert.ok(document.paths['/kafka/v3/clusters/{cluster_id}/topics/{topic_name}/records:batch'])
      assert.deepEqual(document.security, [{ apiKey: [] }])
    } finally {
      await t.app.close()
    }
  })
})
