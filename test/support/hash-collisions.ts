/**
 * Two different names of one length whose hashes are equal: the indexes find rules by hashed keys,
 * and tests use such pairs to check that a key only ever locates a rule, never decides alone.
 * The hashes have 30 bits, so a pair turns up among some tens of thousands of names.
 */
export function collidingNames(hash: (name: string) => number, prefix: string): [string, string] {
  const seen = new Map<number, string>()
  for (let n = 0; n < 1_000_000; n++) {
    const name = `${prefix}${n.toString(36).padStart(6, '0')}`
    const other = seen.get(hash(name))
    if (other !== undefined) return [other, name]
    seen.set(hash(name), name)
  }
  throw new Error('no two names with one hash among a million')
}
