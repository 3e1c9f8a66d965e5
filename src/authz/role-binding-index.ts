/**
 * @module authz/role-binding-index
 *
 * Role bindings in memory, for decisions without a store round trip. A decision walks the
 * resource's path from the organization down through a tree of the bindings' patterns: at each
 * level it reads the bindings that end there (they cover everything beneath) and those whose last
 * name is a prefix of the path's name there, for the caller's principals only. The walk touches
 * a handful of small maps near the root, which every decision reads and so stay in cache, and at
 * the last level asks a filter before the largest map: its cost does not grow with the number of
 * bindings, and a principal's other bindings are never looked at. Principals are numbered once
 * per decision; numbers are cheaper keys than strings.
 */
import {
  CRN_SEGMENT_TYPES,
  crnPatternContains,
  crnPatternCovers,
  parseCrnPattern,
  resourceTypeOf,
  type Action,
  type CrnPattern,
  type Operation,
  type ResourceType,
} from '../core/index.ts'
import { hashName, memberKey, MembershipFilter } from './membership-filter.ts'
import { PrincipalPrefixes } from './prefix-index.ts'
import { EVERYONE_ID, HELD, PrincipalNumbers } from './principal-numbers.ts'
import { findRole, roleGrants, type RoleDefinition } from './role-catalog.ts'

/** A role binding as the authorizer reads it (the store's record has more fields). */
export interface RoleBinding {
  readonly id: string
  readonly principal: string
  readonly roleName: string
  readonly crnPattern: string
}

interface CompiledBinding {
  readonly binding: RoleBinding
  readonly role: RoleDefinition
  readonly pattern: CrnPattern
}

/** Principal number → the bindings of one pattern (or one prefix) held by that principal. */
type BindingsByPrincipal = Map<number, CompiledBinding[]>

/** The bindings whose pattern names one resource path exactly (up to its last name). */
interface PathNode {
  /** Child resources: segment type → name → node. */
  readonly children: Map<string, Map<string, PathNode>>
  /** Bindings whose pattern ends at this resource: they cover it and everything beneath. */
  exact: BindingsByPrincipal | undefined
  /**
   * Prefix patterns of the children's names, by segment type and principal number (principal
   * first, so that a walk reads only the caller's own prefixes). Filled in at the end of indexing.
   */
  readonly prefixes: Map<string, PrincipalPrefixes<CompiledBinding[]>>
}

function newPathNode(): PathNode {
  return { children: new Map(), exact: undefined, prefixes: new Map() }
}

function addTo<K>(lists: Map<K, CompiledBinding[]>, key: K, compiled: CompiledBinding): void {
  const list = lists.get(key)
  if (list) list.push(compiled)
  else lists.set(key, [compiled])
}

/** A prefix pattern's bindings while indexing: node, segment type, principal number → prefix → bindings. */
type PrefixLists = Map<PathNode, Map<string, Map<number, Map<string, CompiledBinding[]>>>>

const SEGMENT_TYPE_NUMBER: Readonly<Record<string, number>> = Object.fromEntries(
  CRN_SEGMENT_TYPES.map((type, index) => [type, index]),
)

function exactKey(nameHash: number, principalId: number, segmentType: string): number {
  return memberKey(nameHash, principalId * CRN_SEGMENT_TYPES.length + SEGMENT_TYPE_NUMBER[segmentType]!)
}

function grantingIn(
  held: CompiledBinding[] | undefined,
  type: ResourceType,
  operation: Operation,
): RoleBinding | undefined {
  if (held === undefined) return undefined
  for (let candidate = 0; candidate < held.length; candidate++) {
    if (roleGrants(held[candidate]!.role, type, operation)) return held[candidate]!.binding
  }
  return undefined
}

