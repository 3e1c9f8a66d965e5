/**
 * @module http/routes/iam-v2/identity-providers
 *
 * `/iam/v2/identity-providers`: the OAuth/OIDC providers whose access tokens workloads may present,
 * and `PATCH …/{provider_id}/jwks`, which fetches a provider's keys at once. Deleting a provider
 * deletes its identity pools and their role bindings; the change applies to this gateway before
 * the response is sent and reaches other instances through the store's change feed.
 *
 * A provider may be created with its issuer alone: the JWKS URI is then found by OIDC discovery.
 * `audience` is a Gatehouse extension (Confluent's providers have none).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { isLoopbackHostname } from '../../../authn/index.ts'
import type { Authorizer } from '../../../authz/index.ts'
import { GatewayError } from '../../../core/index.ts'
import type { IdentityProviderRecord } from '../../../store/index.ts'
import {
  CRN_ROOT,
  EchoedEnvelope,
  IdParams,
  ListMeta,
  ListQuery,
  ObjectMeta,
  actorOf,
  fromStore,
  listEnvelope,
  notFound,
  objectMeta,
  organizationIdOf,
  originOf,
  pageRequestOf,
  type ControlPlaneContext,
} from '../control-plane/common.ts'
import { NoContent } from '../../schemas/common.ts'
import type { IdentityProviderServices } from './identity-provider-services.ts'

export interface IdentityProviderRouteContext extends ControlPlaneContext {
  readonly authorizer: Authorizer
  readonly services: IdentityProviderServices
}

/** `claims.<name>`, optionally nested (`claims.realm_access.roles`). */
const IDENTITY_CLAIM = /^claims(\.[A-Za-z_][A-Za-z0-9_-]*)+$/

export const DEFAULT_IDENTITY_CLAIM = 'claims.sub'

// Fields identity pools have too (their routes import them).
export const DisplayName = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '\\S',
  description: '1–255 characters.',
})
export const Description = Type.String({ maxLength: 1024, description: 'Free text, up to 1024 characters.' })
export const IdentityClaim = Type.String({
  minLength: 1,
  maxLength: 255,
  description:
    'The token claim that names the caller in audit records, as `claims.<name>` (default `claims.sub`).',
})
const Url = (description: string) => Type.String({ minLength: 1, maxLength: 2048, description })
const Audience = Type.String({
  minLength: 1,
  maxLength: 255,
  description:
    'Gatehouse extension, not in Confluent’s API: when set, tokens must carry this value in `aud`.',
})

export const IdentityProvider = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('IdentityProvider'),
  id: Type.String(),
  metadata: ObjectMeta,
  display_name: Type.String(),
  description: Type.String(),
  issuer: Type.String(),
  jwks_uri: Type.String(),
  identity_claim: Type.String(),
  state: Type.String(),
  audience: Type.Optional(Type.String({ description: 'Gatehouse extension; see the request field.' })),
})

const IdentityProviderList = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('IdentityProviderList'),
  metadata: ListMeta,
  data: Type.Array(IdentityProvider),
})

const CreateBody = Type.Object(
  {
    ...EchoedEnvelope,
    display_name: DisplayName,
    description: Type.Optional(Description),
    issuer: Url('The `iss` of the provider’s tokens: an https URL, unique among providers.'),
    jwks_uri: Type.Optional(
      Url('Where the provider publishes its signing keys (https). Left out, it is found by OIDC discovery.'),
    ),
    identity_claim: Type.Optional(IdentityClaim),
    audience: Type.Optional(Audience),
  },
  { additionalProperties: false },
)

const UpdateBody = Type.Object(
  {
    ...EchoedEnvelope,
    display_name: Type.Optional(DisplayName),
    description: Type.Optional(Description),
    issuer: Type.Optional(Url('A new issuer (https); the JWKS URI stays unless given too.')),
    jwks_uri: Type.Optional(Url('A new JWKS URI (https).')),
    identity_claim: Type.Optional(IdentityClaim),
    audience: Type.Optional(
      Type.Union([Audience, Type.Null()], { description: 'null removes the audience.' }),
    ),
  },
  { additionalProperties: false },
)

const ProviderIdParams = Type.Object({ provider_id: Type.String({ minLength: 1, maxLength: 255 }) })

const JwksStatusValue = Type.String({
  description: '`REFRESHED`, `OK`, `INVALID_JWKS_URI` or `ERROR_FETCHING_JWKS`.',
})

const RefreshJwksBody = Type.Object(
  {
    ...EchoedEnvelope,
    spec: Type.Optional(
      Type.Object(
        { jwks_status: Type.Optional(Type.String({ description: 'Ask for `REFRESHED`.' })) },
        { additionalProperties: false },
      ),
    ),
    // Read-only: a client may echo an earlier answer back.
    status: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
)

const Jwks = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('Jwks'),
  spec: Type.Object({ jwks_status: JwksStatusValue }),
  status: Type.Object({
    jwks_status: JwksStatusValue,
    jwks_last_refresh_at: Type.Optional(Type.String()),
  }),
})

