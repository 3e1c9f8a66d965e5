/**
 * @module http/routes/kafka-v3/broker-configs
 *
 * Configs of each broker (`/brokers/{id}/configs…`, `/brokers/-/configs`) and the cluster-wide
 * dynamic broker defaults (`/broker-configs…`), which every broker applies unless it has its own.
 */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { GatewayError } from '../../../core/index.ts'
import type { KafkaClusterClient, KafkaConfigEntry } from '../../../kafka/index.ts'
import { ClusterIdParams, NoContent } from '../../schemas/common.ts'
import {
  AlterConfigsRequest,
  BrokerConfig,
  BrokerConfigList,
  BrokerConfigParams,
  BrokerParams,
  ClusterConfig,
  ClusterConfigList,
  ClusterConfigParams,
  UpdateConfigRequest,
} from '../../schemas/kafka-v3.ts'
import { configFields, toConfigChange, toConfigChanges } from './config-fields.ts'
import { linksFor, type KafkaV3RouteContext } from './context.ts'
import type { KafkaV3Links } from './links.ts'

const segment = encodeURIComponent

function toBrokerConfig(links: KafkaV3Links, clusterId: string, brokerId: number, config: KafkaConfigEntry) {
  return {
    kind: 'KafkaBrokerConfig' as const,
    metadata: {
      self: `${links.broker(clusterId, brokerId)}/configs/${segment(config.name)}`,
      resource_name: `crn:///kafka=${clusterId}/broker=${brokerId}/config=${config.name}`,
    },
    cluster_id: clusterId,
    broker_id: brokerId,
    ...configFields(config),
  }
}

function toClusterConfig(links: KafkaV3Links, clusterId: string, config: KafkaConfigEntry) {
  return {
    kind: 'KafkaClusterConfig' as const,
    metadata: {
      self: links.clusterChild(clusterId, `broker-configs/${segment(config.name)}`),
      resource_name: `crn:///kafka=${clusterId}/broker-config=${config.name}`,
    },
    cluster_id: clusterId,
    config_type: 'BROKER' as const,
    ...configFields(config),
  }
}

function findConfig(
  configs: readonly KafkaConfigEntry[],
  name: string,
  owner: string,
  clusterId: string,
): KafkaConfigEntry {
  const config = configs.find((candidate) => candidate.name === name)
  if (!config)
    throw new GatewayError(
      'GW_CONFIG_NOT_FOUND',
      `Config ${name} cannot be found for ${owner} in cluster ${clusterId}.`,
    )
  return config
}