export class RoleBindingIndex {
  /** Every binding of a principal, for explanations and pattern checks. */
  readonly #byPrincipal = new Map<string, CompiledBinding[]>()
  /** Numbers every principal holding a binding; the caller's are held there during a decision. */
  readonly #principals: PrincipalNumbers
  /** By principal number: 1 where the principal holds a binding here. */
  readonly #isBound: Uint8Array
  /** The patterns' tree, for decisions. */
  readonly #root = newPathNode()
  /**
   * Which (principal, segment type, name) triples end a binding's exact pattern. Most walks end on
   * a topic or group none of the caller's principals is bound to by name: the filter says so
   * without the lookup of that name, in the largest map of the tree.
   */
  readonly #exactFilter: MembershipFilter
  readonly size: number
  /** The bindings indexed, as given. */
  readonly bindings: readonly RoleBinding[]
  /** Bindings that name no known role or hold an invalid pattern: they grant nothing. */
  readonly ignored: readonly RoleBinding[]

  /** `numbers` numbers the bindings' principals: see `AclIndex`'s constructor. */
  constructor(bindings: readonly RoleBinding[], numbers = new PrincipalNumbers()) {
    this.#principals = numbers
    const ignored: RoleBinding[] = []
    const prefixLists: PrefixLists = new Map()
    const exactKeys: number[] = []
    for (const binding of bindings) {
      const role = findRole(binding.roleName)
      const pattern = parseCrnPattern(binding.crnPattern)
      if (role === undefined || 'error' in pattern) {
        ignored.push(binding)
        continue
      }
      const compiled = { binding, role, pattern }
      addTo(this.#byPrincipal, binding.principal, compiled)
      const principalId = this.#principals.numberOf(binding.principal)
      this.#insert(compiled, principalId, prefixLists)
      const last = pattern.segments.at(-1)!
      if (!pattern.isPrefix) exactKeys.push(exactKey(hashName(last.name), principalId, last.type))
    }
    this.#exactFilter = new MembershipFilter(exactKeys)
    this.#isBound = new Uint8Array(numbers.size)
    for (const principal of this.#byPrincipal.keys()) this.#isBound[numbers.numberOf(principal)] = 1
    for (const [node, byType] of prefixLists) {
      for (const [type, byPrincipal] of byType) node.prefixes.set(type, new PrincipalPrefixes(byPrincipal))
    }
    this.size = bindings.length - ignored.length
    this.bindings = bindings
    this.ignored = ignored
  }

  /** The numbering of this index's principals. */
  get principalNumbers(): PrincipalNumbers {
    return this.#principals
  }

  /** How many distinct principals hold a binding. */
  get principalCount(): number {
    return this.#byPrincipal.size
  }

  #insert(compiled: CompiledBinding, principalId: number, prefixLists: PrefixLists): void {
    const segments = compiled.pattern.segments
    let node = this.#root
    const last = segments.length - 1
    for (let index = 0; index < last; index++)
      node = this.#child(node, segments[index]!.type, segments[index]!.name)
    const { type, name } = segments[last]!
    if (!compiled.pattern.isPrefix) {
      addTo(
        (this.#child(node, type, name).exact ??= new Map<number, CompiledBinding[]>()),
        principalId,
        compiled,
      )
      return
    }
    let byType = prefixLists.get(node)
    if (byType === undefined) {
      byType = new Map()
      prefixLists.set(node, byType)
    }
    let byPrincipal = byType.get(type)
    if (byPrincipal === undefined) {
      byPrincipal = new Map()
      byType.set(type, byPrincipal)
    }
    let byPrefix = byPrincipal.get(principalId)
    if (byPrefix === undefined) {
      byPrefix = new Map()
      byPrincipal.set(principalId, byPrefix)
    }
    addTo(byPrefix, name, compiled)
  }

  #child(node: PathNode, type: string, name: string): PathNode {
    let byName = node.children.get(type)
    if (byName === undefined) {
      byName = new Map()
      node.children.set(type, byName)
    }
    let child = byName.get(name)
    if (child === undefined) {
      child = newPathNode()
      byName.set(name, child)
    }
    return child
  }

  // Scratch state of the decision in progress (decisions are synchronous: one at a time).
  /** The binding lists of the prefixes of a name that one principal's bindings name. */
  readonly #prefixMatches: CompiledBinding[][] = []

  /** The first binding in `byPrincipal` of one of the caller's principals whose role grants `operation` on `type`. */
  #granting(
    byPrincipal: BindingsByPrincipal | undefined,
    type: ResourceType,
    operation: Operation,
  ): RoleBinding | undefined {
    if (byPrincipal === undefined) return undefined
    const { held, heldCount } = this.#principals
    for (let index = 0; index < heldCount; index++) {
      const granted = grantingIn(byPrincipal.get(held[index]!), type, operation)
      if (granted !== undefined) return granted
    }
    return undefined
  }

