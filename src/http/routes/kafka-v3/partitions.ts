/**
 * @module http/routes/kafka-v3/partitions
 *
 * Partitions of a topic, their earliest and latest offsets, and their replicas.
 */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { GatewayError } from '../../../core/index.ts'
import type { KafkaPartitionDescription, KafkaReassignment } from '../../../kafka/index.ts'
import { BrokerParams, ClusterIdParams } from '../../schemas/common.ts'
import {
  Partition,
  PartitionList,
  PartitionOffsetQuery,
  PartitionParams,
  PartitionWithOffsets,
  Reassignment,
  ReassignmentList,
  Replica,
  ReplicaList,
  ReplicaParams,
  TopicParams,
} from '../../schemas/kafka-v3.ts'
import { linksFor, requireExistingTopicName, type KafkaV3RouteContext } from './context.ts'
import { crn, partitionLink, type KafkaV3Links } from './links.ts'

function toPartition(
  links: KafkaV3Links,
  clusterId: string,
  topicName: string,
  partition: KafkaPartitionDescription,
) {
  const self = partitionLink(links, clusterId, topicName, partition.partitionId)
  return {
    kind: 'KafkaPartition' as const,
    metadata: { self, resource_name: crn.partition(clusterId, topicName, partition.partitionId) },
    cluster_id: clusterId,
    topic_name: topicName,
    partition_id: partition.partitionId,
    leader: partition.leaderId === null ? null : { related: `${self}/replicas/${partition.leaderId}` },
    replicas: { related: `${self}/replicas` },
    reassignment: { related: `${self}/reassignment` },
  }
}

function toReplica(
  links: KafkaV3Links,
  clusterId: string,
  topicName: string,
  partition: KafkaPartitionDescription,
  brokerId: number,
) {
  return {
    kind: 'KafkaReplica' as const,
    metadata: {
      self: `${partitionLink(links, clusterId, topicName, partition.partitionId)}/replicas/${brokerId}`,
      resource_name: crn.replica(clusterId, topicName, partition.partitionId, brokerId),
    },
    cluster_id: clusterId,
    topic_name: topicName,
    partition_id: partition.partitionId,
    broker_id: brokerId,
    is_leader: partition.leaderId === brokerId,
    is_in_sync: partition.inSyncReplicaIds.includes(brokerId),
    broker: { related: links.broker(clusterId, brokerId) },
  }
}

function toReassignment(links: KafkaV3Links, clusterId: string, reassignment: KafkaReassignment) {
  const partition = partitionLink(links, clusterId, reassignment.topicName, reassignment.partitionId)
  return {
    kind: 'KafkaReassignment' as const,
    metadata: {
      self: `${partition}/reassignment`,
      resource_name: crn.partition(clusterId, reassignment.topicName, reassignment.partitionId),
    },
    cluster_id: clusterId,
    topic_name: reassignment.topicName,
    partition_id: reassignment.partitionId,
    adding_replicas: [...reassignment.addingReplicaIds],
    removing_replicas: [...reassignment.removingReplicaIds],
    replicas: { related: `${partition}/replicas` },
  }
}

