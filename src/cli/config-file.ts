/**
 * @module cli/config-file
 *
 * The per-user file of contexts: which gateways the CLI knows and the credential for each. It holds
 * secrets, so it is written with mode 0600 in a 0700 directory, replaced atomically, and a file
 * others can read is refused until its mode is fixed.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { CliError, EXIT_CODES } from './cli-error.ts'

export interface ApiKeyCredential {
  readonly kind: 'api-key'
  readonly key: string
  readonly secret: string
}

export interface OAuthCredential {
  readonly kind: 'oauth'
  readonly tokenEndpoint: string
  readonly clientId: string
  readonly clientSecret: string
  readonly scope?: string | undefined
  /** Sent as `Confluent-Identity-Pool-Id`, comma-separated. */
  readonly identityPoolIds?: readonly string[] | undefined
  /** The last token fetched, reused until shortly before it expires. */
  readonly cachedToken?: { readonly accessToken: string; readonly expiresAt: number } | undefined
}

export type Credential = ApiKeyCredential | OAuthCredential

export interface CliContext {
  /** The gateway's base URL, e.g. `http://localhost:8082`. */
  readonly url: string
  readonly credential: Credential
  /** The Kafka cluster commands use when `--cluster` is not given. */
  readonly clusterId?: string | undefined
}

export interface CliConfig {
  readonly currentContext?: string | undefined
  readonly contexts: Readonly<Record<string, CliContext>>
}

/** `$GATEHOUSE_CONFIG`, else `$XDG_CONFIG_HOME/gatehouse/cli.json`, else `~/.config/gatehouse/cli.json`. */
export function configPath(env: NodeJS.ProcessEnv): string {
  const explicit = env['GATEHOUSE_CONFIG']
  if (explicit !== undefined && explicit !== '') return explicit
  const base = env['XDG_CONFIG_HOME'] || join(homedir(), '.config')
  return join(base, 'gatehouse', 'cli.json')
}

const EMPTY: CliConfig = { contexts: {} }

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function readConfig(path: string): CliConfig {
  if (!existsSync(path)) return EMPTY
  const mode = statSync(path).mode & 0o777
  if ((mode & 0o077) !== 0) {
    throw new CliError(
      `${path} holds credentials but others may read it (mode ${mode.toString(8)}); run: chmod 600 ${path}`,
      EXIT_CODES.failure,
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`, EXIT_CODES.failure)
  }
  if (!isObject(parsed) || !isObject(parsed['contexts'])) {
    throw new CliError(
      `${path} is not a gatehouse CLI configuration (no "contexts" object)`,
      EXIT_CODES.failure,
    )
  }
  return parsed as unknown as CliConfig
}

export function writeConfig(path: string, config: CliConfig): void {
  const directory = dirname(path)
  if (!existsSync(directory)) mkdirSync(directory, { recursive: true, mode: 0o700 })
  // Written beside the file, then renamed: a crash never leaves half a file of credentials.
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
  chmodSync(temporary, 0o600)
  renameSync(temporary, path)
}

export function withContext(
  config: CliConfig,
  name: string,
  context: CliContext,
  makeCurrent: boolean,
): CliConfig {
  return {
    ...config,
    ...(makeCurrent || config.currentContext === undefined ? { currentContext: name } : {}),
    contexts: { ...config.contexts, [name]: context },
  }
}

export function withoutContext(config: CliConfig, name: string): CliConfig {
  const contexts = Object.fromEntries(Object.entries(config.contexts).filter(([each]) => each !== name))
  return config.currentContext === name ? { contexts } : { ...config, contexts }
}
