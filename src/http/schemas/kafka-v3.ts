/**
 * @module http/schemas/kafka-v3
 *
 * Request and response shapes of the Kafka REST v3 resources Gatehouse serves.
 */
import Type from 'typebox'
import { ACL_OPERATIONS, type AclOperation } from '../../core/index.ts'
import {
  BrokerParams,
  brokerIdParam,
  clusterIdParam,
  collectionOf,
  Relationship,
  ResourceMetadata,
} from './common.ts'

export { BrokerParams }

// Path parameters: ids are non-negative 32-bit integers; names are bounded so that an oversized
// path is refused before any Kafka call. The descriptions end up in /openapi.json and
// docs/api-reference.md.
const nameParam = (description: string) => Type.String({ minLength: 1, maxLength: 1024, description })
const idParam = (description: string) => Type.Integer({ minimum: 0, maximum: 2_147_483_647, description })
const topicNameParam = nameParam('The topic’s name.')
const partitionIdParam = idParam('The partition’s number within the topic, from 0.')
const configNameParam = nameParam('The configuration’s name, such as `retention.ms`.')
const consumerGroupIdParam = nameParam('The consumer group’s id (its `group.id`).')
const consumerIdParam = nameParam('The member id Kafka gave the consumer when it joined the group.')

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

export const ClusterList = collectionOf('KafkaClusterList', Cluster)

export const AuthorizedOperation = Type.Unsafe<'UNKNOWN' | AclOperation>(
  Type.String({ enum: ['UNKNOWN', ...ACL_OPERATIONS] }),
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

export const TopicList = collectionOf('KafkaTopicList', Topic)

export const TopicParams = Type.Object({
  cluster_id: clusterIdParam,
  topic_name: topicNameParam,
})

export const CreateTopicRequest = Type.Object(
  {
    topic_name: Type.String({ description: 'Name of the new topic; Kafka’s naming rules apply.' }),
    partitions_count: Type.Optional(
      Type.Union([Type.Integer(), Type.Null()], {
        description: 'Number of partitions; the broker’s `num.partitions` when left out.',
      }),
    ),
    replication_factor: Type.Optional(
      Type.Union([Type.Integer(), Type.Null()], {
        description: 'Copies of each partition; the broker’s `default.replication.factor` when left out.',
      }),
    ),
    replicas_assignments: Type.Optional(
      Type.Union(
        [
          Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Array(Type.Integer({ minimum: 0 }))),
          Type.Null(),
        ],
        {
          description:
            'Broker ids for each partition, keyed by partition number; replaces the two counts above.',
        },
      ),
    ),
    configs: Type.Optional(
      Type.Union(
        [
          Type.Array(
            Type.Object(
              {
                name: Type.String({ minLength: 1, description: 'A topic configuration name.' }),
                value: Type.Optional(
                  Type.Union([Type.String(), Type.Null()], { description: 'Its value, as a string.' }),
                ),
              },
              { additionalProperties: false },
            ),
          ),
          Type.Null(),
        ],
        { description: 'Topic configurations to set at creation.' },
      ),
    ),
    validate_only: Type.Optional(
      Type.Union([Type.Boolean(), Type.Null()], {
        description: 'When true, Kafka only checks that the topic could be created; answers 200.',
      }),
    ),
  },
  { additionalProperties: false },
)

const includeAuthorizedOperations = Type.Boolean({
  description:
    'Fill `authorized_operations` with the operations the caller may do on each topic (Kafka names).',
})

export const ListTopicsQuery = Type.Object({
  includeAuthorizedOperations: Type.Optional(includeAuthorizedOperations),
})

export const GetTopicQuery = Type.Object({
  include_authorized_operations: Type.Optional(includeAuthorizedOperations),
})

export const PartitionParams = Type.Object({
  cluster_id: clusterIdParam,
  topic_name: topicNameParam,
  partition_id: partitionIdParam,
})

export const ReplicaParams = Type.Object({
  cluster_id: clusterIdParam,
  topic_name: topicNameParam,
  partition_id: partitionIdParam,
  broker_id: brokerIdParam,
})

