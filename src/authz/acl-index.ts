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
import {
  ACL_OPERATIONS,
  ACL_RESOURCE_TYPES,
  type Acl,
  type AclOperation,
  type AclResourceType,
} from '../core/index.ts'
import { hashName, memberKey, MembershipFilter } from './membership-filter.ts'
import { PrefixIndex } from './prefix-index.ts'
import { PrincipalNumbers } from './principal-numbers.ts'

export const EVERYONE = 'User:*'
const EVERYONE_ID = 0

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

/** One bit per operation that can be requested, so "does this ACL apply" is one AND. */
const OPERATION_BIT = Object.fromEntries(
  ACL_OPERATIONS.map((operation, index) => [operation, 1 << index]),
) as Record<AclOperation, number>

/** The requested operations an ACL's operation answers, for each permission. */
function operationMask(acl: Acl, applies: (granted: AclOperation, requested: AclOperation) => boolean) {
  let mask = 0
  for (const requested of ACL_OPERATIONS)
    if (applies(acl.operation, requested)) mask |= OPERATION_BIT[requested]
  return mask
}

/** An ACL prepared for the decision loop: its masks and its verdict are computed once. */
interface Entry {
  readonly acl: Acl
  /** The principal's number in this index (`User:*` is 0): numbers are cheaper keys than strings. */
  readonly principalId: number
  readonly host: string
  /** Requested operations this ACL allows (0 for a DENY). */
  readonly allows: number
  /** Requested operations this ACL denies (0 for an ALLOW). */
  readonly denies: number
  readonly verdict: AclVerdict
}

function entryOf(acl: Acl, principalId: number): Entry {
  const isDeny = acl.permission === 'DENY'
  return {
    acl,
    principalId,
    host: acl.host,
    allows: isDeny ? 0 : operationMask(acl, allowImplies),
    denies: isDeny ? operationMask(acl, denyApplies) : 0,
    verdict: { kind: isDeny ? 'deny' : 'allow', acl },
  }
}

function literalKey(nameHash: number, principalId: number, typeNumber: number): number {
  return memberKey(nameHash, principalId * ACL_RESOURCE_TYPES.length + typeNumber)
}

/**
 * The ACLs of one resource pattern. A few are kept in a list checked against the caller's
 * principals; past `BY_PRINCIPAL_THRESHOLD` (the cluster, a busy topic, a short prefix) they are
 * kept by principal so a decision reads only the caller's.
 */
type Group = Entry[] | Map<number, Entry[]>

const BY_PRINCIPAL_THRESHOLD = 16

function addTo<K>(groups: Map<K, Entry[]>, key: K, entry: Entry): void {
  const list = groups.get(key)
  if (list) list.push(entry)
  else groups.set(key, [entry])
}

function groupOf(entries: Entry[]): Group {
  if (entries.length <= BY_PRINCIPAL_THRESHOLD) return entries
  const byPrincipal = new Map<number, Entry[]>()
  for (const entry of entries) addTo(byPrincipal, entry.principalId, entry)
  return byPrincipal
}

/** All ACLs of one resource type. */
interface TypeIndex {
  /** The type's position in `ACL_RESOURCE_TYPES`, part of the literal filter's keys. */
  readonly number: number
  /** LITERAL ACLs by exact name. */
  readonly named: Map<string, Group>
  /** LITERAL `*`. */
  everything: Group | undefined
  /**
   * PREFIXED ACLs by principal number, then by prefix. By principal first: a caller's principals
   * each hold few prefixes, packed where few enough (see `PrefixIndex`), instead of every shared
   * prefix asking for each of the caller's principals. An array, not a map: numbers are dense.
   */
  prefixes: (PrefixIndex<Entry[]> | undefined)[]
}

