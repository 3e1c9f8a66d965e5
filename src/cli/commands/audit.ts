/**
 * @module cli/commands/audit
 *
 * `gatehouse audit list`: the audit trail through `GET /gatehouse/v1/audit-events`.
 */
import { UsageError } from '../cli-error.ts'
import { stringFlag, type CommandSpec } from '../command.ts'
import { createProgress } from '../progress.ts'

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `10m`, `2h`, `1d` back from `now`, or an RFC 3339 time as it is. */
export function sinceOf(text: string, now: number): string {
  const relative = /^(\d+)([smhd])$/.exec(text)
  if (relative) return new Date(now - Number(relative[1]) * UNIT_MS[relative[2]!]!).toISOString()
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) return text
  throw new UsageError(`--since takes a duration such as 10m, 2h or 1d, or an RFC 3339 time; not "${text}"`)
}

export function auditCommands(): CommandSpec[] {
  return [
    {
      path: ['audit', 'list'],
      summary: 'List audit records: authentications and authorization decisions (needs OrganizationAdmin).',
      flags: {
        since: {
          type: 'string',
          description: 'How far back: 10m, 2h, 1d or an RFC 3339 time (default 1h).',
          placeholder: 'WHEN',
        },
        principal: {
          type: 'string',
          description: 'Only records naming this principal (User:sa-…).',
          placeholder: 'PRINCIPAL',
        },
        'credential-id': {
          type: 'string',
          description: 'Only requests made with this API key.',
          placeholder: 'KEY',
        },
        type: {
          type: 'string',
          choices: ['authentication', 'authorization'],
          description: 'Only one kind of record.',
          placeholder: 'TYPE',
        },
        decision: {
          type: 'string',
          choices: ['ALLOWED', 'DENIED'],
          description: 'Only allowed or only denied.',
          placeholder: 'DECISION',
        },
        limit: {
          type: 'string',
          description: 'At most this many records, 1–1000 (default 100).',
          placeholder: 'N',
        },
      },
      examples: ['gatehouse audit list --since 10m --credential-id ABCDEFGHIJKLMNOP --decision DENIED'],
      run: async (invocation) => {
        const limit = stringFlag(invocation, 'limit')
        if (limit !== undefined && !/^[1-9]\d*$/.test(limit))
          throw new UsageError(`--limit must be a positive integer, not "${limit}"`)
        const query = {
          since: sinceOf(stringFlag(invocation, 'since') ?? '1h', Date.now()),
          principal: stringFlag(invocation, 'principal'),
          credential_id: stringFlag(invocation, 'credential-id'),
          type: stringFlag(invocation, 'type'),
          decision: stringFlag(invocation, 'decision'),
          page_size: limit,
        }
        // Reading the audit topic can take a few seconds on a busy gateway.
        const progress = createProgress(invocation.io.stderr, 'Reading the audit trail')
        try {
          const answer = await invocation.api().request('GET', '/gatehouse/v1/audit-events', { query })
          const items =
            answer !== null &&
            typeof answer === 'object' &&
            !Array.isArray(answer) &&
            Array.isArray(answer['data'])
              ? answer['data']
              : []
          return {
            kind: 'list',
            items,
            columns: [
              { heading: 'Time', path: 'time' },
              { heading: 'Type', path: 'type' },
              { heading: 'Decision', path: 'data.decision' },
              { heading: 'Credential', path: 'data.credential.id' },
              { heading: 'Principals', path: 'data.principals' },
              { heading: 'Operation', path: 'data.operation' },
              { heading: 'Request', path: 'data.request.path' },
            ],
          }
        } finally {
          progress.stop()
        }
      },
    },
  ]
}
