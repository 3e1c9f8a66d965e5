/**
 * @module http/routes/kafka-v3/topics
 *
 * Topics: list, create (with `validate_only`), get, delete.
 */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { GatewayError, explainInvalidTopicName } from '../../../core/index.ts'
import { ClusterIdParams, NoContent } from '../../schemas/common.ts'
import {
  CreateTopicRequest,
  GetTopicQuery,
  ListTopicsQuery,
  Topic,
  TopicList,
  TopicParams,
  UpdatePartitionCountRequest,
} from '../../schemas/kafka-v3.ts'
import { accessOf, linksFor, requireExistingTopicName, type KafkaV3RouteContext } from './context.ts'
import type { RequestAccess } from '../../plugins/authorize.ts'
import { crn, type KafkaV3Links } from './links.ts'

interface TopicFacts {
  readonly name: string
  readonly isInternal: boolean
  readonly partitionsCount: number
  readonly replicationFactor: number
}

/** What `authorized_operations` can list for a topic, in Kafka's names. */
const TOPIC_OPERATIONS = [
  ['Read', 'READ'],
  ['Write', 'WRITE'],
  ['Create', 'CREATE'],
  ['Delete', 'DELETE'],
  ['Alter', 'ALTER'],
  ['Describe', 'DESCRIBE'],
  ['DescribeConfigs', 'DESCRIBE_CONFIGS'],
  ['AlterConfigs', 'ALTER_CONFIGS'],
] as const

type TopicOperationName = (typeof TOPIC_OPERATIONS)[number][1]

/** The operations the caller may do on a topic, as Kafka names them (for `authorized_operations`). */
async function authorizedTopicOperations(
  access: RequestAccess,
  clusterId: string,
  topicName: string,
): Promise<TopicOperationName[]> {
  const allowed = await access.allowedOperations(
    await access.paths.topic(clusterId, topicName),
    TOPIC_OPERATIONS.map(([operation]) => operation),
  )
  return TOPIC_OPERATIONS.filter(([operation]) => allowed.includes(operation)).map(([, name]) => name)
}

function toTopic(
  links: KafkaV3Links,
  clusterId: string,
  topic: TopicFacts,
  authorizedOperations: readonly TopicOperationName[] = [],
) {
  const self = links.topic(clusterId, topic.name)
  return {
    kind: 'KafkaTopic' as const,
    metadata: { self, resource_name: crn.topic(clusterId, topic.name) },
    cluster_id: clusterId,
    topic_name: topic.name,
    is_internal: topic.isInternal,
    replication_factor: topic.replicationFactor,
    partitions_count: topic.partitionsCount,
    partitions: { related: `${self}/partitions` },
    configs: { related: `${self}/configs` },
    partition_reassignments: { related: `${self}/partitions/-/reassignment` },
    // Computed only when asked; Confluent's proxy likewise sends [] otherwise.
    authorized_operations: [...authorizedOperations],
  }
}

export function registerTopicRoutes(app: FastifyInstance, context: KafkaV3RouteContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics',
    {
      schema: {
        operationId: 'listKafkaTopics',
        params: ClusterIdParams,
        querystring: ListTopicsQuery,
        response: { 200: TopicList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId } = request.params
      const client = await context.clusters.resolve(clusterId)
      const links = linksFor(request, context)
      const access = accessOf(request)
      const topics = await access.filter(
        await client.listTopics(),
        async (topic) => ({
          resource: await access.paths.topic(clusterId, topic.name),
          operation: 'Describe',
        }),
        { resource: await access.paths.topic(clusterId, '*'), operation: 'Describe' },
      )
      const withOperations = request.query.includeAuthorizedOperations === true
      return {
        kind: 'KafkaTopicList' as const,
        metadata: { self: links.topics(clusterId), next: null },
        data: await Promise.all(
          topics.map(async (topic) =>
            toTopic(
              links,
              clusterId,
              topic,
              withOperations ? await authorizedTopicOperations(access, clusterId, topic.name) : [],
            ),
          ),
        ),
      }
    },
  )

  routes.post(
    '/kafka/v3/clusters/:cluster_id/topics',
    {
      schema: {
        operationId: 'createKafkaTopic',
        params: ClusterIdParams,
        body: CreateTopicRequest,
        response: { 200: Topic, 201: Topic },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId } = request.params
      const body = request.body
      const invalidName = explainInvalidTopicName(body.topic_name)
      if (invalidName !== undefined) {
        throw new GatewayError(
          'GW_KAFKA_INVALID_TOPIC_NAME',
          `Payload error. Invalid topic name. ${invalidName}`,
          {
            source: { pointer: '/topic_name' },
          },
        )
      }
      const client = await context.clusters.resolve(clusterId)
      const isValidateOnly = body.validate_only === true
      const created = await client.createTopic({
        name: body.topic_name,
        partitionsCount: body.partitions_count ?? undefined,
        replicationFactor: body.replication_factor ?? undefined,
        replicasAssignments: body.replicas_assignments
          ? new Map(
              Object.entries(body.replicas_assignments).map(([partition, brokers]) => [
                Number(partition),
                brokers,
              ]),
            )
          : undefined,
        configs: (body.configs ?? []).map((config) => ({ name: config.name, value: config.value ?? null })),
        validateOnly: isValidateOnly,
      })
      const links = linksFor(request, context)
      const topic = toTopic(links, clusterId, { ...created, isInternal: false })
      if (isValidateOnly) return reply.code(200).send(topic)
      return reply.code(201).header('location', topic.metadata.self).send(topic)
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name',
    {
      schema: {
        operationId: 'getKafkaTopic',
        params: TopicParams,
        querystring: GetTopicQuery,
        response: { 200: Topic },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, topic_name: topicName } = request.params
      const client = await context.clusters.resolve(clusterId)
      requireExistingTopicName(topicName)
      const topic = await client.describeTopic(topicName)
      const operations =
        request.query.include_authorized_operations === true
          ? await authorizedTopicOperations(accessOf(request), clusterId, topicName)
          : []
      return toTopic(linksFor(request, context), clusterId, topic, operations)
    },
  )

  routes.patch(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name',
    {
      schema: {
        operationId: 'updatePartitionCountKafkaTopic',
        params: TopicParams,
        body: UpdatePartitionCountRequest,
        response: { 200: Topic },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, topic_name: topicName } = request.params
      const client = await context.clusters.resolve(clusterId)
      requireExistingTopicName(topicName)
      await client.increasePartitions(topicName, request.body.partitions_count)
      return toTopic(linksFor(request, context), clusterId, await client.describeTopic(topicName))
    },
  )

  routes.delete(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name',
    { schema: { operationId: 'deleteKafkaTopic', params: TopicParams, response: { 204: NoContent } } },
    async (request, reply) => {
      const { cluster_id: clusterId, topic_name: topicName } = request.params
      const client = await context.clusters.resolve(clusterId)
      requireExistingTopicName(topicName)
      await client.deleteTopic(topicName)
      return reply.code(204).send()
    },
  )
}
