/**
 * @module http/routes/kafka-v3/clusters
 *
 * `GET /kafka/v3/clusters` (every configured cluster that answers) and
 * `GET /kafka/v3/clusters/{cluster_id}`.
 */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { KafkaClusterDescription } from '../../../kafka/index.ts'
import { ClusterIdParams } from '../../schemas/common.ts'
import { Cluster, ClusterList } from '../../schemas/kafka-v3.ts'
import { accessOf, linksFor, type KafkaV3RouteContext } from './context.ts'
import { crn, type KafkaV3Links } from './links.ts'

function toCluster(links: KafkaV3Links, cluster: KafkaClusterDescription) {
  const id = cluster.clusterId
  const related = (path: string) => ({ related: links.clusterChild(id, path) })
  return {
    kind: 'KafkaCluster' as const,
    metadata: { self: links.cluster(id), resource_name: crn.cluster(id) },
    cluster_id: id,
    controller: cluster.controllerId === null ? null : { related: links.broker(id, cluster.controllerId) },
    acls: related('acls'),
    brokers: related('brokers'),
    broker_configs: related('broker-configs'),
    consumer_groups: related('consumer-groups'),
    topics: related('topics'),
    partition_reassignments: related('topics/-/partitions/-/reassignment'),
  }
}

export function registerClusterRoutes(app: FastifyInstance, context: KafkaV3RouteContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.get(
    '/kafka/v3/clusters',
    { schema: { operationId: 'listKafkaClusters', response: { 200: ClusterList } } },
    async (request) => {
      const links = linksFor(request, context)
      const scope = request.principal?.scope
      // A cluster key sees only the cluster it opens.
      const access = accessOf(request)
      const inScope = (await context.clusters.list()).filter(
        (entry) => scope?.kind !== 'cluster' || entry.description.clusterId === scope.clusterId,
      )
      const entries = await access.filter(
        inScope,
        async (entry) => ({
          resource: await access.paths.kafkaCluster(entry.description.clusterId),
          operation: 'Describe',
        }),
        {
          resource: [...access.paths.organization(), { type: 'environment', name: '*' }],
          operation: 'Describe',
        },
      )
      return {
        kind: 'KafkaClusterList' as const,
        metadata: { self: links.clusters(), next: null },
        data: entries.map((entry) => toCluster(links, entry.description)),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id',
    { schema: { operationId: 'getKafkaCluster', params: ClusterIdParams, response: { 200: Cluster } } },
    async (request) => {
      const client = await context.clusters.resolve(request.params.cluster_id)
      return toCluster(linksFor(request, context), await client.describeCluster())
    },
  )
}
