/**
 * @module test/support/confluent-contract
 *
 * Confluent's own OpenAPI files as a test oracle: a response is checked against the schema that
 * Confluent's spec gives for the same method, path and status. The Cloud spec decides where it has
 * the operation; the open-source REST Proxy spec (base `/v3`, served here under `/kafka/v3`) covers
 * the self-managed extras. The files are read from `../shared/reference/`, never copied.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'
import { parse } from 'yaml'

type JsonObject = Record<string, unknown>
type SpecName = 'cloud' | 'oss' | 'iam' | 'apikeys' | 'org' | 'mds' | 'idp' | 'ca' | 'sso'

interface SpecOperation {
  readonly operationId: string
  readonly method: string
  readonly pattern: RegExp
  readonly spec: SpecName
  readonly responses: JsonObject
}

/** `shared/reference` beside the checkout, where CI puts it; `GATEHOUSE_REFERENCE_DIR` overrides. */
const REFERENCE = process.env['GATEHOUSE_REFERENCE_DIR']
  ? pathToFileURL(`${process.env['GATEHOUSE_REFERENCE_DIR'].replace(/\/$/, '')}/`)
  : new URL('../../../shared/reference/', import.meta.url)
if (!existsSync(REFERENCE)) {
  throw new Error(
    `Confluent's OpenAPI files are expected in ${fileURLToPath(REFERENCE)} (shared/reference beside the checkout); ` +
      'set GATEHOUSE_REFERENCE_DIR to their folder.',
  )
}

