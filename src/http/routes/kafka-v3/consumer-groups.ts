/**
 * @module http/routes/kafka-v3/consumer-groups
 *
 * Consumer groups, their consumers, and lag (per partition and summarised).
 */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { GatewayError } from '../../../core/index.ts'
import type { KafkaConsumerGroup, KafkaConsumerLag, KafkaGroupMember } from '../../../kafka/index.ts'
import { ClusterIdParams } from '../../schemas/common.ts'
import {
  Consumer,
  ConsumerAssignment,
  ConsumerAssignmentList,
  ConsumerAssignmentParams,
  ConsumerGroup,
  ConsumerGroupLagSummary,
  ConsumerGroupList,
  ConsumerGroupParams,
  ConsumerLag,
  ConsumerLagList,
  ConsumerLagParams,
  ConsumerList,
  ConsumerParams,
} from '../../schemas/kafka-v3.ts'
import { accessOf, linksFor, type KafkaV3RouteContext } from './context.ts'
import type { KafkaV3Links } from './links.ts'

const segment = encodeURIComponent
const groupCrn = (clusterId: string, groupId: string) => `crn:///kafka=${clusterId}/consumer-group=${groupId}`

function groupLink(links: KafkaV3Links, clusterId: string, groupId: string): string {
  return links.clusterChild(clusterId, `consumer-groups/${segment(groupId)}`)
}

function toGroup(links: KafkaV3Links, clusterId: string, group: KafkaConsumerGroup) {
  const self = groupLink(links, clusterId, group.groupId)
  return {
    kind: 'KafkaConsumerGroup' as const,
    metadata: { self, resource_name: groupCrn(clusterId, group.groupId) },
    cluster_id: clusterId,
    consumer_group_id: group.groupId,
    is_simple: group.isSimple,
    partition_assignor: group.partitionAssignor,
    state: group.state,
    type: group.type,
    // A group of the new protocol that still has classic members; only the classic protocol is read here.
    is_mixed_consumer_group: false,
    coordinator:
      group.coordinatorId === null ? null : { related: links.broker(clusterId, group.coordinatorId) },
    consumers: { related: `${self}/consumers` },
    lag_summary: { related: `${self}/lag-summary` },
  }
}

function toConsumer(links: KafkaV3Links, clusterId: string, groupId: string, member: KafkaGroupMember) {
  const self = `${groupLink(links, clusterId, groupId)}/consumers/${segment(member.consumerId)}`
  return {
    kind: 'KafkaConsumer' as const,
    metadata: { self, resource_name: `${groupCrn(clusterId, groupId)}/consumer=${member.consumerId}` },
    cluster_id: clusterId,
    consumer_group_id: groupId,
    consumer_id: member.consumerId,
    instance_id: member.instanceId,
    client_id: member.clientId,
    assignments: { related: `${self}/assignments` },
  }
}

function toAssignment(
  links: KafkaV3Links,
  clusterId: string,
  groupId: string,
  consumerId: string,
  assignment: { topicName: string; partitionId: number },
) {
  const group = groupLink(links, clusterId, groupId)
  const self = `${group}/consumers/${segment(consumerId)}/assignments/${segment(assignment.topicName)}/partitions/${assignment.partitionId}`
  return {
    kind: 'KafkaConsumerAssignment' as const,
    metadata: {
      self,
      resource_name: `${groupCrn(clusterId, groupId)}/consumer=${consumerId}/assignment=${assignment.topicName}/partition=${assignment.partitionId}`,
    },
    cluster_id: clusterId,
    consumer_group_id: groupId,
    consumer_id: consumerId,
    topic_name: assignment.topicName,
    partition_id: assignment.partitionId,
    partition: {
      related: `${links.topic(clusterId, assignment.topicName)}/partitions/${assignment.partitionId}`,
    },
    lag: { related: `${group}/lags/${segment(assignment.topicName)}/partitions/${assignment.partitionId}` },
  }
}

