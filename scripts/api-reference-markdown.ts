/**
 * @module scripts/api-reference-markdown
 *
 * Renders the app's OpenAPI document as `docs/api-reference.md`: one section per tag (in the
 * document's tag order), and for each operation its method and path, description, parameters,
 * request body fields, success statuses and curl examples (`x-codeSamples`). Everything comes from
 * the document, so the reference cannot say what `/openapi.json` does not.
 */

export interface SchemaObject {
  type?: string
  description?: string
  enum?: unknown[]
  anyOf?: SchemaObject[]
  items?: SchemaObject
  properties?: Record<string, SchemaObject>
  required?: string[]
  additionalProperties?: boolean | SchemaObject
  nullable?: boolean
}

interface ParameterObject {
  name: string
  in: string
  required?: boolean
  description?: string
  schema?: SchemaObject
}

interface OperationObject {
  operationId?: string
  tags?: string[]
  summary?: string
  description?: string
  parameters?: ParameterObject[]
  requestBody?: { required?: boolean; content?: Record<string, { schema?: SchemaObject }> }
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: SchemaObject }> }>
  'x-codeSamples'?: { lang: string; label: string; source: string }[]
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>
  tags?: { name: string; description?: string }[]
}

interface Operation extends OperationObject {
  readonly method: string
  readonly path: string
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete']

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\p{Letter}\p{Number} _-]/gu, '')
    .replace(/ /g, '-')

/** A short type for a table cell: `integer`, `list of objects`, `` `SET` \| `DELETE` ``. */
export function describeSchemaType(schema: SchemaObject | undefined): string {
  if (schema === undefined) return 'any'
  if (schema.anyOf) {
    const members = schema.anyOf.filter((member) => !(member.enum?.length === 1 && member.enum[0] === null))
    if (members.length > 0 && members.every((member) => member.enum !== undefined))
      return members.flatMap((member) => member.enum!.map((value) => `\`${String(value)}\``)).join(' \\| ')
    return [...new Set(members.map(describeSchemaType))].join(' or ')
  }
  if (schema.enum) return schema.enum.map((value) => `\`${String(value)}\``).join(' \\| ')
  if (schema.type === 'array') {
    const items = describeSchemaType(schema.items)
    return items === 'object' ? 'list of objects' : `list of ${items}`
  }
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object' && !schema.properties)
    return `map of ${describeSchemaType(schema.additionalProperties)}`
  return schema.type ?? 'any'
}

/** The object schema a field's values have (through a nullable union or a list), if any. */
function nestedObject(schema: SchemaObject): SchemaObject | undefined {
  const candidates = schema.anyOf ?? [schema]
  for (const candidate of candidates) {
    const inner = candidate.type === 'array' ? candidate.items : candidate
    if (inner?.properties) return inner
  }
  return undefined
}

function isList(schema: SchemaObject): boolean {
  return (schema.anyOf ?? [schema]).some((candidate) => candidate.type === 'array')
}

/** Body fields, nested ones named by path (`configs[].name`). */
function bodyRows(schema: SchemaObject, prefix = ''): string[] {
  const required = new Set(schema.required ?? [])
  return Object.entries(schema.properties ?? {}).flatMap(([name, field]) => {
    const path = `${prefix}${name}`
    const row = `| \`${path}\` | ${describeSchemaType(field)} | ${required.has(name) ? 'yes' : 'no'} | ${cell(field.description ?? '')} |`
    const nested = nestedObject(field)
    return nested ? [row, ...bodyRows(nested, `${path}${isList(field) ? '[]' : ''}.`)] : [row]
  })
}

function responseText(response: NonNullable<OperationObject['responses']>[string]): string {
  const schema = Object.values(response.content ?? {})[0]?.schema
  const kind = schema?.properties?.['kind']?.enum?.find((value) => typeof value === 'string')
  const described = response.description === 'Default Response' ? '' : (response.description ?? '')
  if (kind !== undefined) return `A \`${kind}\`.${described ? ` ${described}` : ''}`
  return described
}

