/**
 * @module authn/filters/compile-filter
 *
 * Identity-pool filters: a CEL condition compiled once when a pool is created or changed, then
 * evaluated on every request. The variables are declared by the caller, so OAuth pools use
 * `claims` and certificate pools can declare certificate attributes with the same compiler.
 *
 * Contract, for docs/compatibility.md:
 * - At most 300 characters (code points). An empty or blank filter is valid and never matches.
 * - The filter must be a boolean condition; a bare claim (`claims.email_verified`) is refused at
 *   create time because its type is only known per token (see type-check.ts).
 * - Evaluation fails closed: an error (a missing claim read without `has()`, a claim of an
 *   unexpected type) makes the filter not match, and `explain` reports the error.
 */
import { celEnv, isCelError, parse, plan, type CelEnv, type CelInput } from '@bufbuild/cel'
import { strings } from '@bufbuild/cel/ext'
import { RE2JS } from '@bufbuild/re2'
import type { Expression, ParsedExpression } from './cel-syntax.ts'
import { ExpressionSpans } from './expression-spans.ts'
import { bindingsOf, type FilterInput } from './filter-input.ts'
import { FilterTypes, type FilterType } from './filter-types.ts'
import { positionAt, snippetOf, type SourcePosition } from './source-text.ts'
import { checkFilter, FilterTypeError } from './type-check.ts'

/** Longest filter accepted, as in the identity-pool API (`filter` maxLength 300). */
export const MAX_FILTER_LENGTH = 300

export interface FilterCompilerOptions {
  /** The variables a filter may use and their types, e.g. `{ claims: FilterTypes.mapOf(FilterTypes.dyn) }`. */
  readonly variables: Readonly<Record<string, FilterType>>
  /** Defaults to `MAX_FILTER_LENGTH`. */
  readonly maxLength?: number
}

/** Why a filter was refused; `message` is meant for the API caller (HTTP 400 `invalid_filter`). */
export interface InvalidFilter {
  readonly reason: 'too_long' | 'syntax' | 'type'
  /** The problem and where it is, e.g. "unknown variable 'claim' … (line 1, column 1)". */
  readonly message: string
  readonly position?: SourcePosition
  /** The source text at `position`, on one line. */
  readonly snippet?: string
}

export type FilterCompileResult =
  | { readonly ok: true; readonly filter: CompiledFilter }
  | { readonly ok: false; readonly error: InvalidFilter }

/** One `&&`/`||` group or one condition of a filter, with its result for one input. */
export type ExplainedCondition =
  | {
      readonly kind: 'and' | 'or'
      readonly text: string
      readonly position: SourcePosition
      readonly result: boolean | 'error'
      readonly conditions: readonly ExplainedCondition[]
    }
  | {
      readonly kind: 'condition'
      readonly text: string
      readonly position: SourcePosition
      readonly result: boolean | 'error'
      /** Why it could not be evaluated; set when `result` is `'error'`. */
      readonly error?: string
    }

export interface FilterExplanation {
  /** The same answer `matches` gives. */
  readonly matched: boolean
  /** The filter's `&&`/`||` tree down to its conditions (a filter without them is one condition). */
  readonly condition: ExplainedCondition
}

export interface CompiledFilter {
  readonly source: string
  /** True when the filter holds for the input; false when it does not or cannot be evaluated. Never throws. */
  matches(input: FilterInput): boolean
  /** Like `matches`, with each sub-condition's result and error: the "filter dry run". Never throws. */
  explain(input: FilterInput): FilterExplanation
}

export interface FilterCompiler {
  readonly variables: Readonly<Record<string, FilterType>>
  /**
   * Parses and checks `source`. A bad filter is `{ ok: false, error }`, never an exception (checked
   * with ~20,000 generated filters); only a bug in this module would throw.
   */
  compile(source: string): FilterCompileResult
}

type Bindings = Readonly<Record<string, CelInput>>
type Evaluation = (bindings: Bindings) => unknown

/**
 * Creates a compiler for filters over the given variables. Build it once (it holds the evaluation
 * environment) and compile each filter with it. Throws `TypeError` for a bad declaration.
 */
