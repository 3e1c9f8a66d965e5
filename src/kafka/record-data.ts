/**
 * @module kafka/record-data
 *
 * A record's key or value is bytes, or a string standing for its UTF-8 bytes (`KafkaRecordToProduce`).
 */
import type { KafkaRecordToProduce } from './port.ts'

/** How many bytes `data` takes in a Kafka record. */
export function dataByteLength(data: Buffer | string): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length
}

/** The size in bytes of a record's key, or -1 when it has none (`keyByteLength` when given). */
export function keyByteLength(record: KafkaRecordToProduce): number {
  return record.key === null ? -1 : (record.keyByteLength ?? dataByteLength(record.key))
}

/** The size in bytes of a record's value, or -1 when it has none (`valueByteLength` when given). */
export function valueByteLength(record: KafkaRecordToProduce): number {
  return record.value === null ? -1 : (record.valueByteLength ?? dataByteLength(record.value))
}
