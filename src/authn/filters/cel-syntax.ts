/**
 * @module authn/filters/cel-syntax
 *
 * Names for the parts of the syntax tree `@bufbuild/cel` parses into, derived from its `parse`
 * signature so that this module needs no import from the library's protobuf packages.
 */
import type { parse } from '@bufbuild/cel'

export type ParsedExpression = ReturnType<typeof parse>
export type Expression = ParsedExpression['expr']
type Kind<Case extends string> = Extract<Expression['exprKind'], { case: Case }>['value']
export type CallExpression = Kind<'callExpr'>
export type ComprehensionExpression = Kind<'comprehensionExpr'>
export type Constant = Kind<'constExpr'>

/** The name of the macro (`exists`, `all`, `has`, …) an expression was expanded from, if any. */
export function macroNameOf(parsed: ParsedExpression, expression: Expression): string | undefined {
  const call = parsed.sourceInfo?.macroCalls[expression.id.toString()]
  return call?.exprKind.case === 'callExpr' ? call.exprKind.value.function : undefined
}

/** The children of an expression as the user wrote them (a macro's expansion is looked through). */
export function childrenOf(expression: Expression): Expression[] {
  const kind = expression.exprKind
  switch (kind.case) {
    case 'selectExpr':
      return kind.value.operand === undefined ? [] : [kind.value.operand]
    case 'callExpr':
      return [...(kind.value.target === undefined ? [] : [kind.value.target]), ...kind.value.args]
    case 'listExpr':
      return kind.value.elements
    case 'structExpr':
      return kind.value.entries.flatMap((entry) => [
        ...(entry.keyKind.case === 'mapKey' ? [entry.keyKind.value] : []),
        ...(entry.value === undefined ? [] : [entry.value]),
      ])
    case 'comprehensionExpr': {
      const { predicate, transform } = comprehensionBody(kind.value)
      return [kind.value.iterRange, predicate, transform].filter((child) => child !== undefined)
    }
    default:
      return []
  }
}

/**
 * The user-written parts of a macro's expansion: its predicate and, for `map`, its transform. The
 * shapes are those of the CEL specification's macro expansions:
 * `exists`/`all`: `@result || p` / `@result && p`; `exists_one`/`filter`: `p ? … : @result`;
 * `map(x, t)`: `@result + [t]`; `map(x, p, t)`: `p ? @result + [t] : @result`.
 */
export function comprehensionBody(comprehension: ComprehensionExpression): {
  predicate?: Expression
  transform?: Expression
} {
  const step = comprehension.loopStep
  if (step?.exprKind.case !== 'callExpr') return {}
  const call = step.exprKind.value
  const appended = (expression: Expression | undefined) =>
    expression?.exprKind.case === 'callExpr' && expression.exprKind.value.function === '_+_'
      ? listElement(expression.exprKind.value.args[1])
      : undefined
  switch (call.function) {
    case '_||_':
    case '_&&_':
      return { predicate: call.args[1] }
    case '_?_:_': {
      const transform = appended(call.args[1])
      return { predicate: call.args[0], ...(transform === undefined ? {} : { transform }) }
    }
    case '_+_': {
      const transform = listElement(call.args[1])
      return transform === undefined ? {} : { transform }
    }
    default:
      return {}
  }
}

function listElement(expression: Expression | undefined): Expression | undefined {
  return expression?.exprKind.case === 'listExpr' ? expression.exprKind.value.elements[0] : undefined
}
