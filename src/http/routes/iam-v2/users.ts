/**
 * @module http/routes/iam-v2/users
 *
 * `/iam/v2/users`: people. They are created by sign-in (and the bootstrap), never by this API;
 * deleting one deletes their API keys.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { UserRecord } from '../../../store/index.ts'
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

export const User = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('User'),
  id: Type.String(),
  metadata: ObjectMeta,
  email: Type.String(),
  full_name: Type.String(),
  auth_type: Type.Union([Type.Literal('AUTH_TYPE_LOCAL'), Type.Literal('AUTH_TYPE_SSO')]),
})

const UserList = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('UserList'),
  metadata: ListMeta,
  data: Type.Array(User),
})

const UpdateBody = Type.Object(
  { ...EchoedEnvelope, full_name: Type.Optional(Type.String({ maxLength: 255 })) },
  { additionalProperties: false },
)

export function userUrl(origin: string, id: string): string {
  return `${origin}/iam/v2/users/${encodeURIComponent(id)}`
}

export function userCrn(organizationId: string, id: string): string {
  return `${CRN_ROOT}/organization=${organizationId}/user=${id}`
}

async function renderer(request: FastifyRequest, context: ControlPlaneContext) {
  const origin = originOf(request, context)
  const organizationId = await organizationIdOf(context)
  return (user: UserRecord) => ({
    api_version: 'iam/v2' as const,
    kind: 'User' as const,
    id: user.id,
    metadata: objectMeta(userUrl(origin, user.id), userCrn(organizationId, user.id), user),
    email: user.email,
    full_name: user.fullName,
    auth_type: user.authType,
  })
}

export function registerUserRoutes(app: FastifyInstance, context: ControlPlaneContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const store = context.identities

  routes.get(
    '/iam/v2/users',
    { schema: { operationId: 'listIamV2Users', querystring: ListQuery, response: { 200: UserList } } },
    async (request) => {
      const page = await fromStore(() => store.listUsers(pageRequestOf(request.query)))
      const render = await renderer(request, context)
      return listEnvelope(request, context, { apiVersion: 'iam/v2', kind: 'UserList' }, page, render)
    },
  )

  routes.get(
    '/iam/v2/users/:id',
    { schema: { operationId: 'getIamV2User', params: IdParams, response: { 200: User } } },
    async (request) => {
      const user = await fromStore(() => store.getUser(request.params.id))
      if (!user) throw notFound('User', request.params.id)
      return (await renderer(request, context))(user)
    },
  )

  routes.patch(
    '/iam/v2/users/:id',
    {
      schema: {
        operationId: 'updateIamV2User',
        params: IdParams,
        body: UpdateBody,
        response: { 200: User },
      },
    },
    async (request) => {
      const changes = request.body.full_name === undefined ? {} : { fullName: request.body.full_name }
      const user = await fromStore(() => store.updateUser(request.params.id, changes, actorOf(request)))
      if (!user) throw notFound('User', request.params.id)
      return (await renderer(request, context))(user)
    },
  )

  routes.delete(
    '/iam/v2/users/:id',
    { schema: { operationId: 'deleteIamV2User', params: IdParams, response: { 204: NoContent } } },
    async (request, reply) => {
      const deleted = await fromStore(() => store.deleteUser(request.params.id, actorOf(request)))
      if (!deleted) throw notFound('User', request.params.id)
      return reply.code(204).send()
    },
  )
}
