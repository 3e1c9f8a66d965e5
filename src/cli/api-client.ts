/**
 * @module cli/api-client
 *
 * The CLI's only way to the gateway: its public HTTP API. Adds the context's credential (HTTP Basic
 * for an API key; a bearer token fetched with OAuth client credentials otherwise), turns error
 * answers into {@link ApiError} with the API's own message, and follows list pagination.
 */
import { ApiError, CliError, EXIT_CODES } from './cli-error.ts'
import type { CliContext, OAuthCredential } from './config-file.ts'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Tokens are fetched again this long before they expire, so that none expires in flight. */
const TOKEN_EXPIRY_MARGIN_MS = 30_000
/** When a token endpoint does not say how long its token lives. */
const DEFAULT_TOKEN_LIFETIME_S = 300

export interface ApiClientOptions {
  readonly context: CliContext
  /** Told about a freshly fetched token, to keep it for later invocations. */
  readonly onToken?: (token: { accessToken: string; expiresAt: number }) => void
  readonly fetch?: typeof fetch
}

/** The message of an error body, in either of the API's two error shapes. */
export function errorMessageOf(body: unknown, status: number): string {
  if (isJsonObject(body)) {
    if (typeof body['message'] === 'string') return body['message']
    const errors = body['errors']
    if (Array.isArray(errors)) {
      const messages = errors
        .filter(isJsonObject)
        .map((error) => error['detail'] ?? error['title'])
        .filter((message): message is string => typeof message === 'string')
      if (messages.length > 0) return messages.join('; ')
    }
  }
  if (typeof body === 'string' && body.trim() !== '') return body.trim().slice(0, 500)
  return `HTTP ${status}`
}

function encodeFormComponent(value: string): string {
  // application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks for client_secret_basic.
  return encodeURIComponent(value).replace(/%20/g, '+')
}

export class ApiClient {
  readonly #context: CliContext
  readonly #onToken: ApiClientOptions['onToken']
  readonly #fetch: typeof fetch
  #token: { accessToken: string; expiresAt: number } | undefined

  constructor(options: ApiClientOptions) {
    this.#context = options.context
    this.#onToken = options.onToken
    this.#fetch = options.fetch ?? fetch
    if (options.context.credential.kind === 'oauth') this.#token = options.context.credential.cachedToken
  }

  get baseUrl(): string {
    return this.#context.url.replace(/\/+$/, '')
  }

