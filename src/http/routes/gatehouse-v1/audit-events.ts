/**
 * @module http/routes/gatehouse-v1/audit-events
 *
 * `GET /gatehouse/v1/audit-events`: the audit trail read back from its Kafka topic. A Gatehouse
 * addition (Confluent serves its audit log as a Kafka topic of its own cluster, not over REST), so
 * it lives under our own path prefix. Only the organization's administrators may read it.
 */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { GatewayError } from '../../../core/index.ts'
import type { AuditEventPage, AuditEventQuery } from '../../../kafka/index.ts'

/** Reads audit records; implemented over the audit topic (`kafka/audit-topic-reader.ts`). */
export interface AuditEventSource {
  query(query: AuditEventQuery): Promise<AuditEventPage>
}

export const AUDIT_PAGE_SIZE_MAX = 1000
const DEFAULT_WINDOW_MS = 60 * 60 * 1000
const TYPES = ['authentication', 'authorization'] as const
const DECISIONS = ['ALLOWED', 'DENIED'] as const

// RFC 3339 date-time: a date, `T`, a time, and an explicit offset (Z or ±hh:mm).
const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

const AuditEventsQuery = Type.Object({
  since: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'RFC 3339 time; records at or after it. Default: one hour ago.',
    }),
  ),
  principal: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Only records naming this principal, e.g. `User:sa-…`.',
    }),
  ),
  credential_id: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Only records of requests made with this API key.',
    }),
  ),
  type: Type.Optional(Type.String({ description: '`authentication` or `authorization`.' })),
  decision: Type.Optional(Type.String({ description: '`ALLOWED` or `DENIED`.' })),
  page_size: Type.Integer({
    minimum: 1,
    maximum: AUDIT_PAGE_SIZE_MAX,
    default: 100,
    description: `Records at most (1–${AUDIT_PAGE_SIZE_MAX}), the oldest first.`,
  }),
})

const AuditEventList = Type.Object({
  api_version: Type.Literal('gatehouse/v1'),
  kind: Type.Literal('AuditEventList'),
  metadata: Type.Object({
    since: Type.String(),
    /** More matching records may follow the last one: ask again with a later `since`. */
    is_truncated: Type.Boolean(),
  }),
  data: Type.Array(Type.Unknown({ description: 'A CloudEvents 1.0 audit record.' })),
})

function oneOf<Value extends string>(name: string, value: string | undefined, allowed: readonly Value[]) {
  if (value === undefined) return undefined
  if (!(allowed as readonly string[]).includes(value)) {
    throw new GatewayError('GW_HTTP_INVALID_PARAMETER', `${name} must be one of ${allowed.join(', ')}`)
  }
  return value as Value
}

function parseSince(value: string | undefined, now: number): Date {
  if (value === undefined) return new Date(now - DEFAULT_WINDOW_MS)
  const time = RFC_3339.test(value) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(time)) {
    throw new GatewayError(
      'GW_HTTP_INVALID_PARAMETER',
      `since must be an RFC 3339 time such as 2026-01-31T12:00:00Z, not ${JSON.stringify(value.slice(0, 64))}`,
    )
  }
  return new Date(time)
}

export function registerAuditEventRoutes(app: FastifyInstance, source: AuditEventSource): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/gatehouse/v1/audit-events',
    {
      schema: {
        operationId: 'listGatehouseV1AuditEvents',
        querystring: AuditEventsQuery,
        response: { 200: AuditEventList },
      },
    },
    async (request) => {
      const query = request.query
      const since = parseSince(query.since, Date.now())
      const page = await source.query({
        since,
        principal: query.principal,
        credentialId: query.credential_id,
        type: oneOf('type', query.type, TYPES),
        decision: oneOf('decision', query.decision, DECISIONS),
        limit: query.page_size,
      })
      return {
        api_version: 'gatehouse/v1' as const,
        kind: 'AuditEventList' as const,
        metadata: { since: since.toISOString(), is_truncated: page.isTruncated },
        data: [...page.events],
      }
    },
  )
}
