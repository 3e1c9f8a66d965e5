/**
 * @module http/authorization/route-access
 *
 * What every route needs to be allowed, keyed by operationId: the enforcement table. A route that
 * needs credentials and has no entry here stops the gateway at start (see plugins/authorize.ts).
 *
 * Kafka routes ask what Kafka itself would ask (DescribeCluster needs DESCRIBE on the cluster,
 * CreateTopics CREATE on the cluster or the topic, ...). Control-plane routes ask for operations on
 * the organization, environments, clusters, service accounts and users, which only role bindings
 * grant. Routes whose answer depends on what they load (an API key's owner, a role binding's
 * pattern) or that filter what they list decide in their handler: `in-handler` routes that answer
 * 2xx without asking anything are turned into errors, so a forgotten check fails closed.
 */
import type { FastifyRequest } from 'fastify'
import type { Action, Operation, ResourcePath } from '../../core/index.ts'
import type { ResourcePaths } from './resource-paths.ts'

type ActionsOf = (
  request: FastifyRequest,
  paths: ResourcePaths,
) => Promise<readonly Action[]> | readonly Action[]

export type RouteAccess =
  /** Every action must be allowed; `summary` says which, for docs/access-control.md. */
  | { readonly kind: 'all-of'; readonly actions: ActionsOf; readonly summary: string }
  /** One of the actions is enough (Kafka's CreateTopics: CREATE on the cluster or on the topic). */
  | { readonly kind: 'any-of'; readonly actions: ActionsOf; readonly summary: string }
  /** The handler decides; `why` says what it checks. */
  | { readonly kind: 'in-handler'; readonly why: string }
  /** A valid credential is enough; `why` says why nothing more is needed. */
  | { readonly kind: 'authenticated'; readonly why: string }

function param(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string | undefined>)[name] ?? ''
}

const act = (resource: ResourcePath, operation: Operation): Action => ({ resource, operation })

function onCluster(operation: Operation): RouteAccess {
  return {
    kind: 'all-of',
    summary: `${operation} on the Kafka cluster (Cluster)`,
    actions: async (request, paths) => [
      act(await paths.kafkaCluster(param(request, 'cluster_id')), operation),
    ],
  }
}

function onTopic(operation: Operation): RouteAccess {
  return {
    kind: 'all-of',
    summary: `${operation} on the topic`,
    actions: async (request, paths) => [
      act(await paths.topic(param(request, 'cluster_id'), param(request, 'topic_name')), operation),
    ],
  }
}

function onGroup(operation: Operation): RouteAccess {
  return {
    kind: 'all-of',
    summary: `${operation} on the consumer group`,
    actions: async (request, paths) => [
      act(await paths.group(param(request, 'cluster_id'), param(request, 'consumer_group_id')), operation),
    ],
  }
}

function onOrganization(operation: Operation): RouteAccess {
  return {
    kind: 'all-of',
    summary: `${operation} on the organization`,
    actions: (_request, paths) => [act(paths.organization(), operation)],
  }
}

function onIdParam(kind: 'environment' | 'serviceAccount' | 'user', operation: Operation): RouteAccess {
  const noun = { environment: 'environment', serviceAccount: 'service account', user: 'user' }[kind]
  return {
    kind: 'all-of',
    summary: `${operation} on the ${noun}`,
    actions: (request, paths) => [act(paths[kind](param(request, 'id')), operation)],
  }
}

function onCloudCluster(operation: Operation): RouteAccess {
  return {
    kind: 'all-of',
    summary: `${operation} on the cluster (CloudCluster)`,
    actions: async (request, paths) => [act(await paths.cloudCluster(param(request, 'id')), operation)],
  }
}

/** Listing every service account or user: the operation on all of them (`service-account=*`). */
function onAll(type: 'service-account' | 'user', operation: Operation): RouteAccess {
  return {
    kind: 'all-of',
    summary: `${operation} on every ${type === 'user' ? 'user' : 'service account'} (\`${type}=*\`)`,
    actions: (_request, paths) => [act([...paths.organization(), { type, name: '*' }], operation)],
  }
}

/** An identity provider named by the path (`id`, or `provider_id` under it). */
function onIdentityProvider(operation: Operation, paramName: 'id' | 'provider_id'): RouteAccess {
  return {
    kind: 'all-of',
    summary: `${operation} on the identity provider`,
    actions: (request, paths) => [act(paths.identityProvider(param(request, paramName)), operation)],
  }
}

