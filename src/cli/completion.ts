/**
 * @module cli/completion
 *
 * Shell completion scripts, generated from the command table so they never fall behind it.
 */
import { GLOBAL_FLAGS, type CommandSpec } from './command.ts'

/** Every command-word prefix and what may follow it: more words, or a command's flags. */
function completionTable(
  commands: readonly CommandSpec[],
): { prefix: string; isCommand: boolean; words: string[] }[] {
  const next = new Map<string, Set<string>>()
  for (const command of commands) {
    for (let depth = 0; depth < command.path.length; depth++) {
      const prefix = command.path.slice(0, depth).join(' ')
      if (!next.has(prefix)) next.set(prefix, new Set())
      next.get(prefix)!.add(command.path[depth]!)
    }
  }
  const rows = [...next].map(([prefix, words]) => ({ prefix, isCommand: false, words: [...words] }))
  for (const command of commands) {
    const flags = Object.keys({ ...command.flags, ...GLOBAL_FLAGS }).map((name) => `--${name}`)
    rows.push({ prefix: command.path.join(' '), isCommand: true, words: flags })
  }
  // Longest prefixes first: bash's `case` takes the first pattern that matches.
  return rows.sort((a, b) => b.prefix.length - a.prefix.length)
}

export function bashCompletion(commands: readonly CommandSpec[]): string {
  const cases = completionTable(commands).map((row) => {
    // A command's flags are offered after its positional arguments too.
    const pattern = row.isCommand ? `"${row.prefix}"|"${row.prefix} "*` : `"${row.prefix}"`
    return `    ${pattern}) candidates="${row.words.join(' ')}" ;;`
  })
  return [
    '# gatehouse bash completion. Load it with: source <(gatehouse completion bash)',
    '_gatehouse_complete() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" path="" candidates="" i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    case "${COMP_WORDS[i]}" in',
    '      -*) break ;;',
    '    esac',
    '    path="${path:+$path }${COMP_WORDS[i]}"',
    '  done',
    '  case "$path" in',
    ...cases,
    '  esac',
    '  case "${COMP_WORDS[COMP_CWORD-1]}" in',
    '    --output|-o) candidates="human json yaml" ;;',
    '  esac',
    '  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))',
    '}',
    'complete -F _gatehouse_complete gatehouse',
    '',
  ].join('\n')
}

export function zshCompletion(commands: readonly CommandSpec[]): string {
  // zsh runs the bash completion through its bashcompinit layer: one table, two shells.
  return [
    '# gatehouse zsh completion. Load it with: source <(gatehouse completion zsh)',
    'autoload -U +X compinit && compinit',
    'autoload -U +X bashcompinit && bashcompinit',
    bashCompletion(commands).split('\n').slice(1).join('\n'),
  ].join('\n')
}
