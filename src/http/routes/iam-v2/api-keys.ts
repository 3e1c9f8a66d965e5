/**
 * @module http/routes/iam-v2/api-keys
 *
 * `/iam/v2/api-keys`. A key belongs to a service account or a user and opens one Kafka cluster
 * (`spec.resource` = the cluster) or the management API (no resource). The secret is generated
 * here, returned in the create response only, and stored as a salted hash.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { generateKeyId, generateSecret, hashSecret } from '../../../authn/index.ts'
import { GatewayError, type Action } from '../../../core/index.ts'
import type { ApiKeyRecord, ApiKeyScope } from '../../../store/index.ts'
import { accessOf } from '../../plugins/authorize.ts'
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
import { environmentCrn } from '../org-v2/environments.ts'
import { serviceAccountCrn, serviceAccountUrl } from './service-accounts.ts'
import { userCrn, userUrl } from './users.ts'

const ObjectReference = Type.Object({
  id: Type.String(),
  related: Type.String(),
  resource_name: Type.String(),
  api_version: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String()),
  environment: Type.Optional(Type.String()),
})

const ApiKey = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('ApiKey'),
  id: Type.String(),
  metadata: ObjectMeta,
  spec: Type.Object({
    secret: Type.Optional(Type.String()),
    display_name: Type.String(),
    description: Type.String(),
    owner: ObjectReference,
    resource: Type.Optional(ObjectReference),
    resources: Type.Array(ObjectReference),
  }),
})

const ApiKeyList = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('ApiKeyList'),
  metadata: ListMeta,
  data: Type.Array(ApiKey),
})

/** A reference in a request body: only `id` (and `environment`) matter, the rest is echoed back. */
const ReferenceInput = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 255 }),
    environment: Type.Optional(Type.String({ maxLength: 255 })),
    related: Type.Optional(Type.String()),
    resource_name: Type.Optional(Type.String()),
    api_version: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

const Text = (maxLength: number) => Type.String({ maxLength })

