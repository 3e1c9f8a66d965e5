/**
 * @module authz/role-binding-index
 *
 * Role bindings in memory, for decisions without a store round trip. A binding's pattern names a
 * resource path (or a prefix of a name at its end) and covers everything beneath, so a decision
 * walks the resource's path from the organization down and asks at each level: has one of the
 * caller's principals a binding whose pattern ends here, on this name or on a prefix of it?
 *
 * The levels above (organization, environment, cluster: the paths that patterns continue
 * beneath) are few, read by every decision and so in the CPU's caches: they are numbered, and
 * the walk follows small maps. Where patterns end (thousands of topics and groups), each question
 * is a key (the level's path number, the name or prefix's hash, the principal's number) into one
 * table (see `probe-table.ts`), read for all the questions at once. Its cost does not grow with
 * the number of bindings, and a principal's other bindings are never looked at.
 */
import {
  CRN_SEGMENT_TYPES,
  OPERATIONS,
  RESOURCE_TYPES,
  crnPatternContains,
  crnPatternCovers,
  parseCrnPattern,
  resourceTypeOf,
  type Action,
  type CrnPattern,
  type CrnSegmentType,
  type Operation,
  type ResourceType,
} from '../core/index.ts'
import { FNV_OFFSET_BASIS, FNV_PRIME, finishHash, memberKey, rollHash } from './membership-filter.ts'
import {
  hashPrefixes,
  HAS_LONG_PREFIXES,
  lengthBit,
  lengthsFitting,
  LongPrefixes,
  lowestLength,
  SHORT_LIMIT,
} from './prefix-lengths.ts'
import { Probes, ProbeTable, pushText, textWords, wordsStart } from './probe-table.ts'
import { PrincipalTable } from './principal-table.ts'
import { findRole, PREDEFINED_ROLES, roleGrants, type RoleDefinition } from './role-catalog.ts'

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

const TYPES = CRN_SEGMENT_TYPES.length
const SEGMENT_TYPE_NUMBER = new Map<string, number>(CRN_SEGMENT_TYPES.map((type, index) => [type, index]))
const ROLE_NUMBER = new Map(PREDEFINED_ROLES.map((role, index) => [role, index]))
const RESOURCE_TYPE_NUMBER = new Map<string, number>(RESOURCE_TYPES.map((type, index) => [type, index]))
const OPERATION_BIT = new Map<string, number>(OPERATIONS.map((operation, index) => [operation, 1 << index]))
// One bit per operation in a 32-bit word: more operations need a wider `GRANTED`.
if (OPERATIONS.length > 31) throw new Error('GRANTED holds at most 31 operations')

/**
 * `roleGrants` as bits, computed once: by role number and resource type number, the operations the
 * role grants on that type, one bit each (`OPERATION_BIT`). A decision tests a bit instead of
 * looking through the role's lists.
 */
const GRANTED = Int32Array.from(
  PREDEFINED_ROLES.flatMap((role) =>
    RESOURCE_TYPES.map((type) =>
      OPERATIONS.reduce(
        (bits, operation) =>
          roleGrants(role, type, operation) ? bits | OPERATION_BIT.get(operation)! : bits,
        0,
      ),
    ),
  ),
)

/** A pattern ends on a whole name (`EXACT`), or on a prefix of one. */
const EXACT = 0
const PREFIX = 1
const KINDS = 2

/** The state of the hash of a name (or prefix) of a segment of type `typeNumber` before its characters. */
function hashStart(typeNumber: number): number {
  return Math.imul(FNV_OFFSET_BASIS ^ (typeNumber + 1), FNV_PRIME)
}

/** The hash a name (or prefix) of a segment of type `typeNumber` is looked for by. */
function segmentHash(typeNumber: number, name: string): number {
  return finishHash(rollHash(hashStart(typeNumber), name, 0, name.length))
}

/** `segmentHash` by the segment type's name (for tests that need two names with one hash). */
export function segmentNameHash(type: CrnSegmentType, name: string): number {
  return segmentHash(SEGMENT_TYPE_NUMBER.get(type)!, name)
}

