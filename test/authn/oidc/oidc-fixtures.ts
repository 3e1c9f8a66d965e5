// Test fixtures for the OIDC verification layer: real key pairs, real signed tokens, and a real
// HTTP server on 127.0.0.1 that serves JWKS documents and counts every request it receives.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT } from 'jose'

export type TestAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA'

export interface TestKey {
  readonly kid: string
  readonly alg: TestAlgorithm
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** The public JWK as a provider would publish it. */
  readonly jwk: Record<string, unknown>
}

export function generateTestKey(alg: TestAlgorithm, kid: string): TestKey {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' }
  return { kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk }
}

export function jwksOf(...keys: TestKey[]): string {
  return JSON.stringify({ keys: keys.map((key) => key.jwk) })
}

/** Signs a JWT with jose, the way a real provider would. */
export async function signToken(
  key: TestKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(key.privateKey)
}

export function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/**
 * Signs a JWS by hand with node:crypto, for headers that jose would (rightly) refuse to produce,
 * such as `crit`. RS256 and ES256 only.
 */
export function signByHand(
  key: TestKey,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): string {
  const signingInput = `${base64urlJson(header)}.${base64urlJson(claims)}`
  const signature =
    key.alg === 'ES256'
      ? sign('sha256', Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(signingInput), key.privateKey)
  return `${signingInput}.${signature.toString('base64url')}`
}

export type RouteHandler = (request: http.IncomingMessage, response: http.ServerResponse) => void

/** A local HTTP server whose routes tests set, and which counts the requests to each path. */
export class TestHttpServer {
  readonly #server: http.Server
  readonly #routes = new Map<string, RouteHandler>()
  readonly #hits = new Map<string, number>()

  private constructor(server: http.Server) {
    this.#server = server
  }

  static async start(): Promise<TestHttpServer> {
    const server = http.createServer()
    const instance = new TestHttpServer(server)
    server.on('request', (request, response) => instance.#handle(request, response))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return instance
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  url(path: string): string {
    return `${this.origin}${path}`
  }

  route(path: string, handler: RouteHandler): void {
    this.#routes.set(path, handler)
  }

  /** Serves a fixed JSON body, with optional headers. */
  json(path: string, body: string, headers: Record<string, string> = {}): void {
    this.route(path, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', ...headers })
      response.end(body)
    })
  }

  hits(path: string): number {
    return this.#hits.get(path) ?? 0
  }

  get totalHits(): number {
    let total = 0
    for (const count of this.#hits.values()) total += count
    return total
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const path = new URL(request.url ?? '/', this.origin).pathname
    this.#hits.set(path, this.hits(path) + 1)
    const handler = this.#routes.get(path)
    if (handler) {
      handler(request, response)
      return
    }
    response.writeHead(404)
    response.end()
  }
}
