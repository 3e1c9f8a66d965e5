/**
 * @module authn/oidc/remote-document
 *
 * Fetches a small JSON document (a JWKS, an OIDC discovery document) from a URL that an operator
 * typed in and an attacker may control. Everything about the exchange is bounded: the URL's scheme
 * and host, the connection time, the total time, the response size. Redirects are never followed,
 * because a redirect could lead from a vetted `https:` URL to anywhere.
 */
import http from 'node:http'
import https from 'node:https'

/** Limits for one fetch. Every field has a safe default. */
export interface RemoteFetchLimits {
  /** Largest response body accepted, in bytes. Default 256 KiB: real JWKS are a few KiB. */
  readonly maxResponseBytes?: number
  /** Time allowed to open the TCP connection. Default 3 s. */
  readonly connectTimeoutMs?: number
  /** Time allowed for the whole exchange, body included. Default 5 s. */
  readonly totalTimeoutMs?: number
  /**
   * Dev mode only: also accept `http:` URLs whose host is loopback (127.0.0.1, ::1, localhost), so a
   * local test provider can be used without TLS. Never on in production.
   */
  readonly allowInsecureLoopback?: boolean
}

export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000
export const DEFAULT_TOTAL_TIMEOUT_MS = 5_000

/** Why a fetch failed; stable values that the HTTP layer and the audit log can rely on. */
export type RemoteDocumentFailure =
  | 'invalid_url'
  | 'redirect'
  | 'http_status'
  | 'too_large'
  | 'timeout'
  | 'network'
  | 'invalid_json'
  | 'invalid_document'

/** A failed fetch. The message is for operators: it names the URL but never holds response bodies. */
export class RemoteDocumentError extends Error {
  readonly reason: RemoteDocumentFailure

  constructor(reason: RemoteDocumentFailure, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'RemoteDocumentError'
    this.reason = reason
  }
}

export interface RemoteDocument {
  /** The parsed JSON body. Untrusted: the caller validates its shape. */
  readonly body: unknown
  /** The `Cache-Control` response header, if any. */
  readonly cacheControl: string | undefined
}

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', '[::1]', 'localhost'])

/**
 * Whether a URL's hostname (as `URL` gives it: IPv6 in brackets) is this machine, the only place
 * `http:` is ever allowed (development). The identity-provider API checks URLs with it too, so
 * that nothing is stored that could not then be fetched.
 */
export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname)
}

/**
 * Checks that a URL may be fetched: `https:`, or `http:` to a loopback host when
 * `allowInsecureLoopback` is on; no user name or password in it.
 *
 * @returns the parsed URL.
 * @throws RemoteDocumentError `invalid_url` otherwise. Nothing is sent anywhere.
 */
export function checkFetchableUrl(url: string, allowInsecureLoopback = false): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (error) {
    throw new RemoteDocumentError('invalid_url', 'The URL is not a valid absolute URL.', { cause: error })
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new RemoteDocumentError('invalid_url', 'The URL must not contain a user name or password.')
  }
  if (parsed.protocol === 'https:') return parsed
  if (parsed.protocol === 'http:') {
    if (!isLoopbackHostname(parsed.hostname)) {
      throw new RemoteDocumentError(
        'invalid_url',
        'The URL must use https: (http: only to loopback in dev mode).',
      )
    }
    if (!allowInsecureLoopback) {
      throw new RemoteDocumentError(
        'invalid_url',
        'The URL must use https: (http: to loopback needs the dev-mode insecure-loopback option).',
      )
    }
    return parsed
  }
  throw new RemoteDocumentError(
    'invalid_url',
    `The URL scheme ${parsed.protocol} is not supported; use https:.`,
  )
}

/**
 * GETs `url` and parses its body as JSON, within `limits`.
 *
 * @returns the parsed body and the `Cache-Control` header of a 2xx response.
 * @throws RemoteDocumentError with the failure's reason: the URL is refused (`invalid_url`, no
 *   request is made), a 3xx (`redirect`, not followed), another non-2xx (`http_status`), a body over
 *   the limit (`too_large`, the connection is cut as soon as it is exceeded), a timeout (`timeout`),
 *   a connection or TLS failure (`network`), or a body that is not UTF-8 JSON (`invalid_json`).
 */
