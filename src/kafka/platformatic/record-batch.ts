/**
 * @module kafka/platformatic/record-batch
 *
 * Encodes records as one Kafka record batch (message format v2, uncompressed, no producer id) in a
 * single buffer sized in advance. The client library builds a batch from many small buffers per
 * record and joins them twice, once for the checksum and once for the socket; for 1 KiB records
 * that was a third of the gateway's CPU per produced record. Here the batch is measured first and
 * then written into a buffer the caller provides (partition-writer.ts reuses one), each record's
 * bytes copied once, and the checksum runs over the finished bytes.
 *
 * Layout (Kafka's protocol guide, "Record Batch"): baseOffset int64, batchLength int32,
 * partitionLeaderEpoch int32, magic int8, crc uint32 (CRC-32C of everything after it),
 * attributes int16, lastOffsetDelta int32, baseTimestamp int64, maxTimestamp int64, producerId
 * int64, producerEpoch int16, baseSequence int32, then the record count and the records. A record
 * is its length, attributes, timestamp delta, offset delta, key, value and headers, with lengths
 * and deltas as zigzag varints and -1 for a null key, value or header value.
 */
import { createRequire } from 'node:module'
import { crc32c as libraryCrc32c } from '@platformatic/kafka'
import type { KafkaRecordToProduce } from '../port.ts'
import { keyByteLength, valueByteLength } from '../record-data.ts'

/**
 * CRC-32C in native code, reading the buffer in place. The client library's function wraps the
 * same native module but copies its input first; it stays the fallback for a platform without a
 * prebuilt binary.
 */
const crc32c: (data: Buffer) => number = (() => {
  try {
    const native = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c(data: Uint8Array): number }
    return (data: Buffer) => native.crc32c(data)
  } catch {
    return libraryCrc32c
  }
})()

export interface BatchEntry {
  readonly record: KafkaRecordToProduce
  /** The record's timestamp (CreateTime). */
  readonly timestamp: Date
}

/** Bytes from the start of the batch to its first record. */
const BATCH_HEADER_BYTES = 61
/** Where the bytes the checksum covers begin: right after the crc field. */
const CRC_COVERS_FROM = 21
const CRC_AT = 17
const MAGIC = 2
/** "No producer id / epoch / sequence / leader epoch": what a non-idempotent producer sends. */
const NONE = -1
const TWO_POW_32 = 4_294_967_296

/** The zigzag form of a safe integer, as a non-negative safe integer (arithmetic: it may exceed 32 bits). */
function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1
}

function unsignedVarIntSize(value: number): number {
  let size = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    size++
  }
  return size
}

function varIntSize(value: number): number {
  return unsignedVarIntSize(zigzag(value))
}

function writeUnsignedVarInt(buffer: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buffer[offset++] = (value % 0x80) | 0x80
    value = Math.floor(value / 0x80)
  }
  buffer[offset++] = value
  return offset
}

function writeVarInt(buffer: Buffer, offset: number, value: number): number {
  return writeUnsignedVarInt(buffer, offset, zigzag(value))
}

/** Writes a safe integer as a big-endian int64 without going through BigInt. */
function writeInt64(buffer: Buffer, offset: number, value: number): number {
  const high = Math.floor(value / TWO_POW_32)
  buffer.writeInt32BE(high, offset)
  buffer.writeUInt32BE(value - high * TWO_POW_32, offset + 4)
  return offset + 8
}

/** The encoded size of bytes (or a string's UTF-8 bytes) `length` long, -1 for null. */
function bytesSize(length: number): number {
  return length < 0 ? varIntSize(NONE) : varIntSize(length) + length
}

function writeBytes(buffer: Buffer, offset: number, bytes: Buffer | string | null, length: number): number {
  if (bytes === null) return writeVarInt(buffer, offset, NONE)
  offset = writeVarInt(buffer, offset, length)
  const written = typeof bytes === 'string' ? buffer.write(bytes, offset) : bytes.copy(buffer, offset)
  // A stated size that was wrong would shift every byte after it: fail the batch instead.
  if (written !== length) throw new RangeError(`A record's data took ${written} bytes, not ${length}.`)
  return offset + written
}

