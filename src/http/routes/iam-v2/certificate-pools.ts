/**
 * @module http/routes/iam-v2/certificate-pools
 *
 * `/iam/v2/certificate-authorities/{certificate_authority_id}/identity-pools`: groups of an
 * authority's client certificates, chosen by a filter on the certificate's attributes. A pool is a
 * principal of its own (`User:pool-…`); deleting it deletes its role bindings before answering,
 * and answers with the deleted pool as Confluent does.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { certificateFilterCompiler, MAX_FILTER_LENGTH, SUBJECT_ATTRIBUTES } from '../../../authn/index.ts'
import { GatewayError } from '../../../core/index.ts'
import type { CertificatePoolRecord } from '../../../store/index.ts'
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
import {
  certificateAuthorityCrn,
  certificateAuthorityUrl,
  type CertificateAuthorityRouteContext,
} from './certificate-authorities.ts'
import { Description, DisplayName } from './identity-providers.ts'

// As for OAuth pools, the 300-character limit is checked in the handler so that a long filter
// gets the same `invalid_filter` answer as any other bad filter.
const Filter = Type.String({
  maxLength: 65_536,
  description: `Which certificates belong to the pool: a condition on their attributes, at most ${MAX_FILTER_LENGTH} characters.`,
})
const ExternalIdentifier = Type.String({
  minLength: 1,
  maxLength: 64,
  description: `The subject attribute that names the caller in audit records: one of ${SUBJECT_ATTRIBUTES.join(', ')}.`,
})

export const CertificateIdentityPool = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('CertificateIdentityPool'),
  id: Type.String(),
  metadata: ObjectMeta,
  display_name: Type.String(),
  description: Type.String(),
  external_identifier: Type.String(),
  filter: Type.String(),
  principal: Type.String(),
  state: Type.String(),
})

const CertificateIdentityPoolList = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('CertificateIdentityPoolList'),
  metadata: ListMeta,
  data: Type.Array(CertificateIdentityPool),
})

const CreateBody = Type.Object(
  {
    ...EchoedEnvelope,
    display_name: DisplayName,
    description: Type.Optional(Description),
    external_identifier: ExternalIdentifier,
    filter: Filter,
  },
  { additionalProperties: false },
)

const UpdateBody = Type.Object(
  {
    ...EchoedEnvelope,
    display_name: Type.Optional(DisplayName),
    description: Type.Optional(Description),
    external_identifier: Type.Optional(ExternalIdentifier),
    filter: Type.Optional(Filter),
  },
  { additionalProperties: false },
)

const AuthorityParams = Type.Object({
  certificate_authority_id: Type.String({ minLength: 1, maxLength: 255 }),
})
const PoolParams = Type.Object({
  certificate_authority_id: Type.String({ minLength: 1, maxLength: 255 }),
  id: Type.String({ minLength: 1, maxLength: 255 }),
})

function poolNotFound(authorityId: string, id: string): GatewayError {
  return new GatewayError(
    'GW_RESOURCE_NOT_FOUND',
    `Certificate identity pool ${id} was not found under certificate authority ${authorityId}.`,
  )
}

function checkExternalIdentifier(value: string): string {
  if ((SUBJECT_ATTRIBUTES as readonly string[]).includes(value)) return value
  throw new GatewayError(
    'GW_CERTIFICATE_POOL_INVALID',
    `external_identifier "${value.slice(0, 64)}" is not a subject attribute; use one of ${SUBJECT_ATTRIBUTES.join(', ')}.`,
    { source: { pointer: '/external_identifier' } },
  )
}

function checkFilter(source: string): string {
  const invalid = (message: string) =>
    new GatewayError('GW_IDENTITY_POOL_FILTER_INVALID', message, { source: { pointer: '/filter' } })
  if (source.length > MAX_FILTER_LENGTH)
    throw invalid(`filter is ${source.length} characters long; at most ${MAX_FILTER_LENGTH} are allowed.`)
  const compiled = certificateFilterCompiler.compile(source)
  if (!compiled.ok) throw invalid(`filter is not valid: ${compiled.error.message}`)
  return source
}

export function registerCertificatePoolRoutes(
  app: FastifyInstance,
  context: CertificateAuthorityRouteContext,
): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const store = context.identities

  const renderer = async (request: FastifyRequest) => {
    const origin = originOf(request, context)
    const organizationId = await organizationIdOf(context)
    return (pool: CertificatePoolRecord) => ({
      api_version: 'iam/v2' as const,
      kind: 'CertificateIdentityPool' as const,
      id: pool.id,
      metadata: objectMeta(
        `${certificateAuthorityUrl(origin, pool.certificateAuthorityId)}/identity-pools/${encodeURIComponent(pool.id)}`,
        `${certificateAuthorityCrn(organizationId, pool.certificateAuthorityId)}/identity-pool=${pool.id}`,
        pool,
      ),
      display_name: pool.displayName,
      description: pool.description,
      external_identifier: pool.externalIdentifier,
      filter: pool.filter,
      principal: pool.id,
      state: pool.state,
    })
  }

  routes.get(
    '/iam/v2/certificate-authorities/:certificate_authority_id/identity-pools',
    {
      schema: {
        operationId: 'listIamV2CertificateIdentityPools',
        params: AuthorityParams,
        querystring: ListQuery,
        response: { 200: CertificateIdentityPoolList },
      },
    },
    async (request) => {
      const authorityId = request.params.certificate_authority_id
      const authority = await fromStore(() => store.getCertificateAuthority(authorityId))
      if (!authority) throw notFound('Certificate authority', authorityId)
      const page = await fromStore(() =>
        store.listCertificatePools(authorityId, pageRequestOf(request.query)),
      )
      return listEnvelope(
        request,
        context,
        { apiVersion: 'iam/v2', kind: 'CertificateIdentityPoolList' },
        page,
        await renderer(request),
      )
    },
  )

  routes.post(
    '/iam/v2/certificate-authorities/:certificate_authority_id/identity-pools',
    {
      schema: {
        operationId: 'createIamV2CertificateIdentityPool',
        params: AuthorityParams,
        body: CreateBody,
        response: { 201: CertificateIdentityPool },
      },
    },
    async (request, reply) => {
      const authorityId = request.params.certificate_authority_id
      const body = request.body
      const input = {
        displayName: body.display_name,
        description: body.description ?? '',
        externalIdentifier: checkExternalIdentifier(body.external_identifier),
        filter: checkFilter(body.filter),
      }
      const pool = await fromStore(() => store.createCertificatePool(authorityId, input, actorOf(request)))
      if (!pool) throw notFound('Certificate authority', authorityId)
      await context.services.reloadCertificateAuthorities()
      const rendered = (await renderer(request))(pool)
      return reply.code(201).header('location', rendered.metadata.self).send(rendered)
    },
  )

  routes.get(
    '/iam/v2/certificate-authorities/:certificate_authority_id/identity-pools/:id',
    {
      schema: {
        operationId: 'getIamV2CertificateIdentityPool',
        params: PoolParams,
        response: { 200: CertificateIdentityPool },
      },
    },
    async (request) => {
      const { certificate_authority_id: authorityId, id } = request.params
      const pool = await fromStore(() => store.getCertificatePool(authorityId, id))
      if (!pool) throw poolNotFound(authorityId, id)
      return (await renderer(request))(pool)
    },
  )

  routes.put(
    '/iam/v2/certificate-authorities/:certificate_authority_id/identity-pools/:id',
    {
      schema: {
        operationId: 'updateIamV2CertificateIdentityPool',
        params: PoolParams,
        body: UpdateBody,
        response: { 200: CertificateIdentityPool },
      },
    },
    async (request) => {
      const { certificate_authority_id: authorityId, id } = request.params
      const body = request.body
      const changes = {
        ...(body.display_name === undefined ? {} : { displayName: body.display_name }),
        ...(body.description === undefined ? {} : { description: body.description }),
        ...(body.external_identifier === undefined
          ? {}
          : { externalIdentifier: checkExternalIdentifier(body.external_identifier) }),
        ...(body.filter === undefined ? {} : { filter: checkFilter(body.filter) }),
      }
      const pool = await fromStore(() =>
        store.updateCertificatePool(authorityId, id, changes, actorOf(request)),
      )
      if (!pool) throw poolNotFound(authorityId, id)
      // The new filter decides from the next request on.
      await context.services.reloadCertificateAuthorities()
      return (await renderer(request))(pool)
    },
  )

  routes.delete(
    '/iam/v2/certificate-authorities/:certificate_authority_id/identity-pools/:id',
    {
      schema: {
        operationId: 'deleteIamV2CertificateIdentityPool',
        params: PoolParams,
        response: { 200: CertificateIdentityPool },
      },
    },
    async (request) => {
      const { certificate_authority_id: authorityId, id } = request.params
      const render = await renderer(request)
      const deleted = await fromStore(() => store.deleteCertificatePool(authorityId, id, actorOf(request)))
      if (!deleted) throw poolNotFound(authorityId, id)
      await context.services.reloadCertificateAuthorities()
      await context.authorizer.reloadRoleBindings()
      return render(deleted)
    },
  )
}
