/**
 * @module cli/commands/resource
 *
 * The five verbs of a control-plane resource (list, describe, create, update, delete) built from
 * one description, so that every resource's commands behave the same way.
 */
import type { Json, JsonObject } from '../api-client.ts'
import { UsageError } from '../cli-error.ts'
import { requiredArg, stringFlag, type CommandSpec, type FlagSpec, type Invocation } from '../command.ts'
import { valueAt, type Column } from '../output.ts'

/** A flag that sets one body field when given. */
export interface FieldFlag extends FlagSpec {
  /** The body field it sets (dotted for nested: `spec.display_name`). */
  readonly field: string
  /** Turns the flag's text into the field's value (default: the text). */
  readonly toValue?: (text: string, invocation: Invocation) => Json
  /** Other fields the flag sets along with its own (dotted path → value). */
  readonly alsoSets?: (text: string) => Readonly<Record<string, Json>>
}

export interface ResourceDescription {
  /** The command words before the verb: `['iam', 'service-account']`. */
  readonly group: readonly string[]
  /** For messages: "service account". */
  readonly noun: string
  /** The collection's path; may depend on a parent flag (`--provider`). */
  readonly collection: (invocation: Invocation) => string
  /** Flags every verb needs to find the collection (e.g. the parent's id). */
  readonly parentFlags?: Readonly<Record<string, FlagSpec>>
  readonly columns: readonly Column[]
  /** Extra list filters: flag → query parameter. */
  readonly listFilters?: Readonly<Record<string, FlagSpec & { readonly query: string }>>
  /** Create: the name argument sets this field; undefined means no name argument. */
  readonly nameField?: string
  readonly createFlags?: Readonly<Record<string, FieldFlag>>
  /** Fields every create body has, such as a fixed `kind`. */
  readonly createDefaults?: JsonObject
  readonly updateFlags?: Readonly<Record<string, FieldFlag>>
  /** PATCH (the default) or PUT for update. */
  readonly updateMethod?: 'PATCH' | 'PUT'
  /**
   * For APIs whose update replaces the object (PUT): these fields of the object as read first are
   * sent along with the flags' changes.
   */
  readonly keptOnUpdate?: readonly string[]
  /** Not every resource can be changed. */
  readonly hasUpdate?: boolean
  /** Shown after a create, e.g. a warning about a secret. */
  readonly afterCreate?: (created: Json, invocation: Invocation) => void
}

export const LIMIT_FLAG: FlagSpec = {
  type: 'string',
  description: 'List at most this many items (all by default, following pages).',
  placeholder: 'N',
}

export function limitOf(invocation: Invocation): number {
  const text = stringFlag(invocation, 'limit')
  if (text === undefined) return Infinity
  const limit = Number(text)
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a positive integer, not "${text}"`)
  return limit
}

/** Sets a dotted field in a body, creating the objects on the way. */
export function setField(body: JsonObject, path: string, value: Json): void {
  const parts = path.split('.')
  let current = body
  for (const part of parts.slice(0, -1)) {
    const next = current[part]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) current[part] = {}
    current = current[part] as JsonObject
  }
  current[parts.at(-1)!] = value
}

function bodyFrom(
  invocation: Invocation,
  flags: Readonly<Record<string, FieldFlag>>,
  start: JsonObject,
): { body: JsonObject; changed: number } {
  const body = start
  let changed = 0
  for (const [name, flag] of Object.entries(flags)) {
    const text = stringFlag(invocation, name)
    if (text === undefined) continue
    setField(body, flag.field, flag.toValue ? flag.toValue(text, invocation) : text)
    for (const [field, value] of Object.entries(flag.alsoSets?.(text) ?? {})) setField(body, field, value)
    changed++
  }
  return { body, changed }
}

const withArticle = (noun: string) => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`

const itemPath = (description: ResourceDescription, invocation: Invocation, id: string) =>
  `${description.collection(invocation)}/${encodeURIComponent(id)}`

export function resourceCommands(description: ResourceDescription): CommandSpec[] {
  const { group, noun, parentFlags = {} } = description
  const idArg = { name: 'id', description: `The ${noun}'s id.` }
  const commands: CommandSpec[] = [
    {
      path: [...group, 'list'],
      summary: `List ${noun.replace(/y$/, 'ie')}s.`,
      flags: {
        ...parentFlags,
        ...Object.fromEntries(Object.entries(description.listFilters ?? {})),
        limit: LIMIT_FLAG,
      },
      run: async (invocation) => {
        const query = Object.fromEntries(
          Object.entries(description.listFilters ?? {}).map(([name, filter]) => [
            filter.query,
            stringFlag(invocation, name),
          ]),
        )
        const items = await invocation
          .api()
          .list(description.collection(invocation), query, limitOf(invocation))
        return { kind: 'list', items, columns: description.columns }
      },
    },
    {
      path: [...group, 'describe'],
      summary: `Show one ${noun}.`,
      args: [idArg],
      flags: parentFlags,
      run: async (invocation) => {
        const value = await invocation
          .api()
          .request('GET', itemPath(description, invocation, requiredArg(invocation, 'id')))
        return { kind: 'object', value: value ?? null }
      },
    },
    {
      path: [...group, 'create'],
      summary: `Create ${withArticle(noun)}.`,
      ...(description.nameField
        ? { args: [{ name: 'name', description: `The ${noun}'s display name.` }] }
        : {}),
      flags: { ...parentFlags, ...description.createFlags },
      run: async (invocation) => {
        const start: JsonObject = structuredClone(description.createDefaults ?? {})
        if (description.nameField) setField(start, description.nameField, requiredArg(invocation, 'name'))
        const { body } = bodyFrom(invocation, description.createFlags ?? {}, start)
        const created = await invocation.api().request('POST', description.collection(invocation), { body })
        description.afterCreate?.(created ?? null, invocation)
        return { kind: 'object', value: created ?? null }
      },
    },
    {
      path: [...group, 'delete'],
      summary: `Delete ${withArticle(noun)}.`,
      args: [idArg],
      flags: parentFlags,
      run: async (invocation) => {
        const id = requiredArg(invocation, 'id')
        await invocation.api().request('DELETE', itemPath(description, invocation, id))
        return { kind: 'message', text: `Deleted ${noun} "${id}".`, value: { id, deleted: true } }
      },
    },
  ]
  if (description.hasUpdate !== false) {
    commands.splice(3, 0, {
      path: [...group, 'update'],
      summary: `Change ${withArticle(noun)}.`,
      args: [idArg],
      flags: { ...parentFlags, ...description.updateFlags },
      run: async (invocation) => {
        const path = itemPath(description, invocation, requiredArg(invocation, 'id'))
        const start: JsonObject = {}
        if (description.keptOnUpdate) {
          const current = await invocation.api().request('GET', path)
          for (const field of description.keptOnUpdate) {
            const value = valueAt(current, field)
            if (value !== undefined) setField(start, field, value)
          }
        }
        const { body, changed } = bodyFrom(invocation, description.updateFlags ?? {}, start)
        if (changed === 0) {
          const names = Object.keys(description.updateFlags ?? {}).map((name) => `--${name}`)
          throw new UsageError(`nothing to change: give at least one of ${names.join(', ')}`)
        }
        const updated = await invocation.api().request(description.updateMethod ?? 'PATCH', path, { body })
        return { kind: 'object', value: updated ?? null }
      },
    })
  }
  return commands
}
