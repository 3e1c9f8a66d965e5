/**
 * @module authz/acl-index
 *
 * Kafka ACLs indexed for fast decisions with the semantics of Kafka's `StandardAuthorizer`:
 * - an ACL applies to the caller's own principals and to `User:*`, from its host or from `*`;
 * - resource patterns are LITERAL (the exact name, or `*` for every name) and PREFIXED;
 * - any matching DENY decides at once (DENY READ does not deny DESCRIBE);
 * - ALLOW of READ, WRITE, DELETE or ALTER implies DESCRIBE; ALLOW of ALTER_CONFIGS implies
 *   DESCRIBE_CONFIGS; ALL matches every operation;
 * - no matching ALLOW means no grant. (Kafka's `allow.everyone.if.no.acl.found` has no
 *   counterpart: Gatehouse denies by default.)
 */
import type { Acl, AclOperation, AclResourceType } from '../core/index.ts'

export const EVERYONE = 'User:*'

/** What the ACLs say about one request: a DENY that matched, an ALLOW that matched, or nothing. */
export type AclVerdict =
  | { readonly kind: 'deny'; readonly acl: Acl }
  | { readonly kind: 'allow'; readonly acl: Acl }
  | { readonly kind: 'none' }

const NO_VERDICT: AclVerdict = { kind: 'none' }

/** Whether an ALLOW ACL for `granted` allows `requested`. */
export function allowImplies(granted: AclOperation, requested: AclOperation): boolean {
  if (granted === requested || granted === 'ALL') return true
  if (requested === 'DESCRIBE') {
    return granted === 'READ' || granted === 'WRITE' || granted === 'DELETE' || granted === 'ALTER'
  }
  return requested === 'DESCRIBE_CONFIGS' && granted === 'ALTER_CONFIGS'
}

function denyApplies(denied: AclOperation, requested: AclOperation): boolean {
  return denied === requested || denied === 'ALL'
}

/** The ACLs of one resource type and one principal, by how they name resources. */
interface Bucket {
  readonly literal: Map<string, Acl[]>
  readonly prefixed: Map<string, Acl[]>
  /** The distinct lengths of the prefixes above, so a lookup tries only those. */
  prefixLengths: number[]
}

function push<K>(map: Map<K, Acl[]>, key: K, acl: Acl): void {
  const list = map.get(key)
  if (list) list.push(acl)
  else map.set(key, [acl])
}

export class AclIndex {
  readonly #buckets = new Map<string, Bucket>()
  readonly size: number

  constructor(acls: readonly Acl[]) {
    for (const acl of acls) {
      const key = `${acl.resourceType}\u0000${acl.principal}`
      let bucket = this.#buckets.get(key)
      if (!bucket) {
        bucket = { literal: new Map(), prefixed: new Map(), prefixLengths: [] }
        this.#buckets.set(key, bucket)
      }
      if (acl.patternType === 'LITERAL') push(bucket.literal, acl.resourceName, acl)
      else push(bucket.prefixed, acl.resourceName, acl)
    }
    for (const bucket of this.#buckets.values()) {
      bucket.prefixLengths = [...new Set([...bucket.prefixed.keys()].map((prefix) => prefix.length))]
    }
    this.size = acls.length
  }

  /**
   * Calls `visit` with every ACL that names this resource, principal and host, whatever its
   * operation and permission, until `visit` returns true.
   */
  #forEachApplicable(
    principals: readonly string[],
    host: string,
    resourceType: AclResourceType,
    resourceName: string,
    visit: (acl: Acl) => boolean,
  ): void {
    const visitAll = (list: Acl[] | undefined): boolean => {
      if (list === undefined) return false
      for (const acl of list) {
        if ((acl.host === '*' || acl.host === host) && visit(acl)) return true
      }
      return false
    }
    const scan = (principal: string): boolean => {
      const bucket = this.#buckets.get(`${resourceType}\u0000${principal}`)
      if (bucket === undefined) return false
      if (visitAll(bucket.literal.get(resourceName))) return true
      if (resourceName !== '*' && visitAll(bucket.literal.get('*'))) return true
      for (const length of bucket.prefixLengths) {
        if (length <= resourceName.length && visitAll(bucket.prefixed.get(resourceName.slice(0, length)))) {
          return true
        }
      }
      return false
    }
    for (const principal of principals) {
      if (principal !== EVERYONE && scan(principal)) return
    }
    scan(EVERYONE)
  }

  /** Kafka's answer for one operation on one resource, for a caller holding `principals`. */
  decide(
    principals: readonly string[],
    host: string,
    resourceType: AclResourceType,
    resourceName: string,
    operation: AclOperation,
  ): AclVerdict {
    let verdict: AclVerdict = NO_VERDICT
    this.#forEachApplicable(principals, host, resourceType, resourceName, (acl) => {
      if (acl.permission === 'DENY') {
        if (!denyApplies(acl.operation, operation)) return false
        verdict = { kind: 'deny', acl }
        return true
      }
      if (verdict.kind === 'none' && allowImplies(acl.operation, operation)) verdict = { kind: 'allow', acl }
      return false
    })
    return verdict
  }

  /** Every ACL that takes part in the decision (both permissions), for explanations. */
  matching(
    principals: readonly string[],
    host: string,
    resourceType: AclResourceType,
    resourceName: string,
    operation: AclOperation,
  ): Acl[] {
    const found: Acl[] = []
    this.#forEachApplicable(principals, host, resourceType, resourceName, (acl) => {
      const applies =
        acl.permission === 'DENY'
          ? denyApplies(acl.operation, operation)
          : allowImplies(acl.operation, operation)
      if (applies) found.push(acl)
      return false
    })
    return found
  }
}
