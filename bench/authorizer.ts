/**
 * @module bench/authorizer
 *
 * What one authorization decision costs with a large rule set: 100,000 Kafka ACLs and 10,000 role
 * bindings, generated deterministically, indexed once, then `decide()` timed one call at a time
 * for a mix of requests (allowed by an ACL, by a role binding, denied by a DENY, denied for lack of
 * a rule). Baselines in the same run: the same requests against no rules and against rule sets
 * 100 times smaller. Writes its section of docs/benchmarks.md.
 *
 * Usage: `npm run bench:authz` (`node --expose-gc bench/authorizer.ts`); part of `npm run bench`.
 */
import { cpus, totalmem } from 'node:os'
import {
  AclIndex,
  decide,
  PREDEFINED_ROLES,
  RoleBindingIndex,
  type RoleBinding,
  type Subject,
  type Verdict,
} from '../src/authz/index.ts'
import type { Acl, AclOperation, Action, ResourcePath } from '../src/core/index.ts'
import { writeReportSection } from './report.ts'

const ORGANIZATION = '6f1f3b3e-8d0c-4f3e-9a55-1d2f0c6b7a10'
const ENVIRONMENTS = 20
const CLUSTER = 'lkc-bench1'
const ENVIRONMENT_OF_CLUSTER = 'env-00'
const REQUESTS = 200_000
/** Each rule set is measured this many times, interleaved with the others; the report gives the median round. */
const ROUNDS = Number(process.env.BENCH_AUTHZ_ROUNDS ?? 5)
const log = (line: string) => process.stderr.write(`[bench:authz] ${line}\n`)

/** mulberry32: the same rules and requests on every run. */
function generator(seed: number) {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
  const int = (bound: number) => Math.floor(next() * bound)
  return { next, int, pick: <T>(items: readonly T[]): T => items[int(items.length)]! }
}

const principalName = (n: number) => `User:sa-${n.toString(36).padStart(6, '0')}`
const topicName = (n: number) => `${['orders', 'payments', 'audit', 'clicks', 'users'][n % 5]}-${n}`

export function generateAcls(count: number, principals: number): Acl[] {
  const random = generator(1)
  const operations: AclOperation[] = [
    'READ',
    'WRITE',
    'DESCRIBE',
    'CREATE',
    'DELETE',
    'ALTER',
    'DESCRIBE_CONFIGS',
    'ALTER_CONFIGS',
    'ALL',
  ]
  return Array.from({ length: count }, (): Acl => {
    const kind = random.next()
    const resourceType =
      kind < 0.7 ? 'TOPIC' : kind < 0.9 ? 'GROUP' : kind < 0.97 ? 'TRANSACTIONAL_ID' : 'CLUSTER'
    const patternRoll = random.next()
    const patternType = resourceType === 'CLUSTER' || patternRoll < 0.75 ? 'LITERAL' : 'PREFIXED'
    const name =
      resourceType === 'CLUSTER'
        ? 'kafka-cluster'
        : patternType === 'PREFIXED'
          ? topicName(random.int(50_000)).slice(0, 7 + random.int(5))
          : patternRoll > 0.995
            ? '*'
            : topicName(random.int(50_000))
    return {
      resourceType,
      resourceName: name,
      patternType,
      principal: random.next() < 0.02 ? 'User:*' : principalName(random.int(principals)),
      host: random.next() < 0.95 ? '*' : `10.0.${random.int(256)}.${random.int(256)}`,
      operation: random.pick(operations),
      permission: random.next() < 0.1 ? 'DENY' : 'ALLOW',
    }
  })
}

