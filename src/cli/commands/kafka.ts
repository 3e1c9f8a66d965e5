/**
 * @module cli/commands/kafka
 *
 * Topics, producing from stdin, and Kafka ACLs, over `/kafka/v3`.
 */
import { createInterface } from 'node:readline'
import { errorMessageOf, isJsonObject, parseJson, type Json, type JsonObject } from '../api-client.ts'
import { ApiError, CliError, EXIT_CODES, UsageError } from '../cli-error.ts'
import {
  booleanFlag,
  listFlag,
  requiredArg,
  stringFlag,
  type CommandSpec,
  type Invocation,
} from '../command.ts'
import { renderResult } from '../output.ts'
import { createProgress } from '../progress.ts'
import { CLUSTER_FLAG, clusterOf } from './identity.ts'

const topicsPath = (invocation: Invocation) =>
  `/kafka/v3/clusters/${encodeURIComponent(clusterOf(invocation))}/topics`
const topicPath = (invocation: Invocation) =>
  `${topicsPath(invocation)}/${encodeURIComponent(requiredArg(invocation, 'topic'))}`
const TOPIC_ARG = [{ name: 'topic', description: 'The topic name.' }]

function positiveInteger(invocation: Invocation, name: string): number | undefined {
  const text = stringFlag(invocation, name)
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`--${name} must be a positive integer, not "${text}"`)
  return value
}

/** `--config name=value` flags as the API's config list. */
function configsOf(invocation: Invocation): { name: string; value: string }[] {
  return listFlag(invocation, 'config').map((entry) => {
    const at = entry.indexOf('=')
    if (at <= 0) throw new UsageError(`--config takes NAME=VALUE, not "${entry}"`)
    return { name: entry.slice(0, at), value: entry.slice(at + 1) }
  })
}

const CONFIG_FLAG = {
  type: 'string',
  multiple: true,
  description: 'A topic config as NAME=VALUE, e.g. retention.ms=86400000.',
  placeholder: 'NAME=VALUE',
} as const

const ACL_COLUMNS = [
  { heading: 'Principal', path: 'principal' },
  { heading: 'Permission', path: 'permission' },
  { heading: 'Operation', path: 'operation' },
  { heading: 'Resource type', path: 'resource_type' },
  { heading: 'Resource name', path: 'resource_name' },
  { heading: 'Pattern', path: 'pattern_type' },
  { heading: 'Host', path: 'host' },
]

const aclFlags = (isRequired: boolean) =>
  ({
    principal: {
      type: 'string',
      required: isRequired,
      description: 'User:sa-… or User:*.',
      placeholder: 'PRINCIPAL',
    },
    operation: {
      type: 'string',
      required: isRequired,
      description: 'READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, ALL, …',
      placeholder: 'OPERATION',
    },
    permission: {
      type: 'string',
      required: isRequired,
      choices: ['ALLOW', 'DENY'],
      description: 'ALLOW or DENY.',
      placeholder: 'PERMISSION',
    },
    'resource-type': {
      type: 'string',
      required: isRequired,
      description: 'TOPIC, GROUP, CLUSTER or TRANSACTIONAL_ID.',
      placeholder: 'TYPE',
    },
    'resource-name': {
      type: 'string',
      required: isRequired,
      description: 'The resource name (kafka-cluster for CLUSTER).',
      placeholder: 'NAME',
    },
    'pattern-type': {
      type: 'string',
      description: isRequired ? 'LITERAL (default) or PREFIXED.' : 'LITERAL, PREFIXED, MATCH or ANY.',
      placeholder: 'PATTERN',
    },
    host: { type: 'string', description: 'The client host (default *).', placeholder: 'HOST' },
    cluster: CLUSTER_FLAG,
  }) as const

