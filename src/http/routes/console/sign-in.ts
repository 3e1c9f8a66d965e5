/**
 * @module http/routes/console/sign-in
 *
 * SSO sign-in and sign-out for the console (OpenID Connect authorization code with PKCE):
 *
 * 1. `GET /console/auth/sign-in` stores a pending sign-in (PKCE verifier, nonce) under a hash of a
 *    random `state`, binds `state` to this browser with a short-lived cookie, and redirects to
 *    the provider.
 * 2. `GET /console/auth/callback` checks that `state` is this browser's and unused, exchanges the
 *    code, verifies the ID token, provisions the user (JIT or invitation) and starts a session:
 *    the session cookie is HttpOnly, Secure, SameSite=Strict, Path=/.
 * 3. `POST /console/auth/sign-out` (session and CSRF checked like any change) ends the session and
 *    answers where to send the browser so that the provider ends its session too.
 *
 * Failures end on a plain page that says what went wrong (never a token, code or secret).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import {
  SignInError,
  SignInRefusedError,
  csrfTokenOf,
  sha256,
  type ConsoleSessions,
  type OidcSignInClient,
} from '../../../authn/index.ts'
import { GatewayError } from '../../../core/index.ts'
import type { SsoStore } from '../../../store/index.ts'
import { SESSION_COOKIE, cookieValue } from '../../plugins/authenticate.ts'

export interface ConsoleSignInContext {
  readonly sessions: ConsoleSessions
  readonly signIn: OidcSignInClient
  readonly store: SsoStore
  /** `https://host[:port]` people reach the console at. */
  readonly consoleOrigin: string
  readonly now?: () => number
}

/** Binds a sign-in's `state` to the browser that started it. */
const SIGN_IN_COOKIE = 'gatehouse_sign_in'
const SIGN_IN_TTL_MS = 10 * 60_000
const CONSOLE_HOME = '/console/'

/** Only console paths are places to return to: never another site (no open redirect). */
function safeReturnTo(value: string | undefined): string {
  if (value === undefined || !/^\/console\/[A-Za-z0-9/#?=&._~%-]*$/.test(value) || value.includes('//'))
    return CONSOLE_HOME
  return value
}

function cookie(
  name: string,
  value: string,
  attributes: { path: string; maxAgeSeconds: number; sameSite: string },
) {
  return `${name}=${value}; Path=${attributes.path}; Max-Age=${attributes.maxAgeSeconds}; HttpOnly; Secure; SameSite=${attributes.sameSite}`
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)

/** A minimal page for sign-in outcomes that are not a redirect. */
function page(reply: FastifyReply, status: number, title: string, message: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'none'; style-src 'self'; frame-ancestors 'none'")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
        `<title>${escapeHtml(title)} · Gatehouse</title><link rel="stylesheet" href="/console/style.css"></head>` +
        `<body><main class="notice"><h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p>` +
        `<p><a href="/console/auth/sign-in">Try again</a></p></main></body></html>`,
    )
}

const SignInQuery = Type.Object({ return_to: Type.Optional(Type.String({ maxLength: 512 })) })
const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 4096 })),
  state: Type.Optional(Type.String({ maxLength: 512 })),
  error: Type.Optional(Type.String({ maxLength: 256 })),
  error_description: Type.Optional(Type.String({ maxLength: 1024 })),
  iss: Type.Optional(Type.String({ maxLength: 2048 })),
  session_state: Type.Optional(Type.String({ maxLength: 1024 })),
})

