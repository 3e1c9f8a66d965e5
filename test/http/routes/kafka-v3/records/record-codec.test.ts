import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GatewayError } from '../../../../../src/core/index.ts'
import {
  createDeliveryReportFormatter,
  decodeProduceRecord,
  deliveryReport,
  formatInstant,
} from '../../../../../src/http/routes/kafka-v3/records/record-codec.ts'

function rejection(input: unknown): string {
  try {
    decodeProduceRecord(input)
  } catch (error) {
    assert.ok(error instanceof GatewayError && error.code === 'GW_PRODUCE_INVALID_RECORD')
    return error.message
  }
  return assert.fail('expected a rejection')
}

describe('produce record codec', () => {
  it('decodes BINARY, JSON and STRING data into bytes and reports their sizes', () => {
    const decoded = decodeProduceRecord({
      partition_id: 1,
      headers: [
        { name: 'h', value: 'SGVhZGVyLTE=' },
        { name: 'h', value: null },
      ],
      key: { type: 'BINARY', data: 'Zm9vYmFy' },
      value: { type: 'JSON', data: { foo: 'bar' } },
      timestamp: '2021-02-05T19:14:42Z',
    })
    assert.equal(decoded.record.partitionId, 1)
    assert.equal(decoded.record.key?.toString(), 'foobar')
    assert.equal(decoded.record.value?.toString(), '{"foo":"bar"}')
    assert.deepEqual(decoded.record.headers, [
      { name: 'h', value: Buffer.from('Header-1') },
      { name: 'h', value: null },
    ])
    assert.equal(decoded.record.timestamp?.toISOString(), '2021-02-05T19:14:42.000Z')
    assert.deepEqual(decoded.key, { type: 'BINARY', size: 6 })
    assert.deepEqual(decoded.value, { type: 'JSON', size: 13 })
    assert.equal(
      decodeProduceRecord({ value: { type: 'string', data: 'żółw' } }).record.value?.toString(),
      'żółw',
    )
  })

  it('treats omitted parts and null data as null, reporting only the parts that were given', () => {
    const decoded = decodeProduceRecord({ key: { type: 'STRING', data: null } })
    assert.equal(decoded.record.key, null)
    assert.equal(decoded.record.value, null)
    assert.deepEqual(decoded.key, { type: 'STRING', size: -1 })
    assert.equal(decoded.value, undefined)
    assert.equal(decodeProduceRecord({}).record.partitionId, undefined)
  })

  it('rejects bad data naming the field, as Confluent words it', () => {
    assert.equal(
      rejection({ value: { type: 'BINARY', data: 1 } }),
      'Bad Request: data=1 is not a base64 string.',
    )
    assert.equal(
      rejection({ value: { type: 'BINARY', data: 'not base64!' } }),
      'Bad Request: data="not base64!" is not a valid base64 string.',
    )
    assert.equal(
      rejection({ value: { type: 'STRING', data: { a: 1 } } }),
      'Bad Request: data={"a":1} is not a string.',
    )
    assert.match(
      rejection({ value: { type: 'XML', data: '<a/>' } }),
      /value\.type "XML" is not one of BINARY, JSON or STRING/,
    )
    assert.match(rejection({ value: { data: 'x' } }), /value\.type is required/)
    assert.match(rejection({ value: { type: 'AVRO', data: {} } }), /needs a Schema Registry/)
    assert.match(
      rejection({ value: { type: 'JSON', data: {}, schema_id: 1 } }),
      /value\.schema_id: schemas need a Schema Registry/,
    )
    assert.equal(rejection({ records: [] }), 'Bad Request: Unrecognized field: records')
    assert.equal(
      rejection({ value: { type: 'JSON', data: 1, extra: 1 } }),
      'Bad Request: Unrecognized field: value.extra',
    )
    assert.match(rejection({ partition_id: 'one' }), /partition_id="one" is not an integer/)
    assert.match(rejection({ partition_id: 1.5 }), /partition_id=1.5 is not an integer/)
    assert.match(
      rejection({ headers: [{ name: 'h', value: 'a b' }] }),
      /headers\[0\]\.value="a b" is not a valid base64 string/,
    )
    assert.match(rejection({ headers: [{ value: 'YQ==' }] }), /headers\[0\]\.name must be a non-empty string/)
    assert.match(rejection({ headers: 'x' }), /headers must be an array/)
    assert.match(rejection({ timestamp: 'yesterday' }), /timestamp="yesterday" is not an ISO-8601 date-time/)
    assert.match(rejection({ timestamp: 1612552482000 }), /is not an ISO-8601 date-time/)
    assert.match(rejection([1]), /must be a JSON object/)
  })

  it('formats instants as Confluent does: milliseconds only when non-zero', () => {
    assert.equal(formatInstant(new Date('2021-02-05T19:14:42.000Z')), '2021-02-05T19:14:42Z')
    assert.equal(formatInstant(new Date('2021-02-05T19:14:42.120Z')), '2021-02-05T19:14:42.120Z')
  })

  it('formats a delivery report directly exactly as JSON.stringify writes the report object', () => {
    const cases = [
      { value: { type: 'STRING', data: 'hello' } },
      { key: { type: 'BINARY', data: 'Zm9v' }, value: { type: 'JSON', data: { n: 1 } } },
      { key: { type: 'STRING', data: 'k' } },
      { key: { type: 'JSON', data: null }, value: null },
      {},
    ]
    const format = createDeliveryReportFormatter('lkc-"quoted"\\', 'topic.with_ü')
    for (const input of cases) {
      const decoded = decodeProduceRecord(input)
      for (const timestamp of [new Date('2021-02-05T19:14:42Z'), new Date('2021-02-05T19:14:42.007Z')]) {
        const produced = { partitionId: 2, offset: 9_007_199_254_740_991n, timestamp }
        assert.equal(
          format(decoded, produced),
          JSON.stringify(deliveryReport('lkc-"quoted"\\', 'topic.with_ü', decoded, produced)),
        )
      }
    }
  })
})