/*
 * A run: the bindings of one pattern and one principal: a header, the pattern's last name or
 * prefix (two characters a word, see `pushText`), then one word per binding (its role's number,
 * the last marked `ENDS_RUN`). A decision that finds a run reads it as one cache line, or two side
 * by side.
 */
/** `kind + KINDS * (segment type number + TYPES * principal number)`. */
const OWNER = 0
/** The number of the path the pattern's last segment lies beneath. */
const PARENT = 1
const TEXT_LENGTH = 2
/** The position of the run's first binding in `#ordered`. */
const FIRST_BINDING = 3
const TEXT = 4
const ENDS_RUN = 1 << 30
const ROLE_MASK = ENDS_RUN - 1

function ownerOf(kind: number, typeNumber: number, principal: number): number {
  return kind + KINDS * (typeNumber + TYPES * principal)
}

function runKey(textHash: number, parent: number, owner: number): number {
  return memberKey(memberKey(textHash, parent), owner)
}

/*
 * What patterns a principal has ending on a segment type, one word kept in its `PrincipalTable`
 * entry: the lengths of its prefixes (see `prefix-lengths.ts`), and whether it has exact ones.
 */
const HAS_EXACT = 1 << 31

/** The root of the walk: the path above the organization. */
const ROOT = 0