export const Partition = Type.Object({
  kind: Type.Literal('KafkaPartition'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  topic_name: Type.String(),
  partition_id: Type.Integer(),
  leader: Type.Union([Relationship, Type.Null()]),
  replicas: Relationship,
  reassignment: Relationship,
})

export const PartitionList = collectionOf('KafkaPartitionList', Partition)

export const PartitionWithOffsets = Type.Object({
  kind: Type.Literal('KafkaPartitionWithOffsets'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  topic_name: Type.String(),
  partition_id: Type.Integer(),
  earliest_offset: Type.Integer(),
  latest_offset: Type.Integer(),
})

export const PartitionOffsetQuery = Type.Object({
  offset_type: Type.Optional(
    Type.String({
      description: 'Only `earliest_and_latest` (the default), the one kind Kafka REST defines.',
    }),
  ),
})

export const Replica = Type.Object({
  kind: Type.Literal('KafkaReplica'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  topic_name: Type.String(),
  partition_id: Type.Integer(),
  broker_id: Type.Integer(),
  is_leader: Type.Boolean(),
  is_in_sync: Type.Boolean(),
  broker: Relationship,
})

export const ReplicaList = collectionOf('KafkaReplicaList', Replica)

export const Broker = Type.Object({
  kind: Type.Literal('KafkaBroker'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  broker_id: Type.Integer(),
  host: Type.Union([Type.String(), Type.Null()]),
  port: Type.Union([Type.Integer(), Type.Null()]),
  rack: Type.Union([Type.String(), Type.Null()]),
  configs: Relationship,
  partition_replicas: Relationship,
})

export const BrokerList = collectionOf('KafkaBrokerList', Broker)

const ConfigSynonym = Type.Object({
  name: Type.String(),
  value: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
})

export const TopicConfig = Type.Object({
  kind: Type.Literal('KafkaTopicConfig'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  topic_name: Type.String(),
  name: Type.String(),
  value: Type.Union([Type.String(), Type.Null()]),
  is_default: Type.Boolean(),
  is_read_only: Type.Boolean(),
  is_sensitive: Type.Boolean(),
  source: Type.String(),
  synonyms: Type.Array(ConfigSynonym),
})

export const TopicConfigList = collectionOf('KafkaTopicConfigList', TopicConfig)

export const TopicConfigParams = Type.Object({
  cluster_id: clusterIdParam,
  topic_name: topicNameParam,
  name: configNameParam,
})

export const UpdateConfigRequest = Type.Object(
  {
    value: Type.Optional(
      Type.Union([Type.String(), Type.Null()], { description: 'The new value, as a string.' }),
    ),
  },
  { additionalProperties: false },
)

export const AlterConfigsRequest = Type.Object(
  {
    data: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, description: 'The configuration’s name.' }),
          value: Type.Optional(
            Type.Union([Type.String(), Type.Null()], { description: 'The value to set, as a string.' }),
          ),
          operation: Type.Optional(
            Type.Union(
              [
                Type.Literal('SET'),
                Type.Literal('DELETE'),
                Type.Literal('set'),
                Type.Literal('delete'),
                Type.Null(),
              ],
              { description: '`SET` (the default) or `DELETE`, which reverts to the inherited value.' },
            ),
          ),
        },
        { additionalProperties: false },
      ),
      { description: 'The changes, applied together.' },
    ),
    validate_only: Type.Optional(
      Type.Union([Type.Boolean(), Type.Null()], {
        description: 'When true, Kafka only checks the changes without applying them.',
      }),
    ),
  },
  { additionalProperties: false },
)

export const UpdatePartitionCountRequest = Type.Object(
  {
    partitions_count: Type.Integer({
      minimum: 1,
      description: 'The new, larger number of partitions; Kafka cannot remove partitions.',
    }),
  },
  { additionalProperties: false },
)

