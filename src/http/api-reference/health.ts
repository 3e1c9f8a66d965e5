/**
 * @module http/api-reference/health
 *
 * Reference entries for the probes.
 */
import type { OperationReference } from './types.ts'

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