export class RoleBindingIndex {
  /** Every binding of a principal, for explanations and pattern checks. */
  readonly #byPrincipal = new Map<string, CompiledBinding[]>()
  /** The principals holding a binding. */
  readonly #principals: PrincipalTable
  /** Per path number: the numbers of the paths beneath it that patterns continue beneath, by segment type and name. */
  readonly #children: Map<string, Map<string, number>>[] = [new Map<string, Map<string, number>>()]
  readonly #table: ProbeTable
  /** Runs: header, text, then one word per binding. */
  readonly #words: Int32Array
  /** The bindings, run after run. */
  readonly #ordered: readonly RoleBinding[]
  readonly #longPrefixes: LongPrefixes
  readonly size: number
  /** The bindings indexed, as given. */
  readonly bindings: readonly RoleBinding[]
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
      const compiled = { binding, role, pattern }
      const own = this.#byPrincipal.get(binding.principal)
      if (own === undefined) this.#byPrincipal.set(binding.principal, [compiled])
      else own.push(compiled)
    }
    const principalNames = [...this.#byPrincipal.keys()]
    const shapes = new Int32Array(principalNames.length * TYPES)
    const longPrefixes: [number, number, number][] = []
    const runs = new Map<
      string,
      { owner: number; parent: number; text: string; bindings: CompiledBinding[] }
    >()
    for (const [principal, own] of principalNames.map(
      (name, number) => [number, this.#byPrincipal.get(name)!] as const,
    )) {
      for (const compiled of own) {
        const { segments, isPrefix } = compiled.pattern
        let parent = ROOT
        for (const { type, name } of segments.slice(0, -1)) parent = this.#child(parent, type, name)
        const last = segments.at(-1)!
        const typeNumber = SEGMENT_TYPE_NUMBER.get(last.type)!
        const owner = ownerOf(isPrefix ? PREFIX : EXACT, typeNumber, principal)
        const id = `${owner} ${parent} ${last.name}`
        const run = runs.get(id)
        if (run === undefined) runs.set(id, { owner, parent, text: last.name, bindings: [compiled] })
        else run.bindings.push(compiled)
        const shape = principal * TYPES + typeNumber
        if (!isPrefix) shapes[shape]! |= HAS_EXACT
        else if (last.name.length <= SHORT_LIMIT) shapes[shape]! |= lengthBit(last.name.length)
        else {
          shapes[shape]! |= HAS_LONG_PREFIXES
          longPrefixes.push([principal, typeNumber, last.name.length])
        }
      }
    }
    const words: number[] = []
    const ordered: CompiledBinding[] = []
    const keys: number[] = []
    const positions: number[] = []
    for (const { owner, parent, text, bindings: own } of runs.values()) {
      const typeNumber = Math.floor(owner / KINDS) % TYPES
      positions.push(words.length)
      keys.push(runKey(segmentHash(typeNumber, text), parent, owner))
      words.push(owner, parent, text.length, ordered.length)
      pushText(words, text)
      for (const compiled of own) {
        ordered.push(compiled)
        words.push(ROLE_NUMBER.get(compiled.role)!)
      }
      words[words.length - 1]! |= ENDS_RUN
    }
    this.#table = new ProbeTable(keys, positions)
    this.#words = Int32Array.from(words)
    this.#ordered = ordered.map((compiled) => compiled.binding)
    this.#principals = new PrincipalTable(principalNames, TYPES, shapes)
    this.#longPrefixes = new LongPrefixes(TYPES, longPrefixes)
    this.size = bindings.length - ignored.length
    this.bindings = bindings
    this.ignored = ignored
  }

  /** The number of the path `type=name` beneath path `parent`, numbered now if new. */
  #child(parent: number, type: string, name: string): number {
    const children = this.#children[parent]!
    let byName = children.get(type)
    if (byName === undefined) {
      byName = new Map()
      children.set(type, byName)
    }
    let child = byName.get(name)
    if (child === undefined) {
      child = this.#children.length
      this.#children.push(new Map())
      byName.set(name, child)
    }
    return child
  }

  /*
   * The walk's last steps: most requests lie beneath the path of the one before (the same
   * organization, environment and cluster), and comparing a name with the last one is cheaper
   * than looking it up. By level: the parent, the segment's type and name, and the child found.
   */
  readonly #lastParents: number[] = []
  readonly #lastTypes: string[] = []
  readonly #lastNames: string[] = []
  readonly #lastChildren: number[] = []

  /** The number of the path `type=name` beneath path `parent` (at `level`), or -1 when no pattern continues beneath it. */
  #childOf(parent: number, level: number, type: string, name: string): number {
    if (
      this.#lastParents[level] === parent &&
      this.#lastTypes[level] === type &&
      this.#lastNames[level] === name
    )
      return this.#lastChildren[level]!
    const child = this.#children[parent]!.get(type)?.get(name) ?? -1
    this.#lastParents[level] = parent
    this.#lastTypes[level] = type
    this.#lastNames[level] = name
    this.#lastChildren[level] = child
    return child
  }

  /** How many distinct principals hold a binding. */
  get principalCount(): number {
    return this.#byPrincipal.size
  }

  // Scratch state of the decision in progress (decisions are synchronous: one at a time).
  /** The runs that could grant, in walking order, and those found. */
  readonly #probes = new Probes()
  /** By probe: the path the run must lie beneath, and the name it was made for (the level's). */
  readonly #probeParents: number[] = []
  readonly #probeNames: string[] = []
  readonly #prefixHashes: number[] = []
  /** One principal's long prefix lengths that fit the name, and their hashes. */
  readonly #longLengths: number[] = []
  readonly #longHashes: number[] = []

  #probe(key: number, owner: number, parent: number, name: string, length: number): void {
    const probe = this.#probes.add(key, owner, length)
    this.#probeParents[probe] = parent
    this.#probeNames[probe] = name
  }

  /**
   * Adds the probes of one level (`name`, of type `typeNumber`, beneath path `parent`): the held
   * principals' prefix patterns on the name (shortest first), then their exact patterns. `shapes`
   * is what patterns the held principals have there, together.
   */
  #listLevel(typeNumber: number, name: string, parent: number, shapes: number): void {
    const { held, heldData, heldCount, words: shapeWords } = this.#principals
    const fits = lengthsFitting(name.length)
    const prefixLengths = shapes & fits
    const rolled = hashPrefixes(name, prefixLengths, hashStart(typeNumber), this.#prefixHashes)
    for (let index = 0; index < heldCount; index++) {
      const principal = held[index]!
      const shape = shapeWords[heldData[index]! + typeNumber]!
      const owner = ownerOf(PREFIX, typeNumber, principal)
      for (let lengths = shape & fits; lengths !== 0; lengths &= lengths - 1) {
        const length = lowestLength(lengths)
        this.#probe(runKey(this.#prefixHashes[length]!, parent, owner), owner, parent, name, length)
      }
      if ((shape & HAS_LONG_PREFIXES) !== 0) this.#listLongPrefixes(principal, typeNumber, name, parent)
    }
    if ((shapes & HAS_EXACT) === 0) return
    const hashed = prefixLengths === 0 ? 0 : 31 - Math.clz32(prefixLengths)
    const nameHash = finishHash(rollHash(rolled, name, hashed, name.length))
    for (let index = 0; index < heldCount; index++) {
      const principal = held[index]!
      if ((shapeWords[heldData[index]! + typeNumber]! & HAS_EXACT) === 0) continue
      const owner = ownerOf(EXACT, typeNumber, principal)
      this.#probe(runKey(nameHash, parent, owner), owner, parent, name, name.length)
    }
  }

  /** Adds the probes of one principal's prefixes longer than `SHORT_LIMIT`. */
  #listLongPrefixes(principal: number, typeNumber: number, name: string, parent: number): void {
    const owner = ownerOf(PREFIX, typeNumber, principal)
    const lengths = this.#longLengths
    const hashes = this.#longHashes
    const count = this.#longPrefixes.prefixesOf(
      principal,
      typeNumber,
      name,
      hashStart(typeNumber),
      lengths,
      hashes,
    )
    for (let index = 0; index < count; index++)
      this.#probe(runKey(hashes[index]!, parent, owner), owner, parent, name, lengths[index]!)
  }

  /** The first binding of the run whose role grants the operation (`grantedAt`: the type's row in `GRANTED`). */
  #grantingIn(run: number, grantedAt: number, operationBit: number): RoleBinding | undefined {
    const words = this.#words
    const first = words[run + FIRST_BINDING]!
    const rolesAt = run + TEXT + textWords(words[run + TEXT_LENGTH]!)
    for (let index = 0; ; index++) {
      const word = words[rolesAt + index]!
      if ((GRANTED[(word & ROLE_MASK) * RESOURCE_TYPES.length + grantedAt]! & operationBit) !== 0)
        return this.#ordered[first + index]!
      if ((word & ENDS_RUN) !== 0) return undefined
    }
  }

  /**
   * The first binding of any of `principals` that grants `action`, if one does: walking the path
   * from the organization down, at each level prefix patterns before exact ones. `type` is the
   * action's resource type, when the caller has it already.
   */
  findGrant(
    principals: readonly string[],
    action: Action,
    type: ResourceType = resourceTypeOf(action.resource),
  ): RoleBinding | undefined {
    // A caller none of whose principals holds a binding is the common case for data-plane callers
    // authorized by ACLs: nothing to look for.
    const heldCount = this.#principals.hold(principals, false)
    if (heldCount === 0) return undefined
    const { heldData, words: shapeWords } = this.#principals
    const resource = action.resource
    const probes = this.#probes
    probes.count = 0
    let parent = ROOT
    for (let level = 0; level < resource.length; level++) {
      const { type: segmentType, name } = resource[level]!
      const typeNumber = SEGMENT_TYPE_NUMBER.get(segmentType)
      if (typeNumber === undefined) break
      let shapes = 0
      for (let index = 0; index < heldCount; index++) shapes |= shapeWords[heldData[index]! + typeNumber]!
      if (shapes !== 0) this.#listLevel(typeNumber, name, parent, shapes)
      if (level === resource.length - 1) break
      parent = this.#childOf(parent, level, segmentType, name)
      if (parent < 0) break
    }
    const grantedAt = RESOURCE_TYPE_NUMBER.get(type)!
    const operationBit = OPERATION_BIT.get(action.operation)!
    const words = this.#words
    const runs = probes.find(this.#table, words)
    for (let at = 0; at < runs; at++) {
      const run = probes.found[at]!
      const probe = probes.foundBy[at]!
      if (
        words[run + OWNER] === probes.owners[probe] &&
        words[run + PARENT] === this.#probeParents[probe] &&
        words[run + TEXT_LENGTH] === probes.lengths[probe] &&
        wordsStart(words, run + TEXT, words[run + TEXT_LENGTH]!, this.#probeNames[probe]!)
      ) {
        const granted = this.#grantingIn(run, grantedAt, operationBit)
        if (granted !== undefined) return granted
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
