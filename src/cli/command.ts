/**
 * @module cli/command
 *
 * The command table's shape, and turning a command line into one command and its values with
 * `node:util` parseArgs in strict mode: an unknown flag, a missing required flag or argument, or a
 * value outside a flag's choices is a {@link UsageError} (exit 2) that shows the command's usage.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { ApiClient } from './api-client.ts'
import { UsageError } from './cli-error.ts'
import type { CliConfig, CliContext } from './config-file.ts'
import { OUTPUT_FORMATS, type CommandResult, type OutputFormat } from './output.ts'

export interface FlagSpec {
  readonly type: 'string' | 'boolean'
  readonly description: string
  readonly required?: boolean
  readonly short?: string
  /** The values a string flag accepts. */
  readonly choices?: readonly string[]
  /** A string flag that may be repeated; its value is then a list. */
  readonly multiple?: boolean
  /** Shown in usage in place of the value, e.g. `URL`. */
  readonly placeholder?: string
}

export interface ArgSpec {
  readonly name: string
  readonly description: string
  readonly isOptional?: boolean
}

/** What a running command can use. */
export interface Invocation {
  readonly args: Readonly<Record<string, string | undefined>>
  readonly flags: Readonly<Record<string, string | boolean | string[] | undefined>>
  readonly output: OutputFormat
  /** The client of the selected context; fails with a clear message when there is none. */
  readonly api: () => ApiClient
  /** The selected context (`--context`, else the current one). */
  readonly context: () => { name: string; context: CliContext }
  readonly config: { read(): CliConfig; write(config: CliConfig): void; readonly path: string }
  readonly io: CliIo
}

export interface CliIo {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean }
  readonly env: NodeJS.ProcessEnv
}

export interface CommandSpec {
  /** The words that name it: `['kafka', 'topic', 'create']`. */
  readonly path: readonly string[]
  readonly summary: string
  readonly args?: readonly ArgSpec[]
  readonly flags?: Readonly<Record<string, FlagSpec>>
  /** Shown under the usage. */
  readonly examples?: readonly string[]
  readonly run: (invocation: Invocation) => Promise<CommandResult>
}

/** Flags every command takes. */
export const GLOBAL_FLAGS: Readonly<Record<string, FlagSpec>> = {
  output: {
    type: 'string',
    short: 'o',
    choices: OUTPUT_FORMATS,
    description: 'How to print the result: human (default), json or yaml.',
    placeholder: 'FORMAT',
  },
  context: {
    type: 'string',
    description: 'The context (gateway and credential) to use instead of the current one.',
    placeholder: 'NAME',
  },
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
}

export function usageOf(command: CommandSpec): string {
  const args = (command.args ?? []).map((arg) => (arg.isOptional ? `[${arg.name}]` : `<${arg.name}>`))
  const flags = Object.entries(command.flags ?? {})
  const required = flags
    .filter(([, flag]) => flag.required)
    .map(([name, flag]) => `--${name}${flag.type === 'string' ? ` ${flag.placeholder ?? 'VALUE'}` : ''}`)
  const lines = [
    `Usage: gatehouse ${[...command.path, ...args, ...required].join(' ')}${flags.length > required.length ? ' [flags]' : ''}`,
    '',
    command.summary,
  ]
  if (command.args?.length) {
    lines.push('', 'Arguments:')
    for (const arg of command.args) lines.push(`  ${arg.name.padEnd(28)}${arg.description}`)
  }
  const describe = (entries: [string, FlagSpec][]) => {
    for (const [name, flag] of entries) {
      const spelled = `${flag.short ? `-${flag.short}, ` : ''}--${name}${flag.type === 'string' ? ` ${flag.placeholder ?? 'VALUE'}` : ''}`
      const notes = [
        flag.required ? 'required' : '',
        flag.multiple ? 'repeatable' : '',
        flag.choices ? `one of ${flag.choices.join(', ')}` : '',
      ].filter(Boolean)
      lines.push(`  ${spelled.padEnd(28)}${flag.description}${notes.length ? ` (${notes.join('; ')})` : ''}`)
    }
  }
  if (flags.length > 0) {
    lines.push('', 'Flags:')
    describe(flags)
  }
  lines.push('', 'Global flags:')
  describe(Object.entries(GLOBAL_FLAGS))
  if (command.examples?.length) {
    lines.push('', 'Examples:')
    for (const example of command.examples) lines.push(`  ${example}`)
  }
  return lines.join('\n') + '\n'
}

/** The usage of a group of commands (`gatehouse kafka topic`): its subcommands. */
export function groupUsageOf(prefix: readonly string[], commands: readonly CommandSpec[]): string {
  const below = commands.filter((command) => prefix.every((word, index) => command.path[index] === word))
  const lines = [`Usage: gatehouse ${[...prefix, '<command>'].join(' ')} [flags]`, '', 'Commands:']
  const names = below.map((command) => command.path.slice(prefix.length).join(' '))
  const width = Math.max(0, ...names.map((name) => name.length)) + 2
  below.forEach((command, index) => lines.push(`  ${names[index]!.padEnd(width)}${command.summary}`))
  lines.push('', `Run "gatehouse ${[...prefix, '<command>'].join(' ')} --help" for a command's flags.`)
  return lines.join('\n') + '\n'
}

