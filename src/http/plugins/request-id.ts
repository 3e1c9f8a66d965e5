/**
 * @module http/plugins/request-id
 *
 * Every request gets an id that appears on each of its log lines and in the `X-Request-Id`
 * response header. A caller's own `X-Request-Id` is reused when it is short and plain, so that ids
 * can be followed across services.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance } from 'fastify'

const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function generateRequestId(request: IncomingMessage): string {
  const offered = request.headers['x-request-id']
  return typeof offered === 'string' && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID()
}

export function installRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id)
  })
}
