/**
 * @module http/plugins/error-handler
 *
 * The one place where errors become responses. Every failure, ours or Fastify's, is first turned
 * into a registry `GatewayError`, then rendered in the shape of the API family the URL belongs to:
 * `{"error_code", "message"}` for Kafka REST, `{"errors": [...]}` for the control plane. Internal
 * details are logged with the request id and never sent.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { GatewayError } from '../../core/index.ts'
import { isControlPlanePath } from '../api-family.ts'

interface ValidationIssue {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

/** Which error body a URL gets. */
export type ErrorShape = 'kafka-rest' | 'control-plane'

export function errorShapeFor(url: string): ErrorShape {
  return isControlPlanePath(url) ? 'control-plane' : 'kafka-rest'
}

function jsonPointerToField(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.')
}

function fromValidation(error: FastifyError): GatewayError {
  const issue = (error.validation as ValidationIssue[] | undefined)?.[0]
  const context = error.validationContext ?? 'body'
  if (!issue) return new GatewayError('GW_HTTP_INVALID_FIELD', error.message, { cause: error })
  const field = jsonPointerToField(issue.instancePath)
  if (context !== 'body') {
    const named = issue.params['missingProperty'] ?? issue.params['additionalProperty']
    const name = field || (typeof named === 'string' ? named : context)
    return new GatewayError(
      'GW_HTTP_INVALID_PARAMETER',
      `Invalid ${context === 'querystring' ? 'query' : 'path'} parameter ${name}: ${issue.message ?? 'invalid'}.`,
      {
        cause: error,
        source: { parameter: name },
      },
    )
  }
  if (issue.keyword === 'additionalProperties') {
    const name = [field, String(issue.params['additionalProperty'])].filter(Boolean).join('.')
    return new GatewayError('GW_HTTP_UNKNOWN_FIELD', `Unrecognized field: ${name}`, {
      cause: error,
      source: { pointer: `${issue.instancePath}/${String(issue.params['additionalProperty'])}` },
    })
  }
  if (issue.keyword === 'required') {
    const name = [field, String(issue.params['missingProperty'])].filter(Boolean).join('.')
    return new GatewayError('GW_HTTP_INVALID_FIELD', `Payload error. ${name} is required.`, {
      cause: error,
      source: { pointer: `${issue.instancePath}/${String(issue.params['missingProperty'])}` },
    })
  }
  if (issue.keyword === 'type' || issue.keyword === 'anyOf') {
    return new GatewayError(
      'GW_HTTP_WRONG_TYPE',
      `Field ${field || '(body)'} has the wrong type: it ${issue.message ?? 'is invalid'}.`,
      {
        cause: error,
        source: { pointer: issue.instancePath || '/' },
      },
    )
  }
  return new GatewayError(
    'GW_HTTP_INVALID_FIELD',
    `Field ${field || '(body)'} ${issue.message ?? 'is invalid'}.`,
    {
      cause: error,
      source: { pointer: issue.instancePath || '/' },
    },
  )
}

/** Maps Fastify's own error codes onto the registry. */
function fromFastify(error: FastifyError): GatewayError | undefined {
  if (error.validation) return fromValidation(error)
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('GW_HTTP_UNSUPPORTED_MEDIA_TYPE', undefined, { cause: error })
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('GW_HTTP_EMPTY_BODY', undefined, { cause: error })
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('GW_HTTP_BODY_TOO_LARGE', undefined, { cause: error })
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('GW_HTTP_MALFORMED_JSON', 'The Content-Length does not match the body.', {
        cause: error,
      })
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatewayError(
        'GW_HTTP_MALFORMED_JSON',
        `The request body is not valid JSON: ${error.message}`,
        { cause: error },
      )
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON') {
    return new GatewayError(
      'GW_HTTP_MALFORMED_JSON',
      `The request body is not valid JSON: ${error.message}`,
      { cause: error },
    )
  }
  if (error.statusCode === 405)
    return new GatewayError('GW_HTTP_METHOD_NOT_ALLOWED', undefined, { cause: error })
  if (error.statusCode === 404)
    return new GatewayError('GW_HTTP_ROUTE_NOT_FOUND', undefined, { cause: error })
  return undefined
}

export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error
  return fromFastify(error as FastifyError) ?? new GatewayError('GW_INTERNAL', undefined, { cause: error })
}

const BASIC_CHALLENGE = 'Basic realm="gatehouse", charset="UTF-8"'

/**
 * The `WWW-Authenticate` challenges of a 401. A caller that sent a bearer token is answered in the
 * Bearer scheme with `invalid_token` (RFC 6750 §3): a Basic challenge would tell an OAuth client
 * to send something it does not have. A caller that sent Basic is asked for an API key again. A
 * caller that sent nothing is offered both (RFC 9110 §11.6.1 allows several challenges), Basic
 * first, so that `curl -u` and browsers keep prompting for a key.
 */
function challengesFor(request: FastifyRequest): string | string[] {
  const authorization = request.headers.authorization
  if (authorization === undefined || authorization === '') {
    // The console's own calls (its pages, a session cookie, or fetch() from a page) are answered
    // with a challenge browsers do not act on: a Basic one would make them prompt for a password.
    if (
      request.url.startsWith('/console/') ||
      /(^|;\s*)gatehouse_session=/.test(request.headers.cookie ?? '') ||
      request.headers['sec-fetch-dest'] === 'empty'
    )
      return 'Session realm="gatehouse-console"'
    return [BASIC_CHALLENGE, 'Bearer realm="gatehouse"']
  }
  const scheme = authorization.split(' ', 1)[0]?.toLowerCase()
  return scheme === 'bearer' ? 'Bearer realm="gatehouse", error="invalid_token"' : BASIC_CHALLENGE
}

export function renderError(request: FastifyRequest, reply: FastifyReply, error: GatewayError): FastifyReply {
  const { status } = error.definition
  if (status === 401) void reply.header('www-authenticate', challengesFor(request))
  void reply.code(status).type('application/json; charset=utf-8')
  if (errorShapeFor(request.url) === 'control-plane') {
    return reply.send({
      errors: [
        {
          id: request.id,
          status: String(status),
          code: error.definition.code,
          title: error.definition.title,
          detail: error.message,
          ...(error.source ? { source: error.source } : {}),
        },
      ],
    })
  }
  return reply.send({ error_code: error.definition.errorCode, message: error.message })
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((rawError, request, reply) => {
    const isMissingBody =
      (rawError as FastifyError).validationContext === 'body' &&
      (request.body === undefined || request.body === null)
    const error = isMissingBody ? new GatewayError('GW_HTTP_EMPTY_BODY') : toGatewayError(rawError)
    const level = error.status >= 500 ? 'error' : 'info'
    request.log[level](
      { errorCode: error.code, status: error.status, err: error.cause ?? error },
      error.status >= 500 ? 'request failed' : 'request rejected',
    )
    return renderError(request, reply, error)
  })
  app.setNotFoundHandler((request, reply) =>
    renderError(request, reply, new GatewayError('GW_HTTP_ROUTE_NOT_FOUND')),
  )
}