const CreateBody = Type.Object(
  {
    ...EchoedEnvelope,
    spec: Type.Object(
      {
        display_name: Type.Optional(Text(255)),
        description: Type.Optional(Text(1024)),
        owner: ReferenceInput,
        resource: Type.Optional(Type.Union([ReferenceInput, Type.Null()])),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)

const UpdateBody = Type.Object(
  {
    ...EchoedEnvelope,
    spec: Type.Object(
      { display_name: Type.Optional(Text(255)), description: Type.Optional(Text(1024)) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)

const ListApiKeysQuery = Type.Object({
  ...ListQuery.properties,
  'spec.owner': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Owner id.' })),
  'spec.resource': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Kafka cluster id the keys open.' }),
  ),
})

function ownerKindOf(id: string): 'ServiceAccount' | 'User' {
  if (id.startsWith('sa-')) return 'ServiceAccount'
  if (id.startsWith('u-')) return 'User'
  throw new GatewayError(
    'GW_HTTP_INVALID_FIELD',
    `spec.owner.id must name a service account (sa-…) or a user (u-…), not "${id}".`,
    { source: { pointer: '/spec/owner/id' } },
  )
}

async function renderer(request: FastifyRequest, context: ControlPlaneContext) {
  const origin = originOf(request, context)
  const organizationId = await organizationIdOf(context)
  return (key: ApiKeyRecord, secret?: string) => {
    const owner =
      key.ownerKind === 'ServiceAccount'
        ? {
            id: key.ownerId,
            related: serviceAccountUrl(origin, key.ownerId),
            resource_name: serviceAccountCrn(organizationId, key.ownerId),
            api_version: 'iam/v2',
            kind: 'ServiceAccount',
          }
        : {
            id: key.ownerId,
            related: userUrl(origin, key.ownerId),
            resource_name: userCrn(organizationId, key.ownerId),
            api_version: 'iam/v2',
            kind: 'User',
          }
    const resource =
      key.scope.kind === 'cluster'
        ? {
            id: key.scope.clusterId,
            environment: key.scope.environmentId,
            related: `${origin}/kafka/v3/clusters/${encodeURIComponent(key.scope.clusterId)}`,
            resource_name: `${environmentCrn(organizationId, key.scope.environmentId)}/cloud-cluster=${key.scope.clusterId}`,
            api_version: 'cmk/v2',
            kind: 'Cluster',
          }
        : undefined
    return {
      api_version: 'iam/v2' as const,
      kind: 'ApiKey' as const,
      id: key.id,
      metadata: objectMeta(
        `${origin}/iam/v2/api-keys/${encodeURIComponent(key.id)}`,
        `${CRN_ROOT}/organization=${organizationId}/api-key=${key.id}`,
        key,
      ),
      spec: {
        ...(secret === undefined ? {} : { secret }),
        display_name: key.displayName,
        description: key.description,
        owner,
        ...(resource ? { resource } : {}),
        resources: resource ? [resource] : [],
      },
    }
  }
}

export function registerApiKeyRoutes(app: FastifyInstance, context: ControlPlaneContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const store = context.identities

  /**
   * Who may manage a key: its owner, or whoever may ManageApiKeys on what it opens (its cluster,
   * or the organization for management keys) or on its owning service account.
   */
  async function requireKeyManagement(
    request: FastifyRequest,
    key: { ownerId: string; scope: ApiKeyScope | { kind: 'cluster'; clusterId: string } },
  ): Promise<void> {
    const access = accessOf(request)
    const paths = access.paths
    const scopeResource =
      key.scope.kind === 'cluster' ? await paths.cloudCluster(key.scope.clusterId) : paths.organization()
    if (access.holds(`User:${key.ownerId}`)) {
      access.allowOwn({ resource: scopeResource, operation: 'ManageApiKeys' })
      return
    }
    const alternatives: Action[] = [{ resource: scopeResource, operation: 'ManageApiKeys' }]
    if (key.ownerId.startsWith('sa-')) {
      alternatives.push({ resource: paths.serviceAccount(key.ownerId), operation: 'ManageApiKeys' })
    }
    if (!(await access.allowsAny(alternatives))) throw new GatewayError('GW_AUTHZ_DENIED')
  }

  /**
   * The stored key, once the caller may manage it. A key that does not exist is reported as such
   * only to those who may manage every key; others get 403 either way.
   */
  async function manageableKey(request: FastifyRequest, id: string): Promise<ApiKeyRecord> {
    const key = await fromStore(() => store.getApiKey(id))
    if (key === undefined) {
      const access = accessOf(request)
      await access.require({ resource: access.paths.organization(), operation: 'ManageApiKeys' })
      throw notFound('API key', id)
    }
    await requireKeyManagement(request, key)
    return key
  }

  routes.get(
    '/iam/v2/api-keys',
    {
      schema: {
        operationId: 'listIamV2ApiKeys',
        querystring: ListApiKeysQuery,
        response: { 200: ApiKeyList },
      },
    },
    async (request) => {
      const owner = request.query['spec.owner']
      const resource = request.query['spec.resource']
      const access = accessOf(request)
      if (owner !== undefined && access.holds(`User:${owner}`)) {
        access.allowOwn({ resource: access.paths.organization(), operation: 'ManageApiKeys' })
      } else {
        const alternatives: Action[] = [{ resource: access.paths.organization(), operation: 'ManageApiKeys' }]
        if (resource !== undefined) {
          alternatives.push({
            resource: await access.paths.cloudCluster(resource),
            operation: 'ManageApiKeys',
          })
        }
        if (owner?.startsWith('sa-') === true) {
          alternatives.push({ resource: access.paths.serviceAccount(owner), operation: 'ManageApiKeys' })
        }
        if (!(await access.allowsAny(alternatives))) throw new GatewayError('GW_AUTHZ_DENIED')
      }
      const page = await fromStore(() =>
        store.listApiKeys(pageRequestOf(request.query), {
          ...(owner === undefined ? {} : { ownerId: owner }),
          ...(resource === undefined ? {} : { resourceId: resource }),
        }),
      )
      const render = await renderer(request, context)
      return listEnvelope(request, context, { apiVersion: 'iam/v2', kind: 'ApiKeyList' }, page, (key) =>
        render(key),
      )
    },
  )

  routes.post(
    '/iam/v2/api-keys',
    {
      schema: {
        operationId: 'createIamV2ApiKey',
        body: CreateBody,
        response: { 202: ApiKey },
      },
    },
    async (request, reply) => {
      const { spec } = request.body
      const ownerKind = ownerKindOf(spec.owner.id)
      const secret = generateSecret()
      const resource = spec.resource ?? undefined
      await requireKeyManagement(request, {
        ownerId: spec.owner.id,
        scope: resource === undefined ? { kind: 'management' } : { kind: 'cluster', clusterId: resource.id },
      })
      const key = await fromStore(() =>
        store.createApiKey(
          {
            id: generateKeyId(),
            displayName: spec.display_name ?? '',
            description: spec.description ?? '',
            ownerId: spec.owner.id,
            ownerKind,
            scope:
              resource === undefined
                ? { kind: 'management' }
                : { kind: 'cluster', clusterId: resource.id, environmentId: resource.environment ?? '' },
            secretHash: hashSecret(secret),
          },
          actorOf(request),
        ),
      )
      if (resource?.environment !== undefined && key.scope.kind === 'cluster') {
        // The cluster's environment is the stored one; a wrong one in the request is only noted.
        if (resource.environment !== key.scope.environmentId) {
          request.log.info(
            { keyId: key.id, given: resource.environment, actual: key.scope.environmentId },
            'API key request named another environment than the cluster is in; the cluster’s is used',
          )
        }
      }
      const rendered = (await renderer(request, context))(key, secret)
      return reply.code(202).header('location', rendered.metadata.self).send(rendered)
    },
  )

  routes.get(
    '/iam/v2/api-keys/:id',
    { schema: { operationId: 'getIamV2ApiKey', params: IdParams, response: { 200: ApiKey } } },
    async (request) => {
      const key = await manageableKey(request, request.params.id)
      return (await renderer(request, context))(key)
    },
  )

  routes.patch(
    '/iam/v2/api-keys/:id',
    {
      schema: {
        operationId: 'updateIamV2ApiKey',
        params: IdParams,
        body: UpdateBody,
        response: { 200: ApiKey },
      },
    },
    async (request) => {
      const { spec } = request.body
      const changes = {
        ...(spec.display_name === undefined ? {} : { displayName: spec.display_name }),
        ...(spec.description === undefined ? {} : { description: spec.description }),
      }
      await manageableKey(request, request.params.id)
      const key = await fromStore(() => store.updateApiKey(request.params.id, changes, actorOf(request)))
      if (!key) throw notFound('API key', request.params.id)
      return (await renderer(request, context))(key)
    },
  )

  routes.delete(
    '/iam/v2/api-keys/:id',
    { schema: { operationId: 'deleteIamV2ApiKey', params: IdParams, response: { 204: NoContent } } },
    async (request, reply) => {
      await manageableKey(request, request.params.id)
      const deleted = await fromStore(() => store.deleteApiKey(request.params.id, actorOf(request)))
      if (!deleted) throw notFound('API key', request.params.id)
      return reply.code(204).send()
    },
  )
}
