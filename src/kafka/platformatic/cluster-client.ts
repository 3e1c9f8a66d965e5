/**
 * @module kafka/platformatic/cluster-client
 *
 * {@link KafkaClusterClient} over `@platformatic/kafka`. The library's `Admin` manages connections,
 * SASL and API-version negotiation; the protocol calls themselves go through its exported API
 * functions, because the high-level helpers drop what the REST API must report (internal topics,
 * per-partition replicas) or cannot express (`validate_only` on create).
 */
import {
  AclOperations,
  AclPermissionTypes,
  Admin,
  ResourcePatternTypes,
  ResourceTypes,
  ConfigResourceTypes,
  ConfigSources,
  IncrementalAlterConfigOperationTypes,
  ListOffsetTimestamps,
  Producer,
  kGetApi,
  kGetBootstrapConnection,
  kGetConnection,
  type Callback,
  type Connection,
  type consumerGroupDescribeV0,
  type createTopicsV7,
  type deleteTopicsV6,
  type describeConfigsV4,
  type incrementalAlterConfigsV1,
  type listPartitionReassignmentsV0,
  type metadataV12,
} from '@platformatic/kafka'
import { GatewayError, compareAcls, type Acl, type AclFilter } from '../../core/index.ts'
import type {
  CreatedKafkaTopic,
  KafkaClusterClient,
  KafkaClusterDescription,
  KafkaTopicDescription,
  KafkaConfigChange,
  KafkaConfigEntry,
  KafkaConfigSource,
  KafkaConsumerGroup,
  KafkaConsumerGroupState,
  KafkaConsumerLag,
  KafkaPartitionOffsets,
  KafkaReassignment,
  KafkaRecordToProduce,
  KafkaReadRange,
  KafkaReadResult,
  NewKafkaTopic,
  ProduceReceipt,
  ProducedKafkaRecord,
} from '../port.ts'
import { toGatewayError, type KafkaErrorContext } from './error-mapping.ts'
import { KafkaPartitionWriter } from './partition-writer.ts'
import { RecordProducer } from './record-producer.ts'
import { readTopicRange } from './record-reader.ts'

/** How to reach one cluster. Structurally the `kafka` section of the configuration. */
export interface KafkaConnectionSettings {
  readonly bootstrapServers: readonly string[]
  readonly clientId: string
  readonly sasl?:
    | {
        readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
        readonly username: string
        readonly password: string
      }
    | undefined
  readonly connectTimeoutMs: number
  readonly requestTimeoutMs: number
}

type MetadataApi = typeof metadataV12.api
type CreateTopicsApi = typeof createTopicsV7.api
type DeleteTopicsApi = typeof deleteTopicsV6.api
type MetadataResponse = Awaited<ReturnType<MetadataApi['async']>>
type MetadataTopic = MetadataResponse['topics'][number]

/** Names of the protocol APIs we call, as the library's version negotiation knows them. */
type ApiName =
  | 'Metadata'
  | 'CreateTopics'
  | 'DeleteTopics'
  | 'DescribeConfigs'
  | 'IncrementalAlterConfigs'
  | 'ListPartitionReassignments'
type ListReassignmentsApi = typeof listPartitionReassignmentsV0.api
type DescribeConfigsApi = typeof describeConfigsV4.api
type IncrementalAlterConfigsApi = typeof incrementalAlterConfigsV1.api

function toTopicDescription(topic: MetadataTopic): KafkaTopicDescription {
  const partitions = [...topic.partitions]
    .sort((a, b) => a.partitionIndex - b.partitionIndex)
    .map((partition) => ({
      partitionId: partition.partitionIndex,
      leaderId: partition.leaderId >= 0 ? partition.leaderId : null,
      replicaIds: partition.replicaNodes,
      inSyncReplicaIds: partition.isrNodes,
    }))
  return {
    name: topic.name ?? '',
    isInternal: topic.isInternal,
    partitionsCount: partitions.length,
    replicationFactor: partitions[0]?.replicaIds.length ?? 0,
    partitions,
  }
}