function aclFields(invocation: Invocation, defaults: Record<string, string>): Record<string, string> {
  const fields: Record<string, string> = { ...defaults }
  const names: Record<string, string> = {
    principal: 'principal',
    operation: 'operation',
    permission: 'permission',
    'resource-type': 'resource_type',
    'resource-name': 'resource_name',
    'pattern-type': 'pattern_type',
    host: 'host',
  }
  for (const [flag, field] of Object.entries(names)) {
    const value = stringFlag(invocation, flag)
    if (value !== undefined)
      fields[field] =
        flag === 'principal' || flag === 'resource-name' || flag === 'host' ? value : value.toUpperCase()
  }
  return fields
}

const aclsPath = (invocation: Invocation) =>
  `/kafka/v3/clusters/${encodeURIComponent(clusterOf(invocation))}/acls`

/** One stdin line as a record of the produce API. */
function recordOf(line: string, invocation: Invocation, lineNumber: number): JsonObject {
  const format = stringFlag(invocation, 'value-format') ?? 'string'
  let key = stringFlag(invocation, 'key')
  let valueText = line
  if (booleanFlag(invocation, 'parse-key')) {
    const delimiter = stringFlag(invocation, 'delimiter') ?? ':'
    const at = line.indexOf(delimiter)
    if (at < 0) throw new UsageError(`line ${lineNumber} has no key delimiter "${delimiter}"`)
    key = line.slice(0, at)
    valueText = line.slice(at + delimiter.length)
  }
  let value: JsonObject
  if (format === 'json') {
    const parsed = parseJson(valueText)
    if (parsed === undefined) throw new UsageError(`line ${lineNumber} is not JSON`)
    value = { type: 'JSON', data: parsed }
  } else {
    value = { type: 'STRING', data: valueText }
  }
  return { ...(key === undefined ? {} : { key: { type: 'STRING', data: key } }), value }
}

async function produceFromStdin(invocation: Invocation): Promise<number> {
  const api = invocation.api()
  const url = api.url(`${topicPath(invocation)}/records`)
  const progress = createProgress(invocation.io.stderr, 'Producing')
  const lines = createInterface({ input: invocation.io.stdin, crlfDelay: Infinity })
  let sent = 0
  let inputError: Error | undefined
  // Read through a function: the stream's callback sets it, which TypeScript's narrowing cannot see.
  const failedInput = (): Error | undefined => inputError
  // Records stream to the gateway as stdin is read, over one request; reports stream back.
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        for await (const line of lines) {
          if (line === '') continue
          sent++
          controller.enqueue(
            new TextEncoder().encode(`${JSON.stringify(recordOf(line, invocation, sent))}\n`),
          )
        }
        controller.close()
      } catch (error) {
        inputError = error instanceof Error ? error : new Error(String(error))
        controller.error(error)
      }
    },
  })
  let response: Response
  try {
    response = await api.send('POST', url, {
      body,
      duplex: 'half',
      // A stream body goes out chunked by itself.
      headers: { 'content-type': 'application/json' },
    })
  } catch (error) {
    progress.stop()
    throw failedInput() ?? error
  }
  const input = failedInput()
  if (input !== undefined) throw input
  if (!response.ok) {
    progress.stop()
    const text = await response.text()
    const parsed = parseJson(text)
    throw new ApiError(response.status, errorMessageOf(parsed ?? text, response.status), parsed ?? text)
  }
  let reported = 0
  let failed = 0
  const reports: Json[] = []
  let buffer = ''
  const decoder = new TextDecoder()
  const handle = (text: string) => {
    const report = parseJson(text)
    if (report === undefined) return
    reported++
    const errorCode = isJsonObject(report) ? report['error_code'] : undefined
    if (errorCode !== 200) failed++
    progress.update(`${reported} record${reported === 1 ? '' : 's'} produced`)
    if (invocation.output === 'human') {
      progress.clear()
      const field = (name: string) => {
        const value = isJsonObject(report) ? report[name] : undefined
        return typeof value === 'string' ? value : JSON.stringify(value ?? null)
      }
      invocation.io.stdout.write(
        errorCode === 200
          ? `Produced to partition ${field('partition_id')} at offset ${field('offset')}\n`
          : `Error ${field('error_code')}: ${field('message')}\n`,
      )
    } else {
      reports.push(report)
    }
  }
  try {
    for await (const chunk of response.body ?? []) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true })
      let at: number
      while ((at = buffer.indexOf('\n')) >= 0) {
        handle(buffer.slice(0, at).trim())
        buffer = buffer.slice(at + 1)
      }
    }
  } catch (error) {
    progress.stop()
    // A bad input line aborts the request; say what was wrong with the input, not the socket.
    const input = failedInput()
    if (input !== undefined) throw input
    throw new CliError(
      `the gateway closed the stream after ${reported} of ${sent} records: ${(error as Error).message}`,
      EXIT_CODES.failure,
    )
  }
  handle(buffer.trim())
  progress.stop()
  if (invocation.output !== 'human')
    invocation.io.stdout.write(renderResult({ kind: 'list', items: reports, columns: [] }, invocation.output))
  if (failed > 0) {
    throw new CliError(`${failed} of ${reported} records were not produced`, EXIT_CODES.failure)
  }
  if (reported < sent) {
    throw new CliError(`only ${reported} of ${sent} records were reported as produced`, EXIT_CODES.failure)
  }
  return reported
}

