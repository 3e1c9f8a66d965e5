/**
 * @module http/plugins/authenticate
 *
 * Authentication for every route, including unknown paths, so that nothing answers without
 * credentials. A route opts out only by declaring `config: { isPublic: true }` (health probes).
 * After the credential is verified, its scope must fit the API the path belongs to: a cluster key
 * opens only its cluster, a management key only `/iam/v2`, `/org/v2` and `/cmk/v2`.
 */
import { timingSafeEqual, X509Certificate } from 'node:crypto'
import { TLSSocket, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  csrfTokenOf,
  parseAuthorizationHeader,
  sessionTag,
  type PresentedCertificate,
  type PresentedCredential,
} from '../../authn/index.ts'
import {
  GatewayError,
  isScopeAllowedOn,
  type AuditCredential,
  type Principal,
  type RequestSurface,
} from '../../core/index.ts'
import { isControlPlanePath } from '../api-family.ts'
import { certificateCredentialOf } from './authorize.ts'

/** Node gives header names in lower case. */
const IDENTITY_POOL_HEADER = 'confluent-identity-pool-id'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every non-public route. */
    principal?: Principal
  }
  interface FastifyContextConfig {
    /** Route answers without credentials. Only health probes (and /metrics when configured). */
    isPublic?: boolean
  }
}

/** What else of the request a credential may need besides the `Authorization` header. */
export interface CredentialContext {
  /** `Confluent-Identity-Pool-Id`: the identity pools a bearer token or certificate asks to act as. */
  readonly identityPoolHeader: string | readonly string[] | undefined
  /** The client certificate of the TLS connection, when the client sent one. */
  readonly clientCertificate?: PresentedCertificate | undefined
}

/** Decides who presented a credential; rejects with a `GW_AUTHN_*` GatewayError otherwise. */
export interface RequestAuthenticator {
  authenticate(
    credential: PresentedCredential | undefined,
    context: CredentialContext,
  ): Promise<Principal> | Principal
}

/** Counts failures per client and says how long to hold back the answer to this one. */
export interface FailureThrottle {
  recordFailure(source: string): number
}

/** What one authentication came to, for the audit trail. */
export interface AuthenticationOutcome {
  readonly credential: AuditCredential
  readonly principal?: Principal
  /** The registry code of the failure. */
  readonly failure?: string
}

export interface AuthenticationHooks {
  readonly authenticator: RequestAuthenticator
  readonly throttle?: FailureThrottle
  readonly onFailure?: (reason: string) => void
  readonly onThrottled?: () => void
  /** Called once per authenticated route, with the outcome. */
  readonly onOutcome?: (request: FastifyRequest, outcome: AuthenticationOutcome) => void
  /**
   * The console's origin (`https://host[:port]`) when the console is on: the session cookie is then
   * read, and requests that change something with it must come from this origin with the CSRF header.
   */
  readonly consoleOrigin?: string
}

/** The console's session cookie. */
export const SESSION_COOKIE = 'gatehouse_session'
/** The header the console sends with the session's CSRF token on every request that changes something. */
export const CSRF_HEADER = 'x-csrf-token'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The value of one cookie in a `Cookie` header, if present exactly once and well-formed. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  const values = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1))
  // Two cookies of the same name (one planted by a sibling domain): trust neither.
  if (values.length !== 1) return undefined
  const value = values[0]!
  return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Refuses a state-changing request carried by the session cookie unless it comes from the console:
 * the Origin (or, without one, Sec-Fetch-Site) must be the console's, and the CSRF header must hold
 * the session's token (which a page of another origin cannot read).
 */
function checkCsrf(request: FastifyRequest, sessionId: string, consoleOrigin: string): void {
  if (SAFE_METHODS.has(request.method)) return
  const origin = request.headers.origin
  const fetchSite = request.headers['sec-fetch-site']
  if (
    origin !== undefined ? origin !== consoleOrigin : fetchSite !== undefined && fetchSite !== 'same-origin'
  )
    throw new GatewayError('GW_CSRF_REJECTED', 'The request was refused: it comes from another site.')
  const token = request.headers[CSRF_HEADER]
  if (typeof token !== 'string' || !sameSecret(token, csrfTokenOf(sessionId)))
    throw new GatewayError(
      'GW_CSRF_REJECTED',
      `The request was refused: the ${CSRF_HEADER} header is missing or wrong.`,
    )
}

/** API key ids have a fixed shape; anything else in the key field is not logged (it may be a secret). */
const API_KEY_ID = /^[A-Z2-7]{16}$/

/** One per TLS connection: the certificate is the connection's, and parsing it once is enough. */
const certificatesBySocket = new WeakMap<TLSSocket, PresentedCertificate | null>()

/**
 * The client certificate of the request's TLS connection with the issuers OpenSSL found for it,
 * and OpenSSL's verdict; undefined on plain HTTP or when the client sent none.
 */
export function clientCertificateOf(request: FastifyRequest): PresentedCertificate | undefined {
  const socket = request.raw.socket
  if (!(socket instanceof TLSSocket)) return undefined
  const known = certificatesBySocket.get(socket)
  if (known !== undefined) return known ?? undefined
  const peer = socket.getPeerCertificate(true)
  let presented: PresentedCertificate | null = null
  if (peer !== null && typeof peer === 'object' && 'raw' in peer && Buffer.isBuffer(peer.raw)) {
    const chain: X509Certificate[] = []
    const seen = new Set<PeerCertificate>()
    let current: DetailedPeerCertificate | undefined = peer
    // The issuer chain ends with a self-signed root pointing at itself.
    while (current !== undefined && !seen.has(current) && Buffer.isBuffer(current.raw) && chain.length < 10) {
      seen.add(current)
      chain.push(new X509Certificate(current.raw))
      current = current.issuerCertificate
    }
    const error = socket.authorizationError
    presented = {
      chain,
      handshakeError: socket.authorized
        ? undefined
        : String((error as { code?: string } | null)?.code ?? error ?? 'UNVERIFIED'),
    }
  }
  certificatesBySocket.set(socket, presented)
  return presented ?? undefined
}

