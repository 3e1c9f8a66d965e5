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
  /** With few prefixes, comparing each is cheaper than slicing the name for every length. */
  prefixList: string[] | undefined
  /** The ACLs of each entry of `prefixList`, at the same index. */
  prefixAcls: Acl[][] | undefined
}

/** Up to this many distinct prefixes in a bucket are compared one by one. */
const PREFIX_SCAN_LIMIT = 16

function push<K>(map: Map<K, Acl[]>, key: K, acl: Acl): void {
  const list = map.get(key)
  if (list) list.push(acl)
  else map.set(key, [acl])
}

export class AclIndex {
  /** Resource type → principal → bucket: two lookups, no key to build per request. */
  readonly #buckets = new Map<AclResourceType, Map<string, Bucket>>()
  readonly size: number

  constructor(acls: readonly Acl[]) {
    for (const acl of acls) {
      let byPrincipal = this.#buckets.get(acl.resourceType)
      if (!byPrincipal) {
        byPrincipal = new Map()
        this.#buckets.set(acl.resourceType, byPrincipal)
      }
      let bucket = byPrincipal.get(acl.principal)
      if (!bucket) {
        bucket = {
          literal: new Map(),
          prefixed: new Map(),
          prefixLengths: [],
          prefixList: undefined,
          prefixAcls: undefined,
        }
        byPrincipal.set(acl.principal, bucket)
      }
      if (acl.patternType === 'LITERAL') push(bucket.literal, acl.resourceName, acl)
      else push(bucket.prefixed, acl.resourceName, acl)
    }
    for (const byPrincipal of this.#buckets.values()) {
      for (const bucket of byPrincipal.values()) {
        bucket.prefixLengths = [...new Set([...bucket.prefixed.keys()].map((prefix) => prefix.length))]
        if (bucket.prefixed.size <= PREFIX_SCAN_LIMIT) {
          bucket.prefixList = [...bucket.prefixed.keys()]
          bucket.prefixAcls = [...bucket.prefixed.values()]
        }
      }
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
    const byPrincipal = this.#buckets.get(resourceType)
    if (byPrincipal === undefined) return
    const scan = (principal: string): boolean => {
      const bucket = byPrincipal.get(principal)
      if (bucket === undefined) return false
      if (visitAll(bucket.literal.get(resourceName))) return true
      if (resourceName !== '*' && visitAll(bucket.literal.get('*'))) return true
      if (bucket.prefixList !== undefined) {
        const acls = bucket.prefixAcls!
        for (let index = 0; index < bucket.prefixList.length; index++) {
          if (resourceName.startsWith(bucket.prefixList[index]!) && visitAll(acls[index])) return true
        }
        return false
      }
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

  // Scratch state of the decision in progress (decisions are synchronous, so one at a time).
  #allowFound: Acl | undefined
  #denyFound: Acl | undefined

  /** Notes the first applicable ALLOW and DENY in `list`; true once a DENY is found. */
  #check(list: Acl[] | undefined, host: string, operation: AclOperation): boolean {
    if (list === undefined) return false
    for (const acl of list) {
      if (acl.host !== '*' && acl.host !== host) continue
      if (acl.permission === 'DENY') {
        if (denyApplies(acl.operation, operation)) {
          this.#denyFound = acl
          return true
        }
      } else if (this.#allowFound === undefined && allowImplies(acl.operation, operation)) {
        this.#allowFound = acl
      }
    }
    return false
  }

  /** Checks every ACL of one principal's bucket that names the resource; true once a DENY is found. */
  #checkBucket(
    bucket: Bucket | undefined,
    host: string,
    resourceName: string,
    operation: AclOperation,
  ): boolean {
    if (bucket === undefined) return false
    if (this.#check(bucket.literal.get(resourceName), host, operation)) return true
    if (resourceName !== '*' && this.#check(bucket.literal.get('*'), host, operation)) return true
    if (bucket.prefixList !== undefined) {
      const acls = bucket.prefixAcls!
      for (let index = 0; index < bucket.prefixList.length; index++) {
        if (resourceName.startsWith(bucket.prefixList[index]!) && this.#check(acls[index], host, operation)) {
          return true
        }
      }
      return false
    }
    for (const length of bucket.prefixLengths) {
      if (
        length <= resourceName.length &&
        this.#check(bucket.prefixed.get(resourceName.slice(0, length)), host, operation)
      ) {
        return true
      }
    }
    return false
  }

  /**
   * Kafka's answer for one operation on one resource, for a caller holding `principals`. Written
   * without closures or intermediate arrays: it runs for every action of every request.
   */
  decide(
    principals: readonly string[],
    host: string,
    resourceType: AclResourceType,
    resourceName: string,
    operation: AclOperation,
  ): AclVerdict {
    const byPrincipal = this.#buckets.get(resourceType)
    if (byPrincipal === undefined) return NO_VERDICT
    this.#allowFound = undefined
    this.#denyFound = undefined
    let isDenied = false
    for (let index = 0; index < principals.length && !isDenied; index++) {
      const principal = principals[index]!
      if (principal !== EVERYONE) {
        isDenied = this.#checkBucket(byPrincipal.get(principal), host, resourceName, operation)
      }
    }
    if (!isDenied) isDenied = this.#checkBucket(byPrincipal.get(EVERYONE), host, resourceName, operation)
    if (isDenied) return { kind: 'deny', acl: this.#denyFound! }
    return this.#allowFound === undefined ? NO_VERDICT : { kind: 'allow', acl: this.#allowFound }
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