function renderOperation(operation: Operation): string[] {
  const lines = [
    `### ${operation.summary ?? operation.operationId ?? `${operation.method} ${operation.path}`}`,
    '',
    `\`${operation.method} ${operation.path}\`${operation.operationId ? ` (\`${operation.operationId}\`)` : ''}`,
    '',
  ]
  if (operation.description) lines.push(operation.description, '')

  const parameters = [...(operation.parameters ?? [])].sort((a, b) =>
    a.in === b.in ? 0 : a.in === 'path' ? -1 : 1,
  )
  if (parameters.length > 0) {
    lines.push('**Parameters**', '', '| Name | In | Type | Required | Description |', '|---|---|---|---|---|')
    for (const parameter of parameters) {
      lines.push(
        `| \`${parameter.name}\` | ${parameter.in} | ${describeSchemaType(parameter.schema)} | ${parameter.required ? 'yes' : 'no'} | ${cell(parameter.description ?? parameter.schema?.description ?? '')} |`,
      )
    }
    lines.push('')
  }

  const body = operation.requestBody?.content?.['application/json']?.schema
  if (body?.properties) {
    lines.push(
      '**Request body** (`application/json`)',
      '',
      '| Field | Type | Required | Description |',
      '|---|---|---|---|',
      ...bodyRows(body),
      '',
    )
  }

  const successes = Object.entries(operation.responses ?? {}).filter(([status]) => /^2/.test(status))
  lines.push('**Responses**', '', '| Status | Body |', '|---|---|')
  for (const [status, response] of successes) lines.push(`| ${status} | ${cell(responseText(response))} |`)
  lines.push('', 'Errors: see [errors.md](errors.md).', '')

  for (const example of operation['x-codeSamples'] ?? []) {
    lines.push(`*${example.label}:*`, '', '```sh', example.source, '```', '')
  }
  return lines
}

export function renderApiReference(document: OpenApiDocument): string {
  const operations: Operation[] = Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method) => ({
      ...item[method]!,
      method: method.toUpperCase(),
      path,
    })),
  )
  const tags = [...(document.tags ?? [])]
  for (const operation of operations) {
    const tag = operation.tags?.[0] ?? 'Other'
    if (!tags.some((known) => known.name === tag)) tags.push({ name: tag })
  }
  const sections = tags
    .map((tag) => ({
      tag,
      operations: operations.filter((operation) => (operation.tags?.[0] ?? 'Other') === tag.name),
    }))
    .filter((section) => section.operations.length > 0)

  const heading = (operation: Operation) => operation.summary ?? operation.operationId ?? operation.path
  return [
    '# API reference',
    '',
    '<!-- Generated by `npm run docs` from the OpenAPI document the app serves (route schemas in',
    '     src/http/, descriptions and examples in src/http/api-reference/). Do not edit by hand. -->',
    '',
    'Every operation Gatehouse serves, as its own `/openapi.json` describes it, with `curl` examples. A',
    'test runs each example against the gateway (over an in-memory Kafka) and checks that it gets the',
    'success status listed here.',
    '',
    'The examples use the bootstrap credential (or any API key) and the id of a cluster:',
    '',
    '```sh',
    'export KEY=EXAMPLEKEY234567 SECRET=ghsk_ThisIsAnExampleSecretNotARealOne0000000000',
    'export CLUSTER_ID=$(curl -s -u "$KEY:$SECRET" http://localhost:8082/kafka/v3/clusters | sed -E \'s/.*"cluster_id":"([^"]+)".*/\\1/\')',
    '```',
    '',
    'Every path except the probes needs the credential (`-u "$KEY:$SECRET"`, HTTP Basic). Request',
    "bodies are JSON (`-H 'Content-Type: application/json'`); unknown fields are refused. Errors come",
    'as `{"error_code": …, "message": …}`; [errors.md](errors.md) lists every code and what to do about',
    'it. The OpenAPI document itself is at `/openapi.json`.',
    '',
    '## Contents',
    '',
    ...sections.flatMap((section) => [
      `- [${section.tag.name}](#${anchorOf(section.tag.name)}): ` +
        section.operations
          .map((operation) => `[${heading(operation)}](#${anchorOf(heading(operation))})`)
          .join(', '),
    ]),
    '',
    ...sections.flatMap((section) => [
      `## ${section.tag.name}`,
      '',
      ...(section.tag.description ? [section.tag.description, ''] : []),
      ...section.operations.flatMap(renderOperation),
    ]),
  ]
    .join('\n')
    .replace(/\n+$/, '\n')
}
