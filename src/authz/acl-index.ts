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
import { FNV_OFFSET_BASIS, hashName, memberKey } from './membership-filter.ts'
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

const TYPE_NUMBER = Object.fromEntries(ACL_RESOURCE_TYPES.map((type, index) => [type, index])) as Record<
  AclResourceType,
  number
>

/** The requested operations an ACL's operation answers, for each permission. */
function operationMask(acl: Acl, applies: (granted: AclOperation, requested: AclOperation) => boolean) {
  let mask = 0
  for (const requested of ACL_OPERATIONS)
    if (applies(acl.operation, requested)) mask |= OPERATION_BIT[requested]
  return mask
}

/*
 * An entry's flags, one word: the operations it allows and denies, and whether its host is a
 * specific one (then the ACL itself is read to compare it).
 */
const DENIES_SHIFT = ACL_OPERATIONS.length
const SPECIFIC_HOST = 1 << (2 * ACL_OPERATIONS.length)

function flagsOf(acl: Acl): number {
  const isDeny = acl.permission === 'DENY'
  const allows = isDeny ? 0 : operationMask(acl, allowImplies)
  const denies = isDeny ? operationMask(acl, denyApplies) : 0
  return allows | (denies << DENIES_SHIFT) | (acl.host === '*' ? 0 : SPECIFIC_HOST)
}

/** The three kinds of resource pattern, each found by its own keys. */
const LITERAL = 0
/** LITERAL `*`: every name. */
const WILDCARD = 1
const PREFIXED = 2
const KINDS = 3

/*
 * A run: the ACLs of one pattern (kind, resource type, name or prefix) and one principal, in one
 * typed array: a header, the name (two characters a word, see `pushText`), then one flags word per
 * ACL, the last marked `ENDS_RUN`. A decision that finds a run reads it as one cache line, or two
 * side by side.
 */
/** `pattern + PATTERNS * principal number`, where a pattern is `kind + KINDS * type number`. */
const OWNER = 0
const TEXT_LENGTH = 1
/** The position of the run's first ACL in `#acls`. */
const FIRST_ENTRY = 2
const TEXT = 3
const ENDS_RUN = SPECIFIC_HOST << 1
const PATTERNS = KINDS * ACL_RESOURCE_TYPES.length

/** `hashName('')`: the text of a `*` run. */
const EMPTY_TEXT_HASH = hashName('')

function patternOf(kind: number, typeNumber: number): number {
  return kind + KINDS * typeNumber
}

/** `pattern + PATTERNS * principal number`: whose and what kind of run. */
function ownerOf(pattern: number, principal: number): number {
  return pattern + PATTERNS * principal
}

/** The key a run is stored under: its text's hash and its owner. */
function runKey(textHash: number, owner: number): number {
  return memberKey(textHash, owner)
}

/*
 * What ACLs a principal has on a resource type, one word kept in its `PrincipalTable` entry: the
 * lengths of its prefixes (see `prefix-lengths.ts`), and whether it has a `*` ACL.
 */
const HAS_WILDCARD = 1 << 31

interface RunBeingBuilt {
  readonly pattern: number
  readonly principal: number
  readonly text: string
  readonly acls: Acl[]
}

/**
 * ACLs indexed by run (see `probe-table.ts`): a decision looks up the caller's principals (and
 * `User:*`) in the small table of principals the ACLs name, computes the key of every run that
 * could apply (the name's literal run, the `*` run and the runs of the prefix lengths each
 * principal has), reads their table slots at once, then the runs found, then compares each run's
 * text with the name. Its cost does not grow with the number of ACLs, and the cache misses it
 * waits for come in a few rounds, not one after the other.
 */
export class AclIndex {
  readonly #principals: PrincipalTable
  readonly #table: ProbeTable
  /** Runs: header, text, then one flags word per ACL. */
  readonly #words: Int32Array
  /** The ACLs, run after run. */
  readonly #acls: readonly Acl[]
  readonly #longPrefixes: LongPrefixes
  readonly size: number
  /** The ACLs indexed, as given. */
  readonly acls: readonly Acl[]

