/**
 * @module cli/output
 *
 * How a command's result is printed: for people, aligned tables for lists and key/value lines for
 * one object; for programs, the API's own JSON (or YAML) unchanged, so that `--output json` can be
 * piped into `jq` and carries every field.
 */
import { stringify as toYaml } from 'yaml'
import { isJsonObject, type Json } from './api-client.ts'

export const OUTPUT_FORMATS = ['human', 'json', 'yaml'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

/** One column of a human table: its heading and where its value is in an item (dotted path). */
export interface Column {
  readonly heading: string
  readonly path: string
}

export type CommandResult =
  | { readonly kind: 'list'; readonly items: readonly Json[]; readonly columns: readonly Column[] }
  | { readonly kind: 'object'; readonly value: Json; readonly fields?: readonly Column[] | undefined }
  /** A sentence for people; programs get `value` (or `{"message": text}`). */
  | { readonly kind: 'message'; readonly text: string; readonly value?: Json | undefined }
  /** The command printed what it had to already (e.g. produce's reports). */
  | { readonly kind: 'none' }

/** The value at a dotted path (`spec.owner.id`), or undefined. */
export function valueAt(item: Json | undefined, path: string): Json | undefined {
  let current: Json | undefined = item
  for (const part of path.split('.')) {
    if (!isJsonObject(current)) return undefined
    current = current[part]
  }
  return current
}

function cell(value: Json | undefined): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

export function renderTable(items: readonly Json[], columns: readonly Column[]): string {
  const rows = items.map((item) =>
    columns.map((column) => cell(valueAt(item, column.path)).replace(/\s+/g, ' ')),
  )
  const widths = columns.map((column, index) =>
    Math.max(column.heading.length, ...rows.map((row) => row[index]!.length)),
  )
  const line = (cells: readonly string[]) =>
    cells
      .map((text, index) => (index === cells.length - 1 ? text : text.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd()
  const heading = line(columns.map((column) => column.heading))
  const rule = line(widths.map((width) => '-'.repeat(width)))
  return [heading, rule, ...rows.map(line)].join('\n') + '\n'
}

/** Every leaf of an object as `dotted.path: value`, in order. */
function flatten(value: Json, prefix = ''): [string, string][] {
  if (isJsonObject(value)) {
    return Object.entries(value).flatMap(([key, child]) => flatten(child, prefix ? `${prefix}.${key}` : key))
  }
  if (Array.isArray(value) && value.some((entry) => isJsonObject(entry) || Array.isArray(entry))) {
    return value.flatMap((entry, index) => flatten(entry, `${prefix}[${index}]`))
  }
  return [[prefix, Array.isArray(value) ? value.map((entry) => cell(entry)).join(', ') : cell(value)]]
}

export function renderObject(value: Json, fields?: readonly Column[]): string {
  const pairs: [string, string][] = fields
    ? fields.map((field) => [field.heading, cell(valueAt(value, field.path))])
    : flatten(value)
  const width = Math.max(0, ...pairs.map(([key]) => key.length))
  return pairs.map(([key, text]) => `${key.padEnd(width)}  ${text}`.trimEnd()).join('\n') + '\n'
}

function machineValue(result: CommandResult): Json | undefined {
  switch (result.kind) {
    case 'list':
      return [...result.items]
    case 'object':
      return result.value
    case 'message':
      return result.value ?? { message: result.text }
    case 'none':
      return undefined
  }
}

export function renderResult(result: CommandResult, format: OutputFormat): string {
  if (format !== 'human') {
    const value = machineValue(result)
    if (value === undefined) return ''
    return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value)
  }
  switch (result.kind) {
    case 'list':
      return result.items.length === 0 ? 'None found.\n' : renderTable(result.items, result.columns)
    case 'object':
      return renderObject(result.value, result.fields)
    case 'message':
      return `${result.text}\n`
    case 'none':
      return ''
  }
}
