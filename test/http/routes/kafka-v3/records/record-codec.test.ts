import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GatewayError } from '../../../../../src/core/index.ts'
import {
  createDeliveryReportFormatter,
  decodePlainProduceRecord,
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

/** What the general path makes of a record's bytes: JSON.parse, then the decoder (or its error). */
function decodedByJsonParse(bytes: Buffer): unknown {
  try {
    return decodeProduceRecord(JSON.parse(bytes.toString()))
  } catch (error) {
    return error instanceof GatewayError || error instanceof SyntaxError
      ? 'error'
      : assert.fail(String(error))
  }
}

describe('produce record codec: the direct path for plain records', () => {
  const accepted = [
    '{"value":{"type":"STRING","data":"hello"}}',
    ' {\n "key" : {"type":"STRING","data":"k"} ,\t"value":{"data":"v","type":"STRING"}, "partition_id": 2 }\r\n',
    '{"value":{"type":"BINARY","data":"aGVsbG8="}}',
    '{"value":{"type":"JSON","data":"Bonjour le monde!"}}',
    '{"key":null,"value":{"type":"STRING","data":null}}',
    '{"value":{"type":"STRING","data":""},"partition_id":0}',
    '{"value":{"type":"STRING","data":"żółw 🐢 \u2028"}}',
    // Escapes in data, as JSON.parse reads them
    '{"value":{"type":"STRING","data":"a\\nb\\u00e9\\/"}}',
    '{"value":{"type":"STRING","data":"ends in a backslash\\\\"}}',
    '{"value":{"type":"JSON","data":"tab\\tand \\u00e9"}}',
  ]
  const refused = [
    '{"value":{"type":"STRING","data":"say \\"hi\\""}}', // an escaped quote: the general path
    '{"value":{"type":"STRING","data":"a\tb"}}', // a raw control character (invalid JSON)
    '{"value":{"type":"string","data":"x"}}', // lower case: the general path upper-cases it
    '{"value":{"type":"AVRO","data":"x"}}',
    '{"value":{"type":"BINARY","data":"not base64!"}}',
    '{"value":{"type":"JSON","data":{"a":1}}}',
    '{"value":{"type":"STRING","data":1}}',
    '{"value":{"type":"STRING"}}',
    '{"value":{"type":"STRING","data":"x","extra":1}}',
    '{"value":{"type":"STRING","data":"a"},"value":{"type":"STRING","data":"b"}}',
    '{"value":{"type":"STRING","data":"x"},"partition_id":-1}',
    '{"value":{"type":"STRING","data":"x"},"partition_id":01}',
    '{"value":{"type":"STRING","data":"x"},"partition_id":1.5}',
    '{"value":{"type":"STRING","data":"x"},"partition_id":1234567890}',
    '{"value":{"type":"STRING","data":"x"},"headers":[]}',
    '{"value":{"type":"STRING","data":"x"},"timestamp":"2021-02-05T19:14:42Z"}',
    '{"value":{"type":"STRING","data":"x"}',
    '{"value":{"type":"STRING","data":"x"}}}',
    '{"value":{"type":"STRING","data":"x"},}',
    '{"partition_id":1}',
    '{}',
    '{"value":nul}',
  ]

  it('decodes the common shapes exactly as JSON.parse and the decoder do', () => {
    for (const text of accepted) {
      const bytes = Buffer.from(text)
      const plain = decodePlainProduceRecord(bytes)
      assert.ok(plain, `the direct path takes ${text}`)
      assert.deepEqual(plain, decodedByJsonParse(bytes), text)
    }
  })

  it('leaves every other record, malformed ones included, to the general path', () => {
    for (const text of refused) assert.equal(decodePlainProduceRecord(Buffer.from(text)), undefined, text)
  })

  it('decodes invalid UTF-8 as the general path does (U+FFFD), in data and around it', () => {
    const record = (bytes: number[]) =>
      Buffer.concat([
        Buffer.from('{"value":{"type":"STRING","data":"a'),
        Buffer.from(bytes),
        Buffer.from('b"}}'),
      ])
    for (const bytes of [[0xc3, 0x28], [0xe2, 0x82], [0xff], [0xf0, 0x9f, 0x90]]) {
      const plain = decodePlainProduceRecord(record(bytes))
      assert.ok(plain)
      assert.deepEqual(plain, decodedByJsonParse(record(bytes)))
    }
  })

  it('counts a STRING value in UTF-8 bytes, as Kafka stores it', () => {
    const decoded = decodePlainProduceRecord(Buffer.from('{"value":{"type":"STRING","data":"żółw"}}'))!
    assert.equal(decoded.record.value, 'żółw')
    assert.deepEqual(decoded.value, { type: 'STRING', size: 7 })
    // The size goes on to the producer with the record, so that it is not measured again there.
    assert.equal(decoded.record.valueByteLength, 7)
    assert.equal(decoded.record.keyByteLength, -1)
  })

  it('agrees with the general path on thousands of generated records', () => {
    // Records assembled from fragments, valid and not: whatever the direct path takes, it must
    // decode as the general path does.
    let seed = 42
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed % n
    }
    const pick = <T>(items: readonly T[]) => items[random(items.length)]!
    const strings = [
      '"x"',
      '""',
      '"a b"',
      '"é"',
      '"\\u0041"',
      '"a\\"b"',
      'null',
      '1',
      '"aGk="',
      '"!"',
      '{"a":1}',
    ]
    const types = ['"STRING"', '"BINARY"', '"JSON"', '"string"', '"X"', 'null']
    const spaces = ['', ' ', '\n', '\t ']
    const data = () => {
      const members = [`"type":${pick(types)}`, `"data":${pick(strings)}`]
      if (random(2) === 0) members.reverse()
      if (random(8) === 0) members.push(`"data":${pick(strings)}`)
      return random(6) === 0 ? 'null' : `{${members.join(`,${pick(spaces)}`)}}`
    }
    let taken = 0
    for (let index = 0; index < 3_000; index++) {
      const members = [`"value":${data()}`]
      if (random(2) === 0) members.push(`"key":${data()}`)
      if (random(3) === 0) members.push(`"partition_id":${pick(['0', '7', '-1', '01', '2.0', '123456789'])}`)
      if (random(10) === 0) members.push('"headers":[]')
      const text = `${pick(spaces)}{${pick(spaces)}${members.sort(() => random(3) - 1).join(',')}}${pick(spaces)}`
      const bytes = Buffer.from(text)
      const plain = decodePlainProduceRecord(bytes)
      if (plain === undefined) continue
      taken++
      assert.deepEqual(plain, decodedByJsonParse(bytes), text)
    }
    assert.ok(taken > 150, `the direct path took ${taken} of 3,000`)
  })
})