  constructor(acls: readonly Acl[]) {
    const principalNames = [...new Set(acls.map((acl) => acl.principal))]
    const numbers = new Map(principalNames.map((principal, number) => [principal, number]))
    const runs = new Map<string, RunBeingBuilt>()
    for (const acl of acls) {
      const typeNumber = TYPE_NUMBER[acl.resourceType] as number | undefined
      // A type outside Kafka's list (a newer broker's) is one no request asks about.
      if (typeNumber === undefined) continue
      const kind = acl.patternType === 'PREFIXED' ? PREFIXED : acl.resourceName === '*' ? WILDCARD : LITERAL
      const pattern = patternOf(kind, typeNumber)
      const principal = numbers.get(acl.principal)!
      const text = kind === WILDCARD ? '' : acl.resourceName
      const id = `${ownerOf(pattern, principal)} ${text}`
      const run = runs.get(id)
      if (run === undefined) runs.set(id, { pattern, principal, text, acls: [acl] })
      else run.acls.push(acl)
    }
    const words: number[] = []
    const ordered: Acl[] = []
    const keys: number[] = []
    const positions: number[] = []
    const shapes = new Int32Array(principalNames.length * ACL_RESOURCE_TYPES.length)
    const longPrefixes: [number, number, number][] = []
    for (const { pattern, principal, text, acls: own } of runs.values()) {
      positions.push(words.length)
      keys.push(runKey(hashName(text), ownerOf(pattern, principal)))
      words.push(ownerOf(pattern, principal), text.length, ordered.length)
      pushText(words, text)
      for (const acl of own) {
        ordered.push(acl)
        words.push(flagsOf(acl))
      }
      words[words.length - 1]! |= ENDS_RUN
      const kind = pattern % KINDS
      const typeNumber = Math.floor(pattern / KINDS)
      const shape = principal * ACL_RESOURCE_TYPES.length + typeNumber
      if (kind === WILDCARD) shapes[shape]! |= HAS_WILDCARD
      else if (kind === PREFIXED && text.length <= SHORT_LIMIT) shapes[shape]! |= lengthBit(text.length)
      else if (kind === PREFIXED) {
        shapes[shape]! |= HAS_LONG_PREFIXES
        longPrefixes.push([principal, typeNumber, text.length])
      }
    }
    this.#table = new ProbeTable(keys, positions)
    this.#words = Int32Array.from(words)
    this.#acls = ordered
    this.#principals = new PrincipalTable(principalNames, ACL_RESOURCE_TYPES.length, shapes)
    this.#longPrefixes = new LongPrefixes(ACL_RESOURCE_TYPES.length, longPrefixes)
    this.size = acls.length
    this.acls = acls
  }

  // Scratch state of the traversal in progress (decisions are synchronous: one at a time).
  /** The runs that could apply, in visiting order, and those found. */
  readonly #probes = new Probes()
  /** The hash of the prefix of the name of each short length some held principal has, by length. */
  readonly #prefixHashes: number[] = []
  /** One principal's long prefix lengths that fit the name, and their hashes. */
  readonly #longLengths: number[] = []
  readonly #longHashes: number[] = []
  #host = ''
  #operationBit = 0
  /** Positions in `#acls` of the first ALLOW and the first DENY that apply, or -1. */
  #allowFound = -1
  #denyFound = -1
  #collected: Acl[] | undefined

