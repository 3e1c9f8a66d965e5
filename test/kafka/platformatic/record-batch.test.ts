import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Reader, jsCRC32C, readRecordsBatch } from '@platformatic/kafka'
import {
  layOutRecordBatch,
  writeRecordBatch,
  type BatchEntry,
} from '../../../src/kafka/platformatic/record-batch.ts'

/** The batch alone in a buffer of its own. */
function encodeRecordBatch(entries: readonly BatchEntry[]): Buffer {
  const layout = layOutRecordBatch(entries)
  const buffer = Buffer.alloc(layout.size)
  writeRecordBatch(entries, layout, buffer, 0)
  return buffer
}

const at = (iso: string) => new Date(iso)
const entry = (record: Partial<BatchEntry['record']>, timestamp = at('2026-11-28T10:00:00.000Z')) => ({
  record: { key: null, value: null, headers: [], ...record },
  timestamp,
})

/** Decodes with the client library's reader, an implementation independent of the encoder. */
function decode(batch: Buffer) {
  return readRecordsBatch(Reader.from(batch))
}

describe('record batch encoding', () => {
  it('writes keys, values and headers that the client library reads back, in order', () => {
    // Given
    const entries = [
      entry({
        key: Buffer.from('k1'),
        value: Buffer.from('v1'),
        headers: [
          { name: 'trace', value: Buffer.from([0, 255]) },
          { name: 'trace', value: Buffer.from('again') },
          { name: 'größe', value: null },
        ],
      }),
      entry({ key: null, value: Buffer.from('x'.repeat(5_000)) }),
      entry({ key: Buffer.alloc(0), value: null }),
    ]
    // When
    const batch = decode(encodeRecordBatch(entries))
    // Then
    assert.equal(batch.records.length, 3)
    assert.deepEqual(
      batch.records.map((record) => record.offsetDelta),
      [0, 1, 2],
    )
    const [first, second, third] = batch.records
    assert.deepEqual(first!.key, Buffer.from('k1'))
    assert.deepEqual(first!.value, Buffer.from('v1'))
    assert.deepEqual(
      first!.headers.map(([name, value]) => [name!.toString(), value?.toString('hex') ?? null]),
      [
        ['trace', '00ff'],
        ['trace', Buffer.from('again').toString('hex')],
        ['größe', null],
      ],
    )
    assert.equal(second!.value!.toString(), 'x'.repeat(5_000))
    assert.equal(third!.key!.length, 0)
  })

  it('writes the batch header of a non-idempotent, uncompressed producer with a valid CRC-32C', () => {
    // Given
    const encoded = encodeRecordBatch([
      entry({ value: Buffer.from('a') }),
      entry({ value: Buffer.from('b') }),
    ])
    // When
    const batch = decode(encoded)
    // Then
    assert.equal(batch.firstOffset, 0n)
    assert.equal(batch.length, encoded.length - 12, 'batch length counts the bytes after its own field')
    assert.equal(batch.magic, 2)
    assert.equal(batch.attributes, 0)
    assert.equal(batch.lastOffsetDelta, 1)
    assert.equal(batch.producerId, -1n)
    assert.equal(batch.producerEpoch, -1)
    assert.equal(batch.firstSequence, -1)
    assert.equal(batch.partitionLeaderEpoch, -1)
    // The checksum, recomputed with the library's JavaScript CRC-32C, over attributes to the end.
    assert.equal(batch.crc >>> 0, jsCRC32C(encoded.subarray(21)) >>> 0)
  })

  it('stores timestamps relative to the first record, earlier ones too, with the largest as the maximum', () => {
    // Given timestamps out of order, one before the first and one far after it
    const first = at('2026-11-28T10:00:00.000Z')
    const earlier = at('2001-01-01T00:00:00.000Z')
    const later = at('2099-12-31T23:59:59.999Z')
    // When
    const batch = decode(
      encodeRecordBatch([
        entry({ value: Buffer.from('1') }, first),
        entry({ value: Buffer.from('2') }, earlier),
        entry({ value: Buffer.from('3') }, later),
      ]),
    )
    // Then
    assert.equal(batch.firstTimestamp, BigInt(first.getTime()))
    assert.equal(batch.maxTimestamp, BigInt(later.getTime()))
    assert.deepEqual(
      batch.records.map((record) => batch.firstTimestamp + BigInt(record.timestampDelta)),
      [first, earlier, later].map((date) => BigInt(date.getTime())),
    )
  })

  it('tells a null key or value (length -1) from an empty one (length 0)', () => {
    // A one-record batch's record starts after the 61-byte header: its length, attributes, timestamp
    // delta and offset delta take a byte each here, then come the key's and the value's lengths.
    const lengths = (record: Partial<BatchEntry['record']>) => {
      const bytes = encodeRecordBatch([entry(record)])
      return [bytes[65], bytes[66]]
    }
    const zigzagMinusOne = 1
    assert.deepEqual(lengths({ key: null, value: null }), [zigzagMinusOne, zigzagMinusOne])
    assert.deepEqual(lengths({ key: Buffer.alloc(0), value: Buffer.alloc(0) }), [0, 0])
  })

  it('writes a batch anywhere in a larger buffer, its checksum covering only its own bytes', () => {
    // Given
    const entries = [entry({ value: Buffer.from('moved') })]
    const layout = layOutRecordBatch(entries)
    const buffer = Buffer.alloc(layout.size + 20, 0xee)
    // When
    writeRecordBatch(entries, layout, buffer, 7)
    // Then
    assert.deepEqual(buffer.subarray(7, 7 + layout.size), encodeRecordBatch(entries))
    assert.ok(buffer.subarray(0, 7).every((byte) => byte === 0xee))
    assert.ok(buffer.subarray(7 + layout.size).every((byte) => byte === 0xee))
  })

  it('writes a string key or value as its UTF-8 bytes', () => {
    const batch = decode(encodeRecordBatch([entry({ key: 'clé', value: 'żółw 🐢' })]))
    assert.deepEqual(batch.records[0]!.key, Buffer.from('clé'))
    assert.deepEqual(batch.records[0]!.value, Buffer.from('żółw 🐢'))
  })

  it('writes a string with the UTF-8 size given on the record, and refuses a wrong one', () => {
    const right = entry({ key: 'clé', keyByteLength: 4, value: 'żółw', valueByteLength: 7 })
    const batch = decode(encodeRecordBatch([right]))
    assert.deepEqual(batch.records[0]!.key, Buffer.from('clé'))
    assert.deepEqual(batch.records[0]!.value, Buffer.from('żółw'))
    // A size that does not match the string would misplace every byte after it.
    for (const wrong of [
      entry({ value: 'żółw', valueByteLength: 4 }),
      entry({ key: 'clé', keyByteLength: 3 }),
    ]) {
      const layout = layOutRecordBatch([wrong])
      assert.throws(() => writeRecordBatch([wrong], layout, Buffer.alloc(layout.size + 16), 0), RangeError)
    }
  })

  it('has no empty batch', () => {
    assert.throws(() => layOutRecordBatch([]), TypeError)
  })
})