function presentedCredentialOf(
  credential: PresentedCredential | undefined,
  principal?: Principal,
  certificate?: PresentedCertificate,
): AuditCredential {
  if (credential === undefined) {
    if (certificate === undefined) return { kind: 'none' }
    if (principal?.certificate !== undefined) return certificateCredentialOf(principal.certificate)
    const fingerprint = certificate.chain[0]?.fingerprint256
    return fingerprint === undefined
      ? { kind: 'refused_certificate' }
      : { kind: 'refused_certificate', fingerprint }
  }
  if (credential.kind === 'session') {
    return { kind: 'session', id: sessionTag(credential.sessionId), userId: principal?.session?.userId ?? '' }
  }
  if (credential.kind === 'bearer') {
    if (principal?.oauth === undefined) return { kind: 'bearer' }
    const { providerId, poolIds, subject } = principal.oauth
    return { kind: 'oauth', providerId, poolIds, ...(subject === undefined ? {} : { subject }) }
  }
  if (API_KEY_ID.test(credential.key)) return { kind: 'api_key', id: credential.key }
  return { kind: 'unparsable' }
}

const CLUSTER_PATH = /^\/kafka\/v3\/clusters\/([^/?]+)/

/** Which API a request is aimed at, from its route template (or its raw path on unknown routes). */
export function surfaceOf(request: FastifyRequest): RequestSurface {
  const template = request.routeOptions.url
  const path = template ?? request.url.split('?')[0]!
  if (template === '/kafka/v3/clusters' || /^\/kafka\/v3\/clusters\/?$/.test(path)) {
    return { kind: 'kafka-cluster-list' }
  }
  if (path.startsWith('/kafka/v3/')) {
    const params = request.params as { cluster_id?: string } | undefined
    const clusterId = params?.cluster_id ?? decodeURIComponent(CLUSTER_PATH.exec(request.url)?.[1] ?? '')
    return { kind: 'kafka-cluster', clusterId }
  }
  if (isControlPlanePath(path)) return { kind: 'management' }
  return { kind: 'gateway' }
}

function describeScope(principal: Principal): string {
  switch (principal.scope.kind) {
    case 'cluster':
      return `Kafka cluster ${principal.scope.clusterId}`
    case 'management':
      return 'the management API (/iam/v2, /org/v2, /cmk/v2)'
    case 'global':
    case 'session':
      return 'everything'
  }
}

async function pause(ms: number): Promise<void> {
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms))
}

export function installAuthentication(app: FastifyInstance, hooks: AuthenticationHooks): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.isPublic === true) return
    let principal: Principal
    let presented: PresentedCredential | undefined
    let certificate: PresentedCertificate | undefined
    try {
      presented = parseAuthorizationHeader(request.headers.authorization)
      // The session cookie counts only without an Authorization header: scripts that send a key
      // act as the key, whatever cookie their client keeps.
      if (presented === undefined && hooks.consoleOrigin !== undefined) {
        const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE)
        if (sessionId !== undefined) {
          presented = { kind: 'session', sessionId }
          checkCsrf(request, sessionId, hooks.consoleOrigin)
        }
      }
      // A client certificate counts only when the request carries no other credential: an
      // Authorization header or the console's cookie is a choice made for this request.
      certificate = presented === undefined ? clientCertificateOf(request) : undefined
      principal = await hooks.authenticator.authenticate(presented, {
        identityPoolHeader: request.headers[IDENTITY_POOL_HEADER],
        clientCertificate: certificate,
      })
    } catch (error) {
      hooks.onOutcome?.(request, {
        credential: presentedCredentialOf(presented, undefined, certificate),
        failure: error instanceof GatewayError ? error.code : 'GW_INTERNAL',
      })
      if (error instanceof GatewayError && error.status === 401) {
        hooks.onFailure?.(error.code)
        const delay = hooks.throttle?.recordFailure(request.ip) ?? 0
        if (delay > 0) {
          hooks.onThrottled?.()
          request.log.info(
            { delayMs: delay },
            'repeated authentication failures from this client: slowing down',
          )
          await pause(delay)
        }
      }
      throw error
    }
    const surface = surfaceOf(request)
    if (!isScopeAllowedOn(principal.scope, surface)) {
      hooks.onFailure?.('GW_AUTHN_WRONG_SCOPE')
      hooks.onOutcome?.(request, {
        credential: presentedCredentialOf(presented, principal, certificate),
        principal,
        failure: 'GW_AUTHN_WRONG_SCOPE',
      })
      throw new GatewayError(
        'GW_AUTHN_WRONG_SCOPE',
        `Authentication failed: API key ${principal.credentialId} is scoped to ${describeScope(principal)}, not to this API.`,
      )
    }
    request.principal = principal
    hooks.onOutcome?.(request, {
      credential: presentedCredentialOf(presented, principal, certificate),
      principal,
    })
    request.log.debug({ principal: principal.name, credentialId: principal.credentialId }, 'authenticated')
  })
}
