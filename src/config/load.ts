/**
 * @module config/load
 *
 * Turns a configuration file plus `GATEHOUSE_*` environment variables into a validated, frozen
 * {@link AppConfig}. Any problem raises a {@link ConfigError} whose message names the key and
 * where its value came from, so that the process can print it and exit non-zero.
 */
import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { Ajv, type ErrorObject } from 'ajv'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import { ConfigError, explainInvalidTopicName } from '../core/index.ts'
import { ConfigSchema, type AppConfig } from './schema.ts'

export const ENV_PREFIX = 'GATEHOUSE_'
/** Environment variables that steer the loader itself rather than naming a key. */
const LOADER_VARIABLES = new Set(['GATEHOUSE_CONFIG'])

interface JsonSchemaNode {
  type?: string
  anyOf?: JsonSchemaNode[]
  properties?: Record<string, JsonSchemaNode>
  items?: JsonSchemaNode
  description?: string
  default?: unknown
  const?: unknown
}

/** One configurable leaf: its dotted path, its environment variable and its schema. */
export interface ConfigLeaf {
  readonly path: string[]
  readonly envName: string
  readonly schema: JsonSchemaNode
  readonly isRequired: boolean
}

/** `bootstrapServers` → `BOOTSTRAP_SERVERS`. */
function toUpperSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()
}

/** Every leaf of the schema, in declaration order; the config reference is generated from this list. */
export function listConfigLeaves(
  schema: JsonSchemaNode = ConfigSchema,
  prefix: string[] = [],
  isParentRequired = true,
): ConfigLeaf[] {
  const required = new Set((schema as { required?: string[] }).required ?? [])
  const leaves: ConfigLeaf[] = []
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = [...prefix, name]
    const isRequired = isParentRequired && required.has(name) && child.default === undefined
    if (child.type === 'object' && child.properties) {
      leaves.push(...listConfigLeaves(child, path, isRequired))
    } else {
      leaves.push({ path, envName: ENV_PREFIX + path.map(toUpperSnake).join('_'), schema: child, isRequired })
    }
  }
  return leaves
}

function parseEnvValue(leaf: ConfigLeaf, raw: string): unknown {
  const type = leaf.schema.type
  if (type === 'integer' || type === 'number') {
    const trimmed = raw.trim()
    const value = Number(trimmed)
    if (trimmed === '' || !Number.isFinite(value)) {
      throw new ConfigError(`Invalid configuration: ${leaf.envName}=${JSON.stringify(raw)} is not a number.`)
    }
    return value
  }
  if (type === 'boolean') {
    const normalized = raw.trim().toLowerCase()
    if (['true', '1', 'yes'].includes(normalized)) return true
    if (['false', '0', 'no'].includes(normalized)) return false
    throw new ConfigError(
      `Invalid configuration: ${leaf.envName}=${JSON.stringify(raw)} is not true or false.`,
    )
  }
  if (type === 'array') {
    // Lists of objects (e.g. additional clusters) come as JSON; lists of strings comma-separated.
    if (leaf.schema.items?.type === 'object') {
      try {
        return JSON.parse(raw) as unknown
      } catch (error) {
        throw new ConfigError(
          `Invalid configuration: ${leaf.envName} must be a JSON array: ${(error as Error).message}`,
        )
      }
    }
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
  }
  return raw
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target
  for (const segment of path.slice(0, -1)) {
    const child = node[segment]
    if (typeof child !== 'object' || child === null || Array.isArray(child)) {
      node[segment] = {}
    }
    node = node[segment] as Record<string, unknown>
  }
  node[path.at(-1)!] = value
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(`Cannot read the configuration file ${file}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  let parsed: unknown
  try {
    parsed = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text)
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : ''
    throw new ConfigError(
      `The configuration file ${file} is not valid${where}: ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
  if (parsed === null || parsed === undefined) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`The configuration file ${file} must hold an object of settings at its top level.`)
  }
  return parsed as Record<string, unknown>
}

function closestName(name: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i)
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!
      row[0] = i
      for (let j = 1; j <= b.length; j++) {
        const current = row[j]!
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
        previous = current
      }
    }
    return row[b.length]!
  }
  let best: { name: string; score: number } | undefined
  for (const candidate of candidates) {
    const score = distance(name, candidate)
    if (!best || score < best.score) best = { name: candidate, score }
  }
  return best && best.score <= Math.max(2, Math.floor(name.length / 4)) ? best.name : undefined
}

const validate = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true }).compile(
  ConfigSchema,
)