function onIdentityPool(operation: Operation): RouteAccess {
  return {
    kind: 'all-of',
    summary: `${operation} on the identity pool`,
    actions: (request, paths) => [
      act(paths.identityPool(param(request, 'provider_id'), param(request, 'id')), operation),
    ],
  }
}

/** A certificate authority named by the path (`id`, or `certificate_authority_id` under it). */
function onCertificateAuthority(
  operation: Operation,
  paramName: 'id' | 'certificate_authority_id',
): RouteAccess {
  return {
    kind: 'all-of',
    summary: `${operation} on the certificate authority`,
    actions: (request, paths) => [act(paths.certificateAuthority(param(request, paramName)), operation)],
  }
}

function onCertificatePool(operation: Operation): RouteAccess {
  return {
    kind: 'all-of',
    summary: `${operation} on the certificate identity pool`,
    actions: (request, paths) => [
      act(paths.certificatePool(param(request, 'certificate_authority_id'), param(request, 'id')), operation),
    ],
  }
}

function onGroupMapping(operation: Operation): RouteAccess {
  return {
    kind: 'all-of',
    summary: `${operation} on the group mapping`,
    actions: (request, paths) => [act(paths.groupMapping(param(request, 'id')), operation)],
  }
}

const FILTERED = (what: string): RouteAccess => ({ kind: 'in-handler', why: `lists only the ${what}` })

