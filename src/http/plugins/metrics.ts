/**
 * @module http/plugins/metrics
 *
 * Prometheus metrics: request counts and durations by route template (never by raw URL, which
 * would let callers create unbounded series), authentication failures, and the process defaults.
 */
import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { AuditTrailStats } from '../../core/index.ts'

export interface GatewayMetrics {
  readonly registry: Registry
  readonly authenticationFailures: Counter<'reason'>
  readonly authenticationThrottled: Counter
}

export function createGatewayMetrics(options: { auditStats?: () => AuditTrailStats } = {}): GatewayMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' })
  const auditStats = options.auditStats
  if (auditStats !== undefined) {
    // The trail counts; these read its counts when scraped.
    new Counter({
      name: 'gatehouse_audit_records_delivered_total',
      help: 'Audit records written to the Kafka audit topic.',
      registers: [registry],
      collect() {
        this.reset()
        this.inc(auditStats().delivered)
      },
    })
    new Counter({
      name: 'gatehouse_audit_records_dropped_total',
      help: 'Audit records given up: the oldest when the buffer was full while Kafka was unreachable.',
      registers: [registry],
      collect() {
        this.reset()
        this.inc(auditStats().dropped)
      },
    })
    new Gauge({
      name: 'gatehouse_audit_buffered_records',
      help: 'Audit records waiting for Kafka.',
      registers: [registry],
      collect() {
        this.set(auditStats().buffered)
      },
    })
  }
  const authenticationFailures = new Counter({
    name: 'gatehouse_authentication_failures_total',
    help: 'Requests refused because credentials were missing, wrong, or of the wrong scope, by error code.',
    labelNames: ['reason'],
    registers: [registry],
  })
  const authenticationThrottled = new Counter({
    name: 'gatehouse_authentication_throttled_total',
    help: 'Failed authentications answered late because their client had failed too often.',
    registers: [registry],
  })
  return { registry, authenticationFailures, authenticationThrottled }
}

export function installMetrics(app: FastifyInstance, metrics: GatewayMetrics, isPublic: boolean): void {
  const duration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'Time from request received to response sent, by method, route template and status.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metrics.registry],
  })
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    duration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    )
  })
  app.get(
    '/metrics',
    { config: { isPublic }, logLevel: 'warn', schema: { hide: true, operationId: 'getMetrics' } },
    async (_request, reply) => {
      void reply.type(metrics.registry.contentType)
      return metrics.registry.metrics()
    },
  )
}
