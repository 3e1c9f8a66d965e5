/**
 * @module http/api-reference/health
 *
 * Reference entries for the probes.
 */
import type { OperationReference } from './types.ts'

export const auditOperations: Record<string, OperationReference> = {
  listGatehouseV1AuditEvents: {
    area: 'Audit',
    summary: 'Read the audit trail',
    description:
      'Answers the audit records (CloudEvents 1.0, one per authentication and per authorization ' +
      'decision) written to the audit topic since `since` (RFC 3339; one hour ago by default), the ' +
      'oldest first, filtered by `principal`, `credential_id` (an API key id), `type` ' +
      '(`authentication` or `authorization`) and `decision` (`ALLOWED` or `DENIED`), at most ' +
      '`page_size` (up to 1000). It reads what the topic held when the request arrived and never ' +
      'waits for more; `metadata.is_truncated` says that more may follow, to ask again with a later ' +
      '`since`. A Gatehouse addition; only OrganizationAdmin may call it.',
    examples: [
      {
        title: 'Denied decisions of one API key since a given time',
        command:
          'curl -s -u "$KEY:$SECRET" \'http://localhost:8082/gatehouse/v1/audit-events?since=2026-01-01T00:00:00Z&credential_id=ABCDEFGHIJKLMNOP&decision=DENIED\'',
      },
    ],
  },
}

export const healthOperations: Record<string, OperationReference> = {
  getHealth: {
    area: 'Health',
    summary: 'Check that the gateway is serving',
    description:
      'Answers 200 as long as the process serves HTTP. It consults no dependency, so that a Kafka ' +
      'outage never makes an orchestrator restart the gateway; use it as the liveness probe.',
    examples: [{ title: 'Liveness', command: 'curl -s http://localhost:8082/healthz' }],
  },
  getReadiness: {
    area: 'Health',
    summary: 'Check that the gateway can do its work',
    description:
      'Runs every readiness check (Kafka reachable, data store usable) and answers 200 when all ' +
      'pass, 503 otherwise; `checks` names each dependency and its state. Use it as the readiness ' +
      'probe, so traffic waits until Kafka answers.',
    examples: [{ title: 'Readiness', command: 'curl -s http://localhost:8082/readyz' }],
  },
}
