/**
 * @module authn/sso/group-mappings
 *
 * SSO group mappings: CEL filters over a person's identity-provider groups. A filter sees two
 * variables: `groups`, the groups claim as a list of strings (`"engineering" in groups`), and
 * `claims`, the ID token's claims (`"engineering" in claims.groups`). Evaluation fails closed: a
 * filter that errors does not match.
 */
import { createFilterCompiler, type CompiledFilter, type FilterCompiler } from '../filters/compile-filter.ts'
import { prepareFilterInput } from '../filters/filter-input.ts'
import { FilterTypes } from '../filters/filter-types.ts'

/** The compiler for group-mapping filters. */
export const groupMappingFilterCompiler: FilterCompiler = createFilterCompiler({
  variables: {
    groups: FilterTypes.listOf(FilterTypes.string),
    claims: FilterTypes.mapOf(FilterTypes.dyn),
  },
})

/** A stored mapping as far as evaluation needs it. */
export interface GroupMappingFilter {
  readonly id: string
  readonly filter: string
}

/**
 * The groups claim as a list of strings: a list keeps its strings (others are dropped), a single
 * string is a one-element list, anything else (absent, a number, an object) is no groups.
 */
export function groupsOf(claims: Readonly<Record<string, unknown>>, claimName: string): string[] {
  const value = claims[claimName]
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string')
  return []
}

/**
 * Compiles mappings' filters, remembering each compiled filter by its source, and evaluates them.
 * A stored filter that no longer compiles (it never should: the API compiles before storing)
 * matches nothing.
 */
export class GroupMappingEvaluator {
  readonly #compiled = new Map<string, CompiledFilter | undefined>()

  #compile(source: string): CompiledFilter | undefined {
    if (!this.#compiled.has(source)) {
      if (this.#compiled.size > 10_000) this.#compiled.clear()
      const result = groupMappingFilterCompiler.compile(source)
      this.#compiled.set(source, result.ok ? result.filter : undefined)
    }
    return this.#compiled.get(source)
  }

  /** The `User:<mapping id>` principals of every mapping whose filter matches, in the mappings' order. */
  principalsFor(
    mappings: readonly GroupMappingFilter[],
    groups: readonly string[],
    claims: Readonly<Record<string, unknown>>,
  ): string[] {
    const input = prepareFilterInput({ groups: [...groups], claims: jsonOnly(claims) })
    const principals: string[] = []
    for (const mapping of mappings) {
      if (this.#compile(mapping.filter)?.matches(input) === true) principals.push(`User:${mapping.id}`)
    }
    return principals
  }
}

/** Claims as plain JSON (drops values `prepareFilterInput` would refuse, which a JSON payload never has). */
function jsonOnly(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(claims)) as Record<string, unknown>
}
