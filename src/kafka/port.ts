/**
 * @module kafka/port
 *
 * What the gateway needs from a Kafka cluster, in the domain's words. The HTTP layer talks only to
 * this interface; `kafka/platformatic` implements it over the wire protocol, and tests above the
 * port may fake it.
 *
 * Contract for every method: it either resolves with the described value or rejects with a
 * `GatewayError` from `core/errors` (`GW_KAFKA_*`), never with a library's own error, so that the
 * HTTP layer renders every failure the same way. A call never hangs: it fails after the configured
 * request timeout with `GW_KAFKA_RETRIABLE` or, when no broker is reachable, `GW_KAFKA_UNAVAILABLE`.
 */
import type { Acl, AclFilter } from '../core/index.ts'

export interface KafkaBroker {
  readonly brokerId: number
  readonly host: string
  readonly port: number
  readonly rack: string | null
}

export interface KafkaClusterDescription {
  /** The cluster's own id (KRaft `cluster.id`), which the REST API uses as `cluster_id`. */
  readonly clusterId: string
  /** Broker id of the active controller as reported to clients, or null when unknown. */
  readonly controllerId: number | null
  readonly brokers: readonly KafkaBroker[]
}

export interface KafkaPartitionDescription {
  readonly partitionId: number
  readonly leaderId: number | null
  readonly replicaIds: readonly number[]
  readonly inSyncReplicaIds: readonly number[]
}

export interface KafkaTopicDescription {
  readonly name: string
  readonly isInternal: boolean
  readonly partitionsCount: number
  /** Replicas of the first partition, as Confluent reports it; 0 for a topic with no partitions. */
  readonly replicationFactor: number
  readonly partitions: readonly KafkaPartitionDescription[]
}

export interface KafkaTopicConfigEntry {
  readonly name: string
  /** null asks for the broker's default. */
  readonly value: string | null
}

export interface NewKafkaTopic {
  readonly name: string
  /** Undefined uses the broker's `num.partitions`. */
  readonly partitionsCount?: number | undefined
  /** Undefined uses the broker's `default.replication.factor`. */
  readonly replicationFactor?: number | undefined
  /** Explicit replica placement: partition id → broker ids. Excludes the two counts above. */
  readonly replicasAssignments?: ReadonlyMap<number, readonly number[]> | undefined
  readonly configs: readonly KafkaTopicConfigEntry[]
  /** Ask the controller to check the request without creating anything. */
  readonly validateOnly: boolean
}

export interface CreatedKafkaTopic {
  readonly name: string
  readonly partitionsCount: number
  readonly replicationFactor: number
}

export interface KafkaRecordHeader {
  readonly name: string
  readonly value: Buffer | null
}

export interface KafkaRecordToProduce {
  /** Undefined lets the gateway choose as Kafka's Java client does: by key hash, or sticky without a key. */
  readonly partitionId?: number | undefined
  /** A string stands for its UTF-8 bytes (kept as a string until it is written: see record-batch.ts). */
  readonly key: Buffer | string | null
  readonly value: Buffer | string | null
  /**
   * The UTF-8 size of a string `key` or `value`, when the caller has measured it already: measuring
   * a string means reading all of it, and the producer needs the size several times. A size that
   * does not match fails the record's batch rather than write it wrong.
   */
  readonly keyByteLength?: number | undefined
  readonly valueByteLength?: number | undefined
  /** In order; names may repeat. */
  readonly headers: readonly KafkaRecordHeader[]
  /** Undefined stamps the record with the gateway's clock. */
  readonly timestamp?: Date | undefined
}

export interface ProducedKafkaRecord {
  readonly partitionId: number
  readonly offset: bigint
  /** The record's timestamp as written. */
  readonly timestamp: Date
}

/**
 * Where the outcome of one `produceTo` goes: exactly one of the two is called, once. Neither may
 * throw (the producer settles many records in one loop).
 */
export interface ProduceReceipt {
  delivered(produced: ProducedKafkaRecord): void
  failed(error: unknown): void
}

/** A record read back from a topic. */
export interface KafkaReadRecord {
  readonly partitionId: number
  readonly offset: bigint
  readonly timestamp: Date
  readonly key: Buffer | null
  readonly value: Buffer | null
}

