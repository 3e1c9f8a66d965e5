/**
 * @module http/routes/iam-v2/identity-pools
 *
 * `/iam/v2/identity-providers/{provider_id}/identity-pools`: groups of a provider's identities,
 * chosen by a filter on their token's claims. A pool is a principal of its own (`User:pool-…` in
 * role bindings and ACLs); deleting it deletes its role bindings, which stops granting them on
 * this gateway before the response is sent.
 *
 * Filters are compiled by the injected `compileIdentityPoolFilter`, so that a pool is never stored
 * with a filter the token verifier could not evaluate.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { MAX_FILTER_LENGTH } from '../../../authn/index.ts'
import { GatewayError } from '../../../core/index.ts'
import type { IdentityPoolRecord } from '../../../store/index.ts'
import {
  EchoedEnvelope,
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
} from '../control-plane/common.ts'
import { NoContent } from '../../schemas/common.ts'
import {
  DEFAULT_IDENTITY_CLAIM,
  Description,
  DisplayName,
  IdentityClaim,
  checkIdentityClaim,
  identityProviderCrn,
  identityProviderUrl,
  type IdentityProviderRouteContext,
} from './identity-providers.ts'
// The 300-character limit is checked in the handler, so that a long filter gets the same
// `invalid_filter` answer as any other bad filter; this bound only keeps bodies sane.
const Filter = Type.String({
  maxLength: 65_536,
  description: `Which tokens belong to the pool: an expression on their claims, at most ${MAX_FILTER_LENGTH} characters.`,
})

export const IdentityPool = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('IdentityPool'),
  id: Type.String(),
  metadata: ObjectMeta,
  display_name: Type.String(),
  description: Type.String(),
  identity_claim: Type.String(),
  filter: Type.String(),
  principal: Type.String(),
  state: Type.String(),
})

const IdentityPoolList = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('IdentityPoolList'),
  metadata: ListMeta,
  data: Type.Array(IdentityPool),
})

const CreateBody = Type.Object(
  {
    ...EchoedEnvelope,
    display_name: DisplayName,
    description: Type.Optional(Description),
    identity_claim: Type.Optional(IdentityClaim),
    filter: Filter,
  },
  { additionalProperties: false },
)

const UpdateBody = Type.Object(
  {
    ...EchoedEnvelope,
    display_name: Type.Optional(DisplayName),
    description: Type.Optional(Description),
    identity_claim: Type.Optional(IdentityClaim),
    filter: Type.Optional(Filter),
  },
  { additionalProperties: false },
)

const ProviderParams = Type.Object({ provider_id: Type.String({ minLength: 1, maxLength: 255 }) })
const PoolParams = Type.Object({
  provider_id: Type.String({ minLength: 1, maxLength: 255 }),
  id: Type.String({ minLength: 1, maxLength: 255 }),
})

function invalidPool(message: string, pointer: string): GatewayError {
  return new GatewayError('GW_IDENTITY_POOL_INVALID', message, { source: { pointer } })
}

function poolNotFound(providerId: string, id: string): GatewayError {
  return new GatewayError(
    'GW_RESOURCE_NOT_FOUND',
    `Identity pool ${id} was not found under identity provider ${providerId}.`,
  )
}

export function registerIdentityPoolRoutes(
  app: FastifyInstance,
  context: IdentityProviderRouteContext,
): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const store = context.identities

  /** The filter as given, once it is short enough and compiles. */
  function checkFilter(source: string): string {
    const invalid = (message: string) =>
      new GatewayError('GW_IDENTITY_POOL_FILTER_INVALID', message, { source: { pointer: '/filter' } })
    if (source.length > MAX_FILTER_LENGTH) {
      throw invalid(`filter is ${source.length} characters long; at most ${MAX_FILTER_LENGTH} are allowed.`)
    }
    const compiled = context.services.compileIdentityPoolFilter(source)
    if (!compiled.ok) throw invalid(`filter is not valid: ${compiled.message}`)
    return source
  }

  async function requireProvider(providerId: string): Promise<void> {
    const provider = await fromStore(() => store.getIdentityProvider(providerId))
    if (!provider) throw notFound('Identity provider', providerId)
  }

  const renderer = async (request: FastifyRequest) => {
    const origin = originOf(request, context)
    const organizationId = await organizationIdOf(context)
    return (pool: IdentityPoolRecord) => ({
      api_version: 'iam/v2' as const,
      kind: 'IdentityPool' as const,
      id: pool.id,
      metadata: objectMeta(
        `${identityProviderUrl(origin, pool.providerId)}/identity-pools/${encodeURIComponent(pool.id)}`,
        `${identityProviderCrn(organizationId, pool.providerId)}/identity-pool=${pool.id}`,
        pool,
      ),
      display_name: pool.displayName,
      description: pool.description,
      identity_claim: pool.identityClaim,
      filter: pool.filter,
      // The pool is the principal: role bindings and ACLs name it `User:<id>`.
      principal: pool.id,
      state: pool.state,
    })
  }

  routes.get(
    '/iam/v2/identity-providers/:provider_id/identity-pools',
    {
      schema: {
        operationId: 'listIamV2IdentityPools',
        params: ProviderParams,
        querystring: ListQuery,
        response: { 200: IdentityPoolList },
      },
    },
    async (request) => {
      const providerId = request.params.provider_id
      await requireProvider(providerId)
      const page = await fromStore(() => store.listIdentityPools(providerId, pageRequestOf(request.query)))
      const render = await renderer(request)
      return listEnvelope(request, context, { apiVersion: 'iam/v2', kind: 'IdentityPoolList' }, page, render)
    },
  )

  routes.post(
    '/iam/v2/identity-providers/:provider_id/identity-pools',
    {
      schema: {
        operationId: 'createIamV2IdentityPool',
        params: ProviderParams,
        body: CreateBody,
        response: { 201: IdentityPool },
      },
    },
    async (request, reply) => {
      const providerId = request.params.provider_id
      const body = request.body
      const identityClaim = checkIdentityClaim(body.identity_claim ?? DEFAULT_IDENTITY_CLAIM, invalidPool)
      const filter = checkFilter(body.filter)
      const pool = await fromStore(() =>
        store.createIdentityPool(
          providerId,
          { displayName: body.display_name, description: body.description ?? '', identityClaim, filter },
          actorOf(request),
        ),
      )
      if (!pool) throw notFound('Identity provider', providerId)
      await context.services.reloadIdentityProviders()
      const rendered = (await renderer(request))(pool)
      return reply.code(201).header('location', rendered.metadata.self).send(rendered)
    },
  )

  routes.get(
    '/iam/v2/identity-providers/:provider_id/identity-pools/:id',
    {
      schema: { operationId: 'getIamV2IdentityPool', params: PoolParams, response: { 200: IdentityPool } },
    },
    async (request) => {
      const { provider_id: providerId, id } = request.params
      const pool = await fromStore(() => store.getIdentityPool(providerId, id))
      if (!pool) throw poolNotFound(providerId, id)
      return (await renderer(request))(pool)
    },
  )

  routes.patch(
    '/iam/v2/identity-providers/:provider_id/identity-pools/:id',
    {
      schema: {
        operationId: 'updateIamV2IdentityPool',
        params: PoolParams,
        body: UpdateBody,
        response: { 200: IdentityPool },
      },
    },
    async (request) => {
      const { provider_id: providerId, id } = request.params
      const body = request.body
      const changes = {
        ...(body.display_name === undefined ? {} : { displayName: body.display_name }),
        ...(body.description === undefined ? {} : { description: body.description }),
        ...(body.identity_claim === undefined
          ? {}
          : { identityClaim: checkIdentityClaim(body.identity_claim, invalidPool) }),
        ...(body.filter === undefined ? {} : { filter: checkFilter(body.filter) }),
      }
      const pool = await fromStore(() => store.updateIdentityPool(providerId, id, changes, actorOf(request)))
      if (!pool) throw poolNotFound(providerId, id)
      // The new filter decides from the next request on.
      await context.services.reloadIdentityProviders()
      return (await renderer(request))(pool)
    },
  )

  routes.delete(
    '/iam/v2/identity-providers/:provider_id/identity-pools/:id',
    {
      schema: { operationId: 'deleteIamV2IdentityPool', params: PoolParams, response: { 204: NoContent } },
    },
    async (request, reply) => {
      const { provider_id: providerId, id } = request.params
      const deleted = await fromStore(() => store.deleteIdentityPool(providerId, id, actorOf(request)))
      if (!deleted) throw poolNotFound(providerId, id)
      // Tokens stop acting as the pool, and its role bindings stop granting, before this answers.
      await context.services.reloadIdentityProviders()
      await context.authorizer.reloadRoleBindings()
      return reply.code(204).send()
    },
  )
}
