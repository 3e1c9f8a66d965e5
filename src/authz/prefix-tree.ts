/**
 * @module authz/prefix-tree
 *
 * A radix tree of name prefixes (PREFIXED ACLs, role bindings on `topic=orders-*`): finding every
 * stored prefix of a name is one walk down the name, whatever the number of prefixes stored.
 * A chain of characters that holds no value and does not branch is one node.
 */

export interface PrefixTreeNode<Value> {
  /** The characters from the parent to this node; the parent finds the node by the first one. */
  edge: string
  children: Map<number, PrefixTreeNode<Value>> | undefined
  /** What is stored for the prefix that ends here. */
  value: Value | undefined
}

function newNode<Value>(edge: string): PrefixTreeNode<Value> {
  return { edge, children: undefined, value: undefined }
}

export class PrefixTree<Value> {
  readonly root: PrefixTreeNode<Value> = newNode('')
  #isCompacted = false

  /** The node of `prefix`, created if missing. Only before `compact()`. */
  nodeFor(prefix: string): PrefixTreeNode<Value> {
    if (this.#isCompacted) throw new TypeError('A compacted prefix tree takes no more prefixes.')
    let node = this.root
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
    return node
  }

  /**
   * Merges every chain of valueless, non-branching nodes into one node, and gives each value its
   * final form. Call once, after the last `nodeFor`.
   */
  compact(finish: (value: Value) => Value = (value) => value): void {
    this.#isCompacted = true
    const stack = [this.root]
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      if (node.value !== undefined) node.value = finish(node.value)
      if (node.children === undefined) continue
      for (const [code, child] of node.children) {
        let merged = child
        while (merged.value === undefined && merged.children?.size === 1) {
          const only: PrefixTreeNode<Value> = merged.children.values().next().value!
          only.edge = merged.edge + only.edge
          merged = only
        }
        node.children.set(code, merged)
        stack.push(merged)
      }
    }
  }
}

/**
 * The child of `node` that `name` continues into at `position`, or undefined. Callers walk a name
 * with it (advancing `position` by the child's `edge.length`) and look at each node's value.
 */
export function descend<Value>(
  node: PrefixTreeNode<Value>,
  name: string,
  position: number,
): PrefixTreeNode<Value> | undefined {
  const child = node.children?.get(name.charCodeAt(position))
  return child !== undefined && name.startsWith(child.edge, position) ? child : undefined
}