const SOURCE_NAMES = new Map<number, KafkaConfigSource>([
  [ConfigSources.DYNAMIC_TOPIC_CONFIG, 'DYNAMIC_TOPIC_CONFIG'],
  [ConfigSources.DYNAMIC_BROKER_CONFIG, 'DYNAMIC_BROKER_CONFIG'],
  [ConfigSources.DYNAMIC_DEFAULT_BROKER_CONFIG, 'DYNAMIC_DEFAULT_BROKER_CONFIG'],
  [ConfigSources.STATIC_BROKER_CONFIG, 'STATIC_BROKER_CONFIG'],
  [ConfigSources.DEFAULT_CONFIG, 'DEFAULT_CONFIG'],
  [ConfigSources.DYNAMIC_BROKER_LOGGER_CONFIG, 'DYNAMIC_BROKER_LOGGER_CONFIG'],
])
const sourceName = (source: number): KafkaConfigSource => SOURCE_NAMES.get(source) ?? 'UNKNOWN'

/** Two-way maps between Kafka's ACL enum numbers and their names. */
function enumCodec<Name extends string>(table: Record<string, number>) {
  const byName = new Map(Object.entries(table) as [Name, number][])
  const byNumber = new Map([...byName].map(([name, value]) => [value, name]))
  return {
    toWire: (name: Name): number => byName.get(name)!,
    fromWire: (value: number): Name => byNumber.get(value) ?? ('UNKNOWN' as Name),
  }
}
const resourceTypes = enumCodec<Acl['resourceType'] | 'ANY'>(ResourceTypes)
const patternTypes = enumCodec<Acl['patternType'] | 'ANY' | 'MATCH'>(ResourcePatternTypes)
const operations = enumCodec<Acl['operation'] | 'ANY'>(AclOperations)
const permissions = enumCodec<Acl['permission'] | 'ANY'>(AclPermissionTypes)

function aclToWire(acl: Acl) {
  return {
    resourceType: resourceTypes.toWire(acl.resourceType) as never,
    resourceName: acl.resourceName,
    resourcePatternType: patternTypes.toWire(acl.patternType) as never,
    principal: acl.principal,
    host: acl.host,
    operation: operations.toWire(acl.operation) as never,
    permissionType: permissions.toWire(acl.permission) as never,
  }
}

function filterToWire(filter: AclFilter) {
  return {
    resourceType: resourceTypes.toWire(filter.resourceType) as never,
    resourceName: filter.resourceName ?? null,
    resourcePatternType: patternTypes.toWire(filter.patternType) as never,
    principal: filter.principal ?? null,
    host: filter.host ?? null,
    operation: operations.toWire(filter.operation) as never,
    permissionType: permissions.toWire(filter.permission) as never,
  }
}

function aclFromWire(wire: {
  resourceType: number
  resourceName: string
  resourcePatternType: number
  principal: string
  host: string
  operation: number
  permissionType: number
}): Acl {
  return {
    resourceType: resourceTypes.fromWire(wire.resourceType) as Acl['resourceType'],
    resourceName: wire.resourceName,
    patternType: patternTypes.fromWire(wire.resourcePatternType) as Acl['patternType'],
    principal: wire.principal,
    host: wire.host,
    operation: operations.fromWire(wire.operation) as Acl['operation'],
    permission: permissions.fromWire(wire.permissionType) as Acl['permission'],
  }
}

/** Kafka reports states as `Stable`, `PreparingRebalance`, …; Confluent names them `STABLE`, … */
function groupState(state: string | undefined): KafkaConsumerGroupState {
  const name = (state ?? '').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()
  const known: readonly KafkaConsumerGroupState[] = [
    'PREPARING_REBALANCE',
    'COMPLETING_REBALANCE',
    'ASSIGNING',
    'RECONCILING',
    'STABLE',
    'DEAD',
    'EMPTY',
  ]
  return (known as readonly string[]).includes(name) ? (name as KafkaConsumerGroupState) : 'UNKNOWN'
}

