/**
 * @module http/routes/console/assets
 *
 * The console's static files (HTML, CSS and ES-module JavaScript from the `console/` folder),
 * read once at start and served from memory: only the files found then exist, so no request can
 * name a path outside the folder. They hold no data; everything the console shows comes from the
 * public API, called with the person's session.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { GatewayError } from '../../../core/index.ts'

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
}

export function registerConsoleAssetRoutes(app: FastifyInstance, directory: string): void {
  const files = new Map<string, { body: Buffer; type: string }>()
  for (const name of readdirSync(directory)) {
    const type = TYPES[extname(name)]
    if (type !== undefined && /^[a-z0-9-]+\.[a-z]+$/.test(name))
      files.set(name, { body: readFileSync(join(directory, name)), type })
  }
  if (!files.has('index.html')) throw new TypeError(`The console folder ${directory} has no index.html.`)
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  const index = files.get('index.html')!
  // `/console` and `/console/` are one route (the app ignores trailing slashes); the page links
  // its files by absolute paths, so either address works.
  routes.get(
    '/console',
    { schema: { operationId: 'getConsolePage', hide: true }, config: { isPublic: true } },
    async (_request, reply) =>
      reply.headers(SECURITY_HEADERS).header('content-type', index.type).send(index.body),
  )
  routes.get(
    '/console/:file',
    {
      schema: {
        operationId: 'getConsoleAsset',
        hide: true,
        params: Type.Object({ file: Type.String({ maxLength: 100 }) }),
      },
      config: { isPublic: true },
    },
    async (request, reply) => {
      const file = files.get(request.params.file)
      if (file === undefined) throw new GatewayError('GW_HTTP_ROUTE_NOT_FOUND')
      return reply.headers(SECURITY_HEADERS).header('content-type', file.type).send(file.body)
    },
  )
}
