/**
 * @module http/routes/kafka-v3/acls
 *
 * Kafka ACLs as Confluent's REST API manages them: list by filter, create one (201 with the
 * ACL's search URL as Location), create a batch, delete by filter (answering the deleted ACLs).
 * Enum values are case-insensitive; an unknown one is 404, as in Confluent's proxy.
 */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type Type from 'typebox'
import {
  ACL_OPERATIONS,
  ACL_PATTERN_TYPES,
  ACL_PERMISSIONS,
  ACL_RESOURCE_TYPES,
  GatewayError,
  type Acl,
  type AclFilter,
} from '../../../core/index.ts'
import { ClusterIdParams, CreatedWithoutBody } from '../../schemas/common.ts'
import {
  AclList,
  AclQuery,
  CreateAclBatchRequest,
  CreateAclRequest,
  DeleteAclsResponse,
} from '../../schemas/kafka-v3.ts'
import { linksFor, type KafkaV3RouteContext } from './context.ts'
import type { KafkaV3Links } from './links.ts'

type AclField = 'resource_type' | 'pattern_type' | 'operation' | 'permission'

const ENUMS: Record<AclField, { readonly typeName: string; readonly values: readonly string[] }> = {
  resource_type: { typeName: 'AclResourceType', values: ['UNKNOWN', 'ANY', ...ACL_RESOURCE_TYPES] },
  pattern_type: { typeName: 'AclPatternType', values: ['UNKNOWN', 'ANY', 'MATCH', ...ACL_PATTERN_TYPES] },
  operation: { typeName: 'AclOperation', values: ['UNKNOWN', 'ANY', ...ACL_OPERATIONS] },
  permission: { typeName: 'AclPermission', values: ['UNKNOWN', 'ANY', ...ACL_PERMISSIONS] },
}
/** Values that select rather than name, so they cannot be part of an ACL. */
const FILTER_ONLY: Record<AclField, readonly string[]> = {
  resource_type: ['UNKNOWN', 'ANY'],
  pattern_type: ['UNKNOWN', 'ANY', 'MATCH'],
  operation: ['UNKNOWN', 'ANY'],
  permission: ['UNKNOWN', 'ANY'],
}

/** Reads an enum value case-insensitively; undefined stays undefined. */
function readEnum(field: AclField, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined
  const value = raw.toUpperCase()
  const { typeName, values } = ENUMS[field]
  if (!values.includes(value)) {
    throw new GatewayError(
      'GW_HTTP_INVALID_ENUM',
      `The valid values for ${typeName} do not include '${raw}'`,
      {
        source: { parameter: field },
      },
    )
  }
  return value
}

function toAclData(links: KafkaV3Links, clusterId: string, acl: Acl) {
  return {
    kind: 'KafkaAcl' as const,
    metadata: { self: searchUrl(links, clusterId, acl) },
    cluster_id: clusterId,
    resource_type: acl.resourceType,
    resource_name: acl.resourceName,
    pattern_type: acl.patternType,
    principal: acl.principal,
    host: acl.host,
    operation: acl.operation,
    permission: acl.permission,
  }
}

/** The search URL that finds exactly this ACL (Confluent's `metadata.self` and `Location`). */
function searchUrl(links: KafkaV3Links, clusterId: string, acl: Acl): string {
  const query = [
    ['resource_type', acl.resourceType],
    ['resource_name', acl.resourceName],
    ['pattern_type', acl.patternType],
    ['principal', acl.principal],
    ['host', acl.host],
    ['operation', acl.operation],
    ['permission', acl.permission],
  ]
    .map(([name, value]) => `${name}=${encodeURIComponent(value!)}`)
    .join('&')
  return `${links.clusterChild(clusterId, 'acls')}?${query}`
}