  /** A binding on a prefix of `name`, of one of the caller's principals, that grants `operation` on `type`. */
  #grantingByPrefix(
    prefixes: PrincipalPrefixes<CompiledBinding[]>,
    name: string,
    type: ResourceType,
    operation: Operation,
  ): RoleBinding | undefined {
    const matches = this.#prefixMatches
    const { held, heldCount } = this.#principals
    for (let index = 0; index < heldCount; index++) {
      // `topic=*` is the empty prefix: it matches every name.
      const count = prefixes.matchesOf(held[index]!, name, matches)
      for (let match = 0; match < count; match++) {
        const granted = grantingIn(matches[match], type, operation)
        if (granted !== undefined) return granted
      }
    }
    return undefined
  }

  /**
   * The first binding of any of `principals` (or `HELD`: those the index's numbering holds already)
   * that grants `action`, if one does. `type` is the action's resource type, when the caller has it
   * already.
   */
  findGrant(
    principals: readonly string[],
    action: Action,
    type: ResourceType = resourceTypeOf(action.resource),
  ): RoleBinding | undefined {
    if (principals !== HELD) this.#principals.hold(principals, EVERYONE_ID)
    // A caller none of whose principals holds a binding is the common case for data-plane callers
    // authorized by ACLs: no walk at all.
    if (!this.#holdsBound()) return undefined
    const resource = action.resource
    const operation = action.operation
    const last = resource.length - 1
    let node: PathNode | undefined = this.#root
    for (let level = 0; level <= last; level++) {
      const { type: segmentType, name } = resource[level]!
      const prefixes = node.prefixes.get(segmentType)
      if (prefixes !== undefined) {
        const granted = this.#grantingByPrefix(prefixes, name, type, operation)
        if (granted !== undefined) return granted
      }
      // Above the last level the walk goes on to the bindings beneath; at it, only an exact one is left.
      if (level === last && !this.#mayBeBoundTo(segmentType, name)) return undefined
      node = node.children.get(segmentType)?.get(name)
      if (node === undefined) return undefined
      const granted = this.#granting(node.exact, type, operation)
      if (granted !== undefined) return granted
    }
    return undefined
  }

  #holdsBound(): boolean {
    const { held, heldCount } = this.#principals
    for (let index = 0; index < heldCount; index++) if (this.#isBound[held[index]!] === 1) return true
    return false
  }

  /** False when no exact pattern of the caller's principals ends on this segment. */
  #mayBeBoundTo(segmentType: string, name: string): boolean {
    const nameHash = hashName(name)
    const { held, heldCount } = this.#principals
    for (let index = 0; index < heldCount; index++) {
      if (this.#exactFilter.mayContain(exactKey(nameHash, held[index]!, segmentType))) return true
    }
    return false
  }

  /** Every binding of `principals` that grants `action`, for explanations. */
  findGrants(principals: readonly string[], action: Action): RoleBinding[] {
    const type = resourceTypeOf(action.resource)
    return principals.flatMap((principal) =>
      (this.#byPrincipal.get(principal) ?? [])
        .filter(
          (compiled) =>
            roleGrants(compiled.role, type, action.operation) &&
            crnPatternCovers(compiled.pattern, action.resource),
        )
        .map((compiled) => compiled.binding),
    )
  }

  /**
   * The first binding of any of `principals` that grants `operation` on everything `pattern`
   * covers (e.g. AlterAccess on a prefix pattern, to create a role binding with it).
   */
  findGrantOnPattern(
    principals: readonly string[],
    pattern: CrnPattern,
    operation: Operation,
  ): RoleBinding | undefined {
    const type = resourceTypeOf(pattern.segments)
    for (const principal of principals) {
      for (const compiled of this.#byPrincipal.get(principal) ?? []) {
        if (roleGrants(compiled.role, type, operation) && crnPatternContains(compiled.pattern, pattern)) {
          return compiled.binding
        }
      }
    }
    return undefined
  }
}