export function registerBrokerConfigRoutes(app: FastifyInstance, context: KafkaV3RouteContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const client = (clusterId: string): Promise<KafkaClusterClient> => context.clusters.resolve(clusterId)

  routes.get(
    '/kafka/v3/clusters/:cluster_id/brokers/-/configs',
    {
      schema: {
        operationId: 'listKafkaAllBrokerConfigs',
        params: ClusterIdParams,
        response: { 200: BrokerConfigList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId } = request.params
      const kafka = await client(clusterId)
      const links = linksFor(request, context)
      const brokers = (await kafka.describeCluster()).brokers
      const configs = await Promise.all(brokers.map((broker) => kafka.describeBrokerConfigs(broker.brokerId)))
      return {
        kind: 'KafkaBrokerConfigList' as const,
        metadata: { self: links.clusterChild(clusterId, 'brokers/-/configs'), next: null },
        data: brokers.flatMap((broker, index) =>
          configs[index]!.map((config) => toBrokerConfig(links, clusterId, broker.brokerId, config)),
        ),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/brokers/:broker_id/configs',
    {
      schema: {
        operationId: 'listKafkaBrokerConfigs',
        params: BrokerParams,
        response: { 200: BrokerConfigList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, broker_id: brokerId } = request.params
      const configs = await (await client(clusterId)).describeBrokerConfigs(brokerId)
      const links = linksFor(request, context)
      return {
        kind: 'KafkaBrokerConfigList' as const,
        metadata: { self: `${links.broker(clusterId, brokerId)}/configs`, next: null },
        data: configs.map((config) => toBrokerConfig(links, clusterId, brokerId, config)),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/brokers/:broker_id/configs/:name',
    {
      schema: {
        operationId: 'getKafkaBrokerConfig',
        params: BrokerConfigParams,
        response: { 200: BrokerConfig },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, broker_id: brokerId, name } = request.params
      const configs = await (await client(clusterId)).describeBrokerConfigs(brokerId)
      return toBrokerConfig(
        linksFor(request, context),
        clusterId,
        brokerId,
        findConfig(configs, name, `broker ${brokerId}`, clusterId),
      )
    },
  )

  routes.put(
    '/kafka/v3/clusters/:cluster_id/brokers/:broker_id/configs/:name',
    {
      schema: {
        operationId: 'updateKafkaBrokerConfig',
        params: BrokerConfigParams,
        body: UpdateConfigRequest,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId, broker_id: brokerId, name } = request.params
      const kafka = await client(clusterId)
      findConfig(await kafka.describeBrokerConfigs(brokerId), name, `broker ${brokerId}`, clusterId)
      await kafka.alterBrokerConfigs(brokerId, [toConfigChange(name, request.body.value)], false)
      return reply.code(204).send()
    },
  )

  routes.delete(
    '/kafka/v3/clusters/:cluster_id/brokers/:broker_id/configs/:name',
    {
      schema: {
        operationId: 'deleteKafkaBrokerConfig',
        params: BrokerConfigParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId, broker_id: brokerId, name } = request.params
      const kafka = await client(clusterId)
      findConfig(await kafka.describeBrokerConfigs(brokerId), name, `broker ${brokerId}`, clusterId)
      await kafka.alterBrokerConfigs(brokerId, [{ name, operation: 'DELETE' }], false)
      return reply.code(204).send()
    },
  )

  routes.post(
    '/kafka/v3/clusters/:cluster_id/brokers/:broker_id/configs::alter',
    {
      schema: {
        operationId: 'updateKafkaBrokerConfigBatch',
        params: BrokerParams,
        body: AlterConfigsRequest,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId, broker_id: brokerId } = request.params
      await (
        await client(clusterId)
      ).alterBrokerConfigs(brokerId, toConfigChanges(request.body.data), request.body.validate_only === true)
      return reply.code(204).send()
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/broker-configs',
    {
      schema: {
        operationId: 'listKafkaClusterConfigs',
        params: ClusterIdParams,
        response: { 200: ClusterConfigList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId } = request.params
      const configs = await (await client(clusterId)).describeBrokerConfigs(null)
      const links = linksFor(request, context)
      return {
        kind: 'KafkaClusterConfigList' as const,
        metadata: { self: links.clusterChild(clusterId, 'broker-configs'), next: null },
        data: configs.map((config) => toClusterConfig(links, clusterId, config)),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/broker-configs/:name',
    {
      schema: {
        operationId: 'getKafkaClusterConfig',
        params: ClusterConfigParams,
        response: { 200: ClusterConfig },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, name } = request.params
      const configs = await (await client(clusterId)).describeBrokerConfigs(null)
      return toClusterConfig(
        linksFor(request, context),
        clusterId,
        findConfig(configs, name, 'the cluster', clusterId),
      )
    },
  )

  // Cluster-wide configs exist only once set, so PUT may create one and DELETE of an unset one is a no-op.
  routes.put(
    '/kafka/v3/clusters/:cluster_id/broker-configs/:name',
    {
      schema: {
        operationId: 'updateKafkaClusterConfig',
        params: ClusterConfigParams,
        body: UpdateConfigRequest,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId, name } = request.params
      await (
        await client(clusterId)
      ).alterBrokerConfigs(null, [toConfigChange(name, request.body.value)], false)
      return reply.code(204).send()
    },
  )

  routes.delete(
    '/kafka/v3/clusters/:cluster_id/broker-configs/:name',
    {
      schema: {
        operationId: 'deleteKafkaClusterConfig',
        params: ClusterConfigParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId, name } = request.params
      await (await client(clusterId)).alterBrokerConfigs(null, [{ name, operation: 'DELETE' }], false)
      return reply.code(204).send()
    },
  )

  routes.post(
    '/kafka/v3/clusters/:cluster_id/broker-configs::alter',
    {
      schema: {
        operationId: 'updateKafkaClusterConfigs',
        params: ClusterIdParams,
        body: AlterConfigsRequest,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId } = request.params
      await (
        await client(clusterId)
      ).alterBrokerConfigs(null, toConfigChanges(request.body.data), request.body.validate_only === true)
      return reply.code(204).send()
    },
  )
}
