/**
 * @module authn/filters/filter-types
 *
 * The static types a filter's variables and expressions can have, in our own terms so that callers
 * (identity pools now, certificate pools later) never see the CEL library's types. `dyn` is a value
 * whose type is known only at evaluation time, such as a JWT claim.
 */

export type FilterScalarKind = 'bool' | 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'null' | 'dyn'

export type FilterType =
  | { readonly kind: FilterScalarKind }
  | { readonly kind: 'list'; readonly element: FilterType }
  | { readonly kind: 'map'; readonly key: FilterType; readonly value: FilterType }

/** Ready-made types for declaring filter variables. */
export const FilterTypes = {
  bool: { kind: 'bool' },
  int: { kind: 'int' },
  uint: { kind: 'uint' },
  double: { kind: 'double' },
  string: { kind: 'string' },
  bytes: { kind: 'bytes' },
  null: { kind: 'null' },
  dyn: { kind: 'dyn' },
  listOf: (element: FilterType): FilterType => ({ kind: 'list', element }),
  /** A map with string keys, like a JSON object. */
  mapOf: (value: FilterType): FilterType => ({ kind: 'map', key: { kind: 'string' }, value }),
} as const satisfies Record<string, FilterType | ((type: FilterType) => FilterType)>

/** Renders a type the way CEL writes it, for error messages: `list(string)`, `map(string, dyn)`. */
export function describeType(type: FilterType): string {
  switch (type.kind) {
    case 'list':
      return `list(${describeType(type.element)})`
    case 'map':
      return `map(${describeType(type.key)}, ${describeType(type.value)})`
    default:
      return type.kind
  }
}

/** int, uint or double: the kinds CEL compares with each other by value. */
export function isNumeric(type: FilterType): boolean {
  return type.kind === 'int' || type.kind === 'uint' || type.kind === 'double'
}

/**
 * True when a value of type `actual` may be passed where `expected` is wanted. `dyn` on either side
 * defers the question to evaluation time, as CEL's checker does.
 */
export function isAssignable(expected: FilterType, actual: FilterType): boolean {
  if (expected.kind === 'dyn' || actual.kind === 'dyn') return true
  if (expected.kind === 'list' && actual.kind === 'list')
    return isAssignable(expected.element, actual.element)
  if (expected.kind === 'map' && actual.kind === 'map') {
    return isAssignable(expected.key, actual.key) && isAssignable(expected.value, actual.value)
  }
  return expected.kind === actual.kind
}

/**
 * True when `==` between the two types can ever be true. CEL compares numbers across int, uint and
 * double at evaluation time (`1 == 1.0`), so numeric kinds are comparable with each other.
 */
export function isComparable(left: FilterType, right: FilterType): boolean {
  if (isNumeric(left) && isNumeric(right)) return true
  if (left.kind === 'list' && right.kind === 'list') return isComparable(left.element, right.element)
  if (left.kind === 'map' && right.kind === 'map') {
    return isComparable(left.key, right.key) && isComparable(left.value, right.value)
  }
  return isAssignable(left, right)
}

/** True when `<`, `<=`, `>`, `>=` are defined between the two types. */
export function isOrderable(left: FilterType, right: FilterType): boolean {
  const orderable = (type: FilterType) =>
    isNumeric(type) || ['string', 'bytes', 'bool', 'dyn'].includes(type.kind)
  if (!orderable(left) || !orderable(right)) return false
  if (left.kind === 'dyn' || right.kind === 'dyn') return true
  return (isNumeric(left) && isNumeric(right)) || left.kind === right.kind
}

/** The one type both are, or `dyn` when they differ (list literals of mixed elements, ternaries). */
export function commonType(types: readonly FilterType[]): FilterType {
  const [first, ...rest] = types
  if (first === undefined) return FilterTypes.dyn
  return rest.every((type) => isSameType(first, type)) ? first : FilterTypes.dyn
}

function isSameType(left: FilterType, right: FilterType): boolean {
  if (left.kind === 'list' && right.kind === 'list') return isSameType(left.element, right.element)
  if (left.kind === 'map' && right.kind === 'map') {
    return isSameType(left.key, right.key) && isSameType(left.value, right.value)
  }
  return left.kind === right.kind
}
