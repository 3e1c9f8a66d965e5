/**
 * @module kafka/record-data
 *
 * A record's key or value is bytes, or a string standing for its UTF-8 bytes (`KafkaRecordToProduce`).
 */

/** How many bytes `data` takes in a Kafka record. */
export function dataByteLength(data: Buffer | string): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length
}
