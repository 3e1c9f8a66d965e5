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
import { PrincipalPrefixes } from './prefix-index.ts'
import { EVERYONE_ID, HELD, PrincipalNumbers } from './principal-numbers.ts'

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

/** An ACL prepared for the decision loop: its principal's number and its verdict, computed once. */
interface Entry {
  readonly acl: Acl
  /** The principal's number in this index (`User:*` is 0): numbers are cheaper keys than strings. */
  readonly principalId: number
  readonly verdict: AclVerdict
}

function entryOf(acl: Acl, principalId: number): Entry {
  return { acl, principalId, verdict: { kind: acl.permission === 'DENY' ? 'deny' : 'allow', acl } }
}

/*
 * What the decision loop reads of each entry is packed into two words of one typed array, entries
 * of the same list side by side (a run): a list is read as a few consecutive cache lines instead
 * of an object per ACL scattered over the heap. The first word holds the operations the entry
 * allows and denies, whether its host is a specific one, and whether it ends its run; the second
 * its principal's number.
 */
const WORDS_PER_ENTRY = 2
const DENIES_SHIFT = ACL_OPERATIONS.length
const SPECIFIC_HOST = 1 << (2 * ACL_OPERATIONS.length)
const ENDS_RUN = SPECIFIC_HOST << 1

function flagsOf(acl: Acl): number {
  const isDeny = acl.permission === 'DENY'
  const allows = isDeny ? 0 : operationMask(acl, allowImplies)
  const denies = isDeny ? operationMask(acl, denyApplies) : 0
  return allows | (denies << DENIES_SHIFT) | (acl.host === '*' ? 0 : SPECIFIC_HOST)
}

function literalKey(nameHash: number, principalId: number, typeNumber: number): number {
  return memberKey(nameHash, principalId * ACL_RESOURCE_TYPES.length + typeNumber)
}

/**
 * The ACLs of one resource pattern: the position of their run, checked against the caller's
 * principals; past `BY_PRINCIPAL_THRESHOLD` (the cluster, a busy topic) a run per principal, so a
 * decision reads only the caller's.
 */
type Group = number | Map<number, number>

const BY_PRINCIPAL_THRESHOLD = 16

function addTo<K>(groups: Map<K, Entry[]>, key: K, entry: Entry): void {
  const list = groups.get(key)
  if (list) list.push(entry)
  else groups.set(key, [entry])
}

/** The entries and their packed words, laid out run after run while the index is built. */
class RunWriter {
  readonly entries: Entry[] = []
  readonly words: number[] = []

  /** Appends a run of (non-empty) `entries`; returns where it starts. */
  run(entries: readonly Entry[]): number {
    const start = this.entries.length
    for (const entry of entries) {
      this.entries.push(entry)
      this.words.push(flagsOf(entry.acl), entry.principalId)
    }
    this.words[this.words.length - WORDS_PER_ENTRY] = this.words.at(-WORDS_PER_ENTRY)! | ENDS_RUN
    return start
  }

  group(entries: Entry[]): Group {
    if (entries.length <= BY_PRINCIPAL_THRESHOLD) return this.run(entries)
    const byPrincipal = new Map<number, Entry[]>()
    for (const entry of entries) addTo(byPrincipal, entry.principalId, entry)
    return new Map([...byPrincipal].map(([principalId, own]) => [principalId, this.run(own)]))
  }
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
   * each hold few prefixes (see `PrincipalPrefixes`), instead of every shared prefix asking for
   * each of the caller's principals.
   */
  prefixes: PrincipalPrefixes<number> | undefined
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
  /** Numbers the principals ACLs name (`User:*` is `EVERYONE_ID`); the caller's are held there during a decision. */
  readonly #principals: PrincipalNumbers
  /**
   * Which (principal, type, name) triples LITERAL ACLs name, `*` excepted: most requests find no
   * ACL on their exact resource for any of their principals, and the filter says so without the
   * lookup in `named`, the largest map here.
   */
  readonly #literalFilter: MembershipFilter
  /** Every entry, run after run; a run's position is its first entry's. */
  readonly #entries: readonly Entry[]
  /** `WORDS_PER_ENTRY` words per entry of `#entries`, in the same order. */
  readonly #words: Int32Array
  readonly size: number
  /** The ACLs indexed, as given. */
  readonly acls: readonly Acl[]
  /** How many distinct principals the ACLs name. */
  readonly principalCount: number

