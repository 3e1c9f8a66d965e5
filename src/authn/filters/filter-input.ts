/**
 * @module authn/filters/filter-input
 *
 * Turns plain JSON (a JWT's claims, a certificate's attributes) into values the CEL evaluator
 * reads. Done once per request, then shared by every filter evaluated for it (auto pool mapping
 * evaluates all of a provider's pools against the same token).
 *
 * Objects become `Map`s all the way down. Left as plain objects, `@bufbuild/cel` would read an
 * object with a `$typeName` key as a protobuf message, so a claim such as
 * `{"$typeName": "google.protobuf.StringValue", "value": "admin"}` would compare equal to "admin";
 * as a `Map` it is only ever a map. JSON numbers stay doubles, as in CEL's own JSON mapping;
 * CEL compares them with int literals by value (`claims.exp > 0`, `claims.n == 2`).
 */

import { celList, celMap, type CelInput } from '@bufbuild/cel'

const preparedInput = Symbol('FilterInput')

/** Input prepared by `prepareFilterInput`; pass it to `CompiledFilter.matches` and `explain`. */
export interface FilterInput {
  readonly [preparedInput]: Readonly<Record<string, CelInput>>
}

/**
 * Prepares the values of a filter's variables, e.g. `{ claims: jwtPayload }`. Accepts JSON values
 * (objects, arrays, strings, finite numbers, booleans, null) and bigints; `undefined` properties are
 * left out as JSON would. Throws `TypeError` for anything else (a caller's mistake).
 */
export function prepareFilterInput(variables: Readonly<Record<string, unknown>>): FilterInput {
  // No prototype: the evaluator looks variables up by property name, and `toString` must not be one.
  const bindings = Object.create(null) as Record<string, CelInput>
  for (const [name, value] of Object.entries(variables)) {
    if (value !== undefined) bindings[name] = toEvaluatorValue(value, name)
  }
  return Object.freeze({ [preparedInput]: Object.freeze(bindings) })
}

/** The prepared variables as the evaluator's bindings. */
export function bindingsOf(input: FilterInput): Readonly<Record<string, CelInput>> {
  return input[preparedInput]
}

/** JSON to the evaluator's values: arrays become CEL lists, objects CEL maps over `Map`s. */
function toEvaluatorValue(value: unknown, path: string): CelInput {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return value
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path} is not a finite number.`)
      return value
    case 'object': {
      if (value === null) return null
      // Wrapped now, once per request, rather than by the evaluator at every read of the claim.
      // Paths are built only on the way to an error: most inputs have none.
      if (Array.isArray(value)) {
        const elements: CelInput[] = []
        for (let index = 0; index < value.length; index += 1) {
          const element: unknown = value[index]
          elements.push(isPlain(element) ? element : toEvaluatorValue(element, `${path}[${index}]`))
        }
        return celList(elements)
      }
      const entries = new Map<string, CelInput>()
      for (const key of Object.keys(value)) {
        const entry = (value as Record<string, unknown>)[key]
        if (entry !== undefined)
          entries.set(key, isPlain(entry) ? entry : toEvaluatorValue(entry, `${path}.${key}`))
      }
      return celMap(entries)
    }
    default:
      throw new TypeError(`${path} is a ${typeof value}; filter input must be JSON.`)
  }
}

function isPlain(value: unknown): value is string | boolean {
  return typeof value === 'string' || typeof value === 'boolean'
}
