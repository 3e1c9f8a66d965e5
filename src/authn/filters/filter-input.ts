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

import type { CelInput } from '@bufbuild/cel'

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

/** JSON to the evaluator's input types: arrays stay arrays, objects become `Map`s. */
function toEvaluatorValue(value: unknown, path: string): CelInput {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return value
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path} is not a finite number.`)
      return value
    case 'object':
      if (value === null) return null
      if (Array.isArray(value))
        return value.map((element, index) => toEvaluatorValue(element, `${path}[${index}]`))
      return new Map<string, CelInput>(
        Object.entries(value)
          .filter(([, entry]) => entry !== undefined)
          .map(([key, entry]) => [key, toEvaluatorValue(entry, `${path}.${key}`)]),
      )
    default:
      throw new TypeError(`${path} is a ${typeof value}; filter input must be JSON.`)
  }
}
