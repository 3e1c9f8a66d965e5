/**
 * @module authz/prefix-index
 *
 * A set of name prefixes (PREFIXED ACLs, role bindings on `topic=orders-*`) that finds every
 * stored prefix of a name. Decisions run it for each of the caller's principals against that
 * principal's own prefixes, which are usually few, so the layout is chosen for memory traffic
 * rather than for asymptotics:
 * - up to `PACKED_LIMIT` prefixes are packed into one string (each prefix after a character holding
 *   its length), shortest first, and scanned: one or two cache lines instead of a node, a map and an
 *   edge string per level of a tree, which dominated a decision's cost when the rules did not fit
 *   in the CPU's caches;
 * - more are kept in a radix tree, walked once down the name whatever the number of prefixes (large
 *   sets, like `User:*`'s, are read by every decision and stay in cache). A chain of characters that
 *   holds no value and does not branch is one node.
 */

/** Past this many prefixes a linear scan costs more than a tree walk. */
export const PACKED_LIMIT = 32

/** A prefix longer than this cannot have its length stored in one UTF-16 unit: the tree holds it. */
const PACKED_MAX_LENGTH = 0xffff

interface TreeNode<Value> {
  /** The characters from the parent to this node; the parent finds the node by the first one. */
  edge: string
  children: Map<number, TreeNode<Value>> | undefined
  /** What is stored for the prefix that ends here. */
  value: Value | undefined
}

function newNode<Value>(edge: string): TreeNode<Value> {
  return { edge, children: undefined, value: undefined }
}

function buildTree<Value>(prefixes: readonly (readonly [string, Value])[]): TreeNode<Value> {
  const root = newNode<Value>('')
  for (const [prefix, value] of prefixes) {
    let node = root
    for (let position = 0; position < prefix.length; position++) {
      const code = prefix.charCodeAt(position)
      node.children ??= new Map()
      let child = node.children.get(code)
      if (child === undefined) {
        child = newNode(prefix[position]!)
        node.children.set(code, child)
      }
      node = child
    }
    node.value = value
  }
  // Merge every chain of valueless, non-branching nodes into one node.
  const stack = [root]
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.children === undefined) continue
    for (const [code, child] of node.children) {
      let merged = child
      while (merged.value === undefined && merged.children?.size === 1) {
        const only: TreeNode<Value> = merged.children.values().next().value!
        only.edge = merged.edge + only.edge
        merged = only
      }
      node.children.set(code, merged)
      stack.push(merged)
    }
  }
  return root
}

/** An immutable set of prefixes, each with a value. */
export class PrefixIndex<Value> {
  /** Packed form: for each prefix, shortest first, a character holding its length, then the prefix. */
  readonly #packed: string | undefined
  /** Packed form: the values, in the order of `#packed`. */
  readonly #values: readonly Value[] = []
  readonly #tree: TreeNode<Value> | undefined
  readonly size: number

  /** `packedLimit` is for tests, to exercise both forms with the same prefixes. */
  constructor(prefixes: ReadonlyMap<string, Value>, packedLimit = PACKED_LIMIT) {
    this.size = prefixes.size
    const sorted = [...prefixes].sort(([a], [b]) => a.length - b.length)
    if (sorted.length <= packedLimit && (sorted.at(-1)?.[0].length ?? 0) <= PACKED_MAX_LENGTH) {
      this.#packed = sorted.map(([prefix]) => String.fromCharCode(prefix.length) + prefix).join('')
      this.#values = sorted.map(([, value]) => value)
      this.#tree = undefined
    } else {
      this.#packed = undefined
      this.#tree = buildTree(sorted)
    }
  }

  /**
   * Writes the value of every stored prefix of `name` (the empty prefix included) into `found`
   * from index 0, shortest prefix first, and returns how many. `found` is the caller's reusable
   * scratch array: nothing is allocated here, as this runs for every decision.
   */
  matchesOf(name: string, found: Value[]): number {
    const packed = this.#packed
    if (packed === undefined) return this.#treeMatchesOf(name, found)
    let count = 0
    let position = 0
    for (let index = 0; position < packed.length; index++) {
      const length = packed.charCodeAt(position)
      if (length > name.length) break // shortest first: no later prefix fits either
      const start = position + 1
      let matched = 0
      while (matched < length && packed.charCodeAt(start + matched) === name.charCodeAt(matched)) matched++
      if (matched === length) found[count++] = this.#values[index]!
      position = start + length
    }
    return count
  }

  #treeMatchesOf(name: string, found: Value[]): number {
    let node = this.#tree!
    let count = 0
    if (node.value !== undefined) found[count++] = node.value
    let position = 0
    while (position < name.length) {
      const child = node.children?.get(name.charCodeAt(position))
      if (child === undefined || !name.startsWith(child.edge, position)) break
      node = child
      position += child.edge.length
      if (node.value !== undefined) found[count++] = node.value
    }
    return count
  }
}
