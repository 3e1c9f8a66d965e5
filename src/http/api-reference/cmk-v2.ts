/**
 * @module http/api-reference/cmk-v2
 *
 * Reference entries for cluster management (`/cmk/v2/clusters`). `$KEY`/`$SECRET` are a management
 * (or the bootstrap) API key; `$ENVIRONMENT_ID` comes from `/org/v2/environments`, and
 * `$REGISTERED_CLUSTER_ID` is the `id` of a cluster registered here.
 */
import { CURL, shellVariable, withBody } from './curl.ts'
import type { OperationReference } from './types.ts'

const CMK = 'http://localhost:8082/cmk/v2/clusters'

export const cmkV2Operations: Record<string, OperationReference> = {
  listCmkV2Clusters: {
    area: 'Kafka clusters',
    summary: 'List the registered clusters',
    description:
      'Lists every cluster the gateway knows, those of the configuration file (`spec.source` ' +
      '`CONFIGURATION`, listed once they have answered) and those registered here (`API`). ' +
      '`environment` keeps the clusters of one environment; unlike Confluent Cloud it may be left out.',
    examples: [
      {
        title: 'List the clusters of an environment',
        command: `${CURL} '${CMK}?environment=$ENVIRONMENT_ID'`,
      },
    ],
  },
  createCmkV2Cluster: {
    area: 'Kafka clusters',
    summary: 'Register a Kafka cluster',
    description:
      'Puts another Kafka cluster behind the gateway without a restart. The gateway connects to ' +
      '`spec.kafka_bootstrap_endpoint` first (as `spec.kafka_sasl`, a super user, when given) and ' +
      'registers the cluster under the id its brokers report; unreachable brokers or wrong ' +
      'credentials are refused with 422 and nothing is stored. The answer is 202, as in Confluent ' +
      'Cloud, but the cluster is already `PROVISIONED`: `/kafka/v3/clusters/{id}` serves it at ' +
      'once, and other instances sharing the store serve it from the first request naming it. ' +
      'The password is stored encrypted ' +
      '(`store.encryptionKey`) and never shown again.',
    examples: [
      {
        title: 'Register a cluster reached with SASL/SCRAM',
        command: withBody(
          'POST',
          CMK,
          `{"spec":{"display_name":"analytics","environment":{"id":"${shellVariable('ENVIRONMENT_ID')}"},` +
            `"kafka_bootstrap_endpoint":"SASL_PLAINTEXT://kafka-analytics-1:9092,kafka-analytics-2:9092",` +
            `"kafka_sasl":{"mechanism":"SCRAM-SHA-512","username":"gatehouse","password":"change-me"}}}`,
        ),
      },
    ],
  },
  getCmkV2Cluster: {
    area: 'Kafka clusters',
    summary: 'Get a cluster',
    description:
      'Reads one cluster: where the gateway reaches it, as which Kafka user (never the password), ' +
      'and the environment it belongs to.',
    examples: [{ title: 'Get a registered cluster', command: `${CURL} ${CMK}/$REGISTERED_CLUSTER_ID` }],
  },
  updateCmkV2Cluster: {
    area: 'Kafka clusters',
    summary: 'Rename a cluster',
    description:
      'Changes `spec.display_name`. A cluster stays in its environment; to change its brokers or ' +
      'credentials, unregister it and register it again.',
    examples: [
      {
        title: 'Rename a cluster',
        command: withBody(
          'PATCH',
          `${CMK}/$REGISTERED_CLUSTER_ID`,
          '{"spec":{"display_name":"analytics-eu"}}',
        ),
      },
    ],
  },
  deleteCmkV2Cluster: {
    area: 'Kafka clusters',
    summary: 'Unregister a cluster',
    description:
      'Stops serving a cluster registered here and deletes every API key scoped to it; the cluster ' +
      'and its data are untouched. Clusters of the configuration file are removed there (409 here).',
    examples: [{ title: 'Unregister a cluster', command: `${CURL} -X DELETE ${CMK}/$REGISTERED_CLUSTER_ID` }],
  },
}