/** Which records {@link KafkaClusterClient.readRecords} reads. */
export interface KafkaReadRange {
  /** Records with a timestamp at or after this instant (Kafka's offsets-for-times). */
  readonly since: Date
  /** Stop after this many records in all. */
  readonly maxRecords: number
  /** Stop reading after this long and answer what was read. */
  readonly timeoutMs: number
}

export interface KafkaReadResult {
  /** Ordered by timestamp, then partition and offset. */
  readonly records: readonly KafkaReadRecord[]
  /** False when `maxRecords` or `timeoutMs` stopped the read before the end. */
  readonly isComplete: boolean
}

/** Where a config value comes from, in Kafka's (and Confluent's) names. */
export type KafkaConfigSource =
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG'
  | 'DYNAMIC_BROKER_LOGGER_CONFIG'
  | 'UNKNOWN'

export interface KafkaConfigEntry {
  readonly name: string
  /** null for sensitive values, which Kafka never discloses. */
  readonly value: string | null
  readonly isDefault: boolean
  readonly isReadOnly: boolean
  readonly isSensitive: boolean
  readonly source: KafkaConfigSource
  /** The values that apply in precedence order, the effective one first. */
  readonly synonyms: readonly {
    readonly name: string
    readonly value: string | null
    readonly source: KafkaConfigSource
  }[]
}

export interface KafkaConfigChange {
  readonly name: string
  /** SET a value, or DELETE the override so the default applies again. */
  readonly operation: 'SET' | 'DELETE'
  readonly value?: string | null | undefined
}

export interface KafkaPartitionOffsets {
  readonly earliest: bigint
  readonly latest: bigint
}

/** Group states in Confluent's names. */
export type KafkaConsumerGroupState =
  | 'UNKNOWN'
  | 'PREPARING_REBALANCE'
  | 'COMPLETING_REBALANCE'
  | 'ASSIGNING'
  | 'RECONCILING'
  | 'STABLE'
  | 'DEAD'
  | 'EMPTY'

export interface KafkaGroupMember {
  readonly consumerId: string
  readonly instanceId: string | null
  readonly clientId: string
  readonly host: string
  readonly assignments: readonly { readonly topicName: string; readonly partitionId: number }[]
}

export interface KafkaConsumerGroup {
  readonly groupId: string
  /** A group that only stores offsets and has never had members coordinated by Kafka. */
  readonly isSimple: boolean
  readonly partitionAssignor: string
  readonly state: KafkaConsumerGroupState
  readonly type: 'UNKNOWN' | 'CLASSIC' | 'CONSUMER' | 'SHARE'
  readonly coordinatorId: number | null
  readonly members: readonly KafkaGroupMember[]
}

export interface KafkaConsumerLag {
  readonly topicName: string
  readonly partitionId: number
  readonly currentOffset: bigint
  readonly logEndOffset: bigint
  readonly lag: bigint
  /** The member the partition is assigned to, or null when none is. */
  readonly member: KafkaGroupMember | null
}

export interface KafkaReassignment {
  readonly topicName: string
  readonly partitionId: number
  readonly addingReplicaIds: readonly number[]
  readonly removingReplicaIds: readonly number[]
}

export interface KafkaClusterClient {
  /**
   * Identity and brokers of the cluster. Also the readiness probe: it talks to a broker every time.
   */
  describeCluster(): Promise<KafkaClusterDescription>

  /** Every topic, internal ones included, sorted by name. */
  listTopics(): Promise<KafkaTopicDescription[]>

  /** One topic. Rejects with `GW_KAFKA_UNKNOWN_TOPIC` when it does not exist. */
  describeTopic(name: string): Promise<KafkaTopicDescription>

  /**
   * Creates a topic, or with `validateOnly` only checks that it could be created. Resolves with the
   * partition count and replication factor the controller applied, once the topic is in the
   * metadata clients see (waiting a bounded time), so that it can be used at once. Rejects with
   * `GW_KAFKA_TOPIC_EXISTS`, or `GW_KAFKA_INVALID_REQUEST` for what Kafka refuses.
   */
  createTopic(topic: NewKafkaTopic): Promise<CreatedKafkaTopic>

  /** Deletes a topic. Rejects with `GW_KAFKA_UNKNOWN_TOPIC` when it does not exist. */
  deleteTopic(name: string): Promise<void>