  /**
   * `numbers` numbers the ACLs' principals: give the numbering of the role-binding index decisions
   * also ask (see `decide`), so that the caller's principals are looked up once for both.
   */
  constructor(acls: readonly Acl[], numbers = new PrincipalNumbers()) {
    this.#principals = numbers
    const principals = new Set<number>()
    const namedLists = new Map<AclResourceType, Map<string, Entry[]>>()
    const everythingLists = new Map<AclResourceType, Entry[]>()
    const prefixLists = new Map<AclResourceType, Map<number, Map<string, Entry[]>>>()
    const literalKeys: number[] = []
    for (const acl of acls) {
      const principalId = this.#principals.numberOf(acl.principal)
      principals.add(principalId)
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
        addTo(everythingLists, acl.resourceType, entry)
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
    const runs = new RunWriter()
    for (const [type, named] of namedLists) {
      const index = this.#typeIndex(type)
      for (const [name, entries] of named) index.named.set(name, runs.group(entries))
    }
    for (const [type, entries] of everythingLists) this.#typeIndex(type).everything = runs.group(entries)
    for (const [type, byPrincipal] of prefixLists) {
      const starts = new Map(
        [...byPrincipal].map(([principalId, byPrefix]) => [
          principalId,
          new Map([...byPrefix].map(([prefix, entries]) => [prefix, runs.run(entries)])),
        ]),
      )
      this.#typeIndex(type).prefixes = new PrincipalPrefixes(starts)
    }
    this.#entries = runs.entries
    this.#words = Int32Array.from(runs.words)
    this.size = acls.length
    this.acls = acls
    this.principalCount = principals.size
  }

  /** The numbering of this index's principals. */
  get principalNumbers(): PrincipalNumbers {
    return this.#principals
  }

  #typeIndex(type: AclResourceType): TypeIndex {
    let index = this.#byType.get(type)
    if (index === undefined) {
      index = {
        number: ACL_RESOURCE_TYPES.indexOf(type),
        named: new Map(),
        everything: undefined,
        prefixes: undefined,
      }
      this.#byType.set(type, index)
    }
    return index
  }

  // Scratch state of the traversal in progress (decisions are synchronous: one at a time).
  #host = ''
  #operationBit = 0
  /** Positions in `#entries` of the first ALLOW and the first DENY that apply, or -1. */
  #allowFound = -1
  #denyFound = -1
  #collected: Acl[] | undefined
  /** The runs of the prefixes of the name that one principal's ACLs name. */
  readonly #prefixMatches: number[] = []

  /**
   * Looks at the entries of the run starting at `start` for this host (and, when `checkPrincipal`,
   * one of the caller's principals): notes the first ALLOW and the first DENY that apply, or
   * collects every one. True once a DENY is found (and not collecting).
   */
  #visit(start: number | undefined, checkPrincipal: boolean): boolean {
    if (start === undefined) return false
    const words = this.#words
    const allowBit = this.#operationBit
    const denyBit = allowBit << DENIES_SHIFT
    for (let at = start * WORDS_PER_ENTRY; ; at += WORDS_PER_ENTRY) {
      const flags = words[at]!
      if (
        (flags & (allowBit | denyBit)) !== 0 &&
        ((flags & SPECIFIC_HOST) === 0 || this.#entries[at / WORDS_PER_ENTRY]!.acl.host === this.#host) &&
        (!checkPrincipal || words[at + 1] === EVERYONE_ID || this.#principals.holds(words[at + 1]!))
      ) {
        const entry = at / WORDS_PER_ENTRY
        if (this.#collected !== undefined) {
          this.#collected.push(this.#entries[entry]!.acl)
        } else if ((flags & denyBit) !== 0) {
          this.#denyFound = entry
          return true
        } else if (this.#allowFound < 0) {
          this.#allowFound = entry
        }
      }
      if ((flags & ENDS_RUN) !== 0) return false
    }
  }

  #visitGroup(group: Group | undefined): boolean {
    if (group === undefined) return false
    if (typeof group === 'number') return this.#visit(group, true)
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
    if (principals !== HELD) this.#principals.hold(principals, EVERYONE_ID)
    this.#host = host
    this.#operationBit = OPERATION_BIT[operation]
    this.#allowFound = -1
    this.#denyFound = -1
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
    if (prefixes === undefined) return
    const { held, heldCount } = this.#principals
    for (let index = 0; index < heldCount; index++) {
      if (this.#visitPrefixes(prefixes, held[index]!, resourceName)) return
    }
    this.#visitPrefixes(prefixes, EVERYONE_ID, resourceName)
  }

  /** Visits the entries of every prefix of `name` one principal's ACLs name; true once a DENY is found. */
  #visitPrefixes(prefixes: PrincipalPrefixes<number>, principalId: number, name: string): boolean {
    const matches = this.#prefixMatches
    const count = prefixes.matchesOf(principalId, name, matches)
    for (let index = 0; index < count; index++) if (this.#visit(matches[index], false)) return true
    return false
  }

  /**
   * Kafka's answer for one operation on one resource, for a caller holding `principals` (or
   * `HELD`: those the index's numbering holds already, `User:*` left out). Written without
   * closures or allocations: it runs for every action of every request.
   */
  decide(
    principals: readonly string[],
    host: string,
    resourceType: AclResourceType,
    resourceName: string,
    operation: AclOperation,
  ): AclVerdict {
    this.#traverse(principals, host, resourceType, resourceName, operation, undefined)
    const decisive = this.#denyFound >= 0 ? this.#denyFound : this.#allowFound
    return decisive < 0 ? NO_VERDICT : this.#entries[decisive]!.verdict
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
