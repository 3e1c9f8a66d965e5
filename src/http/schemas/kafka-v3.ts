/**
 * @module http/schemas/kafka-v3
 *
 * Request and response shapes of the Kafka REST v3 resources Gatehouse serves.
 */
import Type from 'typebox'
import { CollectionMetadata, Relationship, ResourceMetadata } from './common.ts'

export const Cluster = Type.Object({
  kind: Type.Literal('KafkaCluster'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  controller: Type.Optional(Type.Union([Relationship, Type.Null()])),
  acls: Relationship,
  brokers: Relationship,
  broker_configs: Relationship,
  consumer_groups: Relationship,
  topics: Relationship,
  partition_reassignments: Relationship,
})

export const ClusterList = Type.Object({
  kind: Type.Literal('KafkaClusterList'),
  metadata: CollectionMetadata,
  data: Type.Array(Cluster),
})

export const AuthorizedOperation = Type.Union(
  [
    'UNKNOWN',
    'ALL',
    'READ',
    'WRITE',
    'CREATE',
    'DELETE',
    'ALTER',
    'DESCRIBE',
    'CLUSTER_ACTION',
    'DESCRIBE_CONFIGS',
    'ALTER_CONFIGS',
    'IDEMPOTENT_WRITE',
  ].map((operation) => Type.Literal(operation)),
)

export const Topic = Type.Object({
  kind: Type.Literal('KafkaTopic'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  topic_name: Type.String(),
  is_internal: Type.Boolean(),
  replication_factor: Type.Integer(),
  partitions_count: Type.Integer(),
  partitions: Relationship,
  configs: Relationship,
  partition_reassignments: Relationship,
  authorized_operations: Type.Array(AuthorizedOperation),
})

export const TopicList = Type.Object({
  kind: Type.Literal('KafkaTopicList'),
  metadata: CollectionMetadata,
  data: Type.Array(Topic),
})

export const TopicParams = Type.Object({
  cluster_id: Type.String({ minLength: 1, maxLength: 255 }),
  topic_name: Type.String({ minLength: 1, maxLength: 1024 }),
})

export const CreateTopicRequest = Type.Object(
  {
    topic_name: Type.String(),
    partitions_count: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    replication_factor: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    replicas_assignments: Type.Optional(
      Type.Union([
        Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Array(Type.Integer({ minimum: 0 }))),
        Type.Null(),
      ]),
    ),
    configs: Type.Optional(
      Type.Union([
        Type.Array(
          Type.Object(
            {
              name: Type.String({ minLength: 1 }),
              value: Type.Optional(Type.Union([Type.String(), Type.Null()])),
            },
            { additionalProperties: false },
          ),
        ),
        Type.Null(),
      ]),
    ),
    validate_only: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  },
  { additionalProperties: false },
)

export const ListTopicsQuery = Type.Object({
  includeAuthorizedOperations: Type.Optional(Type.Boolean()),
})

export const GetTopicQuery = Type.Object({
  include_authorized_operations: Type.Optional(Type.Boolean()),
})