/** OpenAPI 3.0 → JSON Schema: `nullable` becomes a null type, refs point at `$defs`. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema)
  if (typeof node !== 'object' || node === null) return node
  const source = node as JsonObject
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(source)) {
    if (key === 'example' || key === 'examples' || key === 'nullable' || key === 'x-extensible-enum') continue
    if (key === '$ref' && typeof value === 'string')
      out[key] = value.replace('#/components/schemas/', '#/$defs/')
    // The OSS spec writes `type: int64` in places where it means an integer of format int64.
    else if (key === 'type' && (value === 'int64' || value === 'int32')) out[key] = 'integer'
    else out[key] = toJsonSchema(value)
  }
  if (source['nullable'] === true) {
    if (typeof out['type'] === 'string') out['type'] = [out['type'], 'null']
    if (Array.isArray(out['enum'])) out['enum'] = [...(out['enum'] as unknown[]), null]
    if (out['$ref'] || out['allOf'] || out['oneOf']) return { anyOf: [{ type: 'null' }, out] }
  }
  return out
}

function loadSpec(file: string, spec: SpecName, prefix: string) {
  const document = parse(readFileSync(new URL(file, REFERENCE), 'utf8')) as JsonObject
  const components = document['components'] as { schemas: JsonObject; responses?: JsonObject }
  const operations: SpecOperation[] = []
  for (const [path, item] of Object.entries(document['paths'] as Record<string, JsonObject>)) {
    const pattern = new RegExp(
      `^${(prefix + path)
        .replace(/[.*+?^${}()|[\]\\]/g, (match) => (match === '{' || match === '}' ? match : `\\${match}`))
        .replace(/\{[^}]+\}/g, '[^/]+')}$`,
    )
    for (const [method, operation] of Object.entries(item)) {
      const candidate = operation as { operationId?: string; responses?: JsonObject }
      if (!candidate.operationId || !candidate.responses) continue
      operations.push({
        operationId: candidate.operationId,
        method: method.toUpperCase(),
        pattern,
        spec,
        responses: candidate.responses,
      })
    }
  }
  // Literal paths win over templated ones (`topics/-/configs` before `topics/{topic_name}/configs`).
  const templates = (operation: SpecOperation) => operation.pattern.source.split('[^/]+').length
  operations.sort((a, b) => templates(a) - templates(b))
  return { operations, components }
}

// Confluent's patterns are written for Java regexes (`\"` escapes), not for the `u` flag.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false })
const specs: {
  operations: SpecOperation[]
  components: JsonObject & { schemas: JsonObject; responses?: JsonObject }
  name: SpecName
  errorSchema: string
}[] = [
  {
    ...loadSpec('confluent-cloud-kafka-rest-v3.openapi.yaml', 'cloud', ''),
    name: 'cloud',
    errorSchema: 'Error',
  },
  {
    ...loadSpec('confluent-kafka-rest-v3.openapi.yaml', 'oss', '/kafka/v3'),
    name: 'oss',
    errorSchema: 'Error',
  },
  // The control plane: Confluent Cloud's iam/v2, API keys and org/v2 specs, errors as `Failure`.
  { ...loadSpec('confluent-cloud-iam-v2.openapi.yaml', 'iam', ''), name: 'iam', errorSchema: 'Failure' },
  {
    ...loadSpec('confluent-cloud-apikeys-v2.openapi.yaml', 'apikeys', ''),
    name: 'apikeys',
    errorSchema: 'Failure',
  },
  { ...loadSpec('confluent-cloud-org-v2.openapi.yaml', 'org', ''), name: 'org', errorSchema: 'Failure' },
  // Role bindings live in Confluent's mds/v2 spec, under /iam/v2/role-bindings.
  { ...loadSpec('confluent-cloud-mds-v2.openapi.yaml', 'mds', ''), name: 'mds', errorSchema: 'Failure' },
  // OAuth/OIDC identity providers, their pools and JWKS refresh, under /iam/v2/identity-providers.
  {
    ...loadSpec('confluent-cloud-identity-provider-v2.openapi.yaml', 'idp', ''),
    name: 'idp',
    errorSchema: 'Failure',
  },
  // Certificate authorities and their identity pools (mTLS), under /iam/v2/certificate-authorities.
  {
    ...loadSpec('confluent-cloud-certificate-authority-v2.openapi.yaml', 'ca', ''),
    name: 'ca',
    errorSchema: 'Failure',
  },
  // SSO group mappings, under /iam/v2/sso/group-mappings.
  { ...loadSpec('confluent-cloud-sso-v2.openapi.yaml', 'sso', ''), name: 'sso', errorSchema: 'Failure' },
]
const compiled = new Map<string, ValidateFunction>()

function schemaFor(operation: SpecOperation, status: number): { key: string; schema: unknown } | undefined {
  const spec = specs.find((candidate) => candidate.name === operation.spec)!
  const statusKey = [String(status), `${String(status)[0]}XX`, 'default'].find(
    (key) => key in operation.responses,
  )
  let response = statusKey ? (operation.responses[statusKey] as JsonObject) : undefined
  // Statuses the spec does not list for this operation still use Confluent's one error body.
  if (!response && status >= 400) {
    return { key: `${operation.spec}:${spec.errorSchema}`, schema: { $ref: `#/$defs/${spec.errorSchema}` } }
  }
  if (!response) return undefined
  const reference = response['$ref']
  if (typeof reference === 'string')
    response = spec.components.responses?.[reference.split('/').pop()!] as JsonObject
  const content = (response?.['content'] as Record<string, { schema?: unknown }> | undefined)?.[
    'application/json'
  ]
  if (!content?.schema) return undefined
  return { key: `${operation.spec}:${operation.operationId}:${statusKey ?? status}`, schema: content.schema }
}

function validatorFor(operation: SpecOperation, status: number): ValidateFunction | undefined {
  const found = schemaFor(operation, status)
  if (!found) return undefined
  let validate = compiled.get(found.key)
  if (!validate) {
    const spec = specs.find((candidate) => candidate.name === operation.spec)!
    validate = ajv.compile({
      ...(toJsonSchema(found.schema) as JsonObject),
      $defs: toJsonSchema(spec.components.schemas) as JsonObject,
    })
    compiled.set(found.key, validate)
  }
  return validate
}

/** The Confluent operation a request maps to, Cloud spec first; undefined for Gatehouse-only paths. */
export function findConfluentOperation(method: string, path: string): SpecOperation | undefined {
  for (const spec of specs) {
    const operation = spec.operations.find(
      (candidate) => candidate.method === method && candidate.pattern.test(path),
    )
    if (operation) return operation
  }
  return undefined
}

/** Operations whose responses the oracle has checked in this process. */
export const validatedOperations = new Set<string>()

/**
 * Throws when a response body does not match Confluent's schema for its operation and status.
 * Streamed produce responses are checked report by report.
 */
export function assertMatchesConfluent(method: string, url: string, status: number, body: string): void {
  const path = new URL(url, 'http://x').pathname
  const operation = findConfluentOperation(method, path)
  if (!operation || body === '') return
  const validate = validatorFor(operation, status)
  if (!validate) return
  const documents =
    operation.operationId === 'produceRecord' && status === 200
      ? body
          .split('\r\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as unknown)
      : [JSON.parse(body) as unknown]
  for (const document of documents) {
    if (!validate(document)) {
      throw new Error(
        `${method} ${path} → ${status} does not match Confluent's ${operation.spec} schema for ${operation.operationId}: ` +
          `${ajv.errorsText(validate.errors)}\n${JSON.stringify(document).slice(0, 500)}`,
      )
    }
  }
  validatedOperations.add(`${operation.operationId} ${status}`)
}