/**
 * ACLs indexed by resource type, then by exact name, `*`, or prefix (by principal). A decision is
 * a look in the literal filter (and, when it may find something, one map lookup for the name, for
 * all the caller's principals at once), the `*` list, and one look at each principal's prefixes:
 * its cost does not grow with the number of ACLs. What a decision costs is mostly memory traffic,
 * not instructions (100,000 ACLs do not fit in a CPU's caches), so the layout saves reads of cold
 * memory: numbered principals, a filter that stays in cache, prefixes packed per principal.
 */
export class AclIndex {
  readonly #byType = new Map<AclResourceType, TypeIndex>()
  /** Every principal named by an ACL, `User:*` first (`EVERYONE_ID`); the caller's are held here during a decision. */
  readonly #principals = new PrincipalNumbers()
  /**
   * Which (principal, type, name) triples LITERAL ACLs name, `*` excepted: most requests find no
   * ACL on their exact resource for any of their principals, and the filter says so without the
   * lookup in `named`, the largest map here.
   */
  readonly #literalFilter: MembershipFilter
  readonly size: number

  constructor(acls: readonly Acl[]) {
    const namedLists = new Map<AclResourceType, Map<string, Entry[]>>()
    const everythingLists = new Map<AclResourceType, Entry[]>()
    const prefixLists = new Map<AclResourceType, Map<number, Map<string, Entry[]>>>()
    const literalKeys: number[] = []
    this.#principals.numberOf(EVERYONE)
    for (const acl of acls) {
      const principalId = this.#principals.numberOf(acl.principal)
      const entry = entryOf(acl, principalId)
      const typeNumber = this.#typeIndex(acl.resourceType).number
      if (acl.patternType === 'PREFIXED') {
        let byPrincipal = prefixLists.get(acl.resourceType)
        if (byPrincipal === undefined) {
          byPrincipal = new Map()
          prefixLists.set(acl.resourceType, byPrincipal)
        }
        let byPrefix = byPrincipal.get(principalId)
        if (byPrefix === undefined) {
          byPrefix = new Map()
          byPrincipal.set(principalId, byPrefix)
        }
        addTo(byPrefix, acl.resourceName, entry)
      } else if (acl.resourceName === '*') {
        const list = everythingLists.get(acl.resourceType)
        if (list) list.push(entry)
        else everythingLists.set(acl.resourceType, [entry])
      } else {
        let named = namedLists.get(acl.resourceType)
        if (named === undefined) {
          named = new Map()
          namedLists.set(acl.resourceType, named)
        }
        addTo(named, acl.resourceName, entry)
        literalKeys.push(literalKey(hashName(acl.resourceName), principalId, typeNumber))
      }
    }
    this.#literalFilter = new MembershipFilter(literalKeys)
    for (const [type, named] of namedLists) {
      const index = this.#typeIndex(type)
      for (const [name, entries] of named) index.named.set(name, groupOf(entries))
    }
    for (const [type, entries] of everythingLists) this.#typeIndex(type).everything = groupOf(entries)
    for (const [type, byPrincipal] of prefixLists) {
      const prefixes = Array.from(
        { length: this.#principals.size },
        (): PrefixIndex<Entry[]> | undefined => undefined,
      )
      for (const [principalId, byPrefix] of byPrincipal) prefixes[principalId] = new PrefixIndex(byPrefix)
      this.#typeIndex(type).prefixes = prefixes
    }
    this.size = acls.length
  }

  #typeIndex(type: AclResourceType): TypeIndex {
    let index = this.#byType.get(type)
    if (index === undefined) {
      index = {
        number: ACL_RESOURCE_TYPES.indexOf(type),
        named: new Map(),
        everything: undefined,
        prefixes: [],
      }
      this.#byType.set(type, index)
    }
    return index
  }

  // Scratch state of the traversal in progress (decisions are synchronous: one at a time).
  #host = ''
  #operationBit = 0
  #allowFound: Entry | undefined
  #denyFound: Entry | undefined
  #collected: Acl[] | undefined
  /** The entry lists of the prefixes of the name that one principal's ACLs name. */
  readonly #prefixMatches: Entry[][] = []

