/**
 * @module http/routes/iam-v2/service-accounts
 *
 * `/iam/v2/service-accounts`: identities for applications. Deleting one deletes its API keys.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { ServiceAccountRecord } from '../../../store/index.ts'
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

const DisplayName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '\\S',
  description: 'Unique among service accounts; 1–64 characters.',
})
const Description = Type.String({ maxLength: 1024, description: 'Free text, up to 1024 characters.' })

export const ServiceAccount = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('ServiceAccount'),
  id: Type.String(),
  metadata: ObjectMeta,
  display_name: Type.String(),
  description: Type.String(),
})

const ServiceAccountList = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('ServiceAccountList'),
  metadata: ListMeta,
  data: Type.Array(ServiceAccount),
})

const CreateBody = Type.Object(
  { ...EchoedEnvelope, display_name: DisplayName, description: Type.Optional(Description) },
  { additionalProperties: false },
)
const UpdateBody = Type.Object(
  { ...EchoedEnvelope, display_name: Type.Optional(DisplayName), description: Type.Optional(Description) },
  { additionalProperties: false },
)
const ListServiceAccountsQuery = Type.Object({
  ...ListQuery.properties,
  display_name: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 100 })], {
      description: 'Only accounts with this display name; repeat for any of several.',
    }),
  ),
})

export function serviceAccountUrl(origin: string, id: string): string {
  return `${origin}/iam/v2/service-accounts/${encodeURIComponent(id)}`
}

export function serviceAccountCrn(organizationId: string, id: string): string {
  return `${CRN_ROOT}/organization=${organizationId}/service-account=${id}`
}

async function renderer(request: FastifyRequest, context: ControlPlaneContext) {
  const origin = originOf(request, context)
  const organizationId = await organizationIdOf(context)
  return (account: ServiceAccountRecord) => ({
    api_version: 'iam/v2' as const,
    kind: 'ServiceAccount' as const,
    id: account.id,
    metadata: objectMeta(
      serviceAccountUrl(origin, account.id),
      serviceAccountCrn(organizationId, account.id),
      account,
    ),
    display_name: account.displayName,
    description: account.description,
  })
}

export function registerServiceAccountRoutes(app: FastifyInstance, context: ControlPlaneContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const store = context.identities

  routes.get(
    '/iam/v2/service-accounts',
    {
      schema: {
        operationId: 'listIamV2ServiceAccounts',
        querystring: ListServiceAccountsQuery,
        response: { 200: ServiceAccountList },
      },
    },
    async (request) => {
      const { display_name } = request.query
      const displayNames = display_name === undefined ? undefined : [display_name].flat()
      const page = await fromStore(() =>
        store.listServiceAccounts(pageRequestOf(request.query), displayNames ? { displayNames } : {}),
      )
      const render = await renderer(request, context)
      return listEnvelope(
        request,
        context,
        { apiVersion: 'iam/v2', kind: 'ServiceAccountList' },
        page,
        render,
      )
    },
  )

  routes.post(
    '/iam/v2/service-accounts',
    {
      schema: {
        operationId: 'createIamV2ServiceAccount',
        body: CreateBody,
        response: { 201: ServiceAccount },
      },
    },
    async (request, reply) => {
      const account = await fromStore(() =>
        store.createServiceAccount(
          { displayName: request.body.display_name, description: request.body.description ?? '' },
          actorOf(request),
        ),
      )
      const rendered = (await renderer(request, context))(account)
      return reply.code(201).header('location', rendered.metadata.self).send(rendered)
    },
  )

  routes.get(
    '/iam/v2/service-accounts/:id',
    {
      schema: {
        operationId: 'getIamV2ServiceAccount',
        params: IdParams,
        response: { 200: ServiceAccount },
      },
    },
    async (request) => {
      const account = await fromStore(() => store.getServiceAccount(request.params.id))
      if (!account) throw notFound('Service account', request.params.id)
      return (await renderer(request, context))(account)
    },
  )

  routes.patch(
    '/iam/v2/service-accounts/:id',
    {
      schema: {
        operationId: 'updateIamV2ServiceAccount',
        params: IdParams,
        body: UpdateBody,
        response: { 200: ServiceAccount },
      },
    },
    async (request) => {
      const changes = {
        ...(request.body.display_name === undefined ? {} : { displayName: request.body.display_name }),
        ...(request.body.description === undefined ? {} : { description: request.body.description }),
      }
      const account = await fromStore(() =>
        store.updateServiceAccount(request.params.id, changes, actorOf(request)),
      )
      if (!account) throw notFound('Service account', request.params.id)
      return (await renderer(request, context))(account)
    },
  )

  routes.delete(
    '/iam/v2/service-accounts/:id',
    { schema: { operationId: 'deleteIamV2ServiceAccount', params: IdParams, response: { 204: NoContent } } },
    async (request, reply) => {
      const deleted = await fromStore(() => store.deleteServiceAccount(request.params.id, actorOf(request)))
      if (!deleted) throw notFound('Service account', request.params.id)
      return reply.code(204).send()
    },
  )
}
