/**
 * @module http/routes/kafka-v3/records/record-codec
 *
 * Turns one produce-request record (`partition_id`, `headers`, `key`, `value`, `timestamp`) into
 * Kafka bytes, and a written record into Confluent's delivery report. Formats: BINARY (base64),
 * JSON (any JSON value, serialised compactly) and STRING (UTF-8), as Confluent Cloud offers; the
 * schema formats need a Schema Registry, which Gatehouse does not have.
 */
import { GatewayError } from '../../../../core/index.ts'
import {
  dataByteLength,
  type KafkaRecordHeader,
  type KafkaRecordToProduce,
  type ProducedKafkaRecord,
} from '../../../../kafka/index.ts'

export type RecordFormat = 'BINARY' | 'JSON' | 'STRING'

export interface DecodedRecord {
  readonly record: KafkaRecordToProduce
  /** Present when the request gave a key (or value) object; reported back with its size. */
  readonly key?: { readonly type: RecordFormat; readonly size: number }
  readonly value?: { readonly type: RecordFormat; readonly size: number }
}

const RECORD_FIELDS = new Set(['partition_id', 'headers', 'key', 'value', 'timestamp'])
const DATA_FIELDS = new Set(['type', 'data'])
const SCHEMA_FIELDS = new Set(['subject', 'subject_name_strategy', 'schema_id', 'schema_version', 'schema'])
const SCHEMA_FORMATS = new Set(['AVRO', 'JSONSCHEMA', 'PROTOBUF'])
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
/** ISO-8601 date-time with a zone, as Confluent's `timestamp` field takes. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/

function invalid(message: string): GatewayError {
  return new GatewayError('GW_PRODUCE_INVALID_RECORD', `Bad Request: ${message}`)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}

function decodeData(
  field: 'key' | 'value',
  input: unknown,
): { bytes: Buffer | string | null; type: RecordFormat } | undefined {
  if (input === undefined || input === null) return undefined
  if (!isPlainObject(input)) throw invalid(`${field} must be an object with type and data.`)
  for (const name of Object.keys(input)) {
    if (SCHEMA_FIELDS.has(name)) {
      throw invalid(
        `${field}.${name}: schemas need a Schema Registry, which Gatehouse does not support; use BINARY, JSON or STRING.`,
      )
    }
    if (!DATA_FIELDS.has(name)) throw invalid(`Unrecognized field: ${field}.${name}`)
  }
  const rawType = input['type']
  if (typeof rawType !== 'string') throw invalid(`${field}.type is required: BINARY, JSON or STRING.`)
  const type = rawType.toUpperCase()
  if (SCHEMA_FORMATS.has(type)) {
    throw invalid(
      `${field}.type ${rawType} needs a Schema Registry, which Gatehouse does not support; use BINARY, JSON or STRING.`,
    )
  }
  const data = input['data']
  switch (type) {
    case 'BINARY':
      if (data === undefined || data === null) return { bytes: null, type }
      if (typeof data !== 'string') throw invalid(`data=${describeValue(data)} is not a base64 string.`)
      if (!BASE64.test(data)) throw invalid(`data=${describeValue(data)} is not a valid base64 string.`)
      return { bytes: Buffer.from(data, 'base64'), type }
    // Text stays a string until it is written into the record batch (see KafkaRecordToProduce).
    case 'JSON':
      return { bytes: data === undefined || data === null ? null : JSON.stringify(data), type }
    case 'STRING':
      if (data === undefined || data === null) return { bytes: null, type }
      if (typeof data !== 'string') throw invalid(`data=${describeValue(data)} is not a string.`)
      return { bytes: data, type }
    default:
      throw invalid(`${field}.type ${describeValue(rawType)} is not one of BINARY, JSON or STRING.`)
  }
}

function decodeHeaders(input: unknown): KafkaRecordHeader[] {
  if (input === undefined || input === null) return []
  if (!Array.isArray(input)) throw invalid('headers must be an array of {name, value}.')
  return input.map((header: unknown, index) => {
    if (!isPlainObject(header)) throw invalid(`headers[${index}] must be an object with name and value.`)
    for (const name of Object.keys(header)) {
      if (name !== 'name' && name !== 'value') throw invalid(`Unrecognized field: headers[${index}].${name}`)
    }
    const { name, value } = header
    if (typeof name !== 'string' || name === '')
      throw invalid(`headers[${index}].name must be a non-empty string.`)
    if (value === undefined || value === null) return { name, value: null }
    if (typeof value !== 'string' || !BASE64.test(value)) {
      throw invalid(`headers[${index}].value=${describeValue(value)} is not a valid base64 string.`)
    }
    return { name, value: Buffer.from(value, 'base64') }
  })
}

function decodeTimestamp(input: unknown): Date | undefined {
  if (input === undefined || input === null) return undefined
  const date = typeof input === 'string' && ISO_TIMESTAMP.test(input) ? new Date(input) : undefined
  if (!date || Number.isNaN(date.getTime())) {
    throw invalid(
      `timestamp=${describeValue(input)} is not an ISO-8601 date-time such as 2021-02-05T19:14:42Z.`,
    )
  }
  return date
}

/**
 * Decodes one record of a produce request.
 *
 * @param allowedExtraFields fields the caller handles itself (`id` in a batch entry).
 * @throws GatewayError `GW_PRODUCE_INVALID_RECORD` naming the offending field.
 */
