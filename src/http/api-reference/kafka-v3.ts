/**
 * @module http/api-reference/kafka-v3
 *
 * Reference entries for the Kafka REST v3 operations. The examples follow the README's walk
 * through: `$KEY`/`$SECRET` are an API key, `$CLUSTER_ID` comes from `GET /kafka/v3/clusters`, and
 * they share one story (a topic `orders`, a consumer group `billing`) so they can be tried in turn.
 */
import { CURL, JSON_BODY, withBody } from './curl.ts'
import type { OperationReference } from './types.ts'

const CLUSTER = 'http://localhost:8082/kafka/v3/clusters/$CLUSTER_ID'

export const kafkaV3Operations: Record<string, OperationReference> = {
  // Clusters
  listKafkaClusters: {
    area: 'Clusters',
    summary: 'List the clusters',
    description:
      'Lists every Kafka cluster configured behind the gateway that answers now, in configuration ' +
      'order. Use it to learn the `cluster_id` that every other path needs.',
    examples: [{ title: 'List the clusters', command: `${CURL} http://localhost:8082/kafka/v3/clusters` }],
  },
  getKafkaCluster: {
    area: 'Clusters',
    summary: 'Get a cluster',
    description:
      'Describes one cluster: its controller, and links to its brokers, topics, consumer groups, ' +
      'ACLs and configuration.',
    examples: [{ title: 'Get the cluster', command: `${CURL} ${CLUSTER}` }],
  },

  // Topics
  listKafkaTopics: {
    area: 'Topics',
    summary: 'List the topics of a cluster',
    description:
      'Lists every topic, internal ones included, with its partition count and replication factor.',
    examples: [{ title: 'List the topics', command: `${CURL} ${CLUSTER}/topics` }],
  },
  createKafkaTopic: {
    area: 'Topics',
    summary: 'Create a topic',
    description:
      'Creates a topic and answers 201 with a `Location` header once the brokers know it, so that ' +
      'the next request can use it. Counts left out take the broker’s defaults. With ' +
      '`validate_only`, Kafka checks the request without creating anything and the answer is 200.',
    examples: [
      {
        title: 'Create a topic with three partitions and a week of retention',
        command:
          `${CURL} -i ${JSON_BODY} \\\n  ${CLUSTER}/topics \\\n` +
          `  -d '{"topic_name":"payments","partitions_count":3,"configs":[{"name":"retention.ms","value":"604800000"}]}'`,
      },
      {
        title: 'Only check that the topic could be created',
        command: `${CURL} ${JSON_BODY} \\\n  ${CLUSTER}/topics \\\n  -d '{"topic_name":"payments","validate_only":true}'`,
      },
    ],
  },
  getKafkaTopic: {
    area: 'Topics',
    summary: 'Get a topic',
    description: 'Describes one topic. A topic that does not exist is a 404.',
    examples: [{ title: 'Get a topic', command: `${CURL} ${CLUSTER}/topics/orders` }],
  },
  updatePartitionCountKafkaTopic: {
    area: 'Topics',
    summary: 'Add partitions to a topic',
    description:
      'Raises a topic’s partition count. Kafka can only add partitions, and records with a key may ' +
      'land on a different partition afterwards, so consumers relying on key order should know.',
    examples: [
      {
        title: 'Grow a topic to six partitions',
        command: withBody('PATCH', `${CLUSTER}/topics/orders`, '{"partitions_count":6}'),
      },
    ],
  },
  deleteKafkaTopic: {
    area: 'Topics',
    summary: 'Delete a topic',
    description: 'Deletes a topic and all its records. Kafka finishes the deletion in the background.',
    examples: [{ title: 'Delete a topic', command: `${CURL} -X DELETE ${CLUSTER}/topics/orders` }],
  },

  // Records
  produceRecord: {
    area: 'Records',
    summary: 'Produce a stream of records',
    description:
      'Takes any number of records, as JSON objects one after another (newlines between them are ' +
      'customary, not required), each with the fields of a `records:batch` entry but no `id`. It answers with one delivery report per record, in the same order, ' +
      'each on its own line, while the request is still arriving. A record that cannot be written ' +
      'gets an error report in its place and the others go on; the status is 200 throughout. Keys ' +
      'and values are `BINARY` (base64), `JSON` or `STRING`; a record with a key goes to the ' +
      'partition the Java client would choose. Send `Transfer-Encoding: chunked` to stream a body ' +
      'of unknown length.',
    examples: [
      {
        title: 'Stream three records from a heredoc',
        command: [
          `${CURL} -N ${JSON_BODY} -H 'Transfer-Encoding: chunked' \\`,
          `  ${CLUSTER}/topics/orders/records \\`,
          `  --data-binary @- <<'EOF'`,
          `{"key":{"type":"STRING","data":"customer-42"},"value":{"type":"JSON","data":{"total":12.5}}}`,
          `{"key":{"type":"STRING","data":"customer-7"},"value":{"type":"JSON","data":{"total":3}}}`,
          `{"value":{"type":"BINARY","data":"aGVsbG8="},"headers":[{"name":"source","value":"Y3VybA=="}]}`,
          'EOF',
        ].join('\n'),
      },
      {
        title: 'Produce one record to a chosen partition',
        command:
          `${CURL} ${JSON_BODY} \\\n  ${CLUSTER}/topics/orders/records \\\n` +
          `  -d '{"partition_id":0,"value":{"type":"STRING","data":"hello"}}'`,
      },
    ],
  },
  produceRecordsBatch: {
    area: 'Records',
    summary: 'Produce a batch of records',
    description:
      'Takes a batch of records, each with an `id` of the caller’s choosing, and answers 207 once ' +
      'all are settled: `successes` with where each record was written, `failures` with why the ' +
      'others were not. A batch holds at most `produce.batchMaxEntries` entries (10 by default).',
    examples: [
      {
        title: 'Produce two records in one batch',
        command:
          `${CURL} ${JSON_BODY} \\\n  ${CLUSTER}/topics/orders/records:batch \\\n` +
          `  -d '{"entries":[{"id":"1","key":{"type":"STRING","data":"customer-42"},"value":{"type":"JSON","data":{"total":12.5}}},` +
          `{"id":"2","value":{"type":"STRING","data":"hello"}}]}'`,
      },
    ],
  },

  // Partitions
  listKafkaPartitions: {
    area: 'Partitions',
    summary: 'List the partitions of a topic',
    description: 'Lists a topic’s partitions, each with links to its leader and replicas.',
    examples: [{ title: 'List partitions', command: `${CURL} ${CLUSTER}/topics/orders/partitions` }],
  },
  getKafkaPartition: {
    area: 'Partitions',
    summary: 'Get a partition',
    description: 'Describes one partition of a topic; a partition number the topic lacks is a 404.',
    examples: [{ title: 'Get partition 0', command: `${CURL} ${CLUSTER}/topics/orders/partitions/0` }],
  },
  listKafkaPartitionOffsets: {
    area: 'Partitions',
    summary: 'Get the earliest and latest offsets of a partition',
    description:
      'Reports the first offset still kept and the offset the next record will get, so their ' +
      'difference is the number of records the partition holds now.',
    examples: [
      {
        title: 'Offsets of partition 0',
        command: `${CURL} "${CLUSTER}/topics/orders/partitions/0/offset?offset_type=earliest_and_latest"`,
      },
    ],
  },
  listKafkaReplicas: {
    area: 'Partitions',
    summary: 'List the replicas of a partition',
    description: 'Lists the brokers holding a copy of the partition, which one leads, and which are in sync.',
    examples: [
      { title: 'Replicas of partition 0', command: `${CURL} ${CLUSTER}/topics/orders/partitions/0/replicas` },
    ],
  },
  getKafkaReplica: {
    area: 'Partitions',
    summary: 'Get one replica of a partition',
    description: 'Describes the copy of a partition on one broker; a broker without a copy is a 404.',
    examples: [
      {
        title: 'The replica on broker 1',
        command: `${CURL} ${CLUSTER}/topics/orders/partitions/0/replicas/1`,
      },
    ],
  },
  searchReplicasByBroker: {
    area: 'Partitions',
    summary: 'List the partition replicas a broker holds',
    description: 'Lists every partition replica on one broker, across all topics.',
    examples: [{ title: 'Replicas on broker 1', command: `${CURL} ${CLUSTER}/brokers/1/partition-replicas` }],
  },
  listKafkaAllReassignments: {
    area: 'Partitions',
    summary: 'List replica moves in progress',
    description:
      'Lists the partitions whose replicas Kafka is moving between brokers now, across all topics, ' +
      'with the brokers being added and removed. Empty when nothing is moving.',
    examples: [
      {
        title: 'Moves in progress in the cluster',
        command: `${CURL} ${CLUSTER}/topics/-/partitions/-/reassignment`,
      },
    ],
  },
  searchKafkaReassignmentsByTopic: {
    area: 'Partitions',
    summary: 'List replica moves in progress for a topic',
    description: 'As the cluster-wide list, for the partitions of one topic.',
    examples: [
      {
        title: 'Moves in progress for a topic',
        command: `${CURL} ${CLUSTER}/topics/orders/partitions/-/reassignment`,
      },
    ],
  },
  getKafkaReassignment: {
    area: 'Partitions',
    summary: 'Get the replica move of a partition',
    description:
      'Describes the move of one partition’s replicas. When no move of that partition is in ' +
      'progress the answer is 404, which is the usual case.',
    examples: [
      {
        title: 'The move of partition 0',
        command: `${CURL} ${CLUSTER}/topics/orders/partitions/0/reassignment`,
      },
    ],
  },

  // Topic configs
  listKafkaTopicConfigs: {
    area: 'Topic configs',
    summary: 'List a topic’s configuration',
    description:
      'Lists every configuration value in force for a topic, each with its `source`: set on the ' +
      'topic, inherited from the brokers, or Kafka’s default.',
    examples: [{ title: 'A topic’s configuration', command: `${CURL} ${CLUSTER}/topics/orders/configs` }],
  },
  listKafkaAllTopicConfigs: {
    area: 'Topic configs',
    summary: 'List the configuration of every topic',
    description: 'As the per-topic list, for all topics of the cluster in one answer.',
    examples: [{ title: 'Every topic’s configuration', command: `${CURL} ${CLUSTER}/topics/-/configs` }],
  },
  listKafkaDefaultTopicConfigs: {
    area: 'Topic configs',
    summary: 'List the defaults a topic would have',
    description:
      'Lists the values a topic gets when it overrides nothing, as the brokers are configured now. ' +
      'The topic must exist.',
    examples: [
      { title: 'Defaults for a topic', command: `${CURL} ${CLUSTER}/topics/orders/default-configs` },
    ],
  },
  getKafkaTopicConfig: {
    area: 'Topic configs',
    summary: 'Get one configuration value of a topic',
    description: 'Gets one configuration value of a topic with its source and synonyms.',
    examples: [
      { title: 'The retention of a topic', command: `${CURL} ${CLUSTER}/topics/orders/configs/retention.ms` },
    ],
  },
  updateKafkaTopicConfig: {
    area: 'Topic configs',
    summary: 'Set one configuration value of a topic',
    description:
      'Overrides one configuration value on the topic. Values are always strings, numbers included. ' +
      'Answers 204.',
    examples: [
      {
        title: 'Keep records for one day',
        command: withBody('PUT', `${CLUSTER}/topics/orders/configs/retention.ms`, '{"value":"86400000"}'),
      },
    ],
  },
  deleteKafkaTopicConfig: {
    area: 'Topic configs',
    summary: 'Revert one configuration value of a topic',
    description:
      'Removes the topic’s override, so the value inherited from the brokers (or Kafka’s default) ' +
      'applies again. Answers 204.',
    examples: [
      {
        title: 'Revert the retention to the default',
        command: `${CURL} -X DELETE ${CLUSTER}/topics/orders/configs/retention.ms`,
      },
    ],
  },
  updateKafkaTopicConfigBatch: {
    area: 'Topic configs',
    summary: 'Change several configuration values of a topic',
    description:
      'Sets or reverts several values of one topic in a single request, which Kafka applies ' +
      'together. With `validate_only`, Kafka only checks them. Answers 204.',
    examples: [
      {
        title: 'Compact a topic and revert its retention',
        command: withBody(
          'POST',
          `${CLUSTER}/topics/orders/configs:alter`,
          '{"data":[{"name":"cleanup.policy","value":"compact"},{"name":"retention.ms","operation":"DELETE"}]}',
        ),
      },
    ],
  },

  // Brokers
  listKafkaBrokers: {
    area: 'Brokers',
    summary: 'List the brokers of a cluster',
    description: 'Lists the brokers of the cluster with their host, port and rack.',
    examples: [{ title: 'List brokers', command: `${CURL} ${CLUSTER}/brokers` }],
  },
  getKafkaBroker: {
    area: 'Brokers',
    summary: 'Get a broker',
    description: 'Describes one broker; an id no broker has is a 404.',
    examples: [{ title: 'Get broker 1', command: `${CURL} ${CLUSTER}/brokers/1` }],
  },

  // Broker configs
  listKafkaAllBrokerConfigs: {
    area: 'Broker configs',
    summary: 'List the configuration of every broker',
    description: 'Lists every configuration value of every broker, each with its source.',
    examples: [{ title: 'All brokers’ configuration', command: `${CURL} ${CLUSTER}/brokers/-/configs` }],
  },
  listKafkaBrokerConfigs: {
    area: 'Broker configs',
    summary: 'List a broker’s configuration',
    description:
      'Lists every configuration value of one broker, with its source: its own properties file, a ' +
      'dynamic value set for it or for the whole cluster, or Kafka’s default.',
    examples: [{ title: 'Broker 1’s configuration', command: `${CURL} ${CLUSTER}/brokers/1/configs` }],
  },
  getKafkaBrokerConfig: {
    area: 'Broker configs',
    summary: 'Get one configuration value of a broker',
    description: 'Gets one configuration value of a broker with its source and synonyms.',
    examples: [
      {
        title: 'One value of broker 1',
        command: `${CURL} ${CLUSTER}/brokers/1/configs/log.cleaner.backoff.ms`,
      },
    ],
  },
  updateKafkaBrokerConfig: {
    area: 'Broker configs',
    summary: 'Set one configuration value of a broker',
    description:
      'Sets a dynamic configuration value on one broker, without a restart. Kafka refuses values ' +
      'that can only be set in the properties file. Answers 204.',
    examples: [
      {
        title: 'Change a value on broker 1',
        command: withBody('PUT', `${CLUSTER}/brokers/1/configs/log.cleaner.backoff.ms`, '{"value":"20000"}'),
      },
    ],
  },
  deleteKafkaBrokerConfig: {
    area: 'Broker configs',
    summary: 'Revert one configuration value of a broker',
    description: 'Removes a dynamic value set on the broker, so the next source applies again. Answers 204.',
    examples: [
      {
        title: 'Revert a value on broker 1',
        command: `${CURL} -X DELETE ${CLUSTER}/brokers/1/configs/log.cleaner.backoff.ms`,
      },
    ],
  },
  updateKafkaBrokerConfigBatch: {
    area: 'Broker configs',
    summary: 'Change several configuration values of a broker',
    description:
      'Sets or reverts several dynamic values of one broker together. With `validate_only`, Kafka ' +
      'only checks them. Answers 204.',
    examples: [
      {
        title: 'Change two values on broker 1',
        command: withBody(
          'POST',
          `${CLUSTER}/brokers/1/configs:alter`,
          '{"data":[{"name":"log.cleaner.backoff.ms","value":"20000"},{"name":"min.insync.replicas","value":"1"}]}',
        ),
      },
    ],
  },
  listKafkaClusterConfigs: {
    area: 'Broker configs',
    summary: 'List the cluster-wide broker defaults',
    description:
      'Lists the dynamic values set for all brokers at once. Only values that were set appear; an ' +
      'unchanged cluster has none.',
    examples: [{ title: 'Cluster-wide values', command: `${CURL} ${CLUSTER}/broker-configs` }],
  },
  getKafkaClusterConfig: {
    area: 'Broker configs',
    summary: 'Get one cluster-wide broker default',
    description: 'Gets one value set for all brokers; a value never set is a 404.',
    examples: [
      {
        title: 'One cluster-wide value',
        command: `${CURL} ${CLUSTER}/broker-configs/log.cleaner.backoff.ms`,
      },
    ],
  },
  updateKafkaClusterConfig: {
    area: 'Broker configs',
    summary: 'Set one cluster-wide broker default',
    description:
      'Sets a dynamic value for all brokers, unless a broker has its own. It creates the value if it ' +
      'was never set. Answers 204.',
    examples: [
      {
        title: 'Set a value for every broker',
        command: withBody('PUT', `${CLUSTER}/broker-configs/log.cleaner.backoff.ms`, '{"value":"20000"}'),
      },
    ],
  },
  deleteKafkaClusterConfig: {
    area: 'Broker configs',
    summary: 'Remove one cluster-wide broker default',
    description:
      'Removes a value set for all brokers, so each broker’s own file or Kafka’s default applies. ' +
      'Removing a value that was never set does nothing. Answers 204.',
    examples: [
      {
        title: 'Remove a cluster-wide value',
        command: `${CURL} -X DELETE ${CLUSTER}/broker-configs/log.cleaner.backoff.ms`,
      },
    ],
  },
  updateKafkaClusterConfigs: {
    area: 'Broker configs',
    summary: 'Change several cluster-wide broker defaults',
    description:
      'Sets or removes several values for all brokers together. With `validate_only`, Kafka only ' +
      'checks them. Answers 204.',
    examples: [
      {
        title: 'Set and remove cluster-wide values',
        command: withBody(
          'POST',
          `${CLUSTER}/broker-configs:alter`,
          '{"data":[{"name":"log.cleaner.backoff.ms","value":"20000"},{"name":"min.insync.replicas","operation":"DELETE"}]}',
        ),
      },
    ],
  },

  // ACLs
  getKafkaAcls: {
    area: 'ACLs',
    summary: 'Search ACLs',
    description:
      'Lists the ACLs matching a filter given as query parameters; each parameter left out matches ' +
      'anything. `pattern_type=MATCH` finds every rule that applies to a resource name, literal, ' +
      'prefixed or wildcard.',
    examples: [
      {
        title: 'Who may do what on a topic',
        command: `${CURL} "${CLUSTER}/acls?resource_type=TOPIC&resource_name=orders&pattern_type=MATCH"`,
      },
      { title: 'Every ACL', command: `${CURL} ${CLUSTER}/acls` },
    ],
  },
  createKafkaAcls: {
    area: 'ACLs',
    summary: 'Create an ACL',
    description:
      'Creates one ACL and answers 201, with a `Location` that searches for it. Creating an ACL that ' +
      'already exists is not an error.',
    examples: [
      {
        title: 'Let a user read a topic from anywhere',
        command: withBody(
          'POST',
          `${CLUSTER}/acls`,
          '{"resource_type":"TOPIC","resource_name":"orders","pattern_type":"LITERAL","principal":"User:alice","host":"*","operation":"READ","permission":"ALLOW"}',
        ),
      },
    ],
  },
  batchCreateKafkaAcls: {
    area: 'ACLs',
    summary: 'Create several ACLs',
    description: 'Creates several ACLs in one request and answers 201.',
    examples: [
      {
        title: 'Let a consumer read a topic and use its group',
        command: withBody(
          'POST',
          `${CLUSTER}/acls:batch`,
          '{"data":[' +
            '{"resource_type":"TOPIC","resource_name":"orders","pattern_type":"LITERAL","principal":"User:billing","host":"*","operation":"READ","permission":"ALLOW"},' +
            '{"resource_type":"GROUP","resource_name":"billing","pattern_type":"LITERAL","principal":"User:billing","host":"*","operation":"READ","permission":"ALLOW"}]}',
        ),
      },
    ],
  },
  deleteKafkaAcls: {
    area: 'ACLs',
    summary: 'Delete the ACLs matching a filter',
    description:
      'Deletes every ACL matching the filter and answers with the deleted ones. So that a slip cannot ' +
      'delete everything, `resource_type`, `pattern_type`, `operation` and `permission` are required ' +
      'here (use `ANY` to match all).',
    examples: [
      {
        title: 'Remove a user’s rules on a topic',
        command:
          `${CURL} -X DELETE \\\n` +
          `  "${CLUSTER}/acls?resource_type=TOPIC&resource_name=orders&pattern_type=LITERAL&principal=User:alice&operation=ANY&permission=ANY"`,
      },
    ],
  },

  // Consumer groups
  listKafkaConsumerGroups: {
    area: 'Consumer groups',
    summary: 'List consumer groups',
    description: 'Lists the consumer groups Kafka knows, with their state and assignor.',
    examples: [{ title: 'List groups', command: `${CURL} ${CLUSTER}/consumer-groups` }],
  },
  getKafkaConsumerGroup: {
    area: 'Consumer groups',
    summary: 'Get a consumer group',
    description: 'Describes one group: its state, assignor, coordinator and links to its members and lag.',
    examples: [{ title: 'Get a group', command: `${CURL} ${CLUSTER}/consumer-groups/billing` }],
  },
  listKafkaConsumers: {
    area: 'Consumer groups',
    summary: 'List the members of a consumer group',
    description:
      'Lists the consumers in the group now, with the member id Kafka gave each, its client id and ' +
      'host. Use a member id as `$CONSUMER_ID` below.',
    examples: [
      { title: 'Members of a group', command: `${CURL} ${CLUSTER}/consumer-groups/billing/consumers` },
    ],
  },
  getKafkaConsumer: {
    area: 'Consumer groups',
    summary: 'Get a member of a consumer group',
    description: 'Describes one member of the group.',
    examples: [
      {
        title: 'One member',
        command: `${CURL} ${CLUSTER}/consumer-groups/billing/consumers/$CONSUMER_ID`,
      },
    ],
  },
  listKafkaConsumerAssignment: {
    area: 'Consumer groups',
    summary: 'List the partitions assigned to a member',
    description: 'Lists the partitions the member reads now.',
    examples: [
      {
        title: 'A member’s partitions',
        command: `${CURL} ${CLUSTER}/consumer-groups/billing/consumers/$CONSUMER_ID/assignments`,
      },
    ],
  },
  getKafkaConsumerAssignment: {
    area: 'Consumer groups',
    summary: 'Get one partition assignment of a member',
    description: 'Answers 200 when the member reads that partition, 404 when it does not.',
    examples: [
      {
        title: 'Does the member read orders/0',
        command: `${CURL} ${CLUSTER}/consumer-groups/billing/consumers/$CONSUMER_ID/assignments/orders/partitions/0`,
      },
    ],
  },
  listKafkaConsumerLags: {
    area: 'Consumer groups',
    summary: 'List a consumer group’s lag per partition',
    description:
      'For each partition the group has committed an offset on: the committed offset, the partition’s ' +
      'end, their difference (the lag) and the member reading it, if any.',
    examples: [{ title: 'Lag per partition', command: `${CURL} ${CLUSTER}/consumer-groups/billing/lags` }],
  },
  getKafkaConsumerLag: {
    area: 'Consumer groups',
    summary: 'Get a consumer group’s lag on one partition',
    description: 'The lag of the group on one partition; 404 when the group has no offset there.',
    examples: [
      {
        title: 'Lag on orders/0',
        command: `${CURL} ${CLUSTER}/consumer-groups/billing/lags/orders/partitions/0`,
      },
    ],
  },
  getKafkaConsumerGroupLagSummary: {
    area: 'Consumer groups',
    summary: 'Summarise a consumer group’s lag',
    description: 'The group’s largest lag (and where it is) and its total lag over all partitions.',
    examples: [{ title: 'Lag summary', command: `${CURL} ${CLUSTER}/consumer-groups/billing/lag-summary` }],
  },
}