export function generateBindings(count: number, principals: number): RoleBinding[] {
  const random = generator(2)
  const organization = `crn://confluent.cloud/organization=${ORGANIZATION}`
  const cluster = `${organization}/environment=${ENVIRONMENT_OF_CLUSTER}/cloud-cluster=${CLUSTER}`
  return Array.from({ length: count }, (_, index): RoleBinding => {
    const level = random.next()
    const role = (names: string[]) =>
      random.pick(PREDEFINED_ROLES.filter((each) => names.includes(each.name))).name
    const [roleName, crnPattern] =
      level < 0.02
        ? [role(['Operator', 'MetricsViewer']), organization]
        : level < 0.06
          ? [
              role(['EnvironmentAdmin']),
              `${organization}/environment=env-${String(random.int(ENVIRONMENTS)).padStart(2, '0')}`,
            ]
          : level < 0.1
            ? [role(['CloudClusterAdmin', 'Operator']), cluster]
            : level < 0.6
              ? [
                  role(['DeveloperRead', 'DeveloperWrite', 'DeveloperManage', 'ResourceOwner']),
                  `${cluster}/kafka=${CLUSTER}/topic=${topicName(random.int(50_000))}`,
                ]
              : level < 0.85
                ? [
                    role(['DeveloperRead', 'DeveloperWrite']),
                    `${cluster}/kafka=${CLUSTER}/topic=${topicName(random.int(5_000)).slice(0, 4 + random.int(6))}*`,
                  ]
                : [
                    role(['DeveloperRead', 'DeveloperManage']),
                    `${cluster}/kafka=${CLUSTER}/group=${topicName(random.int(50_000))}`,
                  ]
    return { id: `rb-${index}`, principal: principalName(random.int(principals)), roleName, crnPattern }
  })
}

/**
 * A copy of `text` as the gateway would hold it: a string of its own (the index's strings are not
 * shared with a request's), stored flat. Template literals and `split` here would otherwise hand
 * over rope or sliced strings, or the very strings the index holds, which a parsed URL and a
 * credential lookup do not.
 */
function freshFlatCopy(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8')
}

const clusterPath: ResourcePath = [
  { type: 'organization', name: ORGANIZATION },
  { type: 'environment', name: ENVIRONMENT_OF_CLUSTER },
  { type: 'cloud-cluster', name: CLUSTER },
  { type: 'kafka', name: CLUSTER },
]

/**
 * A quarter of the requests come from a role binding's principal on a resource it names, a quarter
 * from an ACL's principal on its resource, the rest from anyone on anything: so that every kind of
 * answer is common, not only "no rule".
 */
export function generateRequests(
  count: number,
  principals: number,
  acls: readonly Acl[],
  bindings: readonly RoleBinding[],
): { subject: Subject; action: Action }[] {
  const random = generator(3)
  const named = (type: 'topic' | 'group', name: string): ResourcePath => [...clusterPath, { type, name }]
  return Array.from({ length: count }, () => {
    const held = 1 + random.int(3)
    const kind = random.next()
    const binding = random.pick(bindings)
    const acl = random.pick(acls)
    const first =
      kind < 0.25
        ? binding.principal
        : kind < 0.5 && acl.principal !== 'User:*'
          ? acl.principal
          : principalName(random.int(principals))
    const subject = {
      principals: Array.from({ length: held }, (_, index) =>
        index === 0 ? first : `User:pool-${random.int(100)}`,
      ),
      host: '10.0.0.1',
    }
    const boundName = binding.crnPattern.split('=').pop()!.replace('*', 'x')
    let resource: ResourcePath
    if (kind < 0.25 && /\/(topic|group)=/.test(binding.crnPattern)) {
      resource = named(binding.crnPattern.includes('/group=') ? 'group' : 'topic', boundName)
    } else if (kind < 0.5 && (acl.resourceType === 'TOPIC' || acl.resourceType === 'GROUP')) {
      resource = named(
        acl.resourceType === 'TOPIC' ? 'topic' : 'group',
        acl.resourceName === '*' ? 'any' : acl.resourceName,
      )
    } else {
      const roll = random.next()
      resource =
        roll < 0.6
          ? named('topic', topicName(random.int(50_000)))
          : roll < 0.9
            ? named('group', topicName(random.int(50_000)))
            : clusterPath
    }
    const operation = random.pick([
      'Read',
      'Write',
      'Describe',
      'Describe',
      'Create',
      'AlterConfigs',
    ] as const)
    return { subject, action: { resource, operation } }
  })
}

