/**
 * @module test/support/fake-kafka-cluster
 *
 * An in-memory {@link KafkaClusterClient} for tests above the port. It honours the port's contract
 * (the same contract suite runs against it and against a real broker), including its errors.
 */
import { GatewayError, compareAcls, type Acl, type AclFilter } from '../../src/core/index.ts'
import type {
  CreatedKafkaTopic,
  KafkaClusterClient,
  KafkaClusterDescription,
  KafkaTopicDescription,
  KafkaConfigChange,
  KafkaConfigEntry,
  KafkaConsumerGroup,
  KafkaConsumerLag,
  KafkaPartitionOffsets,
  KafkaReassignment,
  KafkaRecordToProduce,
  KafkaReadRange,
  KafkaReadRecord,
  KafkaReadResult,
  NewKafkaTopic,
  ProduceReceipt,
  ProducedKafkaRecord,
} from '../../src/kafka/index.ts'
import { dataByteLength } from '../../src/kafka/index.ts'

export interface StoredRecord extends KafkaRecordToProduce {
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly offset: bigint
  readonly timestamp: Date
}

/** Topic configs the fake knows, with Kafka's defaults. */
const TOPIC_CONFIG_DEFAULTS: Record<string, string> = {
  'cleanup.policy': 'delete',
  'max.message.bytes': '1048588',
  'min.insync.replicas': '1',
  'retention.bytes': '-1',
  'retention.ms': '604800000',
  'segment.bytes': '1073741824',
}
const CONFIG_CHECKS: Record<string, (value: string) => boolean> = {
  'cleanup.policy': (value) =>
    value.split(',').every((policy) => ['delete', 'compact'].includes(policy.trim())),
}
/** Broker configs the fake knows: static ones from its "server.properties", the rest defaults. */
const BROKER_CONFIGS: Record<string, { value: string; isStatic: boolean; isDynamic: boolean }> = {
  'log.cleaner.backoff.ms': { value: '15000', isStatic: false, isDynamic: true },
  'log.dirs': { value: '/var/lib/kafka', isStatic: true, isDynamic: false },
  'min.insync.replicas': { value: '1', isStatic: false, isDynamic: true },
  'num.partitions': { value: '1', isStatic: true, isDynamic: true },
}
const isInteger = (value: string) => /^-?\d+$/.test(value)

export class FakeKafkaCluster implements KafkaClusterClient {
  readonly clusterId: string
  readonly topics = new Map<string, KafkaTopicDescription>()
  /** Records by topic, then partition, in offset order. */
  readonly records = new Map<string, StoredRecord[][]>()
  /** Records whose value is larger than this are refused, like a broker's `max.message.bytes`. */
  maxRecordBytes = 1_048_588
  readonly acls: Acl[] = []
  /** Consumer groups as Kafka would describe them, and their committed offsets by topic/partition. */
  readonly groups = new Map<string, KafkaConsumerGroup>()
  readonly committedOffsets = new Map<string, Map<string, bigint>>()
  /** Cluster-wide dynamic broker defaults. */
  readonly clusterConfigs = new Map<string, string>()
  /** Dynamic (per-topic) config overrides. */
  readonly topicConfigs = new Map<string, Map<string, string>>()
  /** While true every call rejects as if no broker were reachable. */
  isDown = false
  defaultPartitions = 1

  constructor(clusterId = 'fake-cluster-1') {
    this.clusterId = clusterId
  }

