/**
 * @module authn/filters/source-text
 *
 * Finds where things are in a filter's source: line and column of an offset, and the span of text
 * an expression came from. The CEL parser records one offset per expression node (the start of an
 * identifier or literal, the `.` of a field or method, the `[` of an index) but no end, and the
 * offsets it gives `&&`, `||` and `?:` nodes are not reliable. So spans are rebuilt here from the
 * children's spans plus a small lexer that knows CEL's literals, which is enough to quote a
 * sub-condition back to an admin exactly as they wrote it.
 */

/** Where something is in the source: 0-based `offset`, 1-based `line` and `column`. */
export interface SourcePosition {
  readonly offset: number
  readonly line: number
  readonly column: number
}

export interface SourceSpan {
  readonly start: number
  readonly end: number
}

/** Line and column (1-based, in UTF-16 units like the parser's offsets) of an offset. */
export function positionAt(source: string, offset: number): SourcePosition {
  const clamped = Math.max(0, Math.min(offset, source.length))
  const before = source.slice(0, clamped)
  const lineStart = before.lastIndexOf('\n') + 1
  return { offset: clamped, line: before.split('\n').length, column: clamped - lineStart + 1 }
}

const IDENTIFIER = /[_a-zA-Z][_a-zA-Z0-9]*/y
const NUMBER = /-?\s*(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)[uU]?/y
const STRING_PREFIX = /[rRbB]{0,2}(?=['"])/y

/** Offset just past a string literal starting at `offset` (prefixes `r`, `b`, triple quotes). */
function endOfString(source: string, offset: number): number | undefined {
  STRING_PREFIX.lastIndex = offset
  const prefix = STRING_PREFIX.exec(source)
  if (prefix === null) return undefined
  const isRaw = /[rR]/.test(prefix[0])
  let index = offset + prefix[0].length
  const quote = source[index]!
  const isTriple = source.startsWith(quote.repeat(3), index)
  const closing = isTriple ? quote.repeat(3) : quote
  index += closing.length
  while (index < source.length) {
    if (!isRaw && source[index] === '\\') {
      index += 2
      continue
    }
    if (source.startsWith(closing, index)) return index + closing.length
    if (!isTriple && source[index] === '\n') return index
    index += 1
  }
  return source.length
}

/** Offset just past the token (literal, identifier or single character) that starts at `offset`. */
export function endOfToken(source: string, offset: number): number {
  const stringEnd = endOfString(source, offset)
  if (stringEnd !== undefined) return stringEnd
  for (const pattern of [NUMBER, IDENTIFIER]) {
    pattern.lastIndex = offset
    if (pattern.exec(source) !== null) return pattern.lastIndex
  }
  return Math.min(offset + 1, source.length)
}

/** Skips whitespace and `//` comments. */
export function skipBlank(source: string, offset: number): number {
  let index = offset
  while (index < source.length) {
    if (/\s/.test(source[index]!)) index += 1
    else if (source.startsWith('//', index)) {
      const newline = source.indexOf('\n', index)
      index = newline === -1 ? source.length : newline + 1
    } else break
  }
  return index
}

const CLOSING: Record<string, string> = { '(': ')', '[': ']', '{': '}' }

/**
 * Offset just past the bracket that closes the one at `open` (`(`, `[` or `{`), skipping string
 * literals; the end of the source when it is never closed.
 */
export function endOfBracket(source: string, open: number): number {
  const stack: string[] = []
  let index = open
  while (index < source.length) {
    const char = source[index]!
    if (char === '"' || char === "'") {
      index = endOfString(source, index) ?? index + 1
      continue
    }
    const closing = CLOSING[char]
    if (closing !== undefined) stack.push(closing)
    else if (char === stack.at(-1)) {
      stack.pop()
      if (stack.length === 0) return index + 1
    }
    index += 1
  }
  return source.length
}

/** From a `.` (of a method or macro) or a function name: the end of its `( … )` argument list. */
export function endOfCallAfter(source: string, offset: number): number {
  let index = skipBlank(source, offset)
  if (source[index] === '.') index = skipBlank(source, index + 1)
  index = skipBlank(source, endOfToken(source, index))
  return source[index] === '(' ? endOfBracket(source, index) : index
}

/**
 * Grows a span over the parentheses its own text opened or closed, e.g. `!(a && b` → `!(a && b)`
 * and `a || b)` → `(a || b)`, so that quoted sub-conditions read as written.
 */
export function balanceParentheses(source: string, span: SourceSpan): SourceSpan {
  let depth = 0
  let lowest = 0
  let index = span.start
  while (index < span.end) {
    const char = source[index]!
    if (char === '"' || char === "'") {
      index = endOfString(source, index) ?? index + 1
      continue
    }
    if (char === '(') depth += 1
    else if (char === ')') lowest = Math.min(lowest, (depth -= 1))
    index += 1
  }
  let start = span.start
  for (let missing = -lowest; missing > 0; missing -= 1) {
    let previous = start - 1
    while (previous >= 0 && /\s/.test(source[previous]!)) previous -= 1
    if (source[previous] !== '(') break
    start = previous
  }
  let end = span.end
  for (let open = depth - lowest; open > 0; open -= 1) {
    const next = skipBlank(source, end)
    if (source[next] !== ')') break
    end = next + 1
  }
  return { start, end }
}

/** A short, one-line quote of the source around a span, for error messages. */
export function snippetOf(source: string, span: SourceSpan, maxLength = 60): string {
  const text = source.slice(span.start, Math.max(span.end, span.start + 1)).replace(/\s+/g, ' ')
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text
}
