/**
 * @module authn/filters/type-check
 *
 * A type checker for the part of CEL that filters may use. `@bufbuild/cel` 0.6.1 parses and
 * evaluates all of CEL, but its checker only knows literals and identifiers (and is not exported),
 * so this one runs at create time to turn mistakes into errors that say where they are: unknown
 * variables and functions, wrong argument types, comparisons that can never be true, and
 * conditions that are not booleans.
 *
 * Conditions must be statically boolean: a bare claim such as `claims.email_verified` has type
 * `dyn` (it comes from the token) and is refused where a condition is expected, with a hint to
 * write `claims.email_verified == true`. This keeps "the filter must be a boolean condition" a
 * create-time error instead of a silent no-match on every request.
 */
import {
  comprehensionBody,
  macroNameOf,
  type CallExpression,
  type ComprehensionExpression,
  type Constant,
  type Expression,
  type ParsedExpression,
} from './cel-syntax.ts'
import type { ExpressionSpans } from './expression-spans.ts'
import {
  commonType,
  describeType,
  FilterTypes,
  isAssignable,
  isComparable,
  isNumeric,
  isOrderable,
  type FilterType,
} from './filter-types.ts'

/** A create-time problem, located by the expression it is about. */
export class FilterTypeError extends Error {
  override readonly name = 'FilterTypeError'
  readonly expression: Expression

  constructor(message: string, expression: Expression) {
    super(message)
    this.expression = expression
  }
}

interface Overload {
  readonly target?: FilterType
  readonly args: readonly FilterType[]
  readonly result: FilterType
}

const { bool, int, double, string, bytes, dyn } = FilterTypes
const anyList = FilterTypes.listOf(dyn)
const anyMap: FilterType = { kind: 'map', key: dyn, value: dyn }
const stringTest: Overload[] = [{ target: string, args: [string], result: bool }]
const stringToString: Overload[] = [{ target: string, args: [], result: string }]

/** Methods filters may call, `target.name(args)`. The strings extension provides the string ones. */
const METHODS: ReadonlyMap<string, readonly Overload[]> = new Map<string, Overload[]>([
  ['contains', stringTest],
  ['startsWith', stringTest],
  ['endsWith', stringTest],
  ['matches', stringTest],
  ['lowerAscii', stringToString],
  ['upperAscii', stringToString],
  ['trim', stringToString],
  [
    'split',
    [
      { target: string, args: [string], result: FilterTypes.listOf(string) },
      { target: string, args: [string, int], result: FilterTypes.listOf(string) },
    ],
  ],
  ['size', [string, bytes, anyList, anyMap].map((target) => ({ target, args: [], result: int }))],
])

/** Global functions filters may call, `name(args)`. */
const FUNCTIONS: ReadonlyMap<string, readonly Overload[]> = new Map<string, Overload[]>([
  ['size', [string, bytes, anyList, anyMap].map((argument) => ({ args: [argument], result: int }))],
  ['string', [{ args: [dyn], result: string }]],
  ['int', [{ args: [dyn], result: int }]],
  ['double', [{ args: [dyn], result: double }]],
])

/**
 * Each nested macro multiplies the iterations by a claim's length, and the evaluator has no cost
 * budget: `g.all(a, g.all(b, g.all(c, …)))` over a token's 200 groups would block the event loop.
 */
const MAX_MACRO_NESTING = 2

/** How each macro must be written, for the message when it is not. */
const MACRO_USAGE: Readonly<Record<string, string>> = {
  has: 'with one field selection, e.g. `has(claims.groups)`',
  exists: 'on a list with a variable and a condition, e.g. `claims.scp.exists(s, s == "kafka.write")`',
  all: 'on a list with a variable and a condition, e.g. `claims.scp.all(s, s.startsWith("kafka."))`',
  exists_one: 'on a list with a variable and a condition, e.g. `claims.roles.exists_one(r, r == "admin")`',
  filter: 'on a list with a variable and a condition, e.g. `claims.groups.filter(g, g.startsWith("kafka-"))`',
  map: 'on a list with a variable and an expression, e.g. `claims.scp.map(s, s.lowerAscii())`',
}
const MACROS_RETURNING_BOOL = new Set(['exists', 'all', 'exists_one'])
const SUPPORTED_CALLS = [
  ...new Set([...METHODS.keys(), ...FUNCTIONS.keys(), 'has', 'exists', 'all', 'exists_one', 'filter', 'map']),
].sort()
const ARITHMETIC: Record<string, string> = { '_+_': '+', '_-_': '-', '_*_': '*', '_/_': '/', '_%_': '%' }

