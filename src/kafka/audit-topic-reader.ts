/**
 * @module kafka/audit-topic-reader
 *
 * Reads audit records back from the audit topic that {@link KafkaAuditTrail} writes, for the audit
 * read API. A read is bounded in records scanned and in time, and never waits for new records.
 */
import { AUDIT_EVENT_TYPES, type AuditRecord } from '../core/index.ts'
import { GatewayError } from '../core/index.ts'
import type { KafkaClusterClient } from './port.ts'

/**
 * Records read per query at most. They are held in memory while filtered (audit records are a few
 * hundred bytes to a few KiB), so this bounds what one request can cost the gateway.
 */
const DEFAULT_MAX_SCANNED_RECORDS = 20_000

export interface AuditEventQuery {
  /** Records at or after this instant. */
  readonly since: Date
  /** Only records naming this principal (`User:sa-…`) among the caller's principals. */
  readonly principal?: string | undefined
  /** Only records of requests made with this API key. */
  readonly credentialId?: string | undefined
  readonly type?: keyof typeof AUDIT_EVENT_TYPES | undefined
  readonly decision?: 'ALLOWED' | 'DENIED' | undefined
  /** At most this many matching records, the oldest first. */
  readonly limit: number
}

export interface AuditEventPage {
  readonly events: readonly AuditRecord[]
  /** True when more matching records may exist after the last one returned. */
  readonly isTruncated: boolean
}

export interface KafkaAuditReaderOptions {
  readonly topic: string
  /** The client of the cluster that holds the topic (the same one the trail writes to). */
  readonly client: () => Promise<KafkaClusterClient>
  /** Records scanned per query at most, matching or not. */
  readonly maxScannedRecords?: number
  /** How long one query may read. */
  readonly timeoutMs?: number
}

/** Whether a record passes every filter of the query (the time is the reader's business). */
export function matchesAuditQuery(record: AuditRecord, query: AuditEventQuery): boolean {
  if (query.type !== undefined && record.type !== AUDIT_EVENT_TYPES[query.type]) return false
  const data = record.data
  if (query.decision !== undefined && data.decision !== query.decision) return false
  if (query.principal !== undefined && !data.principals.includes(query.principal)) return false
  if (query.credentialId !== undefined) {
    const credential = data.credential
    if (credential.kind !== 'api_key' || credential.id !== query.credentialId) return false
  }
  return true
}

function isAuditRecord(value: unknown): value is AuditRecord {
  if (typeof value !== 'object' || value === null) return false
  const record = value as { specversion?: unknown; type?: unknown; data?: unknown }
  const data = record.data as { principals?: unknown; credential?: unknown } | undefined
  return (
    record.specversion === '1.0' &&
    Object.values(AUDIT_EVENT_TYPES).includes(record.type as never) &&
    typeof data === 'object' &&
    data !== null &&
    Array.isArray(data.principals) &&
    typeof data.credential === 'object' &&
    data.credential !== null
  )
}

export class KafkaAuditReader {
  readonly #options: KafkaAuditReaderOptions

  constructor(options: KafkaAuditReaderOptions) {
    this.#options = options
  }

  /**
   * The matching records, oldest first. An audit topic that does not exist yet holds no records.
   * Records that are not audit events (written there by something else) are skipped. Rejects with
   * the port's `GW_KAFKA_*` errors when Kafka cannot be read.
   */
  async query(query: AuditEventQuery): Promise<AuditEventPage> {
    const client = await this.#options.client()
    let read
    try {
      read = await client.readRecords(this.#options.topic, {
        since: query.since,
        maxRecords: this.#options.maxScannedRecords ?? DEFAULT_MAX_SCANNED_RECORDS,
        timeoutMs: this.#options.timeoutMs ?? 10_000,
      })
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'GW_KAFKA_UNKNOWN_TOPIC') {
        return { events: [], isTruncated: false }
      }
      throw error
    }
    const events: AuditRecord[] = []
    for (const record of read.records) {
      let parsed: unknown
      try {
        parsed = JSON.parse(record.value?.toString('utf8') ?? 'null')
      } catch {
        continue
      }
      if (!isAuditRecord(parsed) || !matchesAuditQuery(parsed, query)) continue
      if (events.length === query.limit) return { events, isTruncated: true }
      events.push(parsed)
    }
    return { events, isTruncated: !read.isComplete }
  }
}
