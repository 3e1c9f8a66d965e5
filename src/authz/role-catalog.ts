/**
 * @module authz/role-catalog
 *
 * The predefined roles: what each grants, on which resource types, and where it may be bound.
 * A binding grants its role's permissions on every resource its CRN pattern covers (the bound
 * resource and everything beneath it). Roles only allow; denials come from Kafka ACLs.
 *
 * Confluent publishes the names but not every permission; where it is silent these are our
 * choices, published in docs/access-control.md (generated from this table) and tested from it.
 */
import type { CrnSegmentType, Operation, ResourceType } from '../core/index.ts'

export interface RoleDefinition {
  readonly name: string
  readonly description: string
  /** The segment types a binding of this role may end on. */
  readonly bindableOn: readonly CrnSegmentType[]
  /** Operations granted per resource type; `All` grants every operation. */
  readonly permissions: Readonly<Partial<Record<ResourceType, readonly Operation[]>>>
}

const KAFKA_DATA_ALL = {
  Cluster: ['All'],
  Topic: ['All'],
  Group: ['All'],
  TransactionalId: ['All'],
} as const satisfies RoleDefinition['permissions']

const ACCESS = ['DescribeAccess', 'AlterAccess'] as const

export const PREDEFINED_ROLES: readonly RoleDefinition[] = [
  {
    name: 'OrganizationAdmin',
    description: 'Everything in the organization, including who may do what.',
    bindableOn: ['organization'],
    permissions: {
      Organization: ['All'],
      Environment: ['All'],
      CloudCluster: ['All'],
      ServiceAccount: ['All'],
      User: ['All'],
      IdentityProvider: ['All'],
      IdentityPool: ['All'],
      CertificateAuthority: ['All'],
      GroupMapping: ['All'],
      ...KAFKA_DATA_ALL,
    },
  },
  {
    name: 'EnvironmentAdmin',
    description: 'Everything in one environment: its clusters, their data and keys, and access to them.',
    bindableOn: ['environment'],
    permissions: {
      Environment: [
        'Describe',
        'Alter',
        'Delete',
        'CreateKafkaCluster',
        'ManageApiKeys',
        'ViewMetrics',
        ...ACCESS,
      ],
      CloudCluster: ['All'],
      ...KAFKA_DATA_ALL,
    },
  },
  {
    name: 'CloudClusterAdmin',
    description: 'Everything in one Kafka cluster: topics, groups, ACLs, configs, keys and access.',
    bindableOn: ['cloud-cluster'],
    permissions: {
      CloudCluster: ['Describe', 'Alter', 'ManageApiKeys', 'ViewMetrics', ...ACCESS],
      ...KAFKA_DATA_ALL,
    },
  },
  {
    name: 'Operator',
    description: 'Sees everything in its scope (configs included) but reads no records and changes nothing.',
    bindableOn: ['organization', 'environment', 'cloud-cluster'],
    permissions: {
      Organization: ['Describe', 'ViewMetrics'],
      Environment: ['Describe', 'ViewMetrics'],
      CloudCluster: ['Describe', 'ViewMetrics'],
      Cluster: ['Describe', 'DescribeConfigs'],
      Topic: ['Describe', 'DescribeConfigs'],
      Group: ['Describe'],
      TransactionalId: ['Describe'],
      ServiceAccount: ['Describe'],
      User: ['Describe'],
      IdentityProvider: ['Describe'],
      IdentityPool: ['Describe'],
      CertificateAuthority: ['Describe'],
      GroupMapping: ['Describe'],
    },
  },
  {
    name: 'MetricsViewer',
    description: "Reads the gateway's metrics and sees the organization, environments and clusters.",
    bindableOn: ['organization', 'environment', 'cloud-cluster'],
    permissions: {
      Organization: ['Describe', 'ViewMetrics'],
      Environment: ['Describe', 'ViewMetrics'],
      CloudCluster: ['Describe', 'ViewMetrics'],
    },
  },
  {
    name: 'ResourceOwner',
    description: 'Full control of one resource (or a prefix of them), including granting access to it.',
    bindableOn: ['topic', 'group', 'transactional-id', 'service-account'],
    permissions: {
      Topic: [
        'Read',
        'Write',
        'Create',
        'Delete',
        'Alter',
        'Describe',
        'DescribeConfigs',
        'AlterConfigs',
        ...ACCESS,
      ],
      Group: ['Read', 'Describe', 'Delete', ...ACCESS],
      TransactionalId: ['Write', 'Describe', ...ACCESS],
      ServiceAccount: ['Describe', 'Alter', 'Delete', 'ManageApiKeys', ...ACCESS],
    },
  },
  {
    name: 'DeveloperRead',
    description: 'Consumes: reads records of topics and uses (and sees the lag of) consumer groups.',
    bindableOn: ['kafka', 'topic', 'group', 'transactional-id'],
    permissions: {
      Topic: ['Read', 'Describe'],
      Group: ['Read', 'Describe'],
      TransactionalId: ['Describe'],
    },
  },
  {
    name: 'DeveloperWrite',
    description: 'Produces: writes records to topics, transactionally too.',
    bindableOn: ['kafka', 'topic', 'group', 'transactional-id'],
    permissions: {
      Cluster: ['IdempotentWrite'],
      Topic: ['Write', 'Describe'],
      TransactionalId: ['Write', 'Describe'],
    },
  },
  {
    name: 'DeveloperManage',
    description:
      'Manages topics and groups (create, delete, configs, partitions) without reading or writing records.',
    bindableOn: ['kafka', 'topic', 'group', 'transactional-id'],
    permissions: {
      Topic: ['Create', 'Delete', 'Alter', 'Describe', 'DescribeConfigs', 'AlterConfigs'],
      Group: ['Describe', 'Delete'],
      TransactionalId: ['Describe'],
    },
  },
  {
    name: 'ResourceKeyAdmin',
    description:
      'Creates and deletes API keys of any owner for the clusters (or the organization) in its scope.',
    bindableOn: ['organization', 'environment', 'cloud-cluster'],
    permissions: {
      Organization: ['Describe', 'ManageApiKeys'],
      Environment: ['Describe', 'ManageApiKeys'],
      CloudCluster: ['Describe', 'ManageApiKeys'],
      ServiceAccount: ['Describe'],
    },
  },
  {
    name: 'AccountAdmin',
    description:
      'Manages the organization’s service accounts (create, change, delete, their keys and access) and sees its users.',
    bindableOn: ['organization'],
    permissions: {
      Organization: ['Describe', 'CreateServiceAccount'],
      ServiceAccount: ['All'],
      User: ['Describe'],
    },
  },
]

const ROLES_BY_NAME = new Map(PREDEFINED_ROLES.map((role) => [role.name, role]))

export function findRole(name: string): RoleDefinition | undefined {
  return ROLES_BY_NAME.get(name)
}

/** Whether a role grants `operation` on resources of `type`. */
export function roleGrants(role: RoleDefinition, type: ResourceType, operation: Operation): boolean {
  const operations = role.permissions[type]
  return operations !== undefined && (operations.includes('All') || operations.includes(operation))
}
