/**
 * @module core/authorization
 *
 * What authorization talks about: resources named by paths in Confluent's resource-name (CRN)
 * hierarchy, the operations on them, and the actions (operation on resource) a request needs.
 *
 * A resource path is the chain of `type=name` segments from the organization down, e.g.
 * `organization=<uuid>/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders`.
 * Role bindings name such paths, or patterns of them (a trailing `*` on the last name), and cover
 * everything beneath.
 */

/** Segment types of a resource name, parent before child. */
export const CRN_SEGMENT_TYPES = [
  'organization',
  'environment',
  'cloud-cluster',
  'kafka',
  'topic',
  'group',
  'transactional-id',
  'service-account',
  'user',
  'identity-provider',
  'identity-pool',
  'certificate-authority',
  'group-mapping',
] as const
export type CrnSegmentType = (typeof CRN_SEGMENT_TYPES)[number]

/** Which segment types may follow which: the hierarchy role-binding patterns must respect. */
export const CRN_CHILDREN: Readonly<Record<CrnSegmentType, readonly CrnSegmentType[]>> = {
  organization: [
    'environment',
    'service-account',
    'user',
    'identity-provider',
    'certificate-authority',
    'group-mapping',
  ],
  environment: ['cloud-cluster'],
  'cloud-cluster': ['kafka'],
  kafka: ['topic', 'group', 'transactional-id'],
  topic: [],
  group: [],
  'transactional-id': [],
  'service-account': [],
  user: [],
  'identity-provider': ['identity-pool'],
  'identity-pool': [],
  // Certificate identity pools sit under their authority, as Confluent's CRNs place them.
  'certificate-authority': ['identity-pool'],
  'group-mapping': [],
}

export interface CrnSegment {
  readonly type: CrnSegmentType
  readonly name: string
}

/** A resource's place in the hierarchy, organization first. */
export type ResourcePath = readonly CrnSegment[]

/** Resource types, as nouns. `Cluster` is the Kafka cluster as Kafka's ACLs see it. */
export const RESOURCE_TYPES = [
  'Organization',
  'Environment',
  'CloudCluster',
  'Cluster',
  'Topic',
  'Group',
  'TransactionalId',
  'ServiceAccount',
  'User',
  'IdentityProvider',
  'IdentityPool',
  'CertificateAuthority',
  'GroupMapping',
] as const
export type ResourceType = (typeof RESOURCE_TYPES)[number]

const RESOURCE_TYPE_OF_SEGMENT: Readonly<Record<CrnSegmentType, ResourceType>> = {
  organization: 'Organization',
  environment: 'Environment',
  'cloud-cluster': 'CloudCluster',
  kafka: 'Cluster',
  topic: 'Topic',
  group: 'Group',
  'transactional-id': 'TransactionalId',
  'service-account': 'ServiceAccount',
  user: 'User',
  'identity-provider': 'IdentityProvider',
  'identity-pool': 'IdentityPool',
  'certificate-authority': 'CertificateAuthority',
  'group-mapping': 'GroupMapping',
}

/** Operations, as verbs. The first ten are Kafka's ACL operations; the rest govern the control plane. */
export const OPERATIONS = [
  'All',
  'Read',
  'Write',
  'Create',
  'Delete',
  'Alter',
  'Describe',
  'ClusterAction',
  'DescribeConfigs',
  'AlterConfigs',
  'IdempotentWrite',
  /** See and change who may do what on a resource: role bindings. */
  'DescribeAccess',
  'AlterAccess',
  /** Create, see and delete API keys: of a service account, or scoped to a cluster or to the organization. */
  'ManageApiKeys',
  'CreateEnvironment',
  'CreateServiceAccount',
  'CreateKafkaCluster',
  /** Register an OAuth/OIDC provider (on the organization), and add an identity pool to one (on the provider). */
  'CreateIdentityProvider',
  'CreateIdentityPool',
  /** Register a certificate authority for mTLS (on the organization); its pools use `CreateIdentityPool` on it. */
  'CreateCertificateAuthority',
  /** Add an SSO group mapping (on the organization). */
  'CreateGroupMapping',
  /** Read the gateway's own metrics (`/metrics`). */
  'ViewMetrics',
  /** Read the audit trail back (`/gatehouse/v1/audit-events`); only `All` on the organization grants it. */
  'ViewAuditLog',
] as const
export type Operation = (typeof OPERATIONS)[number]

/** One thing a request needs to be allowed to do. */
export interface Action {
  readonly resource: ResourcePath
  readonly operation: Operation
}

export function resourceTypeOf(path: ResourcePath): ResourceType {
  const last = path.at(-1)
  if (last === undefined) throw new TypeError('A resource path has at least one segment.')
  return RESOURCE_TYPE_OF_SEGMENT[last.type]
}

