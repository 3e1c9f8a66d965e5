/**
 * Responses match Confluent's own OpenAPI schemas (the oracle in test/support/confluent-contract.ts,
 * which also checks every response of the HTTP component tests).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assertMatchesConfluent, validatedOperations } from '../support/confluent-contract.ts'
import { buildTestApp } from '../support/test-app.ts'

describe('Confluent schema oracle', () => {
  it('rejects bodies that break Confluent’s schema, so a pass means something', () => {
    const url = '/kafka/v3/clusters/c1/topics/t1'
    assert.throws(
      () =>
        assertMatchesConfluent(
          'GET',
          url,
          200,
          JSON.stringify({ kind: 'KafkaTopic', metadata: { self: 'x' } }),
        ),
      /getKafkaTopic/,
    )
    assert.throws(
      () =>
        assertMatchesConfluent('GET', url, 404, JSON.stringify({ error_code: 'not-a-number', message: 'x' })),
      /does not match/,
    )
    assert.throws(
      () =>
        assertMatchesConfluent(
          'POST',
          `${url}/records`,
          200,
          '{"error_code":200,"offset":1}\r\n{"error_code":200,"offset":"one"}\r\n',
        ),
      /produceRecord/,
    )
    assert.doesNotThrow(() => assertMatchesConfluent('GET', '/healthz', 200, '{"anything":true}'))
  })

  it('covers every operation Gatehouse serves, with its success status', async () => {
    const t = await buildTestApp()
    const headers = { authorization: t.authorization, 'content-type': 'application/json' }
    const base = `/kafka/v3/clusters/${t.kafka.clusterId}`
    try {
      await t.app.inject({ url: '/kafka/v3/clusters', headers })
      await t.app.inject({ url: base, headers })
      await t.app.inject({
        method: 'POST',
        url: `${base}/topics`,
        headers,
        payload: '{"topic_name":"oracle","partitions_count":2}',
      })
      await t.app.inject({
        method: 'POST',
        url: `${base}/topics`,
        headers,
        payload: '{"topic_name":"oracle-dry","validate_only":true}',
      })
      await t.app.inject({ url: `${base}/topics`, headers })
      await t.app.inject({ url: `${base}/topics/oracle`, headers })
      await t.app.inject({
        method: 'POST',
        url: `${base}/topics/oracle/records`,
        headers,
        payload: '{"key":{"type":"STRING","data":"k"},"value":{"type":"JSON","data":[1]}}{"partition_id":7}',
      })
      await t.app.inject({
        method: 'POST',
        url: `${base}/topics/oracle/records:batch`,
        headers,
        payload: '{"entries":[{"id":"a","value":{"type":"STRING","data":"v"}},{"id":"b","partition_id":9}]}',
      })
      await t.app.inject({ url: `${base}/topics/missing`, headers })
      await t.app.inject({ url: `${base}/topics/oracle/partitions`, headers })
      await t.app.inject({ url: `${base}/topics/oracle/partitions/1`, headers })
      await t.app.inject({ url: `${base}/topics/oracle/partitions/1/offset`, headers })
      await t.app.inject({ url: `${base}/topics/oracle/configs`, headers })
      await t.app.inject({ url: `${base}/topics/oracle/configs/retention.ms`, headers })
      await t.app.inject({
        method: 'PATCH',
        url: `${base}/topics/oracle`,
        headers,
        payload: '{"partitions_count":3}',
      })
      await t.app.inject({
        method: 'POST',
        url: `${base}/acls`,
        headers,
        payload: JSON.stringify({
          resource_type: 'TOPIC',
          resource_name: 'oracle',
          pattern_type: 'LITERAL',
          principal: 'User:a',
          host: '*',
          operation: 'READ',
          permission: 'ALLOW',
        }),
      })
      await t.app.inject({ url: `${base}/acls?resource_type=TOPIC`, headers })
      await t.app.inject({
        method: 'DELETE',
        url: `${base}/acls?resource_type=ANY&pattern_type=ANY&operation=ANY&permission=ANY`,
        headers,
      })
      await t.app.inject({ url: `${base}/topics/-/configs`, headers })
      await t.app.inject({
        method: 'PUT',
        url: `${base}/broker-configs/log.cleaner.backoff.ms`,
        headers,
        payload: '{"value":"20000"}',
      })
      await t.app.inject({ url: `${base}/broker-configs`, headers })
      await t.app.inject({ url: `${base}/broker-configs/log.cleaner.backoff.ms`, headers })
      await t.app.inject({ url: `${base}/topics/oracle/default-configs`, headers })
      t.kafka.commitOffset('oracle-group', 'oracle', 0, 0n)
      for (const path of [
        '',
        '/oracle-group',
        '/oracle-group/consumers',
        '/oracle-group/lags',
        '/oracle-group/lag-summary',
      ]) {
        await t.app.inject({ url: `${base}/consumer-groups${path}`, headers })
      }
    } finally {
      await t.app.close()
    }
    for (const expected of [
      'listKafkaClusters 200',
      'getKafkaCluster 200',
      'createKafkaTopic 201',
      'createKafkaTopic 200',
      'listKafkaTopics 200',
      'getKafkaTopic 200',
      'getKafkaTopic 404',
      'produceRecord 200',
      'produceRecordsBatch 207',
      'listKafkaPartitions 200',
      'getKafkaPartition 200',
      'listKafkaPartitionOffsets 200',
      'listKafkaTopicConfigs 200',
      'getKafkaTopicConfig 200',
      'updatePartitionCountKafkaTopic 200',
      'getKafkaAcls 200',
      'deleteKafkaAcls 200',
      'listKafkaConsumerGroups 200',
      'getKafkaConsumerGroup 200',
      'listKafkaConsumers 200',
      'listKafkaConsumerLags 200',
      'getKafkaConsumerGroupLagSummary 200',
      'listKafkaAllTopicConfigs 200',
      'listKafkaClusterConfigs 200',
      'getKafkaClusterConfig 200',
      'listKafkaDefaultTopicConfigs 200',
    ]) {
      assert.ok(
        validatedOperations.has(expected),
        `${expected} was not checked; checked: ${[...validatedOperations].join(', ')}`,
      )
    }
  })
})