/** A member's partitions, one entry each, by topic then partition. */
function assignedPartitions(
  topics: readonly { topicName: string; partitions: readonly number[] }[],
): { topicName: string; partitionId: number }[] {
  return topics
    .flatMap((topic) => topic.partitions.map((partitionId) => ({ topicName: topic.topicName, partitionId })))
    .sort((a, b) =>
      a.topicName === b.topicName ? a.partitionId - b.partitionId : a.topicName < b.topicName ? -1 : 1,
    )
}

function groupType(type: string | undefined): KafkaConsumerGroup['type'] {
  const name = (type ?? 'classic').toUpperCase()
  return name === 'CLASSIC' || name === 'CONSUMER' || name === 'SHARE' ? name : 'UNKNOWN'
}

/** The library lists classic groups only unless asked; consumer-protocol (KIP-848) groups too. */
const LIST_ALL_GROUP_TYPES = { types: ['classic', 'consumer'] }

/** How long producing waits for an unknown topic to appear in metadata before reporting 40403. */
const UNKNOWN_TOPIC_WAIT_MS = 2_000

/**
 * Retries of a batch the broker refused unwritten (a leader that moved): one after the first
 * answer, one more after fresh metadata, as Kafka's own producer would within a second.
 */
const PRODUCE_RETRIES = 2

/** How long a topic's partition count is trusted for placing records. */
const PARTITION_COUNT_TTL_MS = 5_000

export class PlatformaticKafkaClusterClient implements KafkaClusterClient {
  readonly #admin: Admin
  readonly #records: RecordProducer
  readonly #requestTimeoutMs: number
  readonly #settings: KafkaConnectionSettings
  readonly #partitionCounts = new Map<string, { count: Promise<number>; expiresAt: number }>()

