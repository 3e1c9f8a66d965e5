/**
 * @module authz/role-binding-index
 *
 * Role bindings indexed by principal, for decisions without a store round trip.
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

export class RoleBindingIndex {
  readonly #byPrincipal = new Map<string, CompiledBinding[]>()
  /**
   * Principal → resource type → the bindings whose role grants something on that type: a
   * decision looks only at bindings that could answer it.
   */
  readonly #byPrincipalAndType = new Map<string, Map<ResourceType, CompiledBinding[]>>()
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
      let byType = this.#byPrincipalAndType.get(binding.principal)
      if (byType === undefined) {
        byType = new Map()
        this.#byPrincipalAndType.set(binding.principal, byType)
      }
      for (const type of Object.keys(role.permissions) as ResourceType[]) {
        const forType = byType.get(type)
        if (forType) forType.push(compiled)
        else byType.set(type, [compiled])
      }
    }
    this.size = bindings.length - ignored.length
    this.ignored = ignored
  }

  /** The first binding of any of `principals` that grants `action`, if one does. */
  findGrant(principals: readonly string[], action: Action): RoleBinding | undefined {
    const type = resourceTypeOf(action.resource)
    for (let index = 0; index < principals.length; index++) {
      const candidates = this.#byPrincipalAndType.get(principals[index]!)?.get(type)
      if (candidates === undefined) continue
      for (const compiled of candidates) {
        if (
          roleGrants(compiled.role, type, action.operation) &&
          crnPatternCovers(compiled.pattern, action.resource)
        ) {
          return compiled.binding
        }
      }
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
