/**
 * @module http/routes/kafka-v3/brokers
 *
 * The brokers of a cluster.
 */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { GatewayError } from '../../../core/index.ts'
import type { KafkaBroker } from '../../../kafka/index.ts'
import { ClusterIdParams } from '../../schemas/common.ts'
import { Broker, BrokerList, BrokerParams } from '../../schemas/kafka-v3.ts'
import { linksFor, type KafkaV3RouteContext } from './context.ts'
import { crn, type KafkaV3Links } from './links.ts'

function toBroker(links: KafkaV3Links, clusterId: string, broker: KafkaBroker) {
  const self = links.broker(clusterId, broker.brokerId)
  return {
    kind: 'KafkaBroker' as const,
    metadata: { self, resource_name: crn.broker(clusterId, broker.brokerId) },
    cluster_id: clusterId,
    broker_id: broker.brokerId,
    host: broker.host,
    port: broker.port,
    rack: broker.rack,
    configs: { related: `${self}/configs` },
    partition_replicas: { related: `${self}/partition-replicas` },
  }
}

export function registerBrokerRoutes(app: FastifyInstance, context: KafkaV3RouteContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.get(
    '/kafka/v3/clusters/:cluster_id/brokers',
    { schema: { operationId: 'listKafkaBrokers', params: ClusterIdParams, response: { 200: BrokerList } } },
    async (request) => {
      const { cluster_id: clusterId } = request.params
      const cluster = await (await context.clusters.resolve(clusterId)).describeCluster()
      const links = linksFor(request, context)
      return {
        kind: 'KafkaBrokerList' as const,
        metadata: { self: links.clusterChild(clusterId, 'brokers'), next: null },
        data: cluster.brokers.map((broker) => toBroker(links, clusterId, broker)),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/brokers/:broker_id',
    { schema: { operationId: 'getKafkaBroker', params: BrokerParams, response: { 200: Broker } } },
    async (request) => {
      const { cluster_id: clusterId, broker_id: brokerId } = request.params
      const cluster = await (await context.clusters.resolve(clusterId)).describeCluster()
      const broker = cluster.brokers.find((candidate) => candidate.brokerId === brokerId)
      if (!broker) throw new GatewayError('GW_BROKER_NOT_FOUND', `Broker ${brokerId} cannot be found.`)
      return toBroker(linksFor(request, context), clusterId, broker)
    },
  )
}