export interface TypeCheckOptions {
  /** Declared variables and their types. */
  readonly variables: ReadonlyMap<string, FilterType>
  /** Returns why a regular expression is invalid, or undefined when it compiles. */
  readonly checkPattern: (pattern: string) => string | undefined
}

/**
 * Checks a parsed filter and returns its type. Throws `FilterTypeError` for the first problem,
 * including a result that is not a boolean condition.
 */
export function checkFilter(
  parsed: ParsedExpression,
  spans: ExpressionSpans,
  options: TypeCheckOptions,
): FilterType {
  const checker = new Checker(parsed, spans, options)
  checker.requireCondition(parsed.expr, 'The filter')
  return bool
}

class Checker {
  readonly #parsed: ParsedExpression
  readonly #spans: ExpressionSpans
  readonly #options: TypeCheckOptions
  /** Variables of the enclosing macros (`s` in `claims.scp.exists(s, …)`), innermost last. */
  readonly #scopes: Map<string, FilterType>[] = []

  constructor(parsed: ParsedExpression, spans: ExpressionSpans, options: TypeCheckOptions) {
    this.#parsed = parsed
    this.#spans = spans
    this.#options = options
  }

  /** Checks that `expression` is a boolean condition; `role` names it in the message. */
  requireCondition(expression: Expression, role: string): void {
    const type = this.typeOf(expression)
    if (type.kind === 'bool') return
    const text = this.#quote(expression)
    if (type.kind === 'dyn') {
      throw new FilterTypeError(
        `${role} must be a boolean condition, but ${text} can hold any type (it comes from the input); ` +
          `compare it with a value, for example \`${this.#spans.textOf(expression)} == true\``,
        expression,
      )
    }
    throw new FilterTypeError(
      `${role} must be a boolean condition, but ${text} is of type ${describeType(type)}`,
      expression,
    )
  }

  typeOf(expression: Expression): FilterType {
    const kind = expression.exprKind
    switch (kind.case) {
      case 'constExpr':
        return this.#constantType(kind.value, expression)
      case 'identExpr':
        return this.#variableType(kind.value.name, expression)
      case 'selectExpr': {
        if (kind.value.operand === undefined)
          throw new FilterTypeError('incomplete field selection', expression)
        const operand = this.typeOf(kind.value.operand)
        if (operand.kind !== 'map' && operand.kind !== 'dyn') {
          throw new FilterTypeError(
            `${this.#quote(kind.value.operand)} is of type ${describeType(operand)} and has no field '${kind.value.field}'`,
            expression,
          )
        }
        if (kind.value.testOnly) return bool
        return operand.kind === 'map' ? operand.value : dyn
      }
      case 'listExpr':
        return FilterTypes.listOf(commonType(kind.value.elements.map((element) => this.typeOf(element))))
      case 'callExpr':
        return this.#callType(kind.value, expression)
      case 'comprehensionExpr':
        return this.#macroType(kind.value, expression)
      case 'structExpr':
        throw new FilterTypeError(
          `map and message literals are not supported in filters: ${this.#quote(expression)}`,
          expression,
        )
      default:
        throw new FilterTypeError('unsupported expression', expression)
    }
  }