function describeError(error: ErrorObject, envByPath: Map<string, string>, file: string | undefined): string {
  const segments = error.instancePath.split('/').filter(Boolean)
  if (error.keyword === 'additionalProperties') {
    segments.push(String((error.params as { additionalProperty: string }).additionalProperty))
  }
  if (error.keyword === 'required') {
    segments.push(String((error.params as { missingProperty: string }).missingProperty))
  }
  const key = segments.join('.') || '(top level)'
  // The variable that set this key, or a list or object containing it.
  const named = segments.filter((segment) => !/^\d+$/.test(segment))
  const setBy = named
    .map((_, index) => envByPath.get(named.slice(0, named.length - index).join('.')))
    .find(Boolean)
  const origin = setBy ?? (file ? `in ${file}` : 'default')
  let problem: string
  switch (error.keyword) {
    case 'additionalProperties':
      problem = 'is not a known setting'
      break
    case 'required':
      problem = 'is required'
      break
    case 'anyOf':
      problem = 'must be one of the allowed values (see docs/configuration.md)'
      break
    default:
      problem = error.message ?? 'is invalid'
  }
  return `${key} (${origin}) ${problem}`
}

/**
 * Loads and validates the configuration.
 *
 * @param options.file path of a YAML (`.yaml`, `.yml`) or JSON (`.json`) file, or undefined for
 *   defaults plus environment only.
 * @param options.env the environment; only `GATEHOUSE_*` variables are read.
 * @returns a deeply frozen configuration with every default filled in.
 * @throws ConfigError naming the bad key, the unknown variable or the unreadable file.
 */
export function loadConfig(options: {
  file?: string | undefined
  env: Record<string, string | undefined>
}): AppConfig {
  const raw = options.file ? readConfigFile(options.file) : {}
  const leaves = listConfigLeaves()
  const leafByEnvName = new Map(leaves.map((leaf) => [leaf.envName, leaf]))
  const envByPath = new Map<string, string>()

  for (const [name, value] of Object.entries(options.env)) {
    if (!name.startsWith(ENV_PREFIX) || LOADER_VARIABLES.has(name) || value === undefined) continue
    const leaf = leafByEnvName.get(name)
    if (!leaf) {
      const suggestion = closestName(name, [...leafByEnvName.keys()])
      throw new ConfigError(
        `Unknown environment variable ${name}` +
          (suggestion ? `: did you mean ${suggestion}?` : '; see docs/configuration.md for the list.'),
      )
    }
    setPath(raw, leaf.path, parseEnvValue(leaf, value))
    envByPath.set(leaf.path.join('.'), `from ${name}`)
  }

  if (!validate(raw)) {
    // Errors inside a union's branches only repeat what the union's own error says.
    const errors = (validate.errors ?? []).filter((error) => !error.schemaPath.includes('/anyOf/'))
    const problems = [...new Set(errors.map((error) => describeError(error, envByPath, options.file)))]
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`)
  }
  const config = raw as AppConfig
  const auditTopicProblem =
    config.audit.kafkaTopic === '' ? undefined : explainInvalidTopicName(config.audit.kafkaTopic)
  if (auditTopicProblem !== undefined) {
    throw new ConfigError(`Invalid configuration: audit.kafkaTopic: ${auditTopicProblem}`)
  }
  if (config.authorization.aclMaxStalenessMs < config.authorization.aclRefreshIntervalMs) {
    throw new ConfigError(
      `Invalid configuration: authorization.aclMaxStalenessMs (${config.authorization.aclMaxStalenessMs}) must not be shorter than authorization.aclRefreshIntervalMs (${config.authorization.aclRefreshIntervalMs}).`,
    )
  }
  const tls = config.server.tls
  if (tls.enabled && (tls.certFile === undefined || tls.keyFile === undefined)) {
    throw new ConfigError(
      'Invalid configuration: server.tls.enabled needs server.tls.certFile and server.tls.keyFile (PEM files of the server certificate and its key).',
    )
  }
  if (!config.server.plainHttp && !tls.enabled) {
    throw new ConfigError(
      'Invalid configuration: server.plainHttp is false and server.tls.enabled is not true: Gatehouse would not listen at all.',
    )
  }
  if (config.server.plainHttp && tls.enabled && config.server.port === tls.port && tls.port !== 0) {
    throw new ConfigError(
      `Invalid configuration: server.port and server.tls.port are both ${tls.port}; give HTTPS its own port or set server.plainHttp to false.`,
    )
  }
  checkConsole(config)
  return deepFreeze(config)
}

/** The console's settings that JSON Schema cannot express: exactly one secret, `openid`, a public URL. */
function checkConsole(config: AppConfig): void {
  const { oidc } = config.console
  if (oidc === undefined) return
  const invalid = (message: string) => new ConfigError(`Invalid configuration: ${message}`)
  if ((oidc.clientSecret === undefined) === (oidc.clientSecretFile === undefined))
    throw invalid('console.oidc needs exactly one of clientSecret and clientSecretFile.')
  if (!oidc.scopes.includes('openid')) throw invalid('console.oidc.scopes must include openid.')
  if (config.console.publicUrl === undefined && config.server.publicUrl === undefined)
    throw invalid(
      'console.publicUrl (or server.publicUrl) is required with console.oidc: it makes the sign-in redirect URI.',
    )
  if (config.console.sessionAbsoluteTimeoutSeconds < config.console.sessionIdleTimeoutSeconds)
    throw invalid(
      'console.sessionAbsoluteTimeoutSeconds must not be shorter than console.sessionIdleTimeoutSeconds.',
    )
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