  #checkUp(): void {
    if (this.isDown) throw new GatewayError('GW_KAFKA_UNAVAILABLE')
  }

  async describeCluster(): Promise<KafkaClusterDescription> {
    this.#checkUp()
    return {
      clusterId: this.clusterId,
      controllerId: 1,
      brokers: [{ brokerId: 1, host: '127.0.0.1', port: 9092, rack: null }],
    }
  }

  async listTopics(): Promise<KafkaTopicDescription[]> {
    this.#checkUp()
    return [...this.topics.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async describeTopic(name: string): Promise<KafkaTopicDescription> {
    this.#checkUp()
    const topic = this.topics.get(name)
    if (!topic) throw new GatewayError('GW_KAFKA_UNKNOWN_TOPIC')
    return topic
  }

  async createTopic(topic: NewKafkaTopic): Promise<CreatedKafkaTopic> {
    this.#checkUp()
    if (this.topics.has(topic.name)) {
      throw new GatewayError('GW_KAFKA_TOPIC_EXISTS', `Topic '${topic.name}' already exists.`)
    }
    const partitionsCount = topic.replicasAssignments?.size ?? topic.partitionsCount ?? this.defaultPartitions
    const replicationFactor = topic.replicasAssignments
      ? ([...topic.replicasAssignments.values()][0]?.length ?? 0)
      : (topic.replicationFactor ?? 1)
    if (partitionsCount < 1) {
      throw new GatewayError('GW_KAFKA_INVALID_REQUEST', 'Number of partitions must be larger than 0.')
    }
    if (replicationFactor < 1) {
      throw new GatewayError('GW_KAFKA_INVALID_REQUEST', 'Replication factor must be larger than 0.')
    }
    if (replicationFactor > 1) {
      throw new GatewayError(
        'GW_KAFKA_INVALID_REQUEST',
        `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only 1 broker(s) are registered.`,
      )
    }
    for (const config of topic.configs) this.#checkConfig(config.name, config.value ?? '')
    if (!topic.validateOnly) {
      this.topicConfigs.set(
        topic.name,
        new Map(topic.configs.map((config) => [config.name, config.value ?? ''])),
      )
      this.topics.set(topic.name, {
        name: topic.name,
        isInternal: false,
        partitionsCount,
        replicationFactor,
        partitions: this.#partitions(partitionsCount),
      })
    }
    return { name: topic.name, partitionsCount, replicationFactor }
  }

  async deleteTopic(name: string): Promise<void> {
    this.#checkUp()
    if (!this.topics.delete(name)) throw new GatewayError('GW_KAFKA_UNKNOWN_TOPIC')
  }

  produceTo(topic: string, record: KafkaRecordToProduce, receipt: ProduceReceipt): void {
    this.produce(topic, record).then(
      (produced) => receipt.delivered(produced),
      (error: unknown) => receipt.failed(error),
    )
  }

  async produce(topic: string, record: KafkaRecordToProduce): Promise<ProducedKafkaRecord> {
    this.#checkUp()
    const description = this.topics.get(topic)
    if (!description) throw new GatewayError('GW_KAFKA_UNKNOWN_TOPIC')
    const partitionId = record.partitionId ?? 0
    if (partitionId < 0 || partitionId >= description.partitionsCount)
      throw new GatewayError('GW_KAFKA_PARTITION_NOT_FOUND')
    const size = (data: Buffer | string | null) => (data === null ? 0 : dataByteLength(data))
    if (size(record.value) + size(record.key) > this.maxRecordBytes) {
      throw new GatewayError('GW_KAFKA_RECORD_TOO_LARGE')
    }
    const partitions =
      this.records.get(topic) ?? Array.from({ length: description.partitionsCount }, () => [])
    this.records.set(topic, partitions)
    const log = partitions[partitionId]!
    const bytes = (data: Buffer | string | null) => (typeof data === 'string' ? Buffer.from(data) : data)
    const stored = {
      ...record,
      key: bytes(record.key),
      value: bytes(record.value),
      offset: BigInt(log.length),
      timestamp: record.timestamp ?? new Date(),
    }
    log.push(stored)
    return { partitionId, offset: stored.offset, timestamp: stored.timestamp }
  }

  async readRecords(topic: string, range: KafkaReadRange): Promise<KafkaReadResult> {
    await this.describeTopic(topic)
    const records: KafkaReadRecord[] = (this.records.get(topic) ?? [])
      .flatMap((log, partitionId) =>
        log.map((stored) => ({
          partitionId,
          offset: stored.offset,
          timestamp: stored.timestamp,
          key: stored.key,
          value: stored.value,
        })),
      )
      .filter((record) => record.timestamp.getTime() >= range.since.getTime())
      .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime() || a.partitionId - b.partitionId)
    return {
      records: records.slice(0, range.maxRecords),
      isComplete: records.length <= range.maxRecords,
    }
  }

  #checkConfig(name: string, value: string): void {
    if (!(name in TOPIC_CONFIG_DEFAULTS))
      throw new GatewayError('GW_KAFKA_INVALID_REQUEST', `Unknown topic config name: ${name}`)
    const check = CONFIG_CHECKS[name] ?? isInteger
    if (!check(value))
      throw new GatewayError('GW_KAFKA_INVALID_REQUEST', `Invalid value ${value} for configuration ${name}`)
  }

  #partitions(count: number): KafkaTopicDescription['partitions'] {
    return Array.from({ length: count }, (_, partitionId) => ({
      partitionId,
      leaderId: 1,
      replicaIds: [1],
      inSyncReplicaIds: [1],
    }))
  }

  async increasePartitions(topic: string, count: number): Promise<void> {
    const description = await this.describeTopic(topic)
    if (count <= description.partitionsCount) {
      throw new GatewayError(
        'GW_KAFKA_INVALID_REQUEST',
        `Topic currently has ${description.partitionsCount} partitions, which is higher than the requested ${count}.`,
      )
    }
    this.topics.set(topic, { ...description, partitionsCount: count, partitions: this.#partitions(count) })
    const log = this.records.get(topic)
    while (log && log.length < count) log.push([])
  }

  async partitionOffsets(topic: string, partitionId: number): Promise<KafkaPartitionOffsets> {
    const description = await this.describeTopic(topic)
    if (partitionId < 0 || partitionId >= description.partitionsCount)
      throw new GatewayError('GW_KAFKA_PARTITION_NOT_FOUND')
    return { earliest: 0n, latest: BigInt(this.records.get(topic)?.[partitionId]?.length ?? 0) }
  }

  async describeTopicConfigs(topic: string): Promise<KafkaConfigEntry[]> {
    await this.describeTopic(topic)
    const overrides = this.topicConfigs.get(topic) ?? new Map<string, string>()
    return Object.entries(TOPIC_CONFIG_DEFAULTS).map(([name, defaultValue]) => {
      const override = overrides.get(name)
      const fallback = { name, value: defaultValue, source: 'DEFAULT_CONFIG' as const }
      return {
        name,
        value: override ?? defaultValue,
        isDefault: override === undefined,
        isReadOnly: false,
        isSensitive: false,
        source: override === undefined ? 'DEFAULT_CONFIG' : 'DYNAMIC_TOPIC_CONFIG',
        synonyms:
          override === undefined
            ? [fallback]
            : [{ name, value: override, source: 'DYNAMIC_TOPIC_CONFIG' as const }, fallback],
      }
    })
  }

  async alterTopicConfigs(
    topic: string,
    changes: readonly KafkaConfigChange[],
    validateOnly: boolean,
  ): Promise<void> {
    await this.describeTopic(topic)
    for (const change of changes) {
      if (change.operation === 'SET') this.#checkConfig(change.name, change.value ?? '')
      else if (!(change.name in TOPIC_CONFIG_DEFAULTS)) this.#checkConfig(change.name, '')
    }
    if (validateOnly) return
    const overrides = this.topicConfigs.get(topic) ?? new Map<string, string>()
    this.topicConfigs.set(topic, overrides)
    for (const change of changes) {
      if (change.operation === 'SET') overrides.set(change.name, change.value ?? '')
      else overrides.delete(change.name)
    }
  }

  async createAcls(acls: readonly Acl[]): Promise<void> {
    this.#checkUp()
    for (const acl of acls) {
      if (acl.resourceType === 'CLUSTER' && acl.resourceName !== 'kafka-cluster') {
        throw new GatewayError(
          'GW_KAFKA_INVALID_REQUEST',
          'The only valid name for the CLUSTER resource is kafka-cluster',
        )
      }
      if (!/^[^:]+:.+$/.test(acl.principal))
        throw new GatewayError('GW_KAFKA_INVALID_REQUEST', `Could not parse principal ${acl.principal}`)
    }
    for (const acl of acls)
      if (!this.acls.some((existing) => compareAcls(existing, acl) === 0)) this.acls.push(acl)
  }

  /** Kafka's filter semantics, MATCH included (literal, `*` and prefixes that apply to the name). */
  #matches(acl: Acl, filter: AclFilter): boolean {
    if (filter.resourceType !== 'ANY' && acl.resourceType !== filter.resourceType) return false
    if (filter.principal !== undefined && acl.principal !== filter.principal) return false
    if (filter.host !== undefined && acl.host !== filter.host) return false
    if (filter.operation !== 'ANY' && acl.operation !== filter.operation) return false
    if (filter.permission !== 'ANY' && acl.permission !== filter.permission) return false
    if (filter.patternType === 'MATCH') {
      if (filter.resourceName === undefined) return true
      if (acl.patternType === 'LITERAL')
        return acl.resourceName === filter.resourceName || acl.resourceName === '*'
      return filter.resourceName.startsWith(acl.resourceName)
    }
    if (filter.patternType !== 'ANY' && acl.patternType !== filter.patternType) return false
    return filter.resourceName === undefined || acl.resourceName === filter.resourceName
  }

  async describeAcls(filter: AclFilter): Promise<Acl[]> {
    this.#checkUp()
    return this.acls.filter((acl) => this.#matches(acl, filter)).sort(compareAcls)
  }

  async deleteAcls(filter: AclFilter): Promise<Acl[]> {
    const deleted = await this.describeAcls(filter)
    for (const acl of deleted) this.acls.splice(this.acls.indexOf(acl), 1)
    return deleted
  }

  /** A single broker never moves replicas: no reassignment is ever in progress. */
  async listReassignments(topic?: string): Promise<KafkaReassignment[]> {
    if (topic !== undefined) await this.describeTopic(topic)
    this.#checkUp()
    return []
  }

  async describeBrokerConfigs(brokerId: number | null): Promise<KafkaConfigEntry[]> {
    this.#checkUp()
    if (brokerId === null) {
      return [...this.clusterConfigs].sort().map(([name, value]) => ({
        name,
        value,
        isDefault: false,
        isReadOnly: false,
        isSensitive: false,
        source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
        synonyms: [{ name, value, source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' as const }],
      }))
    }
    if (brokerId !== 1) throw new GatewayError('GW_BROKER_NOT_FOUND', `Broker ${brokerId} cannot be found.`)
    return Object.entries(BROKER_CONFIGS).map(([name, config]) => {
      const clusterWide = this.clusterConfigs.get(name)
      const fallback = {
        name,
        value: config.value,
        source: config.isStatic ? ('STATIC_BROKER_CONFIG' as const) : ('DEFAULT_CONFIG' as const),
      }
      const effective =
        clusterWide === undefined
          ? fallback
          : { name, value: clusterWide, source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' as const }
      return {
        name,
        value: effective.value,
        isDefault: effective.source === 'DEFAULT_CONFIG',
        isReadOnly: !config.isDynamic,
        isSensitive: false,
        source: effective.source,
        synonyms: clusterWide === undefined ? [fallback] : [effective, fallback],
      }
    })
  }

  async alterBrokerConfigs(
    brokerId: number | null,
    changes: readonly KafkaConfigChange[],
    validateOnly: boolean,
  ): Promise<void> {
    this.#checkUp()
    if (brokerId !== null && brokerId !== 1)
      throw new GatewayError('GW_BROKER_NOT_FOUND', `Broker ${brokerId} cannot be found.`)
    const frozen = changes
      .filter((change) => BROKER_CONFIGS[change.name]?.isDynamic === false)
      .map((change) => change.name)
    if (frozen.length > 0)
      throw new GatewayError(
        'GW_KAFKA_INVALID_REQUEST',
        `Cannot update these configs dynamically: [${frozen.join(', ')}]`,
      )
    if (validateOnly) return
    // Per-broker overrides are kept with the cluster-wide ones: the fake has a single broker.
    for (const change of changes) {
      if (change.operation === 'SET') this.clusterConfigs.set(change.name, change.value ?? '')
      else this.clusterConfigs.delete(change.name)
    }
  }

  /** What a consumer's offset commit does: the group exists afterwards (EMPTY and simple if new). */
  commitOffset(groupId: string, topic: string, partitionId: number, offset: bigint): void {
    if (!this.groups.has(groupId)) {
      this.groups.set(groupId, {
        groupId,
        isSimple: true,
        partitionAssignor: '',
        state: 'EMPTY',
        type: 'CLASSIC',
        coordinatorId: 1,
        members: [],
      })
    }
    const offsets = this.committedOffsets.get(groupId) ?? new Map<string, bigint>()
    this.committedOffsets.set(groupId, offsets)
    offsets.set(`${topic}\u0000${partitionId}`, offset)
  }

  async listConsumerGroups(): Promise<KafkaConsumerGroup[]> {
    this.#checkUp()
    return [...this.groups.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : 1))
  }

  async describeConsumerGroup(groupId: string): Promise<KafkaConsumerGroup> {
    this.#checkUp()
    const group = this.groups.get(groupId)
    if (!group)
      throw new GatewayError('GW_CONSUMER_GROUP_NOT_FOUND', `Consumer group ${groupId} cannot be found.`)
    return group
  }

  async consumerGroupLags(groupId: string): Promise<KafkaConsumerLag[]> {
    const group = await this.describeConsumerGroup(groupId)
    return [...(this.committedOffsets.get(groupId) ?? new Map<string, bigint>())]
      .map(([key, currentOffset]) => {
        const [topicName, partition] = key.split('\u0000') as [string, string]
        const partitionId = Number(partition)
        const logEndOffset = BigInt(this.records.get(topicName)?.[partitionId]?.length ?? 0)
        const member =
          group.members.find((candidate) =>
            candidate.assignments.some(
              (assignment) => assignment.topicName === topicName && assignment.partitionId === partitionId,
            ),
          ) ?? null
        return {
          topicName,
          partitionId,
          currentOffset,
          logEndOffset,
          lag: logEndOffset > currentOffset ? logEndOffset - currentOffset : 0n,
          member,
        }
      })
      .sort((a, b) =>
        a.topicName === b.topicName ? a.partitionId - b.partitionId : a.topicName < b.topicName ? -1 : 1,
      )
  }

  /** True once `close()` has been called. */
  isClosed = false

  async close(): Promise<void> {
    this.isClosed = true
  }
}