function toAcl(body: Type.Static<typeof CreateAclRequest>): Acl {
  const checked = {} as Record<AclField, string>
  for (const field of ['resource_type', 'pattern_type', 'operation', 'permission'] as const) {
    const value = readEnum(field, body[field])!
    if (FILTER_ONLY[field].includes(value))
      throw new GatewayError('GW_ACL_INVALID', `${field} cannot be ${value}`)
    checked[field] = value
  }
  return {
    resourceType: checked.resource_type as Acl['resourceType'],
    resourceName: body.resource_name,
    patternType: checked.pattern_type as Acl['patternType'],
    principal: body.principal,
    host: body.host,
    operation: checked.operation as Acl['operation'],
    permission: checked.permission as Acl['permission'],
  }
}

function toFilter(query: Type.Static<typeof AclQuery>, isDelete: boolean): AclFilter {
  const enumOrAny = (field: AclField) => {
    const value = readEnum(field, query[field])
    if (isDelete && (value === undefined || value === 'UNKNOWN')) {
      throw new GatewayError('GW_ACL_INVALID', `${field} cannot be unspecified or UNKNOWN`, {
        source: { parameter: field },
      })
    }
    return value === undefined || value === 'UNKNOWN' ? 'ANY' : value
  }
  return {
    resourceType: enumOrAny('resource_type') as AclFilter['resourceType'],
    resourceName: query.resource_name,
    patternType: enumOrAny('pattern_type') as AclFilter['patternType'],
    principal: query.principal,
    host: query.host,
    operation: enumOrAny('operation') as AclFilter['operation'],
    permission: enumOrAny('permission') as AclFilter['permission'],
  }
}

export function registerAclRoutes(app: FastifyInstance, context: KafkaV3RouteContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.get(
    '/kafka/v3/clusters/:cluster_id/acls',
    {
      schema: {
        operationId: 'getKafkaAcls',
        params: ClusterIdParams,
        querystring: AclQuery,
        response: { 200: AclList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId } = request.params
      const filter = toFilter(request.query, false)
      const client = await context.clusters.resolve(clusterId)
      const links = linksFor(request, context)
      const selfQuery = new URL(request.url, 'http://x').search
      return {
        kind: 'KafkaAclList' as const,
        metadata: { self: `${links.clusterChild(clusterId, 'acls')}${selfQuery}`, next: null },
        data: (await client.describeAcls(filter)).map((acl) => toAclData(links, clusterId, acl)),
      }
    },
  )

  routes.post(
    '/kafka/v3/clusters/:cluster_id/acls',
    {
      schema: {
        operationId: 'createKafkaAcls',
        params: ClusterIdParams,
        body: CreateAclRequest,
        response: { 201: CreatedWithoutBody },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId } = request.params
      const acl = toAcl(request.body)
      const client = await context.clusters.resolve(clusterId)
      await client.createAcls([acl])
      await context.onAclsChanged(clusterId, { created: [acl] })
      return reply
        .code(201)
        .header('location', searchUrl(linksFor(request, context), clusterId, acl))
        .send()
    },
  )

  routes.post(
    '/kafka/v3/clusters/:cluster_id/acls::batch',
    {
      schema: {
        operationId: 'batchCreateKafkaAcls',
        params: ClusterIdParams,
        body: CreateAclBatchRequest,
        response: { 201: CreatedWithoutBody },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId } = request.params
      const acls = request.body.data.map(toAcl)
      const client = await context.clusters.resolve(clusterId)
      await client.createAcls(acls)
      await context.onAclsChanged(clusterId, { created: acls })
      return reply.code(201).send()
    },
  )

  routes.delete(
    '/kafka/v3/clusters/:cluster_id/acls',
    {
      schema: {
        operationId: 'deleteKafkaAcls',
        params: ClusterIdParams,
        querystring: AclQuery,
        response: { 200: DeleteAclsResponse },
      },
    },
    async (request) => {
      const { cluster_id: clusterId } = request.params
      const filter = toFilter(request.query, true)
      const client = await context.clusters.resolve(clusterId)
      const links = linksFor(request, context)
      const deleted = await client.deleteAcls(filter)
      await context.onAclsChanged(clusterId, { deleted })
      return { data: deleted.map((acl) => toAclData(links, clusterId, acl)) }
    },
  )
}