  #constantType(constant: Constant, expression: Expression): FilterType {
    switch (constant.constantKind.case) {
      case 'boolValue':
        return bool
      case 'int64Value':
        return int
      case 'uint64Value':
        return FilterTypes.uint
      case 'doubleValue':
        return double
      case 'stringValue':
        return string
      case 'bytesValue':
        return bytes
      case 'nullValue':
        return FilterTypes.null
      default:
        throw new FilterTypeError(`unsupported literal ${this.#quote(expression)}`, expression)
    }
  }

  #variableType(name: string, expression: Expression): FilterType {
    for (let index = this.#scopes.length - 1; index >= 0; index -= 1) {
      const type = this.#scopes[index]!.get(name)
      if (type !== undefined) return type
    }
    const type = this.#options.variables.get(name)
    if (type !== undefined) return type
    const known = [...this.#options.variables.keys()].join(', ')
    throw new FilterTypeError(`unknown variable '${name}'; filters can use: ${known}`, expression)
  }

  #callType(call: CallExpression, expression: Expression): FilterType {
    const [first, second, third] = call.args
    switch (call.function) {
      case '_&&_':
      case '_||_':
        for (const operand of call.args)
          this.requireCondition(operand, `Each side of ${call.function === '_&&_' ? '&&' : '||'}`)
        return bool
      case '!_':
        this.requireCondition(first!, 'The operand of !')
        return bool
      case '_?_:_':
        this.requireCondition(first!, 'The condition of ?:')
        return commonType([this.typeOf(second!), this.typeOf(third!)])
      case '_==_':
      case '_!=_':
        this.#requirePair(first!, second!, isComparable, 'compare', expression)
        return bool
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_':
        this.#requirePair(first!, second!, isOrderable, 'order', expression)
        return bool
      case '@in':
        return this.#inType(first!, second!, expression)
      case '_[_]':
        return this.#indexType(first!, second!, expression)
      case '-_': {
        const type = this.typeOf(first!)
        if (isNumeric(type) || type.kind === 'dyn') return type
        throw new FilterTypeError(
          `cannot negate ${this.#quote(first!)} of type ${describeType(type)}`,
          expression,
        )
      }
    }
    const operator = ARITHMETIC[call.function]
    if (operator !== undefined) {
      throw new FilterTypeError(
        `arithmetic (${operator}) is not supported in filters: ${this.#quote(expression)}`,
        expression,
      )
    }
    return this.#functionType(call, expression)
  }

  #requirePair(
    left: Expression,
    right: Expression,
    isAllowed: (left: FilterType, right: FilterType) => boolean,
    verb: string,
    expression: Expression,
  ): void {
    const leftType = this.typeOf(left)
    const rightType = this.typeOf(right)
    if (isAllowed(leftType, rightType)) return
    throw new FilterTypeError(
      `cannot ${verb} ${describeType(leftType)} with ${describeType(rightType)} in ${this.#quote(expression)}`,
      expression,
    )
  }

  #inType(element: Expression, container: Expression, expression: Expression): FilterType {
    const elementType = this.typeOf(element)
    const containerType = this.typeOf(container)
    const candidate =
      containerType.kind === 'list'
        ? containerType.element
        : containerType.kind === 'map'
          ? containerType.key
          : undefined
    if (containerType.kind === 'dyn') return bool
    if (candidate === undefined) {
      const hint = containerType.kind === 'string' ? '; to look for a substring use contains()' : ''
      throw new FilterTypeError(
        `'in' needs a list or a map on its right, but ${this.#quote(container)} is of type ${describeType(containerType)}${hint}`,
        expression,
      )
    }
    if (!isComparable(elementType, candidate)) {
      throw new FilterTypeError(
        `${this.#quote(element)} of type ${describeType(elementType)} can never be in ${describeType(containerType)}`,
        expression,
      )
    }
    return bool
  }

  #indexType(container: Expression, index: Expression, expression: Expression): FilterType {
    const containerType = this.typeOf(container)
    const indexType = this.typeOf(index)
    if (containerType.kind === 'dyn') return dyn
    if (containerType.kind === 'list' && isAssignable(int, indexType)) return containerType.element
    if (containerType.kind === 'map' && isComparable(containerType.key, indexType)) return containerType.value
    throw new FilterTypeError(
      `cannot index ${describeType(containerType)} with ${describeType(indexType)} in ${this.#quote(expression)}`,
      expression,
    )
  }

  #functionType(call: CallExpression, expression: Expression): FilterType {
    const isMethod = call.target !== undefined
    const overloads = (isMethod ? METHODS : FUNCTIONS).get(call.function)
    if (overloads === undefined && MACRO_USAGE[call.function] !== undefined) {
      // The parser only expands a macro called in its exact shape; any other call lands here.
      throw new FilterTypeError(
        `${call.function}() is written ${MACRO_USAGE[call.function]}, but here it is ${this.#quote(expression)}`,
        expression,
      )
    }
    if (overloads === undefined) {
      const form = isMethod ? `method '.${call.function}()'` : `function '${call.function}()'`
      const hint = (isMethod ? FUNCTIONS : METHODS).has(call.function)
        ? `; write it as ${isMethod ? `${call.function}(x)` : `x.${call.function}()`}`
        : `; filters can call: ${SUPPORTED_CALLS.join(', ')}`
      throw new FilterTypeError(`unknown ${form} in ${this.#quote(expression)}${hint}`, expression)
    }
    const targetType = call.target === undefined ? undefined : this.typeOf(call.target)
    const argumentTypes = call.args.map((argument) => this.typeOf(argument))
    const matching = overloads.filter(
      (overload) =>
        overload.args.length === argumentTypes.length &&
        (overload.target === undefined ||
          targetType === undefined ||
          isAssignable(overload.target, targetType)) &&
        overload.args.every((parameter, index) => isAssignable(parameter, argumentTypes[index]!)),
    )
    if (matching.length === 0) {
      const render = (target: FilterType | undefined, args: readonly FilterType[]) =>
        `${target === undefined ? '' : `${describeType(target)}.`}${call.function}(${args.map(describeType).join(', ')})`
      throw new FilterTypeError(
        `no form of '${call.function}' takes ${render(targetType, argumentTypes)} in ${this.#quote(expression)}; ` +
          `it takes ${overloads.map((overload) => render(overload.target, overload.args)).join(' or ')}`,
        expression,
      )
    }
    if (call.function === 'matches') this.#checkLiteralPattern(call.args.at(-1)!)
    return commonType(matching.map((overload) => overload.result))
  }

  /** A constant regular expression is compiled now, so a typo is a create-time error. */
  #checkLiteralPattern(pattern: Expression): void {
    const kind = pattern.exprKind
    if (kind.case !== 'constExpr' || kind.value.constantKind.case !== 'stringValue') return
    const problem = this.#options.checkPattern(kind.value.constantKind.value)
    if (problem !== undefined) {
      throw new FilterTypeError(`invalid regular expression ${this.#quote(pattern)}: ${problem}`, pattern)
    }
  }

  #macroType(comprehension: ComprehensionExpression, expression: Expression): FilterType {
    const macro = macroNameOf(this.#parsed, expression) ?? 'comprehension'
    if (comprehension.iterVar2 !== '') {
      throw new FilterTypeError(`${macro}() with two variables is not supported in filters`, expression)
    }
    if (comprehension.iterRange === undefined) throw new FilterTypeError(`incomplete ${macro}()`, expression)
    const rangeType = this.typeOf(comprehension.iterRange)
    const elementType =
      rangeType.kind === 'list'
        ? rangeType.element
        : rangeType.kind === 'map'
          ? rangeType.key
          : rangeType.kind === 'dyn'
            ? dyn
            : undefined
    if (elementType === undefined) {
      throw new FilterTypeError(
        `${macro}() needs a list or a map, but ${this.#quote(comprehension.iterRange)} is of type ${describeType(rangeType)}`,
        expression,
      )
    }
    if (this.#scopes.length >= MAX_MACRO_NESTING) {
      throw new FilterTypeError(
        `macros nest at most ${MAX_MACRO_NESTING} deep in filters (each level multiplies the work done on every request): ${this.#quote(expression)}`,
        expression,
      )
    }
    const { predicate, transform } = comprehensionBody(comprehension)
    this.#scopes.push(new Map([[comprehension.iterVar, elementType]]))
    try {
      if (predicate !== undefined) this.requireCondition(predicate, `The condition of ${macro}()`)
      if (MACROS_RETURNING_BOOL.has(macro)) return bool
      if (macro === 'filter') return FilterTypes.listOf(elementType)
      if (macro === 'map' && transform !== undefined) return FilterTypes.listOf(this.typeOf(transform))
      throw new FilterTypeError(`unsupported macro ${macro}()`, expression)
    } finally {
      this.#scopes.pop()
    }
  }

  #quote(expression: Expression): string {
    const text = this.#spans.textOf(expression).replace(/\s+/g, ' ')
    return `\`${text.length > 60 ? `${text.slice(0, 59)}…` : text}\``
  }
}