function invalidProvider(message: string, pointer: string): GatewayError {
  return new GatewayError('GW_IDENTITY_PROVIDER_INVALID', message, { source: { pointer } })
}

/**
 * Checks an issuer or JWKS URL: absolute https, no credentials or fragment (an issuer has no query
 * either, as OIDC requires). http is accepted only to a loopback host, in development mode.
 * Returns the value unchanged: issuers are compared as exact strings.
 */
export function checkProviderUrl(
  value: string,
  field: 'issuer' | 'jwks_uri',
  allowLoopbackHttp: boolean,
  origin = '',
): string {
  // The URL parser drops surrounding spaces and some inner whitespace, but issuers are compared as
  // given: a stored " https://…" would match no token, so refuse it instead.
  if (/[\s\p{Cc}]/u.test(value)) {
    throw invalidProvider(`${field}${origin} must not contain spaces or control characters.`, `/${field}`)
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw invalidProvider(`${field}${origin} must be an absolute https URL, not "${value}".`, `/${field}`)
  }
  if (url.protocol === 'http:') {
    if (!allowLoopbackHttp || !isLoopbackHostname(url.hostname)) {
      throw invalidProvider(
        `${field}${origin} must be an https URL, not "${value}" (http is accepted only for a loopback host ` +
          'when authentication.allowLoopbackHttpIssuers is on, for development).',
        `/${field}`,
      )
    }
  } else if (url.protocol !== 'https:') {
    throw invalidProvider(`${field}${origin} must be an https URL, not "${value}".`, `/${field}`)
  }
  if (url.username !== '' || url.password !== '') {
    throw invalidProvider(`${field}${origin} must not contain a user name or password.`, `/${field}`)
  }
  if (url.hash !== '' || value.includes('#')) {
    throw invalidProvider(`${field}${origin} must not contain a fragment (#…).`, `/${field}`)
  }
  if (field === 'issuer' && (url.search !== '' || value.includes('?'))) {
    throw invalidProvider('issuer must not contain a query (?…), as OpenID Connect requires.', '/issuer')
  }
  return value
}

/** Checks `identity_claim`; `error` makes the error of the calling resource. */
export function checkIdentityClaim(
  value: string,
  error: (message: string, pointer: string) => GatewayError,
): string {
  if (!IDENTITY_CLAIM.test(value)) {
    throw error(
      `identity_claim must name a token claim as claims.<name>, e.g. claims.sub, not "${value}".`,
      '/identity_claim',
    )
  }
  return value
}

export function identityProviderUrl(origin: string, id: string): string {
  return `${origin}/iam/v2/identity-providers/${encodeURIComponent(id)}`
}

export function identityProviderCrn(organizationId: string, id: string): string {
  return `${CRN_ROOT}/organization=${organizationId}/identity-provider=${id}`
}

async function renderer(request: FastifyRequest, context: ControlPlaneContext) {
  const origin = originOf(request, context)
  const organizationId = await organizationIdOf(context)
  return (provider: IdentityProviderRecord) => ({
    api_version: 'iam/v2' as const,
    kind: 'IdentityProvider' as const,
    id: provider.id,
    metadata: objectMeta(
      identityProviderUrl(origin, provider.id),
      identityProviderCrn(organizationId, provider.id),
      provider,
    ),
    display_name: provider.displayName,
    description: provider.description,
    issuer: provider.issuer,
    jwks_uri: provider.jwksUri,
    identity_claim: provider.identityClaim,
    state: provider.state,
    ...(provider.audience === undefined ? {} : { audience: provider.audience }),
  })
}

