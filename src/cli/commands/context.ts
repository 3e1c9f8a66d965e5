/**
 * @module cli/commands/context
 *
 * `login` and `context`: which gateways the CLI knows and with which credential. A secret can come
 * from a flag, an environment variable or stdin, so that it need not land in shell history.
 */
import { ApiClient } from '../api-client.ts'
import { UsageError } from '../cli-error.ts'
import { requiredArg, stringFlag, type CliIo, type CommandSpec, type Invocation } from '../command.ts'
import { withContext, withoutContext, type CliContext, type Credential } from '../config-file.ts'

const DEFAULT_CONTEXT = 'default'

async function readStdinLine(io: CliIo): Promise<string | undefined> {
  if (io.stdin.isTTY === true) return undefined
  let text = ''
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
  const line = text.split(/\r?\n/)[0]?.trim()
  return line === '' ? undefined : line
}

/** A secret from its flag, else its environment variable, else the first line of stdin. */
async function secretOf(invocation: Invocation, flag: string, variable: string): Promise<string> {
  const secret =
    stringFlag(invocation, flag) ??
    (invocation.io.env[variable] || undefined) ??
    (await readStdinLine(invocation.io))
  if (secret === undefined) {
    throw new UsageError(`missing the secret: give --${flag}, set ${variable}, or pipe it on stdin`)
  }
  return secret
}

function credentialSummary(credential: Credential): string {
  return credential.kind === 'api-key' ? `API key ${credential.key}` : `OAuth client ${credential.clientId}`
}

export function contextCommands(): CommandSpec[] {
  return [
    {
      path: ['login'],
      summary: 'Save a gateway and a credential as a context, after checking that the gateway accepts it.',
      flags: {
        url: {
          type: 'string',
          required: true,
          description: 'The gateway, e.g. http://localhost:8082.',
          placeholder: 'URL',
        },
        'api-key': { type: 'string', description: 'An API key id.', placeholder: 'KEY' },
        'api-secret': {
          type: 'string',
          description: 'Its secret (or set GATEHOUSE_API_SECRET, or pipe it on stdin).',
          placeholder: 'SECRET',
        },
        'token-endpoint': {
          type: 'string',
          description: 'OAuth: the token endpoint of your identity provider.',
          placeholder: 'URL',
        },
        'client-id': { type: 'string', description: 'OAuth: the client id.', placeholder: 'ID' },
        'client-secret': {
          type: 'string',
          description: 'OAuth: the client secret (or set GATEHOUSE_CLIENT_SECRET, or pipe it on stdin).',
          placeholder: 'SECRET',
        },
        scope: { type: 'string', description: 'OAuth: the scope to ask for.', placeholder: 'SCOPE' },
        'identity-pool': {
          type: 'string',
          description: 'OAuth: act as these identity pools (comma-separated ids).',
          placeholder: 'IDS',
        },
      },
      examples: [
        'GATEHOUSE_API_SECRET=... gatehouse login --url http://localhost:8082 --api-key ABCDEFGHIJKLMNOP',
        'gatehouse login --context ci --url https://gw.example.com --token-endpoint https://idp.example.com/oauth2/token --client-id app --scope kafka --identity-pool pool-ab12 < secret.txt',
      ],
      run: async (invocation) => {
        const url = stringFlag(invocation, 'url')!
        if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--url must be an http(s) URL, not "${url}"`)
        const apiKey = stringFlag(invocation, 'api-key')
        const tokenEndpoint = stringFlag(invocation, 'token-endpoint')
        if ((apiKey === undefined) === (tokenEndpoint === undefined)) {
          throw new UsageError('give either --api-key, or --token-endpoint with --client-id')
        }
        let credential: Credential
        if (apiKey !== undefined) {
          credential = {
            kind: 'api-key',
            key: apiKey,
            secret: await secretOf(invocation, 'api-secret', 'GATEHOUSE_API_SECRET'),
          }
        } else {
          const clientId = stringFlag(invocation, 'client-id')
          if (clientId === undefined) throw new UsageError('--token-endpoint needs --client-id')
          const pools = stringFlag(invocation, 'identity-pool')
          credential = {
            kind: 'oauth',
            tokenEndpoint: tokenEndpoint!,
            clientId,
            clientSecret: await secretOf(invocation, 'client-secret', 'GATEHOUSE_CLIENT_SECRET'),
            scope: stringFlag(invocation, 'scope'),
            identityPoolIds: pools
              ?.split(',')
              .map((pool) => pool.trim())
              .filter(Boolean),
          }
        }
        const name = stringFlag(invocation, 'context') ?? DEFAULT_CONTEXT
        const previous = invocation.config.read().contexts[name]
        let context: CliContext = {
          url,
          credential,
          ...(previous?.url === url && previous.clusterId ? { clusterId: previous.clusterId } : {}),
        }
        // Any credential may read the API description, whatever its scope: a cheap check of the secret.
        const client = new ApiClient({
          context,
          onToken: (token) => {
            if (context.credential.kind === 'oauth')
              context = { ...context, credential: { ...context.credential, cachedToken: token } }
          },
        })
        await client.request('GET', '/openapi.json')
        invocation.config.write(withContext(invocation.config.read(), name, context, true))
        return {
          kind: 'message',
          text: `Logged in to ${url} with ${credentialSummary(credential)}; context "${name}" is now current.`,
          value: { context: name, url },
        }
      },
    },
    {
      path: ['context', 'list'],
      summary: 'List the saved contexts.',
      run: async (invocation) => {
        const config = invocation.config.read()
        const items = Object.entries(config.contexts).map(([name, context]) => ({
          current: name === config.currentContext ? '*' : '',
          name,
          url: context.url,
          credential: credentialSummary(context.credential),
          cluster: context.clusterId ?? '',
        }))
        return {
          kind: 'list',
          items,
          columns: [
            { heading: 'Current', path: 'current' },
            { heading: 'Name', path: 'name' },
            { heading: 'URL', path: 'url' },
            { heading: 'Credential', path: 'credential' },
            { heading: 'Cluster', path: 'cluster' },
          ],
        }
      },
    },
    {
      path: ['context', 'use'],
      summary: 'Make a saved context the current one.',
      args: [{ name: 'name', description: 'The context name.' }],
      run: async (invocation) => {
        const name = requiredArg(invocation, 'name')
        const config = invocation.config.read()
        if (config.contexts[name] === undefined)
          throw new UsageError(`no context named "${name}" (see: gatehouse context list)`)
        invocation.config.write({ ...config, currentContext: name })
        return { kind: 'message', text: `Context "${name}" is now current.`, value: { context: name } }
      },
    },
    {
      path: ['context', 'current'],
      summary: 'Show the current context (without its secret).',
      run: async (invocation) => {
        const { name, context } = invocation.context()
        return {
          kind: 'object',
          value: {
            name,
            url: context.url,
            credential: credentialSummary(context.credential),
            cluster: context.clusterId ?? null,
          },
        }
      },
    },
    {
      path: ['context', 'delete'],
      summary: 'Forget a saved context and its credential.',
      args: [{ name: 'name', description: 'The context name.' }],
      run: async (invocation) => {
        const name = requiredArg(invocation, 'name')
        const config = invocation.config.read()
        if (config.contexts[name] === undefined)
          throw new UsageError(`no context named "${name}" (see: gatehouse context list)`)
        invocation.config.write(withoutContext(config, name))
        return {
          kind: 'message',
          text: `Deleted context "${name}".`,
          value: { context: name, deleted: true },
        }
      },
    },
  ]
}