export function createFilterCompiler(options: FilterCompilerOptions): FilterCompiler {
  const names = Object.keys(options.variables)
  if (names.length === 0) throw new TypeError('A filter compiler needs at least one variable.')
  for (const name of names) {
    if (!/^[_a-zA-Z][_a-zA-Z0-9]*$/.test(name))
      throw new TypeError(`Filter variable '${name}' is not a CEL identifier.`)
  }
  const maxLength = options.maxLength ?? MAX_FILTER_LENGTH
  if (!Number.isInteger(maxLength) || maxLength < 1)
    throw new TypeError('maxLength must be a positive integer.')
  const variables = new Map(Object.entries(options.variables))
  const env = celEnv({ funcs: strings, re2: { compile: createPatternCache() } })
  const checkPattern = (pattern: string) => {
    try {
      RE2JS.compile(pattern)
      return undefined
    } catch (error) {
      return error instanceof Error ? error.message : String(error)
    }
  }

  return {
    variables: options.variables,
    compile(source: string): FilterCompileResult {
      const length = [...source].length
      if (length > maxLength) {
        const position = positionAt(source, [...source].slice(0, maxLength).join('').length)
        return refuse(
          'too_long',
          `The filter is ${length} characters long; at most ${maxLength} are allowed.`,
          position,
        )
      }
      if (source.trim() === '') return { ok: true, filter: new NeverMatchingFilter(source) }
      let parsed: ParsedExpression
      try {
        parsed = parse(source)
      } catch (error) {
        return syntaxError(source, error)
      }
      const spans = new ExpressionSpans(source, parsed)
      try {
        checkFilter(parsed, spans, { variables, checkPattern })
      } catch (error) {
        if (!(error instanceof FilterTypeError)) throw error
        // The position is where the offending expression starts; the snippet is all of it.
        const span = spans.spanOf(error.expression)
        const position = positionAt(source, span.start)
        return refuse(
          'type',
          `${error.message} (line ${position.line}, column ${position.column})`,
          position,
          snippetOf(source, span),
        )
      }
      return { ok: true, filter: new CelFilter(source, parsed, spans, env) }
    },
  }
}

/** The compiler for OAuth identity pools: one variable, `claims`, the token's payload. */
export const claimsFilterCompiler: FilterCompiler = createFilterCompiler({
  variables: { claims: FilterTypes.mapOf(FilterTypes.dyn) },
})

function refuse(
  reason: InvalidFilter['reason'],
  message: string,
  position?: SourcePosition,
  snippet?: string,
): FilterCompileResult {
  return {
    ok: false,
    error: {
      reason,
      message,
      ...(position === undefined ? {} : { position }),
      ...(snippet === undefined ? {} : { snippet }),
    },
  }
}

function syntaxError(source: string, error: unknown): FilterCompileResult {
  const location = (error as { location?: { start?: { offset?: unknown } } } | null)?.location?.start?.offset
  const offset = typeof location === 'number' ? location : 0
  const position = positionAt(source, offset)
  const snippet = snippetOf(source, { start: offset, end: Math.min(source.length, offset + 20) })
  const rest = source.slice(offset)
  const hint = /^=[^=]/.test(rest)
    ? '; compare with == (a single = is not an operator)'
    : /^(and|or)\b/i.test(rest)
      ? '; use && and || to combine conditions'
      : /^\s*(&&|\|\||[=!<>]=?|in)?\s*$/.test(rest)
        ? '; the filter ends too early'
        : ''
  return refuse(
    'syntax',
    `Syntax error at line ${position.line}, column ${position.column}, near \`${snippet}\`${hint}`,
    position,
    snippet,
  )
}

/** Regular expressions compiled once per pattern; bounded because patterns may come from input. */
function createPatternCache(maxPatterns = 1_000): (pattern: string) => { test(text: string): boolean } {
  const compiled = new Map<string, RE2JS>()
  return (pattern) => {
    let regex = compiled.get(pattern)
    if (regex === undefined) {
      regex = RE2JS.compile(pattern)
      if (compiled.size >= maxPatterns) compiled.clear()
      compiled.set(pattern, regex)
    }
    return regex
  }
}

class NeverMatchingFilter implements CompiledFilter {
  readonly source: string