/** Size of a record without its own length prefix. */
function recordBodySize(entry: BatchEntry, offsetDelta: number, baseTimestamp: number): number {
  const { record } = entry
  let size =
    1 +
    varIntSize(entry.timestamp.getTime() - baseTimestamp) +
    varIntSize(offsetDelta) +
    bytesSize(keyByteLength(record)) +
    bytesSize(valueByteLength(record)) +
    varIntSize(record.headers.length)
  for (const header of record.headers) {
    const nameBytes = Buffer.byteLength(header.name)
    size += varIntSize(nameBytes) + nameBytes + bytesSize(header.value?.length ?? -1)
  }
  return size
}

/** What `writeRecordBatch` needs to know before it writes: the sizes, measured once. */
export interface RecordBatchLayout {
  /** Bytes of the whole batch. */
  readonly size: number
  readonly recordBodySizes: readonly number[]
  readonly baseTimestamp: number
  readonly maxTimestamp: number
}

/**
 * Measures the batch holding `entries` in order (offset deltas 0, 1, …), with timestamps relative to
 * the first entry's.
 *
 * @throws TypeError when `entries` is empty: Kafka has no empty batches.
 */
export function layOutRecordBatch(entries: readonly BatchEntry[]): RecordBatchLayout {
  if (entries.length === 0) throw new TypeError('A record batch needs at least one record.')
  const baseTimestamp = entries[0]!.timestamp.getTime()
  let maxTimestamp = baseTimestamp
  const recordBodySizes = new Array<number>(entries.length)
  let size = BATCH_HEADER_BYTES
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index]!
    const timestamp = entry.timestamp.getTime()
    if (timestamp > maxTimestamp) maxTimestamp = timestamp
    const bodySize = recordBodySize(entry, index, baseTimestamp)
    recordBodySizes[index] = bodySize
    size += varIntSize(bodySize) + bodySize
  }
  return { size, recordBodySizes, baseTimestamp, maxTimestamp }
}

/** Writes the batch `layout` measured for `entries` into `target` from `start` (`layout.size` bytes). */
export function writeRecordBatch(
  entries: readonly BatchEntry[],
  layout: RecordBatchLayout,
  target: Buffer,
  start: number,
): void {
  let offset = writeInt64(target, start, 0)
  offset = target.writeInt32BE(layout.size - 12, offset)
  offset = target.writeInt32BE(NONE, offset)
  offset = target.writeInt8(MAGIC, offset)
  offset += 4 // crc, written last
  offset = target.writeInt16BE(0, offset)
  offset = target.writeInt32BE(entries.length - 1, offset)
  offset = writeInt64(target, offset, layout.baseTimestamp)
  offset = writeInt64(target, offset, layout.maxTimestamp)
  offset = writeInt64(target, offset, NONE)
  offset = target.writeInt16BE(NONE, offset)
  offset = target.writeInt32BE(NONE, offset)
  offset = target.writeInt32BE(entries.length, offset)
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index]!
    const { record } = entry
    offset = writeVarInt(target, offset, layout.recordBodySizes[index]!)
    target[offset++] = 0 // record attributes: none are defined
    offset = writeVarInt(target, offset, entry.timestamp.getTime() - layout.baseTimestamp)
    offset = writeVarInt(target, offset, index)
    offset = writeBytes(target, offset, record.key, keyByteLength(record))
    offset = writeBytes(target, offset, record.value, valueByteLength(record))
    offset = writeVarInt(target, offset, record.headers.length)
    for (const header of record.headers) {
      offset = writeVarInt(target, offset, Buffer.byteLength(header.name))
      offset += target.write(header.name, offset)
      offset = writeBytes(target, offset, header.value, header.value?.length ?? -1)
    }
  }
  const end = start + layout.size
  target.writeUInt32BE(crc32c(target.subarray(start + CRC_COVERS_FROM, end)) >>> 0, start + CRC_AT)
}

/** Exported for the produce request, which frames batches with the same varints. */
export { unsignedVarIntSize, writeUnsignedVarInt }