  async #authorization(): Promise<Record<string, string>> {
    const credential = this.#context.credential
    if (credential.kind === 'api-key') {
      return {
        authorization: `Basic ${Buffer.from(`${credential.key}:${credential.secret}`).toString('base64')}`,
      }
    }
    if (this.#token === undefined || this.#token.expiresAt - TOKEN_EXPIRY_MARGIN_MS <= Date.now()) {
      this.#token = await this.#fetchToken(credential)
      this.#onToken?.(this.#token)
    }
    return {
      authorization: `Bearer ${this.#token.accessToken}`,
      ...(credential.identityPoolIds?.length
        ? { 'confluent-identity-pool-id': credential.identityPoolIds.join(',') }
        : {}),
    }
  }

  async #fetchToken(credential: OAuthCredential): Promise<{ accessToken: string; expiresAt: number }> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' })
    if (credential.scope) form.set('scope', credential.scope)
    const basic = `${encodeFormComponent(credential.clientId)}:${encodeFormComponent(credential.clientSecret)}`
    let response: Response
    try {
      response = await this.#fetch(credential.tokenEndpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(basic).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
      })
    } catch (error) {
      throw new CliError(
        `cannot reach the token endpoint ${credential.tokenEndpoint}: ${causeOf(error)}`,
        EXIT_CODES.failure,
      )
    }
    const text = await response.text()
    const body = parseJson(text)
    if (!response.ok) {
      const detail = isJsonObject(body)
        ? [body['error'], body['error_description']].filter((part) => typeof part === 'string').join(': ')
        : ''
      throw new ApiError(
        response.status === 400 || response.status === 401 ? 401 : response.status,
        `the token endpoint refused the client credentials (HTTP ${response.status}${detail ? `: ${detail}` : ''})`,
        body,
      )
    }
    const accessToken = isJsonObject(body) ? body['access_token'] : undefined
    if (typeof accessToken !== 'string') {
      throw new CliError('the token endpoint answered without an access_token', EXIT_CODES.failure)
    }
    const expiresIn =
      isJsonObject(body) && typeof body['expires_in'] === 'number' ? body['expires_in'] : undefined
    return { accessToken, expiresAt: Date.now() + (expiresIn ?? DEFAULT_TOKEN_LIFETIME_S) * 1000 }
  }

  /**
   * A link from a response, kept on the gateway this context names: credentials are never sent
   * to another host because a response said so (a gateway behind a proxy may also announce its
   * public origin, which this client may not reach).
   */
  #sameOrigin(link: string): string {
    const target = new URL(link, this.baseUrl)
    const base = new URL(this.baseUrl)
    if (target.origin === base.origin) return target.toString()
    return new URL(`${target.pathname}${target.search}`, base.origin).toString()
  }

  url(path: string, query: Record<string, string | undefined> = {}): string {
    const url = new URL(path.startsWith('http') ? path : `${this.baseUrl}${path}`)
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(name, value)
    return url.toString()
  }

  /** Sends one request; resolves with the parsed JSON body (undefined for none). */
  async request(
    method: string,
    path: string,
    options: { query?: Record<string, string | undefined>; body?: unknown } = {},
  ): Promise<Json | undefined> {
    const response = await this.send(method, this.url(path, options.query), {
      ...(options.body === undefined
        ? {}
        : { body: JSON.stringify(options.body), headers: { 'content-type': 'application/json' } }),
    })
    const text = await response.text()
    const body = parseJson(text)
    if (!response.ok)
      throw new ApiError(response.status, errorMessageOf(body ?? text, response.status), body ?? text)
    return body
  }

  /** Sends a request with the credential and answers the raw response, whatever its status. */
  async send(
    method: string,
    url: string,
    init: { body?: RequestInit['body']; headers?: Record<string, string>; duplex?: 'half' } = {},
  ): Promise<Response> {
    const headers = { accept: 'application/json', ...(await this.#authorization()), ...init.headers }
    try {
      return await this.#fetch(url, { ...init, method, headers })
    } catch (error) {
      throw new CliError(`cannot reach ${this.baseUrl}: ${causeOf(error)}`, EXIT_CODES.failure)
    }
  }

  /**
   * Every item of a list, following `metadata.next` to the end or until `limit` items. Kafka REST
   * lists have no `next` and come whole.
   */
  async list(
    path: string,
    query: Record<string, string | undefined> = {},
    limit = Infinity,
  ): Promise<Json[]> {
    const items: Json[] = []
    let next: string | undefined = this.url(path, query)
    const seen = new Set<string>()
    while (next !== undefined && items.length < limit) {
      // A gateway that answered the same `next` twice would otherwise keep us here for ever.
      if (seen.has(next)) break
      seen.add(next)
      const page = await this.request('GET', next)
      if (!isJsonObject(page) || !Array.isArray(page['data'])) {
        throw new CliError(`${path} did not answer a list`, EXIT_CODES.failure)
      }
      items.push(...page['data'])
      const metadata = page['metadata']
      const link = isJsonObject(metadata) ? metadata['next'] : undefined
      next = typeof link === 'string' && link !== '' ? this.#sameOrigin(link) : undefined
    }
    return items.slice(0, limit)
  }
}

export function parseJson(text: string): Json | undefined {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as Json
  } catch {
    return undefined
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause
  const parts = [cause?.code, cause?.message ?? (error as Error | undefined)?.message].filter(Boolean)
  return parts.length > 0 ? parts.join(' ') : String(error)
}
