/**
 * @module authn/filters/expression-spans
 *
 * The source text each expression of a parsed filter came from (see source-text.ts for why this
 * is rebuilt rather than read from the parser).
 */
import { childrenOf, type Expression, type ParsedExpression } from './cel-syntax.ts'
import {
  balanceParentheses,
  endOfBracket,
  endOfCallAfter,
  endOfToken,
  skipBlank,
  type SourceSpan,
} from './source-text.ts'

/** Operators whose recorded offset is not where their text starts; their span is their operands'. */
const OPERATORS_WITHOUT_OWN_START = new Set(['_&&_', '_||_', '_?_:_'])

/** Spans of one parsed filter's expressions, computed on demand and remembered. */
export class ExpressionSpans {
  readonly #source: string
  readonly #positions: Record<string, number>
  readonly #spans = new Map<bigint, SourceSpan>()

  constructor(source: string, parsed: ParsedExpression) {
    this.#source = source
    this.#positions = parsed.sourceInfo?.positions ?? {}
  }

  /** The source text of an expression, exactly as written (parentheses it needs included). */
  textOf(expression: Expression): string {
    const span = this.spanOf(expression)
    return this.#source.slice(span.start, span.end)
  }

  /** Where an expression's text starts and ends in the source. */
  spanOf(expression: Expression): SourceSpan {
    const known = this.#spans.get(expression.id)
    if (known !== undefined) return known
    const span = balanceParentheses(this.#source, this.#computeSpan(expression))
    this.#spans.set(expression.id, span)
    return span
  }

  #computeSpan(expression: Expression): SourceSpan {
    const source = this.#source
    const children = childrenOf(expression).map((child) => this.spanOf(child))
    const childrenStart = Math.min(...children.map((span) => span.start))
    const childrenEnd = Math.max(-1, ...children.map((span) => span.end))
    // Operators are recorded at the blank before them (` !x`, ` == `).
    const own = skipBlank(source, this.#positions[expression.id.toString()] ?? childrenStart)
    const kind = expression.exprKind
    switch (kind.case) {
      case 'constExpr':
      case 'identExpr':
        return { start: own, end: endOfToken(source, own) }
      case 'selectExpr':
        if (kind.value.testOnly) {
          // has(x.f): the recorded offset is that of `has`.
          return { start: own, end: endOfCallAfter(source, own) }
        }
        return { start: Math.min(own, childrenStart), end: endOfToken(source, skipBlank(source, own + 1)) }
      case 'listExpr':
      case 'structExpr':
        return { start: own, end: endOfBracket(source, own) }
      case 'comprehensionExpr':
        // A macro call `range.exists(x, p)`: its offset is the `.` before the macro's name.
        return {
          start: Math.min(own, childrenStart),
          end: Math.max(childrenEnd, endOfCallAfter(source, own)),
        }
      case 'callExpr': {
        const call = kind.value
        if (OPERATORS_WITHOUT_OWN_START.has(call.function)) return { start: childrenStart, end: childrenEnd }
        if (call.function === '_[_]') {
          const open = skipBlank(source, children[0]?.end ?? own)
          return {
            start: childrenStart,
            end: source[open] === '[' ? endOfBracket(source, open) : childrenEnd,
          }
        }
        if (call.target !== undefined) {
          return { start: childrenStart, end: Math.max(childrenEnd, endOfCallAfter(source, own)) }
        }
        if (/^[_@!-]/.test(call.function)) {
          // Operators: unary ones start at their own sign, binary ones at their left operand.
          return { start: Math.min(own, childrenStart), end: childrenEnd }
        }
        return { start: own, end: Math.max(childrenEnd, endOfCallAfter(source, own)) }
      }
      default:
        return { start: own, end: Math.max(own + 1, childrenEnd) }
    }
  }
}
