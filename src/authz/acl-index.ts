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

/** One principal's ACLs of one resource type that name resources by pattern: `*` or a prefix. */
interface Bucket {
  /** LITERAL `*`: every resource of the type. */
  readonly everything: Acl[]
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

/**
 * ACLs that name one resource exactly are found by that name (there are few per name, whoever
 * they are for); ACLs on `*` and on prefixes are found through the caller's principals, since a
 * name cannot look them up. A decision is a handful of map lookups, whatever the number of ACLs.
 */
export class AclIndex {
  /**
   * Resource type → exact name → its ACLs, for any principal; a name with many ACLs (the cluster,
   * a busy topic) has them by principal instead.
   */
  readonly #byName = new Map<AclResourceType, Map<string, Acl[] | Map<string, Acl[]>>>()
  /** Resource type → principal → the ACLs naming resources by pattern. */
  readonly #byPrincipal = new Map<AclResourceType, Map<string, Bucket>>()
  readonly size: number

  constructor(acls: readonly Acl[]) {
    for (const acl of acls) {
      if (acl.patternType === 'LITERAL' && acl.resourceName !== '*') {
        let byName = this.#byName.get(acl.resourceType)
        if (!byName) {
          byName = new Map()
          this.#byName.set(acl.resourceType, byName)
        }
        const list = byName.get(acl.resourceName) as Acl[] | undefined
        if (list) list.push(acl)
        else byName.set(acl.resourceName, [acl])
        continue
      }
      let buckets = this.#byPrincipal.get(acl.resourceType)
      if (!buckets) {
        buckets = new Map()
        this.#byPrincipal.set(acl.resourceType, buckets)
      }
      let bucket = buckets.get(acl.principal)
      if (!bucket) {
        bucket = {
          everything: [],
          prefixed: new Map(),
          prefixLengths: [],
          prefixList: undefined,
          prefixAcls: undefined,
        }
        buckets.set(acl.principal, bucket)
      }
      if (acl.patternType === 'LITERAL') bucket.everything.push(acl)
      else push(bucket.prefixed, acl.resourceName, acl)
    }
    for (const byName of this.#byName.values()) {
      for (const [name, list] of byName) {
        if ((list as Acl[]).length <= PREFIX_SCAN_LIMIT) continue
        const byPrincipal = new Map<string, Acl[]>()
        for (const acl of list as Acl[]) push(byPrincipal, acl.principal, acl)
        byName.set(name, byPrincipal)
      }
    }
    for (const buckets of this.#byPrincipal.values()) {
      for (const bucket of buckets.values()) {
        bucket.prefixLengths = [...new Set([...bucket.prefixed.keys()].map((prefix) => prefix.length))]
        if (bucket.prefixed.size <= PREFIX_SCAN_LIMIT) {
          bucket.prefixList = [...bucket.prefixed.keys()]
          bucket.prefixAcls = [...bucket.prefixed.values()]
        }
      }
    }
    this.size = acls.length
  }

  // Scratch state of the traversal in progress (decisions are synchronous: one at a time).
  #principals: readonly string[] = []
  #host = ''
  #operation: AclOperation = 'ALL'
  #allowFound: Acl | undefined
  #denyFound: Acl | undefined
  #collected: Acl[] | undefined

  /**
   * Looks at the ACLs of `list` that apply to this host (and, when `checkPrincipal`, to one of the
   * caller's principals): notes the first ALLOW and the first DENY that apply to the operation, or
   * collects every one of them. True once a DENY is found (and not collecting).
   */
  #visit(list: Acl[] | undefined, checkPrincipal: boolean): boolean {
    if (list === undefined) return false
    for (let index = 0; index < list.length; index++) {
      const acl = list[index]!
      if (acl.host !== '*' && acl.host !== this.#host) continue
      if (checkPrincipal && acl.principal !== EVERYONE && !this.#principals.includes(acl.principal)) continue
      if (acl.permission === 'DENY') {
        if (!denyApplies(acl.operation, this.#operation)) continue
        if (this.#collected !== undefined) {
          this.#collected.push(acl)
          continue
        }
        this.#denyFound = acl
        return true
      }
      if (!allowImplies(acl.operation, this.#operation)) continue
      if (this.#collected !== undefined) this.#collected.push(acl)
      else this.#allowFound ??= acl
    }
    return false
  }

  #visitBucket(bucket: Bucket | undefined, resourceName: string): boolean {
    if (bucket === undefined) return false
    if (this.#visit(bucket.everything, false)) return true
    if (bucket.prefixList !== undefined) {
      const acls = bucket.prefixAcls!
      for (let index = 0; index < bucket.prefixList.length; index++) {
        if (resourceName.startsWith(bucket.prefixList[index]!) && this.#visit(acls[index], false)) return true
      }
      return false
    }
    for (const length of bucket.prefixLengths) {
      if (
        length <= resourceName.length &&
        this.#visit(bucket.prefixed.get(resourceName.slice(0, length)), false)
      ) {
        return true
      }
    }
    return false
  }

  /** Visits every ACL that applies to the request; stops at the first DENY unless collecting. */
  #traverse(
    principals: readonly string[],
    host: string,
    resourceType: AclResourceType,
    resourceName: string,
    operation: AclOperation,
    collected: Acl[] | undefined,
  ): void {
    this.#principals = principals
    this.#host = host
    this.#operation = operation
    this.#allowFound = undefined
    this.#denyFound = undefined
    this.#collected = collected
    const named = this.#byName.get(resourceType)?.get(resourceName)
    if (Array.isArray(named)) {
      if (this.#visit(named, true)) return
    } else if (named !== undefined) {
      for (let index = 0; index < principals.length; index++) {
        const principal = principals[index]!
        if (principal !== EVERYONE && this.#visit(named.get(principal), false)) return
      }
      if (this.#visit(named.get(EVERYONE), false)) return
    }
    const buckets = this.#byPrincipal.get(resourceType)
    if (buckets === undefined) return
    for (let index = 0; index < principals.length; index++) {
      const principal = principals[index]!
      if (principal !== EVERYONE && this.#visitBucket(buckets.get(principal), resourceName)) return
    }
    this.#visitBucket(buckets.get(EVERYONE), resourceName)
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
    this.#traverse(principals, host, resourceType, resourceName, operation, undefined)
    if (this.#denyFound !== undefined) return { kind: 'deny', acl: this.#denyFound }
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
    const collected: Acl[] = []
    this.#traverse(principals, host, resourceType, resourceName, operation, collected)
    this.#collected = undefined
    return collected
  }
}
