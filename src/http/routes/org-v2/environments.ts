/**
 * @module http/routes/org-v2/environments
 *
 * `/org/v2/organizations` (the one organization of this deployment) and `/org/v2/environments`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { EnvironmentRecord, OrganizationRecord } from '../../../store/index.ts'
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
  visiblePage,
} from '../control-plane/common.ts'
import { NoContent } from '../../schemas/common.ts'
import { accessOf } from '../../plugins/authorize.ts'

const DisplayName = Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' })

const Organization = Type.Object({
  api_version: Type.Literal('org/v2'),
  kind: Type.Literal('Organization'),
  id: Type.String(),
  metadata: ObjectMeta,
  display_name: Type.String(),
  jit_enabled: Type.Boolean(),
})

const OrganizationList = Type.Object({
  api_version: Type.Literal('org/v2'),
  kind: Type.Literal('OrganizationList'),
  metadata: ListMeta,
  data: Type.Array(Organization),
})

// Confluent's limit for organization names: 1–31 characters, none of those that break URLs or markup.
const OrganizationName = Type.String({ pattern: '^[^<>#%\'*^`{|}~"]{1,31}$' })
const OrganizationUpdateBody = Type.Object(
  {
    ...EchoedEnvelope,
    display_name: Type.Optional(OrganizationName),
    jit_enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

const Environment = Type.Object({
  api_version: Type.Literal('org/v2'),
  kind: Type.Literal('Environment'),
  id: Type.String(),
  metadata: ObjectMeta,
  display_name: Type.String(),
})

const EnvironmentList = Type.Object({
  api_version: Type.Literal('org/v2'),
  kind: Type.Literal('EnvironmentList'),
  metadata: ListMeta,
  data: Type.Array(Environment),
})

const EnvironmentBody = Type.Object(
  {
    ...EchoedEnvelope,
    display_name: DisplayName,
    // Accepted for compatibility with Confluent's clients; Gatehouse has no Stream Governance packages.
    stream_governance_config: Type.Optional(Type.Object({ package: Type.Optional(Type.String()) })),
  },
  { additionalProperties: false },
)
const EnvironmentUpdateBody = Type.Object(
  {
    ...EchoedEnvelope,
    display_name: Type.Optional(DisplayName),
    stream_governance_config: Type.Optional(Type.Object({ package: Type.Optional(Type.String()) })),
  },
  { additionalProperties: false },
)

export function environmentCrn(organizationId: string, id: string): string {
  return `${CRN_ROOT}/organization=${organizationId}/environment=${id}`
}

async function environmentRenderer(request: FastifyRequest, context: ControlPlaneContext) {
  const origin = originOf(request, context)
  const organizationId = await organizationIdOf(context)
  return (environment: EnvironmentRecord) => ({
    api_version: 'org/v2' as const,
    kind: 'Environment' as const,
    id: environment.id,
    metadata: objectMeta(
      `${origin}/org/v2/environments/${encodeURIComponent(environment.id)}`,
      environmentCrn(organizationId, environment.id),
      environment,
    ),
    display_name: environment.displayName,
  })
}

function renderOrganization(
  request: FastifyRequest,
  context: ControlPlaneContext,
  organization: OrganizationRecord,
) {
  return {
    api_version: 'org/v2' as const,
    kind: 'Organization' as const,
    id: organization.id,
    metadata: objectMeta(
      `${originOf(request, context)}/org/v2/organizations/${organization.id}`,
      `${CRN_ROOT}/organization=${organization.id}`,
      organization,
    ),
    display_name: organization.displayName,
    jit_enabled: organization.jitEnabled,
  }
}

export function registerOrganizationRoutes(app: FastifyInstance, context: ControlPlaneContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const store = context.identities

  routes.get(
    '/org/v2/organizations',
    {
      schema: {
        operationId: 'listOrgV2Organizations',
        querystring: ListQuery,
        response: { 200: OrganizationList },
      },
    },
    async (request) => {
      const organization = await fromStore(() => store.getOrganization())
      const page = request.query.page_token === undefined ? { items: [organization] } : { items: [] }
      return listEnvelope(
        request,
        context,
        { apiVersion: 'org/v2', kind: 'OrganizationList' },
        page,
        (item: OrganizationRecord) => renderOrganization(request, context, item),
      )
    },
  )

  routes.get(
    '/org/v2/organizations/:id',
    {
      schema: {
        operationId: 'getOrgV2Organization',
        params: IdParams,
        response: { 200: Organization },
      },
    },
    async (request) => {
      const organization = await fromStore(() => store.getOrganization())
      if (organization.id !== request.params.id) throw notFound('Organization', request.params.id)
      return renderOrganization(request, context, organization)
    },
  )

  routes.patch(
    '/org/v2/organizations/:id',
    {
      schema: {
        operationId: 'updateOrgV2Organization',
        params: IdParams,
        body: OrganizationUpdateBody,
        response: { 200: Organization },
      },
    },
    async (request) => {
      const current = await fromStore(() => store.getOrganization())
      if (current.id !== request.params.id) throw notFound('Organization', request.params.id)
      const { display_name: displayName, jit_enabled: jitEnabled } = request.body
      const updated = await fromStore(() =>
        store.updateOrganization(
          {
            ...(displayName === undefined ? {} : { displayName }),
            ...(jitEnabled === undefined ? {} : { jitEnabled }),
          },
          actorOf(request),
        ),
      )
      return renderOrganization(request, context, updated)
    },
  )

  routes.get(
    '/org/v2/environments',
    {
      schema: {
        operationId: 'listOrgV2Environments',
        querystring: ListQuery,
        response: { 200: EnvironmentList },
      },
    },
    async (request) => {
      const paths = accessOf(request).paths
      const page = await visiblePage(
        request,
        await fromStore(() => store.listEnvironments(pageRequestOf(request.query))),
        (environment) => ({ resource: paths.environment(environment.id), operation: 'Describe' }),
        { resource: paths.environment('*'), operation: 'Describe' },
      )
      const render = await environmentRenderer(request, context)
      return listEnvelope(request, context, { apiVersion: 'org/v2', kind: 'EnvironmentList' }, page, render)
    },
  )

  routes.post(
    '/org/v2/environments',
    {
      schema: {
        operationId: 'createOrgV2Environment',
        body: EnvironmentBody,
        response: { 201: Environment },
      },
    },
    async (request, reply) => {
      const environment = await fromStore(() =>
        store.createEnvironment({ displayName: request.body.display_name }, actorOf(request)),
      )
      const rendered = (await environmentRenderer(request, context))(environment)
      return reply.code(201).header('location', rendered.metadata.self).send(rendered)
    },
  )

  routes.get(
    '/org/v2/environments/:id',
    {
      schema: { operationId: 'getOrgV2Environment', params: IdParams, response: { 200: Environment } },
    },
    async (request) => {
      const environment = await fromStore(() => store.getEnvironment(request.params.id))
      if (!environment) throw notFound('Environment', request.params.id)
      return (await environmentRenderer(request, context))(environment)
    },
  )

  routes.patch(
    '/org/v2/environments/:id',
    {
      schema: {
        operationId: 'updateOrgV2Environment',
        params: IdParams,
        body: EnvironmentUpdateBody,
        response: { 200: Environment },
      },
    },
    async (request) => {
      const changes =
        request.body.display_name === undefined ? {} : { displayName: request.body.display_name }
      const environment = await fromStore(() =>
        store.updateEnvironment(request.params.id, changes, actorOf(request)),
      )
      if (!environment) throw notFound('Environment', request.params.id)
      return (await environmentRenderer(request, context))(environment)
    },
  )

  routes.delete(
    '/org/v2/environments/:id',
    { schema: { operationId: 'deleteOrgV2Environment', params: IdParams, response: { 204: NoContent } } },
    async (request, reply) => {
      const deleted = await fromStore(() => store.deleteEnvironment(request.params.id, actorOf(request)))
      if (!deleted) throw notFound('Environment', request.params.id)
      return reply.code(204).send()
    },
  )
}