  /**
   * Raises a topic's partition count. Rejects with `GW_KAFKA_INVALID_REQUEST` when `count` is not
   * larger than the current one, `GW_KAFKA_UNKNOWN_TOPIC` when there is no such topic.
   */
  increasePartitions(topic: string, count: number): Promise<void>

  /** Earliest and latest offsets of one partition. Rejects with `GW_KAFKA_UNKNOWN_TOPIC`. */
  partitionOffsets(topic: string, partitionId: number): Promise<KafkaPartitionOffsets>

  /** Every config of a topic, with defaults and synonyms. Rejects with `GW_KAFKA_UNKNOWN_TOPIC`. */
  describeTopicConfigs(topic: string): Promise<KafkaConfigEntry[]>

  /**
   * Applies config changes to a topic atomically (incremental alter), or only checks them.
   * Rejects with `GW_KAFKA_INVALID_REQUEST` for unknown names or bad values.
   */
  alterTopicConfigs(
    topic: string,
    changes: readonly KafkaConfigChange[],
    validateOnly: boolean,
  ): Promise<void>

  /** Every consumer group with its members, sorted by id. */
  listConsumerGroups(): Promise<KafkaConsumerGroup[]>

  /** One consumer group. Rejects with `GW_CONSUMER_GROUP_NOT_FOUND` when Kafka knows no such group. */
  describeConsumerGroup(groupId: string): Promise<KafkaConsumerGroup>

  /**
   * Lag of every partition the group has committed an offset for, sorted by topic and partition.
   * Rejects with `GW_CONSUMER_GROUP_NOT_FOUND`.
   */
  consumerGroupLags(groupId: string): Promise<KafkaConsumerLag[]>

  /** Creates ACLs in the cluster. Rejects with `GW_KAFKA_INVALID_REQUEST` when Kafka refuses one. */
  createAcls(acls: readonly Acl[]): Promise<void>

  /** The cluster's ACLs that match the filter, in Kafka's listing order. */
  describeAcls(filter: AclFilter): Promise<Acl[]>

  /** Deletes the ACLs that match the filter and resolves with them, in Kafka's listing order. */
  deleteAcls(filter: AclFilter): Promise<Acl[]>

  /** Partition reassignments in progress, of one topic or of all, sorted by topic and partition. */
  listReassignments(topic?: string): Promise<KafkaReassignment[]>

  /**
   * Every config of one broker, or with `null` the cluster-wide dynamic broker defaults only.
   * Rejects with `GW_BROKER_NOT_FOUND` for a broker id the cluster does not have.
   */
  describeBrokerConfigs(brokerId: number | null): Promise<KafkaConfigEntry[]>

  /**
   * Applies config changes to one broker, or with `null` cluster-wide (dynamic defaults).
   * Rejects with `GW_KAFKA_INVALID_REQUEST` for configs that cannot change at run time.
   */
  alterBrokerConfigs(
    brokerId: number | null,
    changes: readonly KafkaConfigChange[],
    validateOnly: boolean,
  ): Promise<void>

  /**
   * Appends one record to a topic and resolves once the leader and all in-sync replicas have it
   * (acks=all), with where it was written. Concurrent calls may be sent to Kafka together; each
   * settles on its own, and a record that fails does not fail the others. A record is never
   * reported as written when it was not.
   *
   * Rejects with `GW_KAFKA_UNKNOWN_TOPIC`, `GW_KAFKA_PARTITION_NOT_FOUND` (a partition id the topic
   * does not have), `GW_KAFKA_RECORD_TOO_LARGE`, or the usual availability errors.
   */
  produce(topic: string, record: KafkaRecordToProduce): Promise<ProducedKafkaRecord>

  /**
   * `produce` for a caller with many records (a produce stream): the outcome goes to `receipt`
   * instead of a promise, which would cost a promise and its reactions per record.
   */
  produceTo(topic: string, record: KafkaRecordToProduce, receipt: ProduceReceipt): void

  /**
   * Reads a topic's records from `range.since` up to each partition's high watermark as it was
   * when the call started: it never waits for records written later, and it ends after
   * `range.timeoutMs` at the latest (with `isComplete: false`). Rejects with
   * `GW_KAFKA_UNKNOWN_TOPIC` when there is no such topic.
   */
  readRecords(topic: string, range: KafkaReadRange): Promise<KafkaReadResult>

  /** Closes connections. Calls made afterwards reject. */
  close(): Promise<void>
}