function toLag(links: KafkaV3Links, clusterId: string, groupId: string, lag: KafkaConsumerLag) {
  return {
    kind: 'KafkaConsumerLag' as const,
    metadata: {
      self: `${groupLink(links, clusterId, groupId)}/lags/${segment(lag.topicName)}/partitions/${lag.partitionId}`,
      resource_name: `${groupCrn(clusterId, groupId)}/lag=${lag.topicName}/partition=${lag.partitionId}`,
    },
    cluster_id: clusterId,
    consumer_group_id: groupId,
    topic_name: lag.topicName,
    partition_id: lag.partitionId,
    current_offset: Number(lag.currentOffset),
    log_end_offset: Number(lag.logEndOffset),
    lag: Number(lag.lag),
    consumer_id: lag.member?.consumerId ?? '',
    instance_id: lag.member?.instanceId ?? null,
    client_id: lag.member?.clientId ?? '',
  }
}

export function registerConsumerGroupRoutes(app: FastifyInstance, context: KafkaV3RouteContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.get(
    '/kafka/v3/clusters/:cluster_id/consumer-groups',
    {
      schema: {
        operationId: 'listKafkaConsumerGroups',
        params: ClusterIdParams,
        response: { 200: ConsumerGroupList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId } = request.params
      const access = accessOf(request)
      const groups = await access.filter(
        await (await context.clusters.resolve(clusterId)).listConsumerGroups(),
        async (group) => ({
          resource: await access.paths.group(clusterId, group.groupId),
          operation: 'Describe',
        }),
        { resource: await access.paths.group(clusterId, '*'), operation: 'Describe' },
      )
      const links = linksFor(request, context)
      return {
        kind: 'KafkaConsumerGroupList' as const,
        metadata: { self: links.clusterChild(clusterId, 'consumer-groups'), next: null },
        data: groups.map((group) => toGroup(links, clusterId, group)),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id',
    {
      schema: {
        operationId: 'getKafkaConsumerGroup',
        params: ConsumerGroupParams,
        response: { 200: ConsumerGroup },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, consumer_group_id: groupId } = request.params
      const group = await (await context.clusters.resolve(clusterId)).describeConsumerGroup(groupId)
      return toGroup(linksFor(request, context), clusterId, group)
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/consumers',
    {
      schema: {
        operationId: 'listKafkaConsumers',
        params: ConsumerGroupParams,
        response: { 200: ConsumerList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, consumer_group_id: groupId } = request.params
      const group = await (await context.clusters.resolve(clusterId)).describeConsumerGroup(groupId)
      const links = linksFor(request, context)
      return {
        kind: 'KafkaConsumerList' as const,
        metadata: { self: `${groupLink(links, clusterId, groupId)}/consumers`, next: null },
        data: group.members.map((member) => toConsumer(links, clusterId, groupId, member)),
      }
    },
  )

  async function findMember(
    clusterId: string,
    groupId: string,
    consumerId: string,
  ): Promise<KafkaGroupMember> {
    const group = await (await context.clusters.resolve(clusterId)).describeConsumerGroup(groupId)
    const member = group.members.find((candidate) => candidate.consumerId === consumerId)
    if (!member) {
      throw new GatewayError(
        'GW_CONSUMER_NOT_FOUND',
        `Consumer ${consumerId} cannot be found in consumer group ${groupId}.`,
      )
    }
    return member
  }

  routes.get(
    '/kafka/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/consumers/:consumer_id',
    { schema: { operationId: 'getKafkaConsumer', params: ConsumerParams, response: { 200: Consumer } } },
    async (request) => {
      const { cluster_id: clusterId, consumer_group_id: groupId, consumer_id: consumerId } = request.params
      return toConsumer(
        linksFor(request, context),
        clusterId,
        groupId,
        await findMember(clusterId, groupId, consumerId),
      )
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/consumers/:consumer_id/assignments',
    {
      schema: {
        operationId: 'listKafkaConsumerAssignment',
        params: ConsumerParams,
        response: { 200: ConsumerAssignmentList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, consumer_group_id: groupId, consumer_id: consumerId } = request.params
      const member = await findMember(clusterId, groupId, consumerId)
      const links = linksFor(request, context)
      return {
        kind: 'KafkaConsumerAssignmentList' as const,
        metadata: {
          self: `${groupLink(links, clusterId, groupId)}/consumers/${segment(consumerId)}/assignments`,
          next: null,
        },
        data: member.assignments.map((assignment) =>
          toAssignment(links, clusterId, groupId, consumerId, assignment),
        ),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/consumers/:consumer_id/assignments/:topic_name/partitions/:partition_id',
    {
      schema: {
        operationId: 'getKafkaConsumerAssignment',
        params: ConsumerAssignmentParams,
        response: { 200: ConsumerAssignment },
      },
    },
    async (request) => {
      const params = request.params
      const member = await findMember(params.cluster_id, params.consumer_group_id, params.consumer_id)
      const assignment = member.assignments.find(
        (candidate) =>
          candidate.topicName === params.topic_name && candidate.partitionId === params.partition_id,
      )
      if (!assignment) {
        throw new GatewayError(
          'GW_KAFKA_PARTITION_NOT_FOUND',
          `Consumer ${params.consumer_id} is not assigned ${params.topic_name}/${params.partition_id}.`,
        )
      }
      return toAssignment(
        linksFor(request, context),
        params.cluster_id,
        params.consumer_group_id,
        params.consumer_id,
        assignment,
      )
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/lags',
    {
      schema: {
        operationId: 'listKafkaConsumerLags',
        params: ConsumerGroupParams,
        response: { 200: ConsumerLagList },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, consumer_group_id: groupId } = request.params
      const lags = await (await context.clusters.resolve(clusterId)).consumerGroupLags(groupId)
      const links = linksFor(request, context)
      return {
        kind: 'KafkaConsumerLagList' as const,
        metadata: { self: `${groupLink(links, clusterId, groupId)}/lags`, next: null },
        data: lags.map((lag) => toLag(links, clusterId, groupId, lag)),
      }
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/lags/:topic_name/partitions/:partition_id',
    {
      schema: {
        operationId: 'getKafkaConsumerLag',
        params: ConsumerLagParams,
        response: { 200: ConsumerLag },
      },
    },
    async (request) => {
      const {
        cluster_id: clusterId,
        consumer_group_id: groupId,
        topic_name: topicName,
        partition_id: partitionId,
      } = request.params
      const lags = await (await context.clusters.resolve(clusterId)).consumerGroupLags(groupId)
      const lag = lags.find(
        (candidate) => candidate.topicName === topicName && candidate.partitionId === partitionId,
      )
      if (!lag)
        throw new GatewayError(
          'GW_KAFKA_PARTITION_NOT_FOUND',
          `Consumer group ${groupId} has no committed offset for ${topicName}/${partitionId}.`,
        )
      return toLag(linksFor(request, context), clusterId, groupId, lag)
    },
  )

  routes.get(
    '/kafka/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/lag-summary',
    {
      schema: {
        operationId: 'getKafkaConsumerGroupLagSummary',
        params: ConsumerGroupParams,
        response: { 200: ConsumerGroupLagSummary },
      },
    },
    async (request) => {
      const { cluster_id: clusterId, consumer_group_id: groupId } = request.params
      const lags = await (await context.clusters.resolve(clusterId)).consumerGroupLags(groupId)
      const links = linksFor(request, context)
      const group = groupLink(links, clusterId, groupId)
      // The first partition with the highest lag; a group without committed offsets has none.
      const max = lags.reduce<KafkaConsumerLag | undefined>(
        (best, lag) => (!best || lag.lag > best.lag ? lag : best),
        undefined,
      )
      const total = lags.reduce((sum, lag) => sum + lag.lag, 0n)
      return {
        kind: 'KafkaConsumerGroupLagSummary' as const,
        metadata: {
          self: `${group}/lag-summary`,
          resource_name: `${groupCrn(clusterId, groupId)}/lag-summary`,
        },
        cluster_id: clusterId,
        consumer_group_id: groupId,
        max_lag_consumer_id: max?.member?.consumerId ?? '',
        max_lag_instance_id: max?.member?.instanceId ?? null,
        max_lag_client_id: max?.member?.clientId ?? '',
        max_lag_topic_name: max?.topicName ?? '',
        max_lag_partition_id: max?.partitionId ?? 0,
        max_lag: Number(max?.lag ?? 0n),
        total_lag: Number(total),
        max_lag_consumer: { related: `${group}/consumers/${segment(max?.member?.consumerId ?? '')}` },
        max_lag_partition: {
          related: max
            ? `${links.topic(clusterId, max.topicName)}/partitions/${max.partitionId}`
            : `${group}/lags`,
        },
      }
    },
  )
}