interface Measured {
  readonly label: string
  readonly p50: number
  readonly p99: number
  readonly p999: number
  readonly max: number
  readonly perSecond: number
  readonly reasons: Record<Verdict['reason'], number>
  /** p99 of every round, in the order measured. */
  readonly p99s: readonly number[]
}

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!
}

/**
 * A request as the gateway holds one when it decides: built a moment before, from the credential
 * and the URL, so in the CPU's caches (the rules are not), with strings of its own.
 */
function asParsed(request: { subject: Subject; action: Action }): { subject: Subject; action: Action } {
  const { principals, host } = request.subject
  const { resource, operation } = request.action
  const last = resource.at(-1)!
  return {
    subject: { principals: principals.map(freshFlatCopy), host: freshFlatCopy(host) },
    action: {
      resource: [...resource.slice(0, -1), { type: last.type, name: freshFlatCopy(last.name) }],
      operation,
    },
  }
}

/**
 * Times each decision alone with `performance.now()` (a double: unlike `hrtime.bigint()` it allocates
 * nothing, so the timer adds no garbage collection of its own); subtracts the cost of reading it twice.
 */
function measure(
  label: string,
  requests: readonly { subject: Subject; action: Action }[],
  bindings: RoleBindingIndex,
  acls: AclIndex,
  clockCostNs: number,
): Measured {
  for (const request of requests.slice(0, 20_000)) decide(request.subject, request.action, bindings, acls)
  const durations = new Float64Array(requests.length)
  const reasons: Record<Verdict['reason'], number> = {
    'acl-allow': 0,
    'role-binding': 0,
    'acl-deny': 0,
    'no-rule': 0,
    error: 0,
  }
  for (let index = 0; index < requests.length; index++) {
    const request = asParsed(requests[index]!)
    const before = performance.now()
    const verdict = decide(request.subject, request.action, bindings, acls)
    durations[index] = Math.max(0, (performance.now() - before) * 1e6 - clockCostNs)
    reasons[verdict.reason]++
  }
  // The decisions alone: building each request (untimed) is not part of the rate.
  const elapsedNs = durations.reduce((sum, duration) => sum + duration, 0)
  durations.sort()
  return {
    label,
    p50: percentile(durations, 0.5),
    p99: percentile(durations, 0.99),
    p999: percentile(durations, 0.999),
    max: durations[durations.length - 1]!,
    perSecond: requests.length / (elapsedNs / 1e9),
    reasons,
    p99s: [],
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/**
 * The rounds of one rule set as one row: the median of each statistic over the rounds, so that
 * one round disturbed by another process on the machine does not decide the result.
 */
function combineRounds(rounds: readonly Measured[]): Measured {
  const first = rounds[0]!
  return {
    label: first.label,
    p50: median(rounds.map((round) => round.p50)),
    p99: median(rounds.map((round) => round.p99)),
    p999: median(rounds.map((round) => round.p999)),
    max: Math.max(...rounds.map((round) => round.max)),
    perSecond: median(rounds.map((round) => round.perSecond)),
    reasons: first.reasons,
    p99s: rounds.map((round) => round.p99),
  }
}

function clockCost(): number {
  const samples = new Float64Array(100_000)
  for (let index = 0; index < samples.length; index++) {
    const before = performance.now()
    samples[index] = (performance.now() - before) * 1e6
  }
  samples.sort()
  return percentile(samples, 0.5)
}

function heapUsed(): number {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}

function main(): void {
  const principals = 2_000
  const clockNs = clockCost()
  log(`reading the clock twice costs ${clockNs.toFixed(0)} ns (subtracted)`)

  const heapBefore = heapUsed()
  const acls = generateAcls(100_000, principals)
  const bindings = generateBindings(10_000, principals)
  const builtAt = performance.now()
  const aclIndex = new AclIndex(acls)
  const bindingIndex = new RoleBindingIndex(bindings)
  const buildMs = performance.now() - builtAt
  const heapAfter = heapUsed()
  const requests = generateRequests(REQUESTS, principals, acls, bindings)
  log(`indexed ${aclIndex.size} ACLs and ${bindingIndex.size} role bindings in ${buildMs.toFixed(0)} ms`)

  const smallBindings = new RoleBindingIndex(generateBindings(100, 20))
  const smallAcls = new AclIndex(generateAcls(1_000, 20))
  const emptyBindings = new RoleBindingIndex([])
  const emptyAcls = new AclIndex([])
  const rounds: Measured[][] = [[], [], []]
  for (let round = 0; round < ROUNDS; round++) {
    rounds[0]!.push(measure('no rules (baseline)', requests, emptyBindings, emptyAcls, clockNs))
    rounds[1]!.push(measure('1,000 ACLs, 100 role bindings', requests, smallBindings, smallAcls, clockNs))
    rounds[2]!.push(measure('100,000 ACLs, 10,000 role bindings', requests, bindingIndex, aclIndex, clockNs))
    log(
      `round ${round + 1}/${ROUNDS}: p99 with the full rule set ${(rounds[2]!.at(-1)!.p99 / 1000).toFixed(2)} µs`,
    )
  }
  const [empty, small, full] = rounds.map(combineRounds) as [Measured, Measured, Measured]
  const rows = [empty, small, full]
  const micro = (ns: number) => (ns / 1000).toFixed(2)
  const mix = (row: Measured) =>
    (['acl-allow', 'role-binding', 'acl-deny', 'no-rule'] as const)
      .map((reason) => `${reason} ${((row.reasons[reason] / REQUESTS) * 100).toFixed(1)} %`)
      .join(', ')
  for (const row of rows)
    log(`${row.label}: p50 ${micro(row.p50)} µs, p99 ${micro(row.p99)} µs (${mix(row)})`)
  const isMet = full.p99 <= 10_000
  writeReportSection('authorizer', [
    '## Authorization decision cost',
    '',
    'Command: `npm run bench` (this part: `npm run bench:authz`, i.e. `node --expose-gc bench/authorizer.ts`).',
    `One \`decide()\` call of src/authz (the part of every request that evaluates rules) timed on its own, ${REQUESTS.toLocaleString('en')} requests`,
    `after a warm-up, each from a subject holding 1–3 principals, on topics, groups and the cluster; ${ROUNDS} rounds of each rule set,`,
    'interleaved, each statistic the median over the rounds (max: the largest of all). The cost of',
    `reading the clock twice (${clockNs.toFixed(0)} ns, measured in the same run) is subtracted. Rules are generated from fixed seeds:`,
    'ACLs over topics, groups, transactional ids and the cluster (literal, prefixed, `*`; 10 % DENY; 2 % `User:*`;',
    '5 % with a host), role bindings of the predefined roles from the organization down to single topics and',
    'prefixes, over 2,000 service accounts. Each request is built just before its decision (untimed), as the gateway',
    'builds one from the credential and the URL: in the CPU’s caches (the rules are not), with strings of its own (not',
    'the rules’ string objects, flat rather than the ropes template literals make, their hashes not yet computed).',
    'decisions/s: one over the mean time of a decision.',
    '',
    '| Rules | p50 µs | p99 µs | p99.9 µs | max µs | decisions/s | how requests were decided |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.label} | ${micro(row.p50)} | ${micro(row.p99)} | ${micro(row.p999)} | ${micro(row.max)} | ${Math.round(row.perSecond).toLocaleString('en')} | ${mix(row)} |`,
    ),
    '',
    `Target: p99 ≤ 10 µs with 100,000 ACLs and 10,000 role bindings — ${isMet ? 'met' : 'not met'} (${micro(full.p99)} µs; p99 of each round: ${full.p99s.map(micro).join(', ')} µs).`,
    `Building the indexes took ${buildMs.toFixed(0)} ms; rules and indexes together hold about ${((heapAfter - heapBefore) / 2 ** 20).toFixed(0)} MiB of heap`,
    '(heap used after a forced GC, before and after generating and indexing them). The max column is one',
    'outlier (a GC pause or a descheduled thread), not a bound.',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
  ])
  log(`p99 ${micro(full.p99)} µs with the full rule set; target ${isMet ? 'met' : 'NOT met'}`)
}

if (import.meta.main) main()
