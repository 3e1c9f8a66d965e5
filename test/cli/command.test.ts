/**
 * The CLI's pieces without a process: command resolution and strict parsing, rendering, relative
 * times and API error messages.
 */
import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import { errorMessageOf, type Json } from '../../src/cli/api-client.ts'
import { EXIT_CODES, UsageError } from '../../src/cli/cli-error.ts'
import { parseCommandLine, resolveCommand } from '../../src/cli/command.ts'
import { sinceOf } from '../../src/cli/commands/audit.ts'
import { commandTable } from '../../src/cli/commands/index.ts'
import { renderResult } from '../../src/cli/output.ts'
import { createProgress } from '../../src/cli/progress.ts'

const commands = commandTable()

function resolve(argv: string[]) {
  const resolution = resolveCommand(commands, argv)
  assert.equal(resolution.kind, 'command')
  return { command: resolution.command, parsed: parseCommandLine(resolution.command, resolution.rest) }
}

describe('command line parsing', () => {
  it('finds the longest command and parses its arguments and repeated flags', () => {
    const { command, parsed } = resolve([
      'kafka',
      'topic',
      'create',
      'orders',
      '--config',
      'a=1',
      '--config',
      'b=2',
      '-o',
      'yaml',
    ])
    assert.deepEqual(command.path, ['kafka', 'topic', 'create'])
    assert.deepEqual(parsed.args, { topic: 'orders' })
    assert.deepEqual(parsed.flags['config'], ['a=1', 'b=2'])
    assert.equal(parsed.output, 'yaml')
  })

  it('refuses unknown flags, missing arguments and flags, extra arguments and bad choices with exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['kafka', 'topic', 'list', '--nope'], /unknown flag --nope/],
      [['kafka', 'topic', 'create'], /missing argument <topic>/],
      [['iam', 'pool', 'list'], /missing required flag --provider/],
      [['environment', 'list', 'extra'], /unexpected argument "extra"/],
      [['kafka', 'acl', 'list', '--permission', 'MAYBE'], /--permission must be one of ALLOW, DENY/],
      [['audit', 'list', '-o', 'xml'], /--output must be one of human, json, yaml/],
    ]
    for (const [argv, message] of cases) {
      assert.throws(
        () => resolve(argv),
        (error: unknown) =>
          error instanceof UsageError &&
          error.exitCode === EXIT_CODES.usage &&
          message.test(error.message) &&
          (error.usage ?? '').startsWith(`Usage: gatehouse ${argv.slice(0, 2).join(' ')}`),
        argv.join(' '),
      )
    }
  })

  it('names an unknown command and offers what the group has', () => {
    assert.throws(
      () => resolveCommand(commands, ['iam', 'rbac', 'rolebinding', 'list']),
      (error: unknown) =>
        error instanceof UsageError &&
        /unknown command "iam rbac rolebinding"/.test(error.message) &&
        /role-binding list/.test(error.usage ?? ''),
    )
    assert.deepEqual(resolveCommand(commands, ['kafka', '--help']), {
      kind: 'group',
      prefix: ['kafka'],
      rest: ['--help'],
    })
  })

  it('accepts --help without the required flags', () => {
    const { parsed } = resolve(['api-key', 'create', '--help'])
    assert.equal(parsed.isHelp, true)
  })
})

describe('rendering', () => {
  const items: Json[] = [
    { id: 'sa-1', display_name: 'orders', spec: { owner: { id: 'u-1' } } },
    { id: 'sa-22', display_name: 'payments service', spec: {} },
  ]
  const columns = [
    { heading: 'ID', path: 'id' },
    { heading: 'Name', path: 'display_name' },
    { heading: 'Owner', path: 'spec.owner.id' },
  ]

  it('aligns a table for people, with empty cells for missing values', () => {
    assert.equal(
      renderResult({ kind: 'list', items, columns }, 'human'),
      [
        'ID     Name              Owner',
        '-----  ----------------  -----',
        'sa-1   orders            u-1',
        'sa-22  payments service',
        '',
      ].join('\n'),
    )
    assert.equal(renderResult({ kind: 'list', items: [], columns }, 'human'), 'None found.\n')
  })

  it('prints one object as key/value lines, nested fields dotted', () => {
    assert.equal(
      renderResult({ kind: 'object', value: items[0]! }, 'human'),
      'id             sa-1\ndisplay_name   orders\nspec.owner.id  u-1\n',
    )
  })

  it('prints the API objects unchanged as JSON or YAML', () => {
    assert.deepEqual(JSON.parse(renderResult({ kind: 'list', items, columns }, 'json')), items)
    assert.equal(renderResult({ kind: 'object', value: { id: 'x', n: 1 } }, 'yaml'), 'id: x\nn: 1\n')
    assert.deepEqual(JSON.parse(renderResult({ kind: 'message', text: 'Deleted.' }, 'json')), {
      message: 'Deleted.',
    })
  })
})

describe('audit --since', () => {
  it('turns durations into a time back from now and keeps RFC 3339 times', () => {
    const now = Date.parse('2026-01-01T12:00:00Z')
    assert.equal(sinceOf('10m', now), '2026-01-01T11:50:00.000Z')
    assert.equal(sinceOf('2h', now), '2026-01-01T10:00:00.000Z')
    assert.equal(sinceOf('1d', now), '2025-12-31T12:00:00.000Z')
    assert.equal(sinceOf('2026-01-01T00:00:00Z', now), '2026-01-01T00:00:00Z')
    assert.throws(() => sinceOf('yesterday', now), UsageError)
  })
})

describe('API error messages', () => {
  it('takes the message from either error shape', () => {
    assert.equal(errorMessageOf({ error_code: 40403, message: 'No topic.' }, 404), 'No topic.')
    assert.equal(
      errorMessageOf(
        { errors: [{ title: 'Bad', detail: 'display_name is taken' }, { title: 'Other' }] },
        409,
      ),
      'display_name is taken; Other',
    )
    assert.equal(errorMessageOf(undefined, 502), 'HTTP 502')
  })
})

describe('progress', () => {
  function recordingStream(isTTY: boolean) {
    const chunks: string[] = []
    const stream = new PassThrough() as PassThrough & { isTTY?: boolean }
    stream.isTTY = isTTY
    stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()))
    return { stream, text: () => chunks.join('') }
  }

  it('spins with its status on a terminal and erases its line when stopped', async () => {
    const { stream, text } = recordingStream(true)
    const progress = createProgress(stream, 'Producing')
    progress.update('3 records produced')
    await new Promise((resolve) => setTimeout(resolve, 250))
    progress.stop()
    await new Promise((resolve) => setImmediate(resolve))
    assert.match(text(), /3 records produced/)
    assert.ok(text().endsWith('\r\x1b[2K'), JSON.stringify(text()))
  })

  it('prints nothing when stderr is not a terminal', async () => {
    const { stream, text } = recordingStream(false)
    const progress = createProgress(stream, 'Producing')
    await new Promise((resolve) => setTimeout(resolve, 250))
    progress.stop()
    assert.equal(text(), '')
  })
})
