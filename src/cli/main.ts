/**
 * @module cli/main
 *
 * The `gatehouse` command's composition root: reads the configuration file's path from the
 * environment, finds the command, runs it and turns the outcome into output and an exit code
 * (docs/cli.md lists them). It talks to the gateway only through its public HTTP API.
 */
import { ApiClient } from './api-client.ts'
import { ApiError, CliError, EXIT_CODES, UsageError, type ExitCode } from './cli-error.ts'
import {
  groupUsageOf,
  parseCommandLine,
  resolveCommand,
  usageOf,
  type CliIo,
  type Invocation,
} from './command.ts'
import { commandTable } from './commands/index.ts'
import { configPath, readConfig, writeConfig, type CliContext } from './config-file.ts'
import { renderResult, type OutputFormat } from './output.ts'

const TOP_LEVEL_HELP = `gatehouse: manage workload identities, access and topics of a Gatehouse gateway.

Start with: gatehouse login --url http://localhost:8082 --api-key KEY   (secret from GATEHOUSE_API_SECRET or stdin)

`

function selectContext(
  io: CliIo,
  contextName: string | undefined,
): () => { name: string; context: CliContext } {
  return () => {
    const config = readConfig(configPath(io.env))
    const name = contextName ?? config.currentContext
    if (name === undefined) {
      throw new CliError(
        'not logged in: run "gatehouse login --url URL --api-key KEY" first',
        EXIT_CODES.denied,
      )
    }
    const context = config.contexts[name]
    if (context === undefined) {
      throw new UsageError(`no context named "${name}" (see: gatehouse context list)`)
    }
    return { name, context }
  }
}

function reportError(error: unknown, io: CliIo, output: OutputFormat): ExitCode {
  if (error instanceof CliError) {
    const status = error instanceof ApiError ? ` (HTTP ${error.status})` : ''
    io.stderr.write(`Error: ${error.message}${status}\n`)
    // Programs asked for JSON or YAML also get the API's error body as it was sent.
    if (error instanceof ApiError && output !== 'human' && error.body !== undefined) {
      io.stderr.write(`${typeof error.body === 'string' ? error.body : JSON.stringify(error.body)}\n`)
    }
    if (error.usage !== undefined) io.stderr.write(`\n${error.usage}`)
    return error.exitCode
  }
  io.stderr.write(`Error: ${(error as Error)?.stack ?? String(error)}\n`)
  return EXIT_CODES.failure
}

/** Runs one command line and answers its exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const commands = commandTable()
  let output: OutputFormat = 'human'
  try {
    const resolution = resolveCommand(commands, argv)
    if (resolution.kind === 'group') {
      const usage =
        (resolution.prefix.length === 0 ? TOP_LEVEL_HELP : '') + groupUsageOf(resolution.prefix, commands)
      const isHelp = resolution.rest.some((token) => token === '--help' || token === '-h')
      if (isHelp || (resolution.prefix.length === 0 && resolution.rest.length === 0)) {
        io.stdout.write(usage)
        return EXIT_CODES.ok
      }
      const what =
        resolution.prefix.length === 0 ? 'a command' : `a command after "${resolution.prefix.join(' ')}"`
      throw new UsageError(
        resolution.rest.length > 0
          ? `unknown flag ${resolution.rest[0]}; expected ${what}`
          : `expected ${what}`,
        usage,
      )
    }
    const { command } = resolution
    const parsed = parseCommandLine(command, resolution.rest)
    output = parsed.output
    if (parsed.isHelp) {
      io.stdout.write(usageOf(command))
      return EXIT_CODES.ok
    }
    const path = configPath(io.env)
    const context = selectContext(io, parsed.contextName)
    let client: ApiClient | undefined
    const invocation: Invocation = {
      args: parsed.args,
      flags: parsed.flags,
      output,
      io,
      context,
      config: { path, read: () => readConfig(path), write: (config) => writeConfig(path, config) },
      api: () => {
        if (client) return client
        const selected = context()
        client = new ApiClient({
          context: selected.context,
          onToken: (token) => {
            // Kept for the next invocations, so that a script does not fetch a token per command.
            const config = readConfig(path)
            const saved = config.contexts[selected.name]
            if (saved?.credential.kind !== 'oauth') return
            writeConfig(path, {
              ...config,
              contexts: {
                ...config.contexts,
                [selected.name]: { ...saved, credential: { ...saved.credential, cachedToken: token } },
              },
            })
          },
        })
        return client
      },
    }
    const result = await command.run(invocation)
    io.stdout.write(renderResult(result, output))
    return EXIT_CODES.ok
  } catch (error) {
    return reportError(error, io, output)
  }
}

const exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
})
process.exitCode = exitCode