export function registerConsoleSignInRoutes(app: FastifyInstance, context: ConsoleSignInContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const now = context.now ?? Date.now

  routes.get(
    '/console/auth/sign-in',
    {
      schema: { operationId: 'startConsoleSignIn', hide: true, querystring: SignInQuery },
      config: { isPublic: true },
    },
    async (request, reply) => {
      let started
      try {
        started = await context.signIn.start()
      } catch (error) {
        request.log.warn({ err: error }, 'console sign-in could not start')
        return page(reply, 502, 'Sign-in is not available', messageOf(error))
      }
      await context.store.createPendingSignIn({
        stateHash: sha256(started.state),
        codeVerifier: started.codeVerifier,
        nonce: started.nonce,
        returnTo: safeReturnTo(request.query.return_to),
        expiresAt: new Date(now() + SIGN_IN_TTL_MS),
      })
      // Lax: the provider's redirect back is a top-level navigation from another site.
      return reply
        .header(
          'set-cookie',
          cookie(SIGN_IN_COOKIE, started.state, {
            path: '/console/auth',
            maxAgeSeconds: SIGN_IN_TTL_MS / 1000,
            sameSite: 'Lax',
          }),
        )
        .header('cache-control', 'no-store')
        .redirect(started.url, 303)
    },
  )

  routes.get(
    '/console/auth/callback',
    {
      schema: { operationId: 'finishConsoleSignIn', hide: true, querystring: CallbackQuery },
      config: { isPublic: true },
    },
    async (request, reply) => {
      const clearBinding = cookie(SIGN_IN_COOKIE, '', {
        path: '/console/auth',
        maxAgeSeconds: 0,
        sameSite: 'Lax',
      })
      void reply.header('set-cookie', clearBinding)
      const { code, state, error } = request.query
      const bound = cookieValue(request.headers.cookie, SIGN_IN_COOKIE)
      if (state === undefined || bound === undefined || bound !== state)
        return page(
          reply,
          400,
          'Sign-in failed',
          'This sign-in was not started in this browser, or took too long. Start again.',
        )
      const pending = await context.store.takePendingSignIn(sha256(state), new Date(now()))
      if (pending === undefined)
        return page(
          reply,
          400,
          'Sign-in failed',
          'This sign-in was already used or has expired. Start again.',
        )
      if (error !== undefined || code === undefined)
        return page(
          reply,
          401,
          'Sign-in failed',
          `The identity provider did not sign you in (${(error ?? 'no code').slice(0, 100)}).`,
        )
      let claims: Record<string, unknown>
      try {
        claims = await context.signIn.finish(code, pending)
      } catch (failure) {
        request.log.warn({ err: failure }, 'console sign-in failed')
        return page(reply, failure instanceof SignInError ? 502 : 500, 'Sign-in failed', messageOf(failure))
      }
      let signedIn
      try {
        signedIn = await context.sessions.signIn(claims)
      } catch (failure) {
        if (failure instanceof SignInRefusedError) {
          request.log.info({ reason: failure.reason }, 'console sign-in refused')
          return page(reply, 403, 'You cannot sign in here', failure.message)
        }
        throw new GatewayError('GW_STORE_UNAVAILABLE', undefined, { cause: failure })
      }
      request.log.info({ userId: signedIn.user.id }, 'signed in to the console')
      return reply
        .header('set-cookie', [
          clearBinding,
          cookie(SESSION_COOKIE, signedIn.sessionId, {
            path: '/',
            maxAgeSeconds: Math.floor(context.sessions.absoluteTimeoutMs / 1000),
            sameSite: 'Strict',
          }),
        ])
        .header('cache-control', 'no-store')
        .redirect(pending.returnTo, 303)
    },
  )

  routes.get(
    '/console/auth/session',
    { schema: { operationId: 'getConsoleSession', hide: true } },
    async (request: FastifyRequest, reply) => {
      const principal = request.principal
      const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE)
      if (principal?.session === undefined || sessionId === undefined || request.headers.authorization)
        throw new GatewayError(
          'GW_AUTHN_SESSION_INVALID',
          'This is for console sessions; no session cookie was sent.',
        )
      const user = await context.sessions.userOf(principal).catch(() => undefined)
      return reply.header('cache-control', 'no-store').send({
        user_id: principal.session.userId,
        email: user?.email ?? '',
        full_name: user?.fullName ?? '',
        principals: principal.principals,
        group_mapping_ids: principal.session.groupMappingIds,
        csrf_token: csrfTokenOf(sessionId),
        idle_timeout_seconds: Math.floor(context.sessions.idleTimeoutMs / 1000),
      })
    },
  )

  routes.post(
    '/console/auth/sign-out',
    { schema: { operationId: 'signOutOfConsole', hide: true } },
    async (request, reply) => {
      const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE)
      if (request.principal?.session === undefined || sessionId === undefined)
        throw new GatewayError(
          'GW_AUTHN_SESSION_INVALID',
          'This is for console sessions; no session cookie was sent.',
        )
      await context.sessions.signOut(sessionId)
      const providerSignOut = await context.signIn.endSessionUrl(`${context.consoleOrigin}${CONSOLE_HOME}`)
      return reply
        .header('set-cookie', cookie(SESSION_COOKIE, '', { path: '/', maxAgeSeconds: 0, sameSite: 'Strict' }))
        .header('cache-control', 'no-store')
        .send({ redirect_url: providerSignOut ?? CONSOLE_HOME })
    },
  )
}

function messageOf(error: unknown): string {
  if (error instanceof SignInError || error instanceof SignInRefusedError) return error.message
  return 'Something went wrong on the gateway; the log has the details.'
}
