/**
 * @module cli/commands
 *
 * The command table: every command of the CLI, in the order help lists them.
 */
import { UsageError } from '../cli-error.ts'
import { requiredArg, type CommandSpec } from '../command.ts'
import { bashCompletion, zshCompletion } from '../completion.ts'
import { auditCommands } from './audit.ts'
import { contextCommands } from './context.ts'
import { identityCommands } from './identity.ts'
import { kafkaCommands } from './kafka.ts'

export function commandTable(): CommandSpec[] {
  const commands: CommandSpec[] = [
    ...contextCommands(),
    ...identityCommands(),
    ...kafkaCommands(),
    ...auditCommands(),
  ]
  commands.push({
    path: ['completion'],
    summary: 'Print a shell completion script: gatehouse completion bash|zsh.',
    args: [{ name: 'shell', description: 'bash or zsh.' }],
    examples: ['source <(gatehouse completion bash)', 'gatehouse completion zsh > "${fpath[1]}/_gatehouse"'],
    run: async (invocation) => {
      const shell = requiredArg(invocation, 'shell')
      if (shell === 'bash') invocation.io.stdout.write(bashCompletion(commands))
      else if (shell === 'zsh') invocation.io.stdout.write(zshCompletion(commands))
      else throw new UsageError(`completion is available for bash and zsh, not "${shell}"`)
      return { kind: 'none' }
    },
  })
  return commands
}