/** The resource's own name: the last segment's. */
export function resourceNameOf(path: ResourcePath): string {
  return path.at(-1)?.name ?? ''
}

/** Confluent's CRN authority, kept so that patterns copied from Confluent's docs keep their shape. */
export const CRN_AUTHORITY = 'crn://confluent.cloud'

/**
 * Names in a CRN are percent-encoded where they would break the syntax: `/` and `%` (group and
 * transactional ids may hold any character). `*` stays as it is: it is the pattern wildcard.
 */
function encodeCrnName(name: string): string {
  return name.replace(/%/g, '%25').replace(/\//g, '%2F')
}

export function formatCrn(path: ResourcePath): string {
  return `${CRN_AUTHORITY}/${path.map((segment) => `${segment.type}=${encodeCrnName(segment.name)}`).join('/')}`
}

/** A role binding's `crn_pattern`, parsed. */
export interface CrnPattern {
  readonly segments: ResourcePath
  /** The last name ends in `*`: it matches names that start with what precedes the `*`. */
  readonly isPrefix: boolean
}

/**
 * Parses a CRN pattern. Returns a reason (for a 400) when it is not one: wrong authority, unknown
 * segment types, segments out of hierarchy order, an empty name, or `*` anywhere but at the end.
 */
export function parseCrnPattern(text: string): CrnPattern | { readonly error: string } {
  const prefix = `${CRN_AUTHORITY}/`
  if (!text.startsWith(prefix)) {
    return { error: `A CRN pattern starts with "${prefix}", e.g. "${prefix}organization=<id>".` }
  }
  const segments: CrnSegment[] = []
  const parts = text.slice(prefix.length).split('/')
  for (const [index, part] of parts.entries()) {
    const equals = part.indexOf('=')
    const type = part.slice(0, equals) as CrnSegmentType
    if (equals <= 0 || !CRN_SEGMENT_TYPES.includes(type)) {
      return {
        error: `"${part}" is not a resource segment; expected <type>=<name> with a type among ${CRN_SEGMENT_TYPES.join(', ')}.`,
      }
    }
    const parent = segments.at(-1)
    if (parent === undefined ? type !== 'organization' : !CRN_CHILDREN[parent.type].includes(type)) {
      return {
        error:
          parent === undefined
            ? 'A CRN pattern begins with the organization segment.'
            : `"${type}" cannot follow "${parent.type}"; after ${parent.type} come: ${CRN_CHILDREN[parent.type].join(', ') || 'nothing'}.`,
      }
    }
    let name: string
    try {
      name = decodeURIComponent(part.slice(equals + 1))
    } catch {
      return { error: `The name in "${part}" is not valid percent-encoding.` }
    }
    if (name === '') return { error: `"${part}" has an empty name.` }
    const star = name.indexOf('*')
    if (star !== -1 && (star !== name.length - 1 || index !== parts.length - 1)) {
      return { error: 'Only the last name of a CRN pattern may hold a "*", and only at its end.' }
    }
    segments.push({ type, name })
  }
  const last = segments.at(-1)!
  const isPrefix = last.name.endsWith('*')
  return {
    segments: isPrefix
      ? [...segments.slice(0, -1), { type: last.type, name: last.name.slice(0, -1) }]
      : segments,
    isPrefix,
  }
}

/**
 * Whether a pattern covers a resource: the resource is the pattern's resource or lies beneath it,
 * and the last pattern name matches exactly or, for a prefix pattern, by prefix.
 */
export function crnPatternCovers(pattern: CrnPattern, resource: ResourcePath): boolean {
  const segments = pattern.segments
  if (segments.length > resource.length) return false
  const lastIndex = segments.length - 1
  for (let index = 0; index < lastIndex; index++) {
    const wanted = segments[index]!
    const actual = resource[index]!
    if (wanted.type !== actual.type || wanted.name !== actual.name) return false
  }
  const wanted = segments[lastIndex]!
  const actual = resource[lastIndex]!
  if (wanted.type !== actual.type) return false
  return pattern.isPrefix ? actual.name.startsWith(wanted.name) : actual.name === wanted.name
}

/**
 * Whether pattern `outer` covers everything `inner` covers (for "may this caller manage bindings
 * on that pattern"): `inner` lies beneath `outer`'s resource, or is a narrower prefix of it.
 */
export function crnPatternContains(outer: CrnPattern, inner: CrnPattern): boolean {
  if (outer.segments.length > inner.segments.length) return false
  if (!crnPatternCovers(outer, inner.segments)) return false
  // An exact outer pattern on the same level does not contain a prefix pattern of that level.
  return !(inner.isPrefix && !outer.isPrefix && outer.segments.length === inner.segments.length)
}
