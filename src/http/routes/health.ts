/**
 * @module http/routes/health
 *
 * Probes for orchestrators. They are public (probes carry no credentials) and say nothing beyond
 * up or down and which dependency is failing.
 *
 * - `/healthz`: the process serves HTTP. No dependency is consulted, so a Kafka outage never gets
 *   the gateway restarted.
 * - `/readyz`: every readiness check passes now (Kafka reachable, store usable); 503 otherwise.
 */
import type { FastifyInstance } from 'fastify'

export interface ReadinessCheck {
  readonly name: string
  /** Resolves when the dependency is usable; rejects with the reason otherwise. */
  check(): Promise<void>
}

const CHECK_TIMEOUT_MS = 2_500

async function runCheck(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS)
      }),
    ])
    return 'ok'
  } catch (error) {
    return `failing: ${(error as Error).message}`
  } finally {
    clearTimeout(timer)
  }
}

export function registerHealthRoutes(app: FastifyInstance, checks: readonly ReadinessCheck[]): void {
  app.get(
    '/healthz',
    { schema: { operationId: 'getHealth' }, config: { isPublic: true }, logLevel: 'warn' },
    async () => ({ status: 'ok' }),
  )

  app.get(
    '/readyz',
    { schema: { operationId: 'getReadiness' }, config: { isPublic: true }, logLevel: 'warn' },
    async (_request, reply) => {
      const results = await Promise.all(
        checks.map(async (check) => [check.name, await runCheck(check)] as const),
      )
      const isReady = results.every(([, result]) => result === 'ok')
      void reply.code(isReady ? 200 : 503)
      return { status: isReady ? 'ready' : 'not_ready', checks: Object.fromEntries(results) }
    },
  )
}