export function registerIdentityProviderRoutes(
  app: FastifyInstance,
  context: IdentityProviderRouteContext,
): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const store = context.identities
  const services = context.services
  const checkUrl = (value: string, field: 'issuer' | 'jwks_uri', origin?: string) =>
    checkProviderUrl(value, field, services.allowLoopbackHttpIssuers, origin)

  /**
   * Runs a store change; when it is refused because another provider has the issuer, the answer
   * carries that provider's URL in `Location`, as Confluent's 409 does.
   */
  async function withConflictLocation<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    issuer: string | undefined,
    change: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fromStore(change)
    } catch (error) {
      if (issuer !== undefined && error instanceof GatewayError && error.code === 'GW_RESOURCE_CONFLICT') {
        const existing = await store.findIdentityProviderByIssuer(issuer).catch(() => undefined)
        if (existing)
          void reply.header('location', identityProviderUrl(originOf(request, context), existing.id))
      }
      throw error
    }
  }

  async function discoveredJwksUri(issuer: string): Promise<string> {
    let discovered: string
    try {
      discovered = await services.discoverJwksUri(issuer)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new GatewayError(
        'GW_OIDC_DISCOVERY_FAILED',
        `jwks_uri was not given and OIDC discovery from ${issuer} failed: ${reason}`,
        { cause: error, source: { pointer: '/jwks_uri' } },
      )
    }
    return checkUrl(discovered, 'jwks_uri', ' (found by OIDC discovery)')
  }

  routes.get(
    '/iam/v2/identity-providers',
    {
      schema: {
        operationId: 'listIamV2IdentityProviders',
        querystring: ListQuery,
        response: { 200: IdentityProviderList },
      },
    },
    async (request) => {
      const page = await fromStore(() => store.listIdentityProviders(pageRequestOf(request.query)))
      const render = await renderer(request, context)
      return listEnvelope(
        request,
        context,
        { apiVersion: 'iam/v2', kind: 'IdentityProviderList' },
        page,
        render,
      )
    },
  )

  routes.post(
    '/iam/v2/identity-providers',
    {
      schema: {
        operationId: 'createIamV2IdentityProvider',
        body: CreateBody,
        response: { 201: IdentityProvider },
      },
    },
    async (request, reply) => {
      const body = request.body
      const issuer = checkUrl(body.issuer, 'issuer')
      const identityClaim = checkIdentityClaim(body.identity_claim ?? DEFAULT_IDENTITY_CLAIM, invalidProvider)
      const jwksUri =
        body.jwks_uri === undefined ? await discoveredJwksUri(issuer) : checkUrl(body.jwks_uri, 'jwks_uri')
      const provider = await withConflictLocation(request, reply, issuer, () =>
        store.createIdentityProvider(
          {
            displayName: body.display_name,
            description: body.description ?? '',
            issuer,
            jwksUri,
            identityClaim,
            ...(body.audience === undefined ? {} : { audience: body.audience }),
          },
          actorOf(request),
        ),
      )
      await services.reloadIdentityProviders()
      const rendered = (await renderer(request, context))(provider)
      return reply.code(201).header('location', rendered.metadata.self).send(rendered)
    },
  )

  routes.get(
    '/iam/v2/identity-providers/:id',
    {
      schema: {
        operationId: 'getIamV2IdentityProvider',
        params: IdParams,
        response: { 200: IdentityProvider },
      },
    },
    async (request) => {
      const provider = await fromStore(() => store.getIdentityProvider(request.params.id))
      if (!provider) throw notFound('Identity provider', request.params.id)
      return (await renderer(request, context))(provider)
    },
  )

  routes.patch(
    '/iam/v2/identity-providers/:id',
    {
      schema: {
        operationId: 'updateIamV2IdentityProvider',
        params: IdParams,
        body: UpdateBody,
        response: { 200: IdentityProvider },
      },
    },
    async (request, reply) => {
      const body = request.body
      const changes = {
        ...(body.display_name === undefined ? {} : { displayName: body.display_name }),
        ...(body.description === undefined ? {} : { description: body.description }),
        ...(body.issuer === undefined ? {} : { issuer: checkUrl(body.issuer, 'issuer') }),
        ...(body.jwks_uri === undefined ? {} : { jwksUri: checkUrl(body.jwks_uri, 'jwks_uri') }),
        ...(body.identity_claim === undefined
          ? {}
          : { identityClaim: checkIdentityClaim(body.identity_claim, invalidProvider) }),
        ...(body.audience === undefined ? {} : { audience: body.audience }),
      }
      const provider = await withConflictLocation(request, reply, changes.issuer, () =>
        store.updateIdentityProvider(request.params.id, changes, actorOf(request)),
      )
      if (!provider) throw notFound('Identity provider', request.params.id)
      // Tokens are verified with the new issuer, keys and audience from the next request on.
      await services.reloadIdentityProviders()
      return (await renderer(request, context))(provider)
    },
  )

  routes.delete(
    '/iam/v2/identity-providers/:id',
    {
      schema: { operationId: 'deleteIamV2IdentityProvider', params: IdParams, response: { 204: NoContent } },
    },
    async (request, reply) => {
      const deleted = await fromStore(() => store.deleteIdentityProvider(request.params.id, actorOf(request)))
      if (!deleted) throw notFound('Identity provider', request.params.id)
      // Its tokens and the pools' role bindings stop working on this instance before it answers.
      await services.reloadIdentityProviders()
      await context.authorizer.reloadRoleBindings()
      return reply.code(204).send()
    },
  )

  routes.patch(
    '/iam/v2/identity-providers/:provider_id/jwks',
    {
      schema: {
        operationId: 'refreshIamV2JsonWebKeySet',
        params: ProviderIdParams,
        body: RefreshJwksBody,
        response: { 200: Jwks },
      },
    },
    async (request) => {
      const provider = await fromStore(() => store.getIdentityProvider(request.params.provider_id))
      if (!provider) throw notFound('Identity provider', request.params.provider_id)
      const result = await services.refreshJwks(provider)
      return {
        api_version: 'iam/v2' as const,
        kind: 'Jwks' as const,
        spec: { jwks_status: 'REFRESHED' },
        status: {
          jwks_status: result.status,
          ...(result.lastRefreshAt === undefined
            ? {}
            : { jwks_last_refresh_at: result.lastRefreshAt.toISOString() }),
        },
      }
    },
  )
}