  constructor(source: string) {
    this.source = source
  }

  matches(): boolean {
    return false
  }

  explain(): FilterExplanation {
    return {
      matched: false,
      condition: { kind: 'condition', text: '', position: positionAt(this.source, 0), result: false },
    }
  }
}

type ConditionTree =
  | {
      readonly kind: 'and' | 'or'
      readonly expression: Expression
      readonly conditions: readonly ConditionTree[]
    }
  | { readonly kind: 'condition'; readonly expression: Expression; evaluate?: Evaluation }

class CelFilter implements CompiledFilter {
  readonly source: string
  readonly #evaluate: Evaluation
  readonly #spans: ExpressionSpans
  readonly #env: CelEnv
  readonly #tree: ConditionTree

  constructor(source: string, parsed: ParsedExpression, spans: ExpressionSpans, env: CelEnv) {
    this.source = source
    this.#spans = spans
    this.#env = env
    this.#evaluate = plan(env, parsed)
    this.#tree = splitConditions(parsed.expr)
  }

  matches(input: FilterInput): boolean {
    return withoutStackTraces(() => {
      try {
        return this.#evaluate(bindingsOf(input)) === true
      } catch {
        return false
      }
    })
  }

  explain(input: FilterInput): FilterExplanation {
    const bindings = bindingsOf(input)
    const condition = withoutStackTraces(() => this.#explainTree(this.#tree, bindings))
    return { matched: this.matches(input), condition }
  }

  #explainTree(tree: ConditionTree, bindings: Bindings): ExplainedCondition {
    const text = this.#spans.textOf(tree.expression)
    const position = positionAt(this.source, this.#spans.spanOf(tree.expression).start)
    if (tree.kind !== 'condition') {
      const conditions = tree.conditions.map((condition) => this.#explainTree(condition, bindings))
      return { kind: tree.kind, text, position, result: combine(tree.kind, conditions), conditions }
    }
    // Sub-conditions are planned on first explain only: most filters are never explained.
    const evaluate = (tree.evaluate ??= plan(this.#env, tree.expression))
    let value: unknown
    try {
      value = evaluate(bindings)
    } catch (error) {
      value = error
    }
    if (typeof value === 'boolean') return { kind: 'condition', text, position, result: value }
    const error =
      isCelError(value) || value instanceof Error
        ? value.message
        : `evaluated to ${String(value)}, not a boolean`
    return { kind: 'condition', text, position, result: 'error', error }
  }
}

/**
 * Runs a synchronous evaluation with stack capture off. The library makes every evaluation error an
 * `Error`, and a token without a claim the filter reads is one; capturing the stack made that
 * (common, with auto pool mapping) case ~18 times slower than a match: ~21 µs against ~1.2 µs,
 * measured A/B in one process. Nobody reads those stacks, and nothing else runs before the limit
 * is restored.
 */
function withoutStackTraces<T>(evaluate: () => T): T {
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return evaluate()
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
}

/** CEL's `&&` and `||`: false (true) wins over an error, which wins over true (false). */
function combine(kind: 'and' | 'or', conditions: readonly ExplainedCondition[]): boolean | 'error' {
  const decisive = kind === 'or'
  if (conditions.some((condition) => condition.result === decisive)) return decisive
  if (conditions.some((condition) => condition.result === 'error')) return 'error'
  return !decisive
}

/** The top-level `&&`/`||` tree; chains of one operator (`a && b && c`) become one group. */
function splitConditions(expression: Expression): ConditionTree {
  const kind = logicalKind(expression)
  if (kind === undefined) return { kind: 'condition', expression }
  const operands: Expression[] = []
  const collect = (node: Expression) => {
    if (logicalKind(node) === kind && node.exprKind.case === 'callExpr')
      node.exprKind.value.args.forEach(collect)
    else operands.push(node)
  }
  collect(expression)
  return { kind, expression, conditions: operands.map(splitConditions) }
}

function logicalKind(expression: Expression): 'and' | 'or' | undefined {
  if (expression.exprKind.case !== 'callExpr') return undefined
  const name = expression.exprKind.value.function
  return name === '_&&_' ? 'and' : name === '_||_' ? 'or' : undefined
}