  /**
   * Looks at the entries of `list` for this host (and, when `checkPrincipal`, one of the caller's
   * principals): notes the first ALLOW and the first DENY that apply, or collects every one.
   * True once a DENY is found (and not collecting).
   */
  #visit(list: Entry[] | undefined, checkPrincipal: boolean): boolean {
    if (list === undefined) return false
    const bit = this.#operationBit
    for (let index = 0; index < list.length; index++) {
      const entry = list[index]!
      if (((entry.allows | entry.denies) & bit) === 0) continue
      if (entry.host !== '*' && entry.host !== this.#host) continue
      if (checkPrincipal && entry.principalId !== EVERYONE_ID && !this.#principals.holds(entry.principalId))
        continue
      if (this.#collected !== undefined) {
        this.#collected.push(entry.acl)
        continue
      }
      if ((entry.denies & bit) !== 0) {
        this.#denyFound = entry
        return true
      }
      this.#allowFound ??= entry
    }
    return false
  }

  #visitGroup(group: Group | undefined): boolean {
    if (group === undefined) return false
    if (Array.isArray(group)) return this.#visit(group, true)
    const { held, heldCount } = this.#principals
    for (let index = 0; index < heldCount; index++) {
      if (this.#visit(group.get(held[index]!), false)) return true
    }
    return this.#visit(group.get(EVERYONE_ID), false)
  }

  /** False when no LITERAL ACL of the caller's principals (or of `User:*`) names `name` exactly. */
  #mayBeNamed(typeNumber: number, name: string): boolean {
    const nameHash = hashName(name)
    if (this.#literalFilter.mayContain(literalKey(nameHash, EVERYONE_ID, typeNumber))) return true
    const { held, heldCount } = this.#principals
    for (let index = 0; index < heldCount; index++) {
      if (this.#literalFilter.mayContain(literalKey(nameHash, held[index]!, typeNumber))) return true
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
    // `User:*` is looked at in every decision anyway, whether the caller names it or not.
    this.#principals.hold(principals, EVERYONE_ID)
    this.#host = host
    this.#operationBit = OPERATION_BIT[operation]
    this.#allowFound = undefined
    this.#denyFound = undefined
    this.#collected = collected
    const typeIndex = this.#byType.get(resourceType)
    if (typeIndex === undefined) return
    if (
      this.#mayBeNamed(typeIndex.number, resourceName) &&
      this.#visitGroup(typeIndex.named.get(resourceName))
    )
      return
    if (this.#visitGroup(typeIndex.everything)) return
    const prefixes = typeIndex.prefixes
    if (prefixes.length === 0) return
    const { held, heldCount } = this.#principals
    for (let index = 0; index < heldCount; index++) {
      if (this.#visitPrefixes(prefixes[held[index]!], resourceName)) return
    }
    this.#visitPrefixes(prefixes[EVERYONE_ID], resourceName)
  }

  /** Visits the entries of every prefix of `name` one principal's ACLs name; true once a DENY is found. */
  #visitPrefixes(prefixes: PrefixIndex<Entry[]> | undefined, name: string): boolean {
    if (prefixes === undefined) return false
    const matches = this.#prefixMatches
    const count = prefixes.matchesOf(name, matches)
    for (let index = 0; index < count; index++) if (this.#visit(matches[index], false)) return true
    return false
  }

  /**
   * Kafka's answer for one operation on one resource, for a caller holding `principals`. Written
   * without closures or allocations: it runs for every action of every request.
   */
  decide(
    principals: readonly string[],
    host: string,
    resourceType: AclResourceType,
    resourceName: string,
    operation: AclOperation,
  ): AclVerdict {
    this.#traverse(principals, host, resourceType, resourceName, operation, undefined)
    const decisive = this.#denyFound ?? this.#allowFound
    return decisive === undefined ? NO_VERDICT : decisive.verdict
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