export type Resolution =
  | { readonly kind: 'command'; readonly command: CommandSpec; readonly rest: readonly string[] }
  | { readonly kind: 'group'; readonly prefix: readonly string[]; readonly rest: readonly string[] }

/** The command named by the leading words of `argv` (the longest match), or the group they name. */
export function resolveCommand(commands: readonly CommandSpec[], argv: readonly string[]): Resolution {
  const words: string[] = []
  for (const token of argv) {
    if (token.startsWith('-')) break
    words.push(token)
  }
  let best: CommandSpec | undefined
  for (const command of commands) {
    const matches = command.path.every((word, index) => words[index] === word)
    if (matches && (best === undefined || command.path.length > best.path.length)) best = command
  }
  if (best) return { kind: 'command', command: best, rest: argv.slice(best.path.length) }
  // The longest prefix of the words that some command starts with.
  let depth = 0
  while (
    depth < words.length &&
    commands.some((command) => words.slice(0, depth + 1).every((word, index) => command.path[index] === word))
  ) {
    depth++
  }
  if (depth < words.length) {
    const known = groupUsageOf(words.slice(0, depth), commands)
    throw new UsageError(`unknown command "${words.slice(0, depth + 1).join(' ')}"`, known)
  }
  return { kind: 'group', prefix: words, rest: argv.slice(depth) }
}

export interface ParsedCommandLine {
  readonly args: Record<string, string | undefined>
  readonly flags: Record<string, string | boolean | string[] | undefined>
  readonly output: OutputFormat
  readonly contextName: string | undefined
  readonly isHelp: boolean
}

/** Parses the words after the command's name against its flags and arguments. */
export function parseCommandLine(command: CommandSpec, rest: readonly string[]): ParsedCommandLine {
  const specs = { ...GLOBAL_FLAGS, ...command.flags }
  const options: NonNullable<ParseArgsConfig['options']> = {}
  for (const [name, flag] of Object.entries(specs)) {
    options[name] = {
      type: flag.type,
      ...(flag.short ? { short: flag.short } : {}),
      ...(flag.multiple ? { multiple: true } : {}),
    }
  }
  const usage = usageOf(command)
  let parsed
  try {
    parsed = parseArgs({ args: [...rest], options, strict: true, allowPositionals: true })
  } catch (error) {
    // parseArgs's messages name the flag ("Unknown option '--nope'. To specify…"); keep the gist
    // and add what the command takes.
    const message = (error as Error).message
    const unknown = /^Unknown option '([^']+)'/.exec(message)
    throw new UsageError(unknown ? `unknown flag ${unknown[1]}` : message, usage)
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>
  const isHelp = values['help'] === true
  const output = (values['output'] as string | undefined) ?? 'human'
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}, not "${output}"`, usage)
  }
  const argSpecs = command.args ?? []
  const args: Record<string, string | undefined> = {}
  if (!isHelp) {
    if (parsed.positionals.length > argSpecs.length) {
      throw new UsageError(`unexpected argument "${parsed.positionals[argSpecs.length]}"`, usage)
    }
    argSpecs.forEach((arg, index) => {
      const value = parsed.positionals[index]
      if (value === undefined && !arg.isOptional)
        throw new UsageError(`missing argument <${arg.name}>`, usage)
      args[arg.name] = value
    })
    for (const [name, flag] of Object.entries(command.flags ?? {})) {
      const value = values[name]
      if (flag.required && (value === undefined || (Array.isArray(value) && value.length === 0))) {
        throw new UsageError(`missing required flag --${name}`, usage)
      }
      if (flag.choices && typeof value === 'string' && !flag.choices.includes(value)) {
        throw new UsageError(`--${name} must be one of ${flag.choices.join(', ')}, not "${value}"`, usage)
      }
    }
  }
  return {
    args,
    flags: values,
    output: output as OutputFormat,
    contextName: values['context'] as string | undefined,
    isHelp,
  }
}

/** A string flag's value, or undefined. */
export function stringFlag(invocation: Pick<Invocation, 'flags'>, name: string): string | undefined {
  const value = invocation.flags[name]
  return typeof value === 'string' ? value : undefined
}

/** A repeatable flag's values, in order. */
export function listFlag(invocation: Pick<Invocation, 'flags'>, name: string): string[] {
  const value = invocation.flags[name]
  if (value === undefined || typeof value === 'boolean') return []
  return [value].flat()
}

export function booleanFlag(invocation: Pick<Invocation, 'flags'>, name: string): boolean {
  return invocation.flags[name] === true
}

/** A positional argument that the parser has checked is present. */
export function requiredArg(invocation: Pick<Invocation, 'args'>, name: string): string {
  const value = invocation.args[name]
  if (value === undefined) throw new UsageError(`missing argument <${name}>`)
  return value
}