export async function fetchJsonDocument(
  url: string,
  limits: RemoteFetchLimits = {},
): Promise<RemoteDocument> {
  const { bytes, cacheControl, where } = await fetchBoundedBytes(
    url,
    limits,
    'application/json, application/jwk-set+json',
  )
  let body: unknown
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    throw new RemoteDocumentError('invalid_json', `${where} did not send valid JSON.`, { cause: error })
  }
  return { body, cacheControl }
}

/**
 * GETs `url` within `limits` and returns the raw body of a 2xx response (a CRL, which is binary).
 * Fails like `fetchJsonDocument`, except that the body is not parsed.
 */
export async function fetchBoundedBytes(
  url: string,
  limits: RemoteFetchLimits,
  accept: string,
): Promise<{ bytes: Buffer; cacheControl: string | undefined; where: string }> {
  const target = checkFetchableUrl(url, limits.allowInsecureLoopback ?? false)
  const maxBytes = limits.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  const connectTimeoutMs = limits.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const totalTimeoutMs = limits.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS
  const where = `${target.origin}${target.pathname}`

  const { promise, resolve, reject } = Promise.withResolvers<{
    bytes: Buffer
    cacheControl: string | undefined
    where: string
  }>()
  const timers: NodeJS.Timeout[] = []
  const request = (target.protocol === 'https:' ? https : http).request(target, {
    method: 'GET',
    // A fresh connection each time: a pooled socket would skip the connect timeout below.
    agent: false,
    headers: { accept, 'accept-encoding': 'identity' },
  })
  const fail = (error: RemoteDocumentError): void => {
    request.destroy(error)
  }
  request.on('error', (error) => {
    for (const timer of timers) clearTimeout(timer)
    reject(
      error instanceof RemoteDocumentError
        ? error
        : new RemoteDocumentError('network', `Could not fetch ${where}: ${error.message}`, { cause: error }),
    )
  })
  timers.push(
    setTimeout(() => {
      fail(
        new RemoteDocumentError('timeout', `${where} did not answer completely within ${totalTimeoutMs} ms.`),
      )
    }, totalTimeoutMs),
  )
  request.on('socket', (socket) => {
    if (!socket.connecting) return
    const connectTimer = setTimeout(() => {
      fail(
        new RemoteDocumentError(
          'timeout',
          `Could not connect to ${target.host} within ${connectTimeoutMs} ms.`,
        ),
      )
    }, connectTimeoutMs)
    timers.push(connectTimer)
    socket.once('connect', () => clearTimeout(connectTimer))
  })
  request.on('response', (response) => {
    const status = response.statusCode ?? 0
    if (status >= 300 && status < 400) {
      fail(new RemoteDocumentError('redirect', `${where} answered ${status}; redirects are not followed.`))
      return
    }
    if (status < 200 || status >= 300) {
      fail(new RemoteDocumentError('http_status', `${where} answered HTTP ${status}.`))
      return
    }
    const declaredLength = Number(response.headers['content-length'])
    if (declaredLength > maxBytes) {
      fail(new RemoteDocumentError('too_large', `${where} sent more than ${maxBytes} bytes.`))
      return
    }
    const chunks: Buffer[] = []
    let receivedBytes = 0
    response.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length
      if (receivedBytes > maxBytes) {
        fail(new RemoteDocumentError('too_large', `${where} sent more than ${maxBytes} bytes.`))
        return
      }
      chunks.push(chunk)
    })
    response.on('end', () => {
      for (const timer of timers) clearTimeout(timer)
      resolve({ bytes: Buffer.concat(chunks), cacheControl: response.headers['cache-control'], where })
    })
    response.on('error', (error) => request.destroy(error))
  })
  request.end()
  return promise
}