export function registerPartitionRoutes(app: FastifyInstance, context: KafkaV3RouteContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  /** The topic's client and the partition, or 404 for an unknown topic or partition. */
  async function findPartition(clusterId: string, topicName: string, partitionId: number) {
    const client = await context.clusters.resolve(clusterId)
    requireExistingTopicName(topicName)
    const partition = (await client.describeTopic(topicName)).partitions.find(
      (candidate) => candidate.partitionId === partitionId,
    )
    if (!partition) throw new GatewayError('GW_KAFKA_PARTITION_NOT_FOUND')
    return { client, partition }
  }

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/partitions',
    { schema: { operationId: 'listKafkaPartitions', params: TopicParams, response: { 200: PartitionList } } },
    async (request) => {
      const { cluster_id: clusterId, topic_name: topicName } = request.params
      const client = await context.clusters.resolve(clusterId)
      requireExistingTopicName(topicName)
      const links = linksFor(request, context)
      const topic = await client.describeTopic(topicName)
      return {
        kind: 'KafkaPartitionList' as const,
        metadata: { self: `${links.topic(clusterId, topicName)}/partitions`, next: null },
        data: topic.partitions.map((partition) => toPartition(links, clusterId, topicName, partition)),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id',
    { schema: { operationId: 'getKafkaPartition', params: PartitionParams, response: { 200: Partition } } },
    async (request) => {
      const { cluster_id: clusterId, topic_name: topicName, partition_id: partitionId } = request.params
      const { partition } = await findPartition(clusterId, topicName, partitionId)
      return toPartition(linksFor(request, context), clusterId, topicName, partition)
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/offset',
    {
      schema: {
        operationId: 'listKafkaPartitionOffsets',
        params: PartitionParams,
        querystring: PartitionOffsetQuery,
        response: { 200: PartitionWithOffsets },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, topic_name: topicName, partition_id: partitionId } = request.params
      const offsetType = request.query.offset_type ?? 'earliest_and_latest'
      if (offsetType.toLowerCase() !== 'earliest_and_latest') {
        throw new GatewayError('GW_HTTP_INVALID_PARAMETER', `offset_type:${offsetType} is invalid`, {
          source: { parameter: 'offset_type' },
        })
      }
      const { client } = await findPartition(clusterId, topicName, partitionId)
      const offsets = await client.partitionOffsets(topicName, partitionId)
      const self = `${partitionLink(linksFor(request, context), clusterId, topicName, partitionId)}/offset`
      return {
        kind: 'KafkaPartitionWithOffsets' as const,
        metadata: { self, resource_name: crn.partition(clusterId, topicName, partitionId) },
        cluster_id: clusterId,
        topic_name: topicName,
        partition_id: partitionId,
        earliest_offset: Number(offsets.earliest),
        latest_offset: Number(offsets.latest),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/replicas',
    { schema: { operationId: 'listKafkaReplicas', params: PartitionParams, response: { 200: ReplicaList } } },
    async (request) => {
      const { cluster_id: clusterId, topic_name: topicName, partition_id: partitionId } = request.params
      const { partition } = await findPartition(clusterId, topicName, partitionId)
      const links = linksFor(request, context)
      return {
        kind: 'KafkaReplicaList' as const,
        metadata: { self: `${partitionLink(links, clusterId, topicName, partitionId)}/replicas`, next: null },
        data: partition.replicaIds.map((brokerId) =>
          toReplica(links, clusterId, topicName, partition, brokerId),
        ),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/-/partitions/-/reassignment',
    {
      schema: {
        operationId: 'listKafkaAllReassignments',
        params: ClusterIdParams,
        response: { 200: ReassignmentList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId } = request.params
      const reassignments = await (await context.clusters.resolve(clusterId)).listReassignments()
      const links = linksFor(request, context)
      return {
        kind: 'KafkaReassignmentList' as const,
        metadata: { self: links.clusterChild(clusterId, 'topics/-/partitions/-/reassignment'), next: null },
        data: reassignments.map((reassignment) => toReassignment(links, clusterId, reassignment)),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/partitions/-/reassignment',
    {
      schema: {
        operationId: 'searchKafkaReassignmentsByTopic',
        params: TopicParams,
        response: { 200: ReassignmentList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, topic_name: topicName } = request.params
      const client = await context.clusters.resolve(clusterId)
      requireExistingTopicName(topicName)
      const links = linksFor(request, context)
      return {
        kind: 'KafkaReassignmentList' as const,
        metadata: { self: `${links.topic(clusterId, topicName)}/partitions/-/reassignment`, next: null },
        data: (await client.listReassignments(topicName)).map((reassignment) =>
          toReassignment(links, clusterId, reassignment),
        ),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/reassignment',
    {
      schema: {
        operationId: 'getKafkaReassignment',
        params: PartitionParams,
        response: { 200: Reassignment },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, topic_name: topicName, partition_id: partitionId } = request.params
      const { client } = await findPartition(clusterId, topicName, partitionId)
      const reassignment = (await client.listReassignments(topicName)).find(
        (candidate) => candidate.partitionId === partitionId,
      )
      if (!reassignment) {
        throw new GatewayError(
          'GW_REASSIGNMENT_NOT_FOUND',
          `No reassignment of partition ${partitionId} of ${topicName} is in progress.`,
        )
      }
      return toReassignment(linksFor(request, context), clusterId, reassignment)
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/brokers/:broker_id/partition-replicas',
    {
      schema: { operationId: 'searchReplicasByBroker', params: BrokerParams, response: { 200: ReplicaList } },
    },
    async (request) => {
      const { cluster_id: clusterId, broker_id: brokerId } = request.params
      const client = await context.clusters.resolve(clusterId)
      if (!(await client.describeCluster()).brokers.some((broker) => broker.brokerId === brokerId)) {
        throw new GatewayError('GW_BROKER_NOT_FOUND', `Broker ${brokerId} cannot be found.`)
      }
      const links = linksFor(request, context)
      const topics = await client.listTopics()
      return {
        kind: 'KafkaReplicaList' as const,
        metadata: { self: `${links.broker(clusterId, brokerId)}/partition-replicas`, next: null },
        data: topics.flatMap((topic) =>
          topic.partitions
            .filter((partition) => partition.replicaIds.includes(brokerId))
            .map((partition) => toReplica(links, clusterId, topic.name, partition, brokerId)),
        ),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/replicas/:broker_id',
    { schema: { operationId: 'getKafkaReplica', params: ReplicaParams, response: { 200: Replica } } },
    async (request) => {
      const {
        cluster_id: clusterId,
        topic_name: topicName,
        partition_id: partitionId,
        broker_id: brokerId,
      } = request.params
      const { partition } = await findPartition(clusterId, topicName, partitionId)
      if (!partition.replicaIds.includes(brokerId)) {
        throw new GatewayError(
          'GW_BROKER_NOT_FOUND',
          `Broker ${brokerId} holds no replica of partition ${partitionId} of ${topicName}.`,
        )
      }
      return toReplica(linksFor(request, context), clusterId, topicName, partition, brokerId)
    },
  )
}
