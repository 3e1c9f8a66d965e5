/**
 * @module http/routes/iam-v2/group-mappings
 *
 * `/iam/v2/sso/group-mappings`: identity-provider groups of people who sign in with SSO, chosen by
 * a CEL filter over their `groups` (and ID-token `claims`). A mapping is a principal of its own
 * (`User:group-…` in role bindings); its bindings apply to console sessions whose groups match,
 * never to API keys. Deleting a mapping deletes its role bindings before it answers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { MAX_FILTER_LENGTH, groupMappingFilterCompiler } from '../../../authn/index.ts'
import type { Authorizer } from '../../../authz/index.ts'
import { GatewayError } from '../../../core/index.ts'
import type { GroupMappingRecord } from '../../../store/index.ts'
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
import { Description, DisplayName } from './identity-providers.ts'

export interface GroupMappingRouteContext extends ControlPlaneContext {
  readonly authorizer: Authorizer
}

// As for identity pools, the 300-character limit is checked in the handler (same error as any
// other bad filter); this bound only keeps bodies sane.
const Filter = Type.String({
  maxLength: 65_536,
  description:
    `Which people the mapping covers: a CEL expression on \`groups\` (the groups claim, a list of strings) ` +
    `and \`claims\` (the ID token's claims), at most ${MAX_FILTER_LENGTH} characters, e.g. \`"engineering" in groups\`.`,
})

export const GroupMapping = Type.Object({
  api_version: Type.Literal('iam.v2/sso'),
  kind: Type.Literal('GroupMapping'),
  id: Type.String(),
  metadata: ObjectMeta,
  display_name: Type.String(),
  description: Type.String(),
  filter: Type.String(),
  principal: Type.String(),
  state: Type.String(),
})

const GroupMappingList = Type.Object({
  api_version: Type.Literal('iam.v2/sso'),
  kind: Type.Literal('GroupMappingList'),
  metadata: ListMeta,
  data: Type.Array(GroupMapping),
})

const CreateBody = Type.Object(
  { ...EchoedEnvelope, display_name: DisplayName, description: Type.Optional(Description), filter: Filter },
  { additionalProperties: false },
)

const UpdateBody = Type.Object(
  {
    ...EchoedEnvelope,
    display_name: Type.Optional(DisplayName),
    description: Type.Optional(Description),
    filter: Type.Optional(Filter),
  },
  { additionalProperties: false },
)

/** The filter as given, once it is short enough and compiles. */
export function checkGroupMappingFilter(source: string): string {
  const invalid = (message: string) =>
    new GatewayError('GW_GROUP_MAPPING_FILTER_INVALID', message, { source: { pointer: '/filter' } })
  if ([...source].length > MAX_FILTER_LENGTH) {
    throw invalid(
      `filter is ${[...source].length} characters long; at most ${MAX_FILTER_LENGTH} are allowed.`,
    )
  }
  if (source.trim() === '') throw invalid('filter is empty; write e.g. "engineering" in groups.')
  const compiled = groupMappingFilterCompiler.compile(source)
  if (!compiled.ok) throw invalid(`filter is not valid: ${compiled.error.message}`)
  return source
}

export function groupMappingUrl(origin: string, id: string): string {
  return `${origin}/iam/v2/sso/group-mappings/${encodeURIComponent(id)}`
}

export function registerGroupMappingRoutes(app: FastifyInstance, context: GroupMappingRouteContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const store = context.identities.sso

  const renderer = async (request: FastifyRequest) => {
    const origin = originOf(request, context)
    const organizationId = await organizationIdOf(context)
    return (mapping: GroupMappingRecord) => ({
      api_version: 'iam.v2/sso' as const,
      kind: 'GroupMapping' as const,
      id: mapping.id,
      metadata: objectMeta(
        groupMappingUrl(origin, mapping.id),
        `${CRN_ROOT}/organization=${organizationId}/group-mapping=${mapping.id}`,
        mapping,
      ),
      display_name: mapping.displayName,
      description: mapping.description,
      filter: mapping.filter,
      // Role bindings name the mapping `User:<id>`.
      principal: mapping.id,
      state: mapping.state,
    })
  }

  routes.get(
    '/iam/v2/sso/group-mappings',
    {
      schema: {
        operationId: 'listIamV2SsoGroupMappings',
        querystring: ListQuery,
        response: { 200: GroupMappingList },
      },
    },
    async (request) => {
      const page = await fromStore(() => store.listGroupMappings(pageRequestOf(request.query)))
      const render = await renderer(request)
      return listEnvelope(
        request,
        context,
        { apiVersion: 'iam.v2/sso', kind: 'GroupMappingList' },
        page,
        render,
      )
    },
  )

  routes.post(
    '/iam/v2/sso/group-mappings',
    {
      schema: {
        operationId: 'createIamV2SsoGroupMapping',
        body: CreateBody,
        response: { 201: GroupMapping },
      },
    },
    async (request, reply) => {
      const body = request.body
      const filter = checkGroupMappingFilter(body.filter)
      const mapping = await fromStore(() =>
        store.createGroupMapping(
          { displayName: body.display_name, description: body.description ?? '', filter },
          actorOf(request),
        ),
      )
      const rendered = (await renderer(request))(mapping)
      return reply.code(201).header('location', rendered.metadata.self).send(rendered)
    },
  )

  routes.get(
    '/iam/v2/sso/group-mappings/:id',
    { schema: { operationId: 'getIamV2SsoGroupMapping', params: IdParams, response: { 200: GroupMapping } } },
    async (request) => {
      const mapping = await fromStore(() => store.getGroupMapping(request.params.id))
      if (!mapping) throw notFound('Group mapping', request.params.id)
      return (await renderer(request))(mapping)
    },
  )

  routes.patch(
    '/iam/v2/sso/group-mappings/:id',
    {
      schema: {
        operationId: 'updateIamV2SsoGroupMapping',
        params: IdParams,
        body: UpdateBody,
        response: { 200: GroupMapping },
      },
    },
    async (request) => {
      const body = request.body
      const changes = {
        ...(body.display_name === undefined ? {} : { displayName: body.display_name }),
        ...(body.description === undefined ? {} : { description: body.description }),
        ...(body.filter === undefined ? {} : { filter: checkGroupMappingFilter(body.filter) }),
      }
      const mapping = await fromStore(() =>
        store.updateGroupMapping(request.params.id, changes, actorOf(request)),
      )
      if (!mapping) throw notFound('Group mapping', request.params.id)
      return (await renderer(request))(mapping)
    },
  )

  routes.delete(
    '/iam/v2/sso/group-mappings/:id',
    { schema: { operationId: 'deleteIamV2SsoGroupMapping', params: IdParams, response: { 204: NoContent } } },
    async (request, reply) => {
      const deleted = await fromStore(() => store.deleteGroupMapping(request.params.id, actorOf(request)))
      if (!deleted) throw notFound('Group mapping', request.params.id)
      // Its role bindings stop granting before this answers.
      await context.authorizer.reloadRoleBindings()
      return reply.code(204).send()
    },
  )
}