  /** Lists the runs of the held principals that could apply to `name`, in visiting order. */
  #listProbes(typeNumber: number, name: string): void {
    const { held, heldData, heldCount, words: shapes } = this.#principals
    const probes = this.#probes
    probes.count = 0
    const literal = patternOf(LITERAL, typeNumber)
    const nameHash = hashName(name)
    for (let index = 0; index < heldCount; index++) {
      const owner = ownerOf(literal, held[index]!)
      probes.add(runKey(nameHash, owner), owner, name.length)
    }
    const wildcard = patternOf(WILDCARD, typeNumber)
    let lengthsHeld = 0
    for (let index = 0; index < heldCount; index++) {
      const shape = shapes[heldData[index]! + typeNumber]!
      lengthsHeld |= shape
      if ((shape & HAS_WILDCARD) === 0) continue
      const owner = ownerOf(wildcard, held[index]!)
      probes.add(runKey(EMPTY_TEXT_HASH, owner), owner, 0)
    }
    // Prefixes no longer than the name, at the short lengths some held principal has, hashed once.
    const fits = lengthsFitting(name.length)
    hashPrefixes(name, lengthsHeld & fits, FNV_OFFSET_BASIS, this.#prefixHashes)
    const prefixed = patternOf(PREFIXED, typeNumber)
    for (let index = 0; index < heldCount; index++) {
      const principal = held[index]!
      const owner = ownerOf(prefixed, principal)
      const shape = shapes[heldData[index]! + typeNumber]!
      for (let lengths = shape & fits; lengths !== 0; lengths &= lengths - 1) {
        const length = lowestLength(lengths)
        probes.add(runKey(this.#prefixHashes[length]!, owner), owner, length)
      }
      if ((shape & HAS_LONG_PREFIXES) !== 0) this.#listLongProbes(principal, typeNumber, name)
    }
  }

  /** Adds the probes of one principal's prefixes longer than `SHORT_LIMIT`. */
  #listLongProbes(principal: number, typeNumber: number, name: string): void {
    const owner = ownerOf(patternOf(PREFIXED, typeNumber), principal)
    const lengths = this.#longLengths
    const hashes = this.#longHashes
    const count = this.#longPrefixes.prefixesOf(
      principal,
      typeNumber,
      name,
      FNV_OFFSET_BASIS,
      lengths,
      hashes,
    )
    for (let index = 0; index < count; index++)
      this.#probes.add(runKey(hashes[index]!, owner), owner, lengths[index]!)
  }

  /** Whether the run at `run` is the one the probe looked for (not another under the same key). */
  #isProbed(run: number, probe: number, name: string): boolean {
    const words = this.#words
    return (
      words[run + OWNER] === this.#probes.owners[probe] &&
      words[run + TEXT_LENGTH] === this.#probes.lengths[probe] &&
      wordsStart(words, run + TEXT, words[run + TEXT_LENGTH]!, name)
    )
  }

  /**
   * Looks at the ACLs of one run for this host: notes the first ALLOW and the first DENY that
   * apply, or collects every one. True once a DENY is found (and not collecting).
   */
  #visit(run: number): boolean {
    const words = this.#words
    const allowBit = this.#operationBit
    const denyBit = allowBit << DENIES_SHIFT
    const first = words[run + FIRST_ENTRY]!
    const flagsAt = run + TEXT + textWords(words[run + TEXT_LENGTH]!)
    for (let index = 0; ; index++) {
      const flags = words[flagsAt + index]!
      const entry = first + index
      if (
        (flags & (allowBit | denyBit)) !== 0 &&
        ((flags & SPECIFIC_HOST) === 0 || this.#acls[entry]!.host === this.#host)
      ) {
        if (this.#collected !== undefined) {
          this.#collected.push(this.#acls[entry]!)
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

  /** Visits every ACL that applies to the request; stops at the first DENY unless collecting. */
  #traverse(
    principals: readonly string[],
    host: string,
    resourceType: AclResourceType,
    resourceName: string,
    operation: AclOperation,
    collected: Acl[] | undefined,
  ): void {
    this.#host = host
    this.#operationBit = OPERATION_BIT[operation]
    this.#allowFound = -1
    this.#denyFound = -1
    this.#collected = collected
    const typeNumber = TYPE_NUMBER[resourceType]
    // `User:*` is looked at in every decision, whether the caller names it or not.
    if (typeNumber === undefined || this.#principals.hold(principals, true) === 0) return
    this.#listProbes(typeNumber, resourceName)
    const probes = this.#probes
    const runs = probes.find(this.#table, this.#words)
    for (let at = 0; at < runs; at++) {
      const run = probes.found[at]!
      if (this.#isProbed(run, probes.foundBy[at]!, resourceName) && this.#visit(run)) return
    }
  }

  /**
   * Kafka's answer for one operation on one resource, for a caller holding `principals`. Written
   * without closures: it runs for every action of every request, and allocates only the verdict.
   */
  decide(
    principals: readonly string[],
    host: string,
    resourceType: AclResourceType,
    resourceName: string,
    operation: AclOperation,
  ): AclVerdict {
    this.#traverse(principals, host, resourceType, resourceName, operation, undefined)
    if (this.#denyFound >= 0) return { kind: 'deny', acl: this.#acls[this.#denyFound]! }
    if (this.#allowFound >= 0) return { kind: 'allow', acl: this.#acls[this.#allowFound]! }
    return NO_VERDICT
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