export const AclData = Type.Object({
  kind: Type.Literal('KafkaAcl'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  resource_type: Type.String(),
  resource_name: Type.String(),
  pattern_type: Type.String(),
  principal: Type.String(),
  host: Type.String(),
  operation: Type.String(),
  permission: Type.String(),
})

export const AclList = collectionOf('KafkaAclList', AclData)

export const DeleteAclsResponse = Type.Object({ data: Type.Array(AclData) })

// One description per ACL field, shared by the filter (query) and the binding (body).
const aclField = {
  resource_type: 'Resource kind: `TOPIC`, `GROUP`, `CLUSTER`, `TRANSACTIONAL_ID` or `DELEGATION_TOKEN`.',
  resource_name: 'Resource name, or its prefix when `pattern_type` is `PREFIXED`.',
  pattern_type: 'How `resource_name` matches: `LITERAL` or `PREFIXED` (a filter also takes `ANY`, `MATCH`).',
  principal: 'Who the rule is about, such as `User:alice`.',
  host: 'Client address the rule applies to; `*` for any.',
  operation: 'The operation, such as `READ`, `WRITE`, `DESCRIBE` or `ALL`.',
  permission: '`ALLOW` or `DENY`.',
} as const
const aclFilterField = (name: keyof typeof aclField) =>
  Type.Optional(Type.String({ description: `${aclField[name]} Left out: any.` }))
const aclBindingField = (name: keyof typeof aclField) => Type.String({ description: aclField[name] })

export const AclQuery = Type.Object({
  resource_type: aclFilterField('resource_type'),
  resource_name: aclFilterField('resource_name'),
  pattern_type: aclFilterField('pattern_type'),
  principal: aclFilterField('principal'),
  host: aclFilterField('host'),
  operation: aclFilterField('operation'),
  permission: aclFilterField('permission'),
})

export const CreateAclRequest = Type.Object(
  {
    resource_type: aclBindingField('resource_type'),
    resource_name: aclBindingField('resource_name'),
    pattern_type: aclBindingField('pattern_type'),
    principal: aclBindingField('principal'),
    host: aclBindingField('host'),
    operation: aclBindingField('operation'),
    permission: aclBindingField('permission'),
  },
  { additionalProperties: false },
)

export const CreateAclBatchRequest = Type.Object(
  { data: Type.Array(CreateAclRequest, { description: 'The ACLs to create, all at once.' }) },
  { additionalProperties: false },
)

export const ConsumerGroupParams = Type.Object({
  cluster_id: clusterIdParam,
  consumer_group_id: consumerGroupIdParam,
})

export const ConsumerParams = Type.Object({
  cluster_id: clusterIdParam,
  consumer_group_id: consumerGroupIdParam,
  consumer_id: consumerIdParam,
})

export const ConsumerLagParams = Type.Object({
  cluster_id: clusterIdParam,
  consumer_group_id: consumerGroupIdParam,
  topic_name: topicNameParam,
  partition_id: partitionIdParam,
})

export const ConsumerGroup = Type.Object({
  kind: Type.Literal('KafkaConsumerGroup'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  consumer_group_id: Type.String(),
  is_simple: Type.Boolean(),
  partition_assignor: Type.String(),
  state: Type.String(),
  type: Type.String(),
  is_mixed_consumer_group: Type.Boolean(),
  coordinator: Type.Union([Relationship, Type.Null()]),
  consumers: Relationship,
  lag_summary: Relationship,
})

export const ConsumerGroupList = collectionOf('KafkaConsumerGroupList', ConsumerGroup)

export const Consumer = Type.Object({
  kind: Type.Literal('KafkaConsumer'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  consumer_group_id: Type.String(),
  consumer_id: Type.String(),
  instance_id: Type.Union([Type.String(), Type.Null()]),
  client_id: Type.String(),
  assignments: Relationship,
})

export const ConsumerList = collectionOf('KafkaConsumerList', Consumer)

export const ConsumerLag = Type.Object({
  kind: Type.Literal('KafkaConsumerLag'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  consumer_group_id: Type.String(),
  topic_name: Type.String(),
  partition_id: Type.Integer(),
  current_offset: Type.Integer(),
  log_end_offset: Type.Integer(),
  lag: Type.Integer(),
  consumer_id: Type.String(),
  instance_id: Type.Union([Type.String(), Type.Null()]),
  client_id: Type.String(),
})

export const ConsumerLagList = collectionOf('KafkaConsumerLagList', ConsumerLag)

export const ConsumerGroupLagSummary = Type.Object({
  kind: Type.Literal('KafkaConsumerGroupLagSummary'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  consumer_group_id: Type.String(),
  max_lag_consumer_id: Type.String(),
  max_lag_instance_id: Type.Union([Type.String(), Type.Null()]),
  max_lag_client_id: Type.String(),
  max_lag_topic_name: Type.String(),
  max_lag_partition_id: Type.Integer(),
  max_lag: Type.Integer(),
  total_lag: Type.Integer(),
  max_lag_consumer: Relationship,
  max_lag_partition: Relationship,
})

export const ConsumerAssignment = Type.Object({
  kind: Type.Literal('KafkaConsumerAssignment'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  consumer_group_id: Type.String(),
  consumer_id: Type.String(),
  topic_name: Type.String(),
  partition_id: Type.Integer(),
  partition: Relationship,
  lag: Relationship,
})

export const ConsumerAssignmentList = collectionOf('KafkaConsumerAssignmentList', ConsumerAssignment)

export const ConsumerAssignmentParams = Type.Object({
  cluster_id: clusterIdParam,
  consumer_group_id: consumerGroupIdParam,
  consumer_id: consumerIdParam,
  topic_name: topicNameParam,
  partition_id: partitionIdParam,
})

const configEntryFields = {
  name: Type.String(),
  value: Type.Union([Type.String(), Type.Null()]),
  is_default: Type.Boolean(),
  is_read_only: Type.Boolean(),
  is_sensitive: Type.Boolean(),
  source: Type.String(),
  synonyms: Type.Array(
    Type.Object({
      name: Type.String(),
      value: Type.Union([Type.String(), Type.Null()]),
      source: Type.String(),
    }),
  ),
}

export const BrokerConfig = Type.Object({
  kind: Type.Literal('KafkaBrokerConfig'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  broker_id: Type.Integer(),
  ...configEntryFields,
})

export const BrokerConfigList = collectionOf('KafkaBrokerConfigList', BrokerConfig)

export const ClusterConfig = Type.Object({
  kind: Type.Literal('KafkaClusterConfig'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  config_type: Type.Literal('BROKER'),
  ...configEntryFields,
})

export const ClusterConfigList = collectionOf('KafkaClusterConfigList', ClusterConfig)

export const BrokerConfigParams = Type.Object({
  cluster_id: clusterIdParam,
  broker_id: brokerIdParam,
  name: configNameParam,
})
export const ClusterConfigParams = Type.Object({ cluster_id: clusterIdParam, name: configNameParam })

export const Reassignment = Type.Object({
  kind: Type.Literal('KafkaReassignment'),
  metadata: ResourceMetadata,
  cluster_id: Type.String(),
  topic_name: Type.String(),
  partition_id: Type.Integer(),
  adding_replicas: Type.Array(Type.Integer()),
  removing_replicas: Type.Array(Type.Integer()),
  replicas: Relationship,
})

export const ReassignmentList = collectionOf('KafkaReassignmentList', Reassignment)