export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  // Gateway
  getOpenApiDocument: { kind: 'authenticated', why: 'the API description is the same for everyone' },
  getMetrics: onOrganization('ViewMetrics'),
  listGatehouseV1AuditEvents: onOrganization('ViewAuditLog'),

  // Console sessions (the sign-in routes themselves are public).
  getConsoleSession: { kind: 'authenticated', why: 'the caller’s own session' },
  signOutOfConsole: { kind: 'authenticated', why: 'ends the caller’s own session' },

  // Kafka REST v3: clusters and brokers
  listKafkaClusters: FILTERED('clusters the caller may describe'),
  getKafkaCluster: onCluster('Describe'),
  listKafkaBrokers: onCluster('Describe'),
  getKafkaBroker: onCluster('Describe'),
  listKafkaBrokerConfigs: onCluster('DescribeConfigs'),
  getKafkaBrokerConfig: onCluster('DescribeConfigs'),
  updateKafkaBrokerConfig: onCluster('AlterConfigs'),
  deleteKafkaBrokerConfig: onCluster('AlterConfigs'),
  updateKafkaBrokerConfigBatch: onCluster('AlterConfigs'),
  listKafkaAllBrokerConfigs: onCluster('DescribeConfigs'),
  listKafkaClusterConfigs: onCluster('DescribeConfigs'),
  getKafkaClusterConfig: onCluster('DescribeConfigs'),
  updateKafkaClusterConfig: onCluster('AlterConfigs'),
  deleteKafkaClusterConfig: onCluster('AlterConfigs'),
  updateKafkaClusterConfigs: onCluster('AlterConfigs'),
  searchReplicasByBroker: onCluster('Describe'),
  listKafkaAllReassignments: onCluster('Describe'),

  // Topics, partitions, configs, records
  listKafkaTopics: FILTERED('topics the caller may describe'),
  createKafkaTopic: {
    kind: 'any-of',
    summary: 'Create on the Kafka cluster, or Create on the topic',
    actions: async (request, paths) => {
      const clusterId = param(request, 'cluster_id')
      const topicName = (request.body as { topic_name?: unknown } | undefined)?.topic_name
      return [
        act(await paths.kafkaCluster(clusterId), 'Create'),
        act(await paths.topic(clusterId, typeof topicName === 'string' ? topicName : ''), 'Create'),
      ]
    },
  },
  getKafkaTopic: onTopic('Describe'),
  updatePartitionCountKafkaTopic: onTopic('Alter'),
  deleteKafkaTopic: onTopic('Delete'),
  listKafkaTopicConfigs: onTopic('DescribeConfigs'),
  getKafkaTopicConfig: onTopic('DescribeConfigs'),
  listKafkaDefaultTopicConfigs: onTopic('DescribeConfigs'),
  updateKafkaTopicConfig: onTopic('AlterConfigs'),
  deleteKafkaTopicConfig: onTopic('AlterConfigs'),
  updateKafkaTopicConfigBatch: onTopic('AlterConfigs'),
  listKafkaAllTopicConfigs: FILTERED('configs of topics the caller may describe the configs of'),
  listKafkaPartitions: onTopic('Describe'),
  getKafkaPartition: onTopic('Describe'),
  listKafkaPartitionOffsets: onTopic('Describe'),
  listKafkaReplicas: onTopic('Describe'),
  getKafkaReplica: onTopic('Describe'),
  getKafkaReassignment: onTopic('Describe'),
  searchKafkaReassignmentsByTopic: onTopic('Describe'),
  produceRecord: onTopic('Write'),
  produceRecordsBatch: onTopic('Write'),

  // Consumer groups
  listKafkaConsumerGroups: FILTERED('consumer groups the caller may describe'),
  getKafkaConsumerGroup: onGroup('Describe'),
  listKafkaConsumers: onGroup('Describe'),
  getKafkaConsumer: onGroup('Describe'),
  listKafkaConsumerAssignment: onGroup('Describe'),
  getKafkaConsumerAssignment: onGroup('Describe'),
  getKafkaConsumerGroupLagSummary: onGroup('Describe'),
  listKafkaConsumerLags: onGroup('Describe'),
  getKafkaConsumerLag: onGroup('Describe'),

  // ACLs: Kafka's DescribeAcls needs DESCRIBE on the cluster, CreateAcls and DeleteAcls ALTER.
  getKafkaAcls: onCluster('Describe'),
  createKafkaAcls: onCluster('Alter'),
  batchCreateKafkaAcls: onCluster('Alter'),
  deleteKafkaAcls: onCluster('Alter'),

  // Organization and environments
  listOrgV2Organizations: onOrganization('Describe'),
  getOrgV2Organization: onOrganization('Describe'),
  updateOrgV2Organization: onOrganization('Alter'),
  listOrgV2Environments: FILTERED('environments the caller may describe'),
  createOrgV2Environment: onOrganization('CreateEnvironment'),
  getOrgV2Environment: onIdParam('environment', 'Describe'),
  updateOrgV2Environment: onIdParam('environment', 'Alter'),
  deleteOrgV2Environment: onIdParam('environment', 'Delete'),

  // Clusters registered in the gateway
  listCmkV2Clusters: FILTERED('clusters the caller may describe'),
  createCmkV2Cluster: {
    kind: 'all-of',
    summary: 'CreateKafkaCluster on the environment',
    actions: (request, paths) => {
      const spec = (request.body as { spec?: { environment?: { id?: unknown } } } | undefined)?.spec
      const environmentId = typeof spec?.environment?.id === 'string' ? spec.environment.id : ''
      return [act(paths.environment(environmentId), 'CreateKafkaCluster')]
    },
  },
  getCmkV2Cluster: onCloudCluster('Describe'),
  updateCmkV2Cluster: onCloudCluster('Alter'),
  deleteCmkV2Cluster: onCloudCluster('Delete'),

  // Service accounts and users
  listIamV2ServiceAccounts: onAll('service-account', 'Describe'),
  createIamV2ServiceAccount: onOrganization('CreateServiceAccount'),
  getIamV2ServiceAccount: onIdParam('serviceAccount', 'Describe'),
  updateIamV2ServiceAccount: onIdParam('serviceAccount', 'Alter'),
  deleteIamV2ServiceAccount: onIdParam('serviceAccount', 'Delete'),
  listIamV2Users: onAll('user', 'Describe'),
  getIamV2User: onIdParam('user', 'Describe'),
  updateIamV2User: onIdParam('user', 'Alter'),
  deleteIamV2User: onIdParam('user', 'Delete'),

  // Identity providers and their pools: organization-level resources (OrganizationAdmin manages
  // them, Operator sees them). Listing asks for the operation on all of them (`=*`).
  listIamV2IdentityProviders: {
    kind: 'all-of',
    summary: 'Describe on every identity provider (`identity-provider=*`)',
    actions: (_request, paths) => [act(paths.identityProvider('*'), 'Describe')],
  },
  createIamV2IdentityProvider: onOrganization('CreateIdentityProvider'),
  getIamV2IdentityProvider: onIdentityProvider('Describe', 'id'),
  updateIamV2IdentityProvider: onIdentityProvider('Alter', 'id'),
  deleteIamV2IdentityProvider: onIdentityProvider('Delete', 'id'),
  refreshIamV2JsonWebKeySet: onIdentityProvider('Alter', 'provider_id'),
  listIamV2IdentityPools: {
    kind: 'all-of',
    summary: 'Describe on every pool of the provider (`identity-pool=*`)',
    actions: (request, paths) => [act(paths.identityPool(param(request, 'provider_id'), '*'), 'Describe')],
  },
  createIamV2IdentityPool: onIdentityProvider('CreateIdentityPool', 'provider_id'),
  getIamV2IdentityPool: onIdentityPool('Describe'),
  updateIamV2IdentityPool: onIdentityPool('Alter'),
  deleteIamV2IdentityPool: onIdentityPool('Delete'),
  // Certificate authorities and their pools: organization-level, like identity providers.
  listIamV2CertificateAuthorities: {
    kind: 'all-of',
    summary: 'Describe on every certificate authority (`certificate-authority=*`)',
    actions: (_request, paths) => [act(paths.certificateAuthority('*'), 'Describe')],
  },
  createIamV2CertificateAuthority: onOrganization('CreateCertificateAuthority'),
  getIamV2CertificateAuthority: onCertificateAuthority('Describe', 'id'),
  updateIamV2CertificateAuthority: onCertificateAuthority('Alter', 'id'),
  deleteIamV2CertificateAuthority: onCertificateAuthority('Delete', 'id'),
  listIamV2CertificateIdentityPools: {
    kind: 'all-of',
    summary: 'Describe on every pool of the certificate authority (`identity-pool=*`)',
    actions: (request, paths) => [
      act(paths.certificatePool(param(request, 'certificate_authority_id'), '*'), 'Describe'),
    ],
  },
  createIamV2CertificateIdentityPool: onCertificateAuthority(
    'CreateIdentityPool',
    'certificate_authority_id',
  ),
  getIamV2CertificateIdentityPool: onCertificatePool('Describe'),
  updateIamV2CertificateIdentityPool: onCertificatePool('Alter'),
  deleteIamV2CertificateIdentityPool: onCertificatePool('Delete'),
  // The dry run shows every pool's filter and how it judges a token: what reading them shows, and no more.
  matchIamV2IdentityPools: {
    kind: 'all-of',
    summary: 'Describe on the identity provider and on every pool of it (`identity-pool=*`)',
    actions: (request, paths) => {
      const providerId = param(request, 'provider_id')
      return [
        act(paths.identityProvider(providerId), 'Describe'),
        act(paths.identityPool(providerId, '*'), 'Describe'),
      ]
    },
  },

  // SSO group mappings: organization-level resources, like identity providers.
  listIamV2SsoGroupMappings: {
    kind: 'all-of',
    summary: 'Describe on every group mapping (`group-mapping=*`)',
    actions: (_request, paths) => [act(paths.groupMapping('*'), 'Describe')],
  },
  createIamV2SsoGroupMapping: onOrganization('CreateGroupMapping'),
  getIamV2SsoGroupMapping: onGroupMapping('Describe'),
  updateIamV2SsoGroupMapping: onGroupMapping('Alter'),
  deleteIamV2SsoGroupMapping: onGroupMapping('Delete'),

  // Invitations let people sign in while JIT provisioning is off: seeing them is seeing users,
  // creating and deleting them changes the organization's membership.
  listIamV2Invitations: onAll('user', 'Describe'),
  getIamV2Invitation: onAll('user', 'Describe'),
  createIamV2Invitation: onOrganization('Alter'),
  deleteIamV2Invitation: onOrganization('Alter'),

  // API keys: the caller's own keys, or ManageApiKeys on the key's cluster (or the organization
  // for management keys) or on the owning service account.
  listIamV2ApiKeys: { kind: 'in-handler', why: 'needs the owner and resource filters' },
  createIamV2ApiKey: { kind: 'in-handler', why: 'needs the owner and resource of the new key' },
  getIamV2ApiKey: { kind: 'in-handler', why: 'needs the stored key' },
  updateIamV2ApiKey: { kind: 'in-handler', why: 'needs the stored key' },
  deleteIamV2ApiKey: { kind: 'in-handler', why: 'needs the stored key' },

  // Role bindings: AlterAccess / DescribeAccess on (everything covered by) the binding's pattern.
  listIamV2RoleBindings: { kind: 'in-handler', why: 'needs the crn_pattern filter' },
  createIamV2RoleBinding: { kind: 'in-handler', why: 'needs the pattern of the new binding' },
  getIamV2RoleBinding: { kind: 'in-handler', why: 'needs the stored binding' },
  deleteIamV2RoleBinding: { kind: 'in-handler', why: 'needs the stored binding' },
  explainAccess: { kind: 'in-handler', why: 'DescribeAccess on the resource asked about' },
}