export function kafkaCommands(): CommandSpec[] {
  return [
    {
      path: ['kafka', 'topic', 'list'],
      summary: 'List the topics of a cluster.',
      flags: { cluster: CLUSTER_FLAG },
      run: async (invocation) => ({
        kind: 'list',
        items: await invocation.api().list(topicsPath(invocation)),
        columns: [
          { heading: 'Name', path: 'topic_name' },
          { heading: 'Partitions', path: 'partitions_count' },
          { heading: 'Replication', path: 'replication_factor' },
          { heading: 'Internal', path: 'is_internal' },
        ],
      }),
    },
    {
      path: ['kafka', 'topic', 'describe'],
      summary: 'Show one topic.',
      args: TOPIC_ARG,
      flags: { cluster: CLUSTER_FLAG },
      run: async (invocation) => ({
        kind: 'object',
        value: (await invocation.api().request('GET', topicPath(invocation))) ?? null,
      }),
    },
    {
      path: ['kafka', 'topic', 'create'],
      summary: 'Create a topic.',
      args: TOPIC_ARG,
      flags: {
        partitions: {
          type: 'string',
          description: "Number of partitions (default: the broker's).",
          placeholder: 'N',
        },
        'replication-factor': {
          type: 'string',
          description: "Replicas per partition (default: the broker's).",
          placeholder: 'N',
        },
        config: CONFIG_FLAG,
        'dry-run': { type: 'boolean', description: 'Only check that the topic could be created.' },
        'if-not-exists': { type: 'boolean', description: 'Succeed when the topic exists already.' },
        cluster: CLUSTER_FLAG,
      },
      examples: ['gatehouse kafka topic create orders --partitions 3 --config retention.ms=86400000'],
      run: async (invocation) => {
        const partitions = positiveInteger(invocation, 'partitions')
        const replication = positiveInteger(invocation, 'replication-factor')
        const body = {
          topic_name: requiredArg(invocation, 'topic'),
          ...(partitions === undefined ? {} : { partitions_count: partitions }),
          ...(replication === undefined ? {} : { replication_factor: replication }),
          configs: configsOf(invocation),
          ...(booleanFlag(invocation, 'dry-run') ? { validate_only: true } : {}),
        }
        try {
          return {
            kind: 'object',
            value: (await invocation.api().request('POST', topicsPath(invocation), { body })) ?? null,
          }
        } catch (error) {
          const exists =
            error instanceof ApiError && isJsonObject(error.body) && error.body['error_code'] === 40002
          if (exists && booleanFlag(invocation, 'if-not-exists')) {
            return {
              kind: 'object',
              value: (await invocation.api().request('GET', topicPath(invocation))) ?? null,
            }
          }
          throw error
        }
      },
    },
    {
      path: ['kafka', 'topic', 'update'],
      summary: "Change a topic's configs or raise its partition count.",
      args: TOPIC_ARG,
      flags: {
        config: CONFIG_FLAG,
        partitions: { type: 'string', description: 'A new, larger partition count.', placeholder: 'N' },
        cluster: CLUSTER_FLAG,
      },
      run: async (invocation) => {
        const configs = configsOf(invocation)
        const partitions = positiveInteger(invocation, 'partitions')
        if (configs.length === 0 && partitions === undefined)
          throw new UsageError('nothing to change: give --config or --partitions')
        const api = invocation.api()
        if (configs.length > 0)
          await api.request('POST', `${topicPath(invocation)}/configs:alter`, { body: { data: configs } })
        if (partitions !== undefined)
          await api.request('PATCH', topicPath(invocation), { body: { partitions_count: partitions } })
        return { kind: 'object', value: (await api.request('GET', topicPath(invocation))) ?? null }
      },
    },
    {
      path: ['kafka', 'topic', 'delete'],
      summary: 'Delete a topic.',
      args: TOPIC_ARG,
      flags: { cluster: CLUSTER_FLAG },
      run: async (invocation) => {
        await invocation.api().request('DELETE', topicPath(invocation))
        const topic = requiredArg(invocation, 'topic')
        return {
          kind: 'message',
          text: `Deleted topic "${topic}".`,
          value: { topic_name: topic, deleted: true },
        }
      },
    },
    {
      path: ['kafka', 'topic', 'produce'],
      summary: 'Produce records read from stdin, one per line, and print each delivery report.',
      args: TOPIC_ARG,
      flags: {
        key: { type: 'string', description: 'The key of every record.', placeholder: 'KEY' },
        'parse-key': { type: 'boolean', description: 'Each line is KEY<delimiter>VALUE.' },
        delimiter: {
          type: 'string',
          description: 'What separates key and value with --parse-key (default ":").',
          placeholder: 'TEXT',
        },
        'value-format': {
          type: 'string',
          choices: ['string', 'json'],
          description: 'How to send each value (default string).',
          placeholder: 'FORMAT',
        },
        cluster: CLUSTER_FLAG,
      },
      examples: [
        'printf "a\\nb\\n" | gatehouse kafka topic produce orders',
        'gatehouse kafka topic produce orders --parse-key < lines.txt',
      ],
      run: async (invocation) => {
        if (stringFlag(invocation, 'key') !== undefined && booleanFlag(invocation, 'parse-key')) {
          throw new UsageError('give --key or --parse-key, not both')
        }
        await produceFromStdin(invocation)
        return { kind: 'none' }
      },
    },
    {
      path: ['kafka', 'acl', 'list'],
      summary: 'List the ACLs of a cluster that match the filters.',
      flags: aclFlags(false),
      run: async (invocation) => {
        const query = aclFields(invocation, {})
        return {
          kind: 'list',
          items: await invocation.api().list(aclsPath(invocation), query),
          columns: ACL_COLUMNS,
        }
      },
    },
    {
      path: ['kafka', 'acl', 'create'],
      summary: 'Create an ACL.',
      flags: aclFlags(true),
      examples: [
        'gatehouse kafka acl create --principal User:sa-abc123 --operation WRITE --permission ALLOW --resource-type TOPIC --resource-name orders',
      ],
      run: async (invocation) => {
        const body = aclFields(invocation, { pattern_type: 'LITERAL', host: '*' })
        await invocation.api().request('POST', aclsPath(invocation), { body })
        return { kind: 'object', value: body }
      },
    },
    {
      path: ['kafka', 'acl', 'delete'],
      summary: 'Delete the ACLs that match the flags; prints what was deleted.',
      flags: aclFlags(true),
      run: async (invocation) => {
        const query = aclFields(invocation, { pattern_type: 'LITERAL', host: '*' })
        const answer = await invocation.api().request('DELETE', aclsPath(invocation), { query })
        const items = isJsonObject(answer) && Array.isArray(answer['data']) ? answer['data'] : []
        return { kind: 'list', items, columns: ACL_COLUMNS }
      },
    },
  ]
}