export function decodeProduceRecord(
  input: unknown,
  allowedExtraFields: ReadonlySet<string> = new Set(),
): DecodedRecord {
  if (!isPlainObject(input)) throw invalid('Each record must be a JSON object.')
  for (const name of Object.keys(input)) {
    if (!RECORD_FIELDS.has(name) && !allowedExtraFields.has(name))
      throw invalid(`Unrecognized field: ${name}`)
  }
  const partitionId = input['partition_id']
  if (partitionId !== undefined && partitionId !== null && !Number.isSafeInteger(partitionId)) {
    throw invalid(`partition_id=${describeValue(partitionId)} is not an integer.`)
  }
  return decodedRecord(
    decodeData('key', input['key']),
    decodeData('value', input['value']),
    typeof partitionId === 'number' ? partitionId : undefined,
    decodeHeaders(input['headers']),
    decodeTimestamp(input['timestamp']),
  )
}

/** The record, with each string's UTF-8 size measured once: for the report, and handed on to the producer. */
function decodedRecord(
  key: PlainData | null | undefined,
  value: PlainData | null | undefined,
  partitionId: number | undefined,
  headers: readonly KafkaRecordHeader[],
  timestamp: Date | undefined,
): DecodedRecord {
  const keyBytes = key?.bytes ?? null
  const valueBytes = value?.bytes ?? null
  const keyByteLength = keyBytes === null ? -1 : dataByteLength(keyBytes)
  const valueByteLength = valueBytes === null ? -1 : dataByteLength(valueBytes)
  return {
    record: {
      partitionId,
      key: keyBytes,
      value: valueBytes,
      keyByteLength,
      valueByteLength,
      headers,
      timestamp,
    },
    ...(key ? { key: { type: key.type, size: keyByteLength } } : {}),
    ...(value ? { value: { type: value.type, size: valueByteLength } } : {}),
  }
}

const QUOTE = 0x22
const NO_HEADERS: readonly KafkaRecordHeader[] = Object.freeze([])
const isJsonWhitespace = (byte: number | undefined) =>
  byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
const FIELD = {
  key: Buffer.from('key'),
  value: Buffer.from('value'),
  partitionId: Buffer.from('partition_id'),
  type: Buffer.from('type'),
  data: Buffer.from('data'),
}
const PLAIN_FORMATS = new Map<string, RecordFormat>([
  ['STRING', 'STRING'],
  ['BINARY', 'BINARY'],
  ['JSON', 'JSON'],
])

/**
 * Reads the common shape of a record straight from its bytes: `key` and `value` as `{type, data}`
 * with a string (or null) as data, and an optional non-negative `partition_id`. Field names and
 * formats must have no escapes; then `JSON.parse` runs on the data strings alone, and nothing but
 * the data itself becomes a JavaScript string.
 *
 * Anything else, including every malformed record, gives `undefined`: the caller then parses the
 * text with `JSON.parse` and `decodeProduceRecord`, which also words every error. What this accepts
 * is valid JSON, and it decodes to exactly what that slower path gives.
 */