  constructor(settings: KafkaConnectionSettings) {
    this.#requestTimeoutMs = settings.requestTimeoutMs
    this.#settings = settings
    const common = {
      clientId: settings.clientId,
      bootstrapBrokers: [...settings.bootstrapServers],
      ...(settings.sasl ? { sasl: { ...settings.sasl } } : {}),
      connectTimeout: settings.connectTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      timeout: settings.requestTimeoutMs,
      // One quick retry covers a broker that just restarted; more would make callers wait on a
      // cluster that is down, and the HTTP request should fail fast instead.
      retries: 1,
      retryDelay: 200,
    }
    this.#admin = new Admin(common)
    this.#records = new RecordProducer({
      // The library's producer lends its connections and metadata; the writer frames the requests.
      writer: new KafkaPartitionWriter({
        producer: new Producer({ ...common, autocreateTopics: false }),
        timeoutMs: settings.requestTimeoutMs,
        retries: PRODUCE_RETRIES,
        retryDelayMs: common.retryDelay,
      }),
      partitionCount: (topic, refresh) => this.#partitionCount(topic, refresh),
    })
  }

  /**
   * Describes a topic for producing, waiting briefly when it is unknown: a topic created a moment
   * ago may not be in a broker's metadata yet, and Kafka's own producers wait for it too.
   */
  async #awaitTopic(topic: string): Promise<KafkaTopicDescription> {
    const deadline = Date.now() + UNKNOWN_TOPIC_WAIT_MS
    for (;;) {
      try {
        return await this.describeTopic(topic)
      } catch (error) {
        const isUnknown = error instanceof GatewayError && error.code === 'GW_KAFKA_UNKNOWN_TOPIC'
        if (!isUnknown || Date.now() >= deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }

  #partitionCount(topic: string, refresh: boolean): Promise<number> {
    const cached = this.#partitionCounts.get(topic)
    if (cached && !refresh && cached.expiresAt > Date.now()) return cached.count
    const count = this.#awaitTopic(topic).then((description) => description.partitionsCount)
    this.#partitionCounts.set(topic, { count, expiresAt: Date.now() + PARTITION_COUNT_TTL_MS })
    // A failed lookup (unknown topic, Kafka down) must not be remembered.
    count.catch(() => this.#partitionCounts.delete(topic))
    return count
  }

  /** Runs a high-level Admin call, translating its errors like every other call. */
  async #adminCall<T>(run: () => Promise<T>, context: KafkaErrorContext): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw toGatewayError(error, context)
    }
  }

  async increasePartitions(topic: string, count: number): Promise<void> {
    await this.#adminCall(() => this.#admin.createPartitions({ topics: [{ name: topic, count }] }), {
      topicName: topic,
    })
    this.#partitionCounts.delete(topic)
  }

  async partitionOffsets(topic: string, partitionId: number): Promise<KafkaPartitionOffsets> {
    const at = async (timestamp: bigint) => {
      const topics = await this.#adminCall(
        () =>
          this.#admin.listOffsets({
            topics: [{ name: topic, partitions: [{ partitionIndex: partitionId, timestamp }] }],
          }),
        { topicName: topic },
      )
      const offset = topics[0]?.partitions.find(
        (partition) => partition.partitionIndex === partitionId,
      )?.offset
      if (offset === undefined) throw new GatewayError('GW_KAFKA_PARTITION_NOT_FOUND')
      return offset
    }
    const [earliest, latest] = await Promise.all([
      at(ListOffsetTimestamps.EARLIEST),
      at(ListOffsetTimestamps.LATEST),
    ])
    return { earliest, latest }
  }

  async #describeConfigs(
    resourceType: number,
    resourceName: string,
    context: KafkaErrorContext,
  ): Promise<KafkaConfigEntry[]> {
    const resources = [{ resourceType: resourceType as never, resourceName }]
    // The library routes broker resources by id and cannot address the cluster-wide one (''),
    // which any broker answers for: that one goes out on a bootstrap connection.
    const [description] =
      resourceName === ''
        ? (
            await this.#call<DescribeConfigsApi, Awaited<ReturnType<DescribeConfigsApi['async']>>>(
              'DescribeConfigs',
              (api, connection, done) => api(connection, resources, true, false, done),
              context,
            )
          ).results
        : await this.#adminCall(
            () => this.#admin.describeConfigs({ resources, includeSynonyms: true }),
            context,
          )
    return (description?.configs ?? [])
      .map((config) => ({
        name: config.name,
        value: config.value ?? null,
        isDefault: config.configSource === ConfigSources.DEFAULT_CONFIG,
        isReadOnly: config.readOnly,
        isSensitive: config.isSensitive,
        source: sourceName(config.configSource),
        synonyms: config.synonyms.map((synonym) => ({
          name: synonym.name,
          value: synonym.value ?? null,
          source: sourceName(synonym.source),
        })),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async #alterConfigs(
    resourceType: number,
    resourceName: string,
    changes: readonly KafkaConfigChange[],
    validateOnly: boolean,
    context: KafkaErrorContext,
  ): Promise<void> {
    const configs = changes.map((change) =>
      change.operation === 'DELETE'
        ? { name: change.name, configOperation: IncrementalAlterConfigOperationTypes.DELETE }
        : {
            name: change.name,
            configOperation: IncrementalAlterConfigOperationTypes.SET,
            value: change.value ?? '',
          },
    )
    const resources = [{ resourceType: resourceType as never, resourceName, configs }]
    if (resourceName === '') {
      await this.#call<IncrementalAlterConfigsApi, unknown>(
        'IncrementalAlterConfigs',
        (api, connection, done) => api(connection, resources, validateOnly, done),
        context,
      )
      return
    }
    await this.#adminCall(() => this.#admin.incrementalAlterConfigs({ resources, validateOnly }), context)
  }

  describeTopicConfigs(topic: string): Promise<KafkaConfigEntry[]> {
    return this.#describeConfigs(ConfigResourceTypes.TOPIC, topic, { topicName: topic })
  }

  alterTopicConfigs(
    topic: string,
    changes: readonly KafkaConfigChange[],
    validateOnly: boolean,
  ): Promise<void> {
    return this.#alterConfigs(ConfigResourceTypes.TOPIC, topic, changes, validateOnly, { topicName: topic })
  }

  async listReassignments(topic?: string): Promise<KafkaReassignment[]> {
    // Asking for a topic needs its partition ids; null asks for every ongoing reassignment.
    const topics =
      topic === undefined
        ? null
        : [
            {
              name: topic,
              partitionIndexes: (await this.describeTopic(topic)).partitions.map(
                (partition) => partition.partitionId,
              ),
            },
          ]
    const response = await this.#call<
      ListReassignmentsApi,
      Awaited<ReturnType<ListReassignmentsApi['async']>>
    >(
      'ListPartitionReassignments',
      (api, connection, done) => api(connection, this.#requestTimeoutMs, topics, done),
      topic === undefined ? {} : { topicName: topic },
    )
    return response.topics
      .flatMap((entry) =>
        entry.partitions.map((partition) => ({
          topicName: entry.name,
          partitionId: partition.partitionIndex,
          addingReplicaIds: partition.addingReplicas,
          removingReplicaIds: partition.removingReplicas,
        })),
      )
      .sort((a, b) =>
        a.topicName === b.topicName ? a.partitionId - b.partitionId : a.topicName < b.topicName ? -1 : 1,
      )
  }

  /** An empty resource name addresses the cluster-wide dynamic defaults. */
  async describeBrokerConfigs(brokerId: number | null): Promise<KafkaConfigEntry[]> {
    if (brokerId !== null) await this.#requireBroker(brokerId)
    return this.#describeConfigs(ConfigResourceTypes.BROKER, brokerId === null ? '' : String(brokerId), {})
  }

  async alterBrokerConfigs(
    brokerId: number | null,
    changes: readonly KafkaConfigChange[],
    validateOnly: boolean,
  ): Promise<void> {
    if (brokerId !== null) await this.#requireBroker(brokerId)
    await this.#alterConfigs(
      ConfigResourceTypes.BROKER,
      brokerId === null ? '' : String(brokerId),
      changes,
      validateOnly,
      {},
    )
  }

  async #requireBroker(brokerId: number): Promise<void> {
    const cluster = await this.describeCluster()
    if (!cluster.brokers.some((broker) => broker.brokerId === brokerId)) {
      throw new GatewayError('GW_BROKER_NOT_FOUND', `Broker ${brokerId} cannot be found.`)
    }
  }

  async #describeGroups(
    groupIds: string[],
    types: Map<string, string | undefined>,
  ): Promise<KafkaConsumerGroup[]> {
    if (groupIds.length === 0) return []
    const [described, coordinators] = await Promise.all([
      this.#adminCall(() => this.#admin.describeGroups({ groups: groupIds }), {}),
      this.#adminCall(() => this.#admin.findCoordinator({ keyType: 0, keys: groupIds }), {}),
    ])
    const coordinatorOf = new Map(coordinators.map((coordinator) => [coordinator.key, coordinator.nodeId]))
    // Groups of the consumer protocol (KIP-848) keep their members where only ConsumerGroupDescribe,
    // asked of the group's coordinator, sees them.
    const consumerProtocol = groupIds.filter((groupId) => groupType(types.get(groupId)) === 'CONSUMER')
    const modern = new Map<string, KafkaConsumerGroup>()
    for (const coordinator of coordinators) {
      if (!consumerProtocol.includes(coordinator.key)) continue
      const [group] = await this.#describeConsumerProtocolGroups(coordinator, [coordinator.key])
      if (group) modern.set(group.groupId, { ...group, coordinatorId: coordinator.nodeId })
    }
    return [...described.values()].map(
      (group) =>
        modern.get(group.id) ?? {
          groupId: group.id,
          isSimple: group.protocolType === '',
          partitionAssignor: group.protocol ?? '',
          state: groupState(group.state),
          type: groupType(types.get(group.id)),
          coordinatorId: coordinatorOf.get(group.id) ?? null,
          members: [...group.members.values()]
            .map((member) => ({
              consumerId: member.id,
              instanceId: member.groupInstanceId ?? null,
              clientId: member.clientId,
              host: member.clientHost,
              assignments: assignedPartitions(
                [...(member.assignments?.values() ?? [])].map((assignment) => ({
                  topicName: assignment.topic,
                  partitions: assignment.partitions,
                })),
              ),
            }))
            .sort((a, b) => (a.consumerId < b.consumerId ? -1 : 1)),
        },
    )
  }

  /** ConsumerGroupDescribe on the groups' coordinator (consumer-protocol groups only). */
  async #describeConsumerProtocolGroups(
    coordinator: { nodeId: number; host: string; port: number },
    groupIds: string[],
  ): Promise<KafkaConsumerGroup[]> {
    type Response = Awaited<ReturnType<typeof consumerGroupDescribeV0.api.async>>
    const response = await new Promise<Response>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new GatewayError('GW_KAFKA_RETRIABLE', 'Kafka did not answer in time.')),
        this.#requestTimeoutMs + 1_000,
      )
      const done: Callback<Response> = (error, result) => {
        clearTimeout(deadline)
        if (error) reject(toGatewayError(error, {}))
        else resolve(result as Response)
      }
      this.#admin[kGetConnection](
        { host: coordinator.host, port: coordinator.port },
        (error: Error | null, connection?: Connection) => {
          if (error || !connection) return done(error ?? new Error('no connection to the group coordinator'))
          this.#admin[kGetApi]('ConsumerGroupDescribe', (apiError: Error | null, api?: unknown) => {
            if (apiError || !api) return done(apiError ?? new Error('no ConsumerGroupDescribe API'))
            ;(api as typeof consumerGroupDescribeV0.api)(connection, groupIds, false, done)
          })
        },
      )
    })
    return response.groups.map((group) => ({
      groupId: group.groupId,
      isSimple: false,
      partitionAssignor: group.assignorName,
      state: groupState(group.groupState),
      type: 'CONSUMER' as const,
      coordinatorId: coordinator.nodeId,
      members: group.members
        .map((member) => ({
          consumerId: member.memberId,
          instanceId: member.instanceId ?? null,
          clientId: member.clientId,
          host: member.clientHost,
          assignments: assignedPartitions(member.assignment.topicPartitions),
        }))
        .sort((a, b) => (a.consumerId < b.consumerId ? -1 : 1)),
    }))
  }

  async listConsumerGroups(): Promise<KafkaConsumerGroup[]> {
    const listed = await this.#adminCall(() => this.#admin.listGroups(LIST_ALL_GROUP_TYPES), {})
    const types = new Map([...listed.values()].map((group) => [group.id, group.groupType]))
    const groups = await this.#describeGroups([...listed.keys()], types)
    return groups.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
  }

  async describeConsumerGroup(groupId: string): Promise<KafkaConsumerGroup> {
    const listed = await this.#adminCall(() => this.#admin.listGroups(LIST_ALL_GROUP_TYPES), {})
    const [group] = await this.#describeGroups(
      [groupId],
      new Map([[groupId, listed.get(groupId)?.groupType]]),
    )
    // Kafka describes any id it is asked about; one it has no record of comes back DEAD.
    if (!group || (group.state === 'DEAD' && !listed.has(groupId))) {
      throw new GatewayError('GW_CONSUMER_GROUP_NOT_FOUND', `Consumer group ${groupId} cannot be found.`)
    }
    return group
  }

  async consumerGroupLags(groupId: string): Promise<KafkaConsumerLag[]> {
    const group = await this.describeConsumerGroup(groupId)
    const [committed] = await this.#adminCall(
      () => this.#admin.listConsumerGroupOffsets({ groups: [groupId] }),
      {},
    )
    const partitions = (committed?.topics ?? []).flatMap((topic) =>
      topic.partitions
        .filter((partition) => partition.committedOffset >= 0n)
        .map((partition) => ({
          topicName: topic.name,
          partitionId: partition.partitionIndex,
          currentOffset: partition.committedOffset,
        })),
    )
    if (partitions.length === 0) return []
    const topics = [...new Set(partitions.map((partition) => partition.topicName))]
    const ends = await this.#adminCall(
      () =>
        this.#admin.listOffsets({
          topics: topics.map((name) => ({
            name,
            partitions: partitions
              .filter((partition) => partition.topicName === name)
              .map((partition) => ({
                partitionIndex: partition.partitionId,
                timestamp: ListOffsetTimestamps.LATEST,
              })),
          })),
        }),
      {},
    )
    const endOf = new Map(
      ends.flatMap((topic) =>
        topic.partitions.map((partition) => [
          `${topic.name}\u0000${partition.partitionIndex}`,
          partition.offset,
        ]),
      ),
    )
    const ownerOf = new Map(
      group.members.flatMap((member) =>
        member.assignments.map((assignment) => [
          `${assignment.topicName}\u0000${assignment.partitionId}`,
          member,
        ]),
      ),
    )
    return partitions
      .map((partition) => {
        const key = `${partition.topicName}\u0000${partition.partitionId}`
        const logEndOffset = endOf.get(key) ?? partition.currentOffset
        const lag = logEndOffset > partition.currentOffset ? logEndOffset - partition.currentOffset : 0n
        return { ...partition, logEndOffset, lag, member: ownerOf.get(key) ?? null }
      })
      .sort((a, b) =>
        a.topicName === b.topicName ? a.partitionId - b.partitionId : a.topicName < b.topicName ? -1 : 1,
      )
  }

  async createAcls(acls: readonly Acl[]): Promise<void> {
    if (acls.length === 0) return
    await this.#adminCall(() => this.#admin.createAcls({ creations: acls.map(aclToWire) }), {})
  }

  async describeAcls(filter: AclFilter): Promise<Acl[]> {
    const resources = await this.#adminCall(
      () => this.#admin.describeAcls({ filter: filterToWire(filter) }),
      {},
    )
    return resources
      .flatMap((resource) => resource.acls.map((acl) => aclFromWire({ ...resource, ...acl })))
      .sort(compareAcls)
  }

  async deleteAcls(filter: AclFilter): Promise<Acl[]> {
    const deleted = await this.#adminCall(
      () => this.#admin.deleteAcls({ filters: [filterToWire(filter)] }),
      {},
    )
    return deleted.map(aclFromWire).sort(compareAcls)
  }

  produce(topic: string, record: KafkaRecordToProduce): Promise<ProducedKafkaRecord> {
    return this.#records.produce(topic, record)
  }

  produceTo(topic: string, record: KafkaRecordToProduce, receipt: ProduceReceipt): void {
    this.#records.produceTo(topic, record, receipt)
  }

  /** Runs one protocol call on a bootstrap connection with the highest version both sides know. */
  async #call<Api extends (connection: Connection, ...args: never[]) => void, Result>(
    name: ApiName,
    invoke: (api: Api, connection: Connection, done: Callback<Result>) => void,
    context: KafkaErrorContext = {},
  ): Promise<Result> {
    try {
      return await new Promise<Result>((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new GatewayError('GW_KAFKA_RETRIABLE', 'Kafka did not answer in time.')),
          this.#requestTimeoutMs + 1_000,
        )
        const done: Callback<Result> = (error, result) => {
          clearTimeout(deadline)
          if (error) reject(error)
          else resolve(result as Result)
        }
        this.#admin[kGetBootstrapConnection]((connectionError: Error | null, connection?: Connection) => {
          if (connectionError || !connection) return done(connectionError ?? new Error('no connection'))
          this.#admin[kGetApi](name, (apiError: Error | null, api?: unknown) => {
            if (apiError || !api) return done(apiError ?? new Error(`no ${name} API`))
            invoke(api as Api, connection, done)
          })
        })
      })
    } catch (error) {
      throw toGatewayError(error, context)
    }
  }

  async #metadata(topics: string[] | null): Promise<MetadataResponse> {
    return this.#call<MetadataApi, MetadataResponse>(
      'Metadata',
      (api, connection, done) => api(connection, topics, false, false, done),
      topics?.length === 1 ? { topicName: topics[0]! } : {},
    )
  }

  async describeCluster(): Promise<KafkaClusterDescription> {
    const metadata = await this.#metadata([])
    if (!metadata.clusterId) {
      throw new GatewayError(
        'GW_KAFKA_ERROR',
        'The cluster did not report its id (is it older than Kafka 0.10.1?).',
      )
    }
    return {
      clusterId: metadata.clusterId,
      controllerId: metadata.controllerId >= 0 ? metadata.controllerId : null,
      brokers: metadata.brokers
        .map((broker) => ({
          brokerId: broker.nodeId,
          host: broker.host,
          port: broker.port,
          rack: broker.rack ?? null,
        }))
        .sort((a, b) => a.brokerId - b.brokerId),
    }
  }

  async listTopics(): Promise<KafkaTopicDescription[]> {
    const metadata = await this.#metadata(null)
    return metadata.topics
      .filter((topic) => topic.name !== null && topic.errorCode === 0)
      .map(toTopicDescription)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async describeTopic(name: string): Promise<KafkaTopicDescription> {
    const metadata = await this.#metadata([name])
    const topic = metadata.topics.find((candidate) => candidate.name === name)
    if (!topic) throw new GatewayError('GW_KAFKA_UNKNOWN_TOPIC')
    return toTopicDescription(topic)
  }

  async createTopic(topic: NewKafkaTopic): Promise<CreatedKafkaTopic> {
    const assignments = [...(topic.replicasAssignments ?? new Map<number, readonly number[]>())].map(
      ([partitionIndex, brokerIds]) => ({ partitionIndex, brokerIds: [...brokerIds] }),
    )
    const request = {
      name: topic.name,
      // -1 asks the controller for its defaults (required when assignments are explicit).
      numPartitions: assignments.length > 0 ? -1 : (topic.partitionsCount ?? -1),
      replicationFactor: assignments.length > 0 ? -1 : (topic.replicationFactor ?? -1),
      assignments,
      configs: topic.configs.map((config) => ({ name: config.name, value: config.value })),
    }
    const response = await this.#call<CreateTopicsApi, Awaited<ReturnType<CreateTopicsApi['async']>>>(
      'CreateTopics',
      (api, connection, done) => api(connection, [request], this.#requestTimeoutMs, topic.validateOnly, done),
      { topicName: topic.name },
    )
    const created = response.topics.find((candidate) => candidate.name === topic.name)
    // Answer once the topic can be used: a broker's metadata learns of it a moment after the controller.
    if (!topic.validateOnly) await this.#awaitTopic(topic.name).catch(() => undefined)
    return {
      name: topic.name,
      partitionsCount:
        created && created.numPartitions > 0 ? created.numPartitions : (topic.partitionsCount ?? 0),
      replicationFactor:
        created && created.replicationFactor > 0 ? created.replicationFactor : (topic.replicationFactor ?? 0),
    }
  }

  async deleteTopic(name: string): Promise<void> {
    await this.#call<DeleteTopicsApi, Awaited<ReturnType<DeleteTopicsApi['async']>>>(
      'DeleteTopics',
      (api, connection, done) => api(connection, [{ name }], this.#requestTimeoutMs, done),
      { topicName: name },
    )
  }

  async readRecords(topic: string, range: KafkaReadRange): Promise<KafkaReadResult> {
    return readTopicRange(this.#settings, this.#admin, topic, range)
  }

  async close(): Promise<void> {
    await Promise.all([this.#admin.close(), this.#records.close()])
  }
}
