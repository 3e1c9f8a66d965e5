/**
 * @module core/acl
 *
 * Kafka's ACL vocabulary, by name. `ANY` (and `MATCH` for patterns) only appear in filters.
 */

export const ACL_RESOURCE_TYPES = [
  'TOPIC',
  'GROUP',
  'CLUSTER',
  'TRANSACTIONAL_ID',
  'DELEGATION_TOKEN',
] as const
export const ACL_PATTERN_TYPES = ['LITERAL', 'PREFIXED'] as const
export const ACL_OPERATIONS = [
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
] as const
export const ACL_PERMISSIONS = ['DENY', 'ALLOW'] as const

export type AclResourceType = (typeof ACL_RESOURCE_TYPES)[number]
export type AclPatternType = (typeof ACL_PATTERN_TYPES)[number]
export type AclOperation = (typeof ACL_OPERATIONS)[number]
export type AclPermission = (typeof ACL_PERMISSIONS)[number]

/** One ACL: who (principal, host) may or may not do what (operation) to which resources. */
export interface Acl {
  readonly resourceType: AclResourceType
  readonly resourceName: string
  readonly patternType: AclPatternType
  /** `User:<name>`, or `User:*` for everyone. */
  readonly principal: string
  /** A host address, or `*`. */
  readonly host: string
  readonly operation: AclOperation
  readonly permission: AclPermission
}

/** Selects ACLs. Undefined names, principals and hosts match any. */
export interface AclFilter {
  readonly resourceType: AclResourceType | 'ANY'
  readonly resourceName?: string | undefined
  /** MATCH selects every ACL that would apply to `resourceName` (literal, prefixed and `*`). */
  readonly patternType: AclPatternType | 'ANY' | 'MATCH'
  readonly principal?: string | undefined
  readonly host?: string | undefined
  readonly operation: AclOperation | 'ANY'
  readonly permission: AclPermission | 'ANY'
}

/** Kafka's order for listing ACLs: type, name, pattern, principal, host, operation, permission. */
export function compareAcls(a: Acl, b: Acl): number {
  const keys = (acl: Acl) => [
    acl.resourceType,
    acl.resourceName,
    acl.patternType,
    acl.principal,
    acl.host,
    acl.operation,
    acl.permission,
  ]
  const left = keys(a)
  const right = keys(b)
  for (let index = 0; index < left.length; index++) {
    if (left[index]! < right[index]!) return -1
    if (left[index]! > right[index]!) return 1
  }
  return 0
}