export function decodePlainProduceRecord(bytes: Buffer): DecodedRecord | undefined {
  const reader = new PlainRecordReader(bytes)
  return reader.readRecord()
}

class PlainRecordReader {
  readonly #bytes: Buffer
  #at = 0

  constructor(bytes: Buffer) {
    this.#bytes = bytes
  }

  readRecord(): DecodedRecord | undefined {
    if (!this.#take(0x7b)) return undefined
    let key: PlainData | null | undefined
    let value: PlainData | null | undefined
    let partitionId: number | undefined
    do {
      const name = this.#readString()
      if (name === undefined || !this.#take(0x3a)) return undefined
      // Each field once (JSON.parse would keep the last of repeated ones).
      if (this.#is(name, FIELD.value) && value === undefined) {
        value = this.#readData()
        if (value === undefined) return undefined
      } else if (this.#is(name, FIELD.key) && key === undefined) {
        key = this.#readData()
        if (key === undefined) return undefined
      } else if (this.#is(name, FIELD.partitionId) && partitionId === undefined) {
        partitionId = this.#readPartition()
        if (partitionId === undefined) return undefined
      } else return undefined
    } while (this.#take(0x2c))
    if (!this.#take(0x7d) || this.#skipWhitespace() !== this.#bytes.length) return undefined
    if (key === undefined && value === undefined) return undefined
    return decodedRecord(key, value, partitionId, NO_HEADERS, undefined)
  }

  /** `{"type": …, "data": …}` in either order, or null; `undefined` when it is anything else. */
  #readData(): PlainData | null | undefined {
    if (this.#takeNull()) return null
    if (!this.#take(0x7b)) return undefined
    let type: RecordFormat | undefined
    let data: { start: number; end: number } | null | undefined
    do {
      const name = this.#readString()
      if (name === undefined || !this.#take(0x3a)) return undefined
      if (this.#is(name, FIELD.type) && type === undefined) {
        const text = this.#readString()
        type = text && PLAIN_FORMATS.get(this.#bytes.toString('latin1', text.start, text.end))
        if (type === undefined) return undefined
      } else if (this.#is(name, FIELD.data) && data === undefined) {
        data = this.#takeNull() ? null : this.#readString()
        if (data === undefined) return undefined
      } else return undefined
    } while (this.#take(0x2c))
    if (!this.#take(0x7d) || type === undefined || data === undefined) return undefined
    if (data === null) return { type, bytes: null }
    if (type === 'BINARY') {
      const base64 = this.#bytes.toString('latin1', data.start, data.end)
      return BASE64.test(base64) ? { type, bytes: Buffer.from(base64, 'base64') } : undefined
    }
    // Decoded as the general path decodes the whole record: the UTF-8 text (invalid UTF-8 becomes
    // U+FFFD alike: the string is bounded by ASCII quotes), then `JSON.parse`, here of the string
    // alone, quotes included. It takes escapes and refuses raw control characters as the general
    // path does, faster than a regular expression can look for them. A string whose closing quote
    // was escaped ends in a backslash here, which `JSON.parse` refuses: the general path takes it.
    // Text stays a string: a view of the request's bytes would keep its whole chunk alive until
    // Kafka answers, and buffers held that long made V8 run full collections.
    let string: unknown
    try {
      string = JSON.parse(this.#bytes.toString('utf8', data.start - 1, data.end + 1))
    } catch {
      return undefined
    }
    if (typeof string !== 'string') return undefined
    return { type, bytes: type === 'STRING' ? string : JSON.stringify(string) }
  }

  /** A non-negative integer of at most 9 digits without a leading zero; `undefined` otherwise. */
  #readPartition(): number | undefined {
    const bytes = this.#bytes
    const start = this.#skipWhitespace()
    let end = start
    while (end < bytes.length && bytes[end]! >= 0x30 && bytes[end]! <= 0x39) end++
    const digits = end - start
    if (digits === 0 || digits > 9 || (digits > 1 && bytes[start] === 0x30)) return undefined
    this.#at = end
    return Number(bytes.toString('latin1', start, end))
  }

  /**
   * A string's span, up to the next quote. That quote may be escaped: then the span ends with a
   * backslash, which no field name or format matches and `JSON.parse` refuses in data.
   */
  #readString(): { start: number; end: number } | undefined {
    if (!this.#take(QUOTE)) return undefined
    const start = this.#at
    const end = this.#bytes.indexOf(QUOTE, start)
    if (end === -1) return undefined
    this.#at = end + 1
    return { start, end }
  }

  #is(span: { start: number; end: number }, name: Buffer): boolean {
    if (span.end - span.start !== name.length) return false
    for (let index = 0; index < name.length; index++)
      if (this.#bytes[span.start + index] !== name[index]) return false
    return true
  }

  /** Skips whitespace, then takes `byte` if it comes next. */
  #take(byte: number): boolean {
    if (this.#bytes[this.#skipWhitespace()] !== byte) return false
    this.#at++
    return true
  }

  #takeNull(): boolean {
    const at = this.#skipWhitespace()
    const bytes = this.#bytes
    if (bytes[at] !== 0x6e || bytes[at + 1] !== 0x75 || bytes[at + 2] !== 0x6c || bytes[at + 3] !== 0x6c)
      return false
    this.#at = at + 4
    return true
  }

  #skipWhitespace(): number {
    while (isJsonWhitespace(this.#bytes[this.#at])) this.#at++
    return this.#at
  }
}

interface PlainData {
  readonly type: RecordFormat
  readonly bytes: Buffer | string | null
}

let lastInstant = { time: Number.NaN, text: '' }

/** ISO-8601 in UTC with milliseconds only when there are some, as Confluent writes instants. */
export function formatInstant(date: Date): string {
  // Records of one batch mostly share their millisecond, so the last text is usually the answer.
  const time = date.getTime()
  if (time !== lastInstant.time) lastInstant = { time, text: date.toISOString().replace('.000Z', 'Z') }
  return lastInstant.text
}

export interface DeliveryReport {
  readonly error_code: 200
  readonly cluster_id: string
  readonly topic_name: string
  readonly partition_id: number
  readonly offset: number
  readonly timestamp: string
  readonly key?: { readonly type: RecordFormat; readonly size: number }
  readonly value?: { readonly type: RecordFormat; readonly size: number }
}

export function deliveryReport(
  clusterId: string,
  topicName: string,
  decoded: DecodedRecord,
  produced: ProducedKafkaRecord,
): DeliveryReport {
  return {
    error_code: 200,
    cluster_id: clusterId,
    topic_name: topicName,
    partition_id: produced.partitionId,
    offset: Number(produced.offset),
    timestamp: formatInstant(produced.timestamp),
    ...(decoded.key ? { key: decoded.key } : {}),
    ...(decoded.value ? { value: decoded.value } : {}),
  }
}

function formatData(
  name: 'key' | 'value',
  data: { readonly type: RecordFormat; readonly size: number },
): string {
  return `,"${name}":{"type":"${data.type}","size":${data.size}}`
}

/**
 * Delivery reports of one topic as JSON text, exactly as `JSON.stringify(deliveryReport(…))` writes
 * them, but built directly: a stream writes one per record.
 */
export function createDeliveryReportFormatter(
  clusterId: string,
  topicName: string,
): (decoded: DecodedRecord, produced: ProducedKafkaRecord) => string {
  const prefix = `{"error_code":200,"cluster_id":${JSON.stringify(clusterId)},"topic_name":${JSON.stringify(topicName)}`
  return (decoded, produced) =>
    `${prefix},"partition_id":${produced.partitionId},"offset":${Number(produced.offset)},"timestamp":"${formatInstant(produced.timestamp)}"` +
    (decoded.key ? formatData('key', decoded.key) : '') +
    (decoded.value ? formatData('value', decoded.value) : '') +
    '}'
}
