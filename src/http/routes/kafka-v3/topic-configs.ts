/**
 * @module http/routes/kafka-v3/topic-configs
 *
 * Topic configs: list, get, set one (PUT), reset one to its default (DELETE), and alter several at
 * once (`configs:alter`, with `validate_only`). Changes are incremental: configs not named keep
 * their values.
 */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { GatewayError } from '../../../core/index.ts'
import type { KafkaConfigEntry } from '../../../kafka/index.ts'
import { ClusterIdParams, NoContent } from '../../schemas/common.ts'
import {
  AlterConfigsRequest,
  TopicConfig,
  TopicConfigList,
  TopicConfigParams,
  TopicParams,
  UpdateConfigRequest,
} from '../../schemas/kafka-v3.ts'
import { configFields, toConfigChange, toConfigChanges } from './config-fields.ts'
import { accessOf, linksFor, requireExistingTopicName, type KafkaV3RouteContext } from './context.ts'
import { crn, type KafkaV3Links } from './links.ts'

const ALL_TOPICS_CONCURRENCY = 8

/** What a config would be for a new topic: the topic's own override set aside. */
function withoutTopicOverride(config: KafkaConfigEntry): KafkaConfigEntry {
  const synonyms = config.synonyms.filter((synonym) => synonym.source !== 'DYNAMIC_TOPIC_CONFIG')
  const effective = synonyms[0]
  return {
    ...config,
    value: effective?.value ?? (config.source === 'DYNAMIC_TOPIC_CONFIG' ? null : config.value),
    source:
      effective?.source ?? (config.source === 'DYNAMIC_TOPIC_CONFIG' ? 'DEFAULT_CONFIG' : config.source),
    isDefault: (effective?.source ?? 'DEFAULT_CONFIG') === 'DEFAULT_CONFIG',
    synonyms,
  }
}

function toTopicConfig(links: KafkaV3Links, clusterId: string, topicName: string, config: KafkaConfigEntry) {
  return {
    kind: 'KafkaTopicConfig' as const,
    metadata: {
      self: `${links.topic(clusterId, topicName)}/configs/${encodeURIComponent(config.name)}`,
      resource_name: crn.topicConfig(clusterId, topicName, config.name),
    },
    cluster_id: clusterId,
    topic_name: topicName,
    ...configFields(config),
  }
}

export function registerTopicConfigRoutes(app: FastifyInstance, context: KafkaV3RouteContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  async function clientFor(clusterId: string, topicName: string) {
    const client = await context.clusters.resolve(clusterId)
    requireExistingTopicName(topicName)
    return client
  }

  /** PUT and DELETE of a config that does not exist answer 404, as GET does. */
  async function requireConfig(clusterId: string, topicName: string, name: string) {
    const client = await clientFor(clusterId, topicName)
    const config = (await client.describeTopicConfigs(topicName)).find((candidate) => candidate.name === name)
    if (!config) {
      throw new GatewayError(
        'GW_CONFIG_NOT_FOUND',
        `Config ${name} cannot be found for topic ${topicName} in cluster ${clusterId}.`,
      )
    }
    return { client, config }
  }

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/configs',
    {
      schema: {
        operationId: 'listKafkaTopicConfigs',
        params: TopicParams,
        response: { 200: TopicConfigList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, topic_name: topicName } = request.params
      const configs = await (await clientFor(clusterId, topicName)).describeTopicConfigs(topicName)
      const links = linksFor(request, context)
      return {
        kind: 'KafkaTopicConfigList' as const,
        metadata: { self: `${links.topic(clusterId, topicName)}/configs`, next: null },
        data: configs.map((config) => toTopicConfig(links, clusterId, topicName, config)),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/-/configs',
    {
      schema: {
        operationId: 'listKafkaAllTopicConfigs',
        params: ClusterIdParams,
        response: { 200: TopicConfigList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId } = request.params
      const client = await context.clusters.resolve(clusterId)
      const links = linksFor(request, context)
      const data: ReturnType<typeof toTopicConfig>[] = []
      // A few topics at a time: one DescribeConfigs each, without flooding the brokers.
      const access = accessOf(request)
      const topics = await access.filter(
        (await client.listTopics()).map((topic) => topic.name),
        async (topic) => ({
          resource: await access.paths.topic(clusterId, topic),
          operation: 'DescribeConfigs',
        }),
        { resource: await access.paths.topic(clusterId, '*'), operation: 'DescribeConfigs' },
      )
      for (let start = 0; start < topics.length; start += ALL_TOPICS_CONCURRENCY) {
        const chunk = topics.slice(start, start + ALL_TOPICS_CONCURRENCY)
        const configs = await Promise.all(chunk.map((topic) => client.describeTopicConfigs(topic)))
        chunk.forEach((topic, index) =>
          data.push(...configs[index]!.map((config) => toTopicConfig(links, clusterId, topic, config))),
        )
      }
      return {
        kind: 'KafkaTopicConfigList' as const,
        metadata: { self: links.clusterChild(clusterId, 'topics/-/configs'), next: null },
        data,
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/default-configs',
    {
      schema: {
        operationId: 'listKafkaDefaultTopicConfigs',
        params: TopicParams,
        response: { 200: TopicConfigList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, topic_name: topicName } = request.params
      const configs = await (await clientFor(clusterId, topicName)).describeTopicConfigs(topicName)
      const links = linksFor(request, context)
      return {
        kind: 'KafkaTopicConfigList' as const,
        metadata: { self: `${links.topic(clusterId, topicName)}/default-configs`, next: null },
        data: configs.map((config) =>
          toTopicConfig(links, clusterId, topicName, withoutTopicOverride(config)),
        ),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/configs/:name',
    {
      schema: {
        operationId: 'getKafkaTopicConfig',
        params: TopicConfigParams,
        response: { 200: TopicConfig },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, topic_name: topicName, name } = request.params
      const { config } = await requireConfig(clusterId, topicName, name)
      return toTopicConfig(linksFor(request, context), clusterId, topicName, config)
    },
  )

  routes.put(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/configs/:name',
    {
      schema: {
        operationId: 'updateKafkaTopicConfig',
        params: TopicConfigParams,
        body: UpdateConfigRequest,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId, topic_name: topicName, name } = request.params
      const { client } = await requireConfig(clusterId, topicName, name)
      await client.alterTopicConfigs(topicName, [toConfigChange(name, request.body.value)], false)
      return reply.code(204).send()
    },
  )

  routes.delete(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/configs/:name',
    {
      schema: {
        operationId: 'deleteKafkaTopicConfig',
        params: TopicConfigParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId, topic_name: topicName, name } = request.params
      const { client } = await requireConfig(clusterId, topicName, name)
      await client.alterTopicConfigs(topicName, [{ name, operation: 'DELETE' }], false)
      return reply.code(204).send()
    },
  )

  routes.post(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/configs::alter',
    {
      schema: {
        operationId: 'updateKafkaTopicConfigBatch',
        params: TopicParams,
        body: AlterConfigsRequest,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId, topic_name: topicName } = request.params
      const client = await clientFor(clusterId, topicName)
      const changes = toConfigChanges(request.body.data)
      await client.alterTopicConfigs(topicName, changes, request.body.validate_only === true)
      return reply.code(204).send()
    },
  )
}
