/**
 * @module authz/role-binding-index
 *
 * Role bindings in memory, for decisions without a store round trip. A decision walks the
 * resource's path from the organization down through a tree of the bindings' patterns: at each
 * level it reads the bindings that end there (they cover everything beneath) and those whose last
 * name is a prefix of the path's name there, for the caller's principals only. The walk touches
 * a handful of small maps near the root and one map per level below: its cost does not grow with
 * the number of bindings, and a principal's other bindings are never looked at.
 */
import {
  crnPatternContains,
  crnPatternCovers,
  parseCrnPattern,
  resourceTypeOf,
  type Action,
  type CrnPattern,
  type Operation,
  type ResourceType,
} from '../core/index.ts'
import { descend, PrefixTree, type PrefixTreeNode } from './prefix-tree.ts'
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

/** Principal → the bindings of one pattern (or one prefix) held by that principal. */
type BindingsByPrincipal = Map<string, CompiledBinding[]>

/** The bindings whose pattern names one resource path exactly (up to its last name). */
interface PathNode {
  /** Child resources: segment type → name → node. */
  readonly children: Map<string, Map<string, PathNode>>
  /** Bindings whose pattern ends at this resource: they cover it and everything beneath. */
  exact: BindingsByPrincipal | undefined
  /**
   * Prefix patterns of the children's names, by segment type and principal (principal first, so
   * that a walk reads only the caller's own prefixes).
   */
  readonly prefixes: Map<string, Map<string, PrefixTree<CompiledBinding[]>>>
}

function newPathNode(): PathNode {
  return { children: new Map(), exact: undefined, prefixes: new Map() }
}

function addBinding(byPrincipal: BindingsByPrincipal, compiled: CompiledBinding): void {
  const list = byPrincipal.get(compiled.binding.principal)
  if (list) list.push(compiled)
  else byPrincipal.set(compiled.binding.principal, [compiled])
}

export class RoleBindingIndex {
  /** Every binding of a principal, for explanations and pattern checks. */
  readonly #byPrincipal = new Map<string, CompiledBinding[]>()
  /** The patterns' tree, for decisions. */
  readonly #root = newPathNode()
  readonly size: number
  /** Bindings that name no known role or hold an invalid pattern: they grant nothing. */
  readonly ignored: readonly RoleBinding[]

  constructor(bindings: readonly RoleBinding[]) {
    const ignored: RoleBinding[] = []
    for (const binding of bindings) {
      const role = findRole(binding.roleName)
      const pattern = parseCrnPattern(binding.crnPattern)
      if (role === undefined || 'error' in pattern) {
        ignored.push(binding)
        continue
      }
      const list = this.#byPrincipal.get(binding.principal)
      const compiled = { binding, role, pattern }
      if (list) list.push(compiled)
      else this.#byPrincipal.set(binding.principal, [compiled])
      this.#insert(compiled)
    }
    for (const tree of this.#prefixTrees) tree.compact()
    this.size = bindings.length - ignored.length
    this.ignored = ignored
  }

  readonly #prefixTrees: PrefixTree<CompiledBinding[]>[] = []

  #insert(compiled: CompiledBinding): void {
    const segments = compiled.pattern.segments
    let node = this.#root
    const last = segments.length - 1
    for (let index = 0; index < last; index++)
      node = this.#child(node, segments[index]!.type, segments[index]!.name)
    const { type, name } = segments[last]!
    if (!compiled.pattern.isPrefix) {
      const child = this.#child(node, type, name)
      addBinding((child.exact ??= new Map<string, CompiledBinding[]>()), compiled)
      return
    }
    let byPrincipal = node.prefixes.get(type)
    if (byPrincipal === undefined) {
      byPrincipal = new Map()
      node.prefixes.set(type, byPrincipal)
    }
    let tree = byPrincipal.get(compiled.binding.principal)
    if (tree === undefined) {
      tree = new PrefixTree()
      byPrincipal.set(compiled.binding.principal, tree)
      this.#prefixTrees.push(tree)
    }
    ;(tree.nodeFor(name).value ??= []).push(compiled)
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

  /** The first binding in `byPrincipal` of one of `principals` whose role grants `operation` on `type`. */
  static #granting(
    byPrincipal: BindingsByPrincipal | undefined,
    principals: readonly string[],
    type: ResourceType,
    operation: Operation,
  ): RoleBinding | undefined {
    if (byPrincipal === undefined) return undefined
    for (let index = 0; index < principals.length; index++) {
      const granted = RoleBindingIndex.#grantingIn(byPrincipal.get(principals[index]!), type, operation)
      if (granted !== undefined) return granted
    }
    return undefined
  }

  static #grantingIn(
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

  /** A binding on a prefix of `name` in one principal's tree that grants `operation` on `type`. */
  static #grantingByPrefix(
    tree: PrefixTree<CompiledBinding[]> | undefined,
    name: string,
    type: ResourceType,
    operation: Operation,
  ): RoleBinding | undefined {
    if (tree === undefined) return undefined
    // `topic=*` is the empty prefix: it is the root's value.
    let node: PrefixTreeNode<CompiledBinding[]> | undefined = tree.root
    let granted = RoleBindingIndex.#grantingIn(node.value, type, operation)
    let position = 0
    while (granted === undefined && position < name.length) {
      node = descend(node, name, position)
      if (node === undefined) return undefined
      position += node.edge.length
      granted = RoleBindingIndex.#grantingIn(node.value, type, operation)
    }
    return granted
  }

  /**
   * The first binding of any of `principals` that grants `action`, if one does. `type` is the
   * action's resource type, when the caller has it already.
   */
  findGrant(
    principals: readonly string[],
    action: Action,
    type: ResourceType = resourceTypeOf(action.resource),
  ): RoleBinding | undefined {
    const resource = action.resource
    const operation = action.operation
    let node: PathNode | undefined = this.#root
    for (let level = 0; level < resource.length && node !== undefined; level++) {
      const { type: segmentType, name } = resource[level]!
      const prefixTrees = node.prefixes.get(segmentType)
      if (prefixTrees !== undefined) {
        for (let index = 0; index < principals.length; index++) {
          const granted = RoleBindingIndex.#grantingByPrefix(
            prefixTrees.get(principals[index]!),
            name,
            type,
            operation,
          )
          if (granted !== undefined) return granted
        }
      }
      node = node.children.get(segmentType)?.get(name)
      if (node === undefined) return undefined
      const granted = RoleBindingIndex.#granting(node.exact, principals, type, operation)
      if (granted !== undefined) return granted
    }
    return undefined
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
