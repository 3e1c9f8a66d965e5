/**
 * @module bench/authentication
 *
 * What checking a credential costs: list-topics requests per second against the same gateway and
 * broker with the bootstrap credential, an ordinary cluster API key (both verified through the
 * store-backed cache), an OAuth bearer token from a real OIDC provider (test/support/oidc-provider.ts,
 * Okta-shaped, mapped to an identity pool by auto pool mapping), and with a key on a second gateway
 * whose cache is off (one database lookup per request). Rounds are interleaved so that a slow phase of the machine hits every path.
 * Appends its section to docs/benchmarks.md (run after bench/produce.ts, which rewrites the file).
 *
 * Usage: `npm run bench` (both benchmarks) or `node bench/authentication.ts`.
 * BENCH_AUTH_SECONDS (default 4) per round, BENCH_AUTH_CLIENTS (default 20) concurrent clients.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { cpus, totalmem } from 'node:os'
import { rmSync } from 'node:fs'
import { Admin } from '@platformatic/kafka'
import { writeReportSection } from './report.ts'
import { startLocalKafka, type LocalKafka } from '../scripts/local-kafka.ts'
import { fetchTokenOktaStyle, startTestOidcProvider } from '../test/support/oidc-provider.ts'

const SECONDS = Number(process.env['BENCH_AUTH_SECONDS'] ?? 4)
const CLIENTS = Number(process.env['BENCH_AUTH_CLIENTS'] ?? 20)
const ROUNDS = 3
/**
 * Topics the listed cluster holds during the run, created for it: a list's cost grows with its
 * topics (each is authorized and described), so the count is fixed rather than whatever earlier
 * runs left on the shared broker.
 */
const TOPICS = 10

interface Gateway {
  readonly child: ChildProcess
  readonly base: string
  readonly bootstrap: string
  readonly dataDir: string
}

const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`
const log = (line: string) => process.stderr.write(`[bench:auth] ${line}\n`)

async function startGateway(kafka: LocalKafka, cacheTtlMs: number): Promise<Gateway> {
  const secret = `bench-${randomUUID()}`
  const dataDir = `/tmp/gatehouse-bench-auth-${process.pid}-${cacheTtlMs}`
  const child = spawn(process.execPath, [new URL('../src/main.ts', import.meta.url).pathname], {
    env: {
      PATH: process.env['PATH'] ?? '',
      GATEHOUSE_SERVER_PORT: '0',
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_LOG_LEVEL: 'info',
      GATEHOUSE_ADMIN_API_KEY: 'BENCHAUTHKEY0001',
      GATEHOUSE_ADMIN_API_SECRET: secret,
      GATEHOUSE_AUTHENTICATION_API_KEY_CACHE_TTL_MS: String(cacheTtlMs),
      // The bench's OIDC provider listens on http://127.0.0.1.
      GATEHOUSE_AUTHENTICATION_ALLOW_LOOPBACK_HTTP_ISSUERS: 'true',
      GATEHOUSE_KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrapServers,
      GATEHOUSE_KAFKA_SASL_USERNAME: kafka.sasl.username,
      GATEHOUSE_KAFKA_SASL_PASSWORD: kafka.sasl.password,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const deadline = Date.now() + 60_000
  let port: number | undefined
  while (port === undefined) {
    const match = /"Server listening at http:\/\/127\.0\.0\.1:(\d+)"/.exec(output)
    if (match) port = Number(match[1])
    else if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`gateway did not start: ${output}`)
    else await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { child, base: `http://127.0.0.1:${port}`, bootstrap: basic('BENCHAUTHKEY0001', secret), dataDir }
}

/** The resource name of the whole cluster, for role bindings. */
async function clusterCrn(gateway: Gateway, clusterId: string): Promise<string> {
  const headers = { authorization: gateway.bootstrap }
  const cluster = (await (
    await fetch(`${gateway.base}/cmk/v2/clusters/${clusterId}`, { headers })
  ).json()) as {
    spec: { environment: { id: string } }
  }
  const organization = (await (await fetch(`${gateway.base}/org/v2/organizations`, { headers })).json()) as {
    data: { id: string }[]
  }
  return `crn://confluent.cloud/organization=${organization.data[0]!.id}/environment=${cluster.spec.environment.id}/cloud-cluster=${clusterId}/kafka=${clusterId}`
}

/**
 * An Okta-shaped identity provider registered on the gateway, one pool matching the bench client by
 * its scope, DeveloperRead on the cluster for the pool: a bearer token that lists what the key lists.
 */
async function createBearerToken(
  gateway: Gateway,
  clusterId: string,
  issuerUrl: string,
  client: Parameters<typeof fetchTokenOktaStyle>[0],
): Promise<string> {
  const headers = { authorization: gateway.bootstrap, 'content-type': 'application/json' }
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${gateway.base}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    })
    if (response.status !== 201)
      throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`)
    return (await response.json()) as { id: string }
  }
  const provider = await post('/iam/v2/identity-providers', { display_name: 'bench', issuer: issuerUrl })
  const pool = await post(`/iam/v2/identity-providers/${provider.id}/identity-pools`, {
    display_name: 'bench readers',
    filter: '"kafka.read" in claims.scp',
  })
  await post('/iam/v2/role-bindings', {
    principal: `User:${pool.id}`,
    role_name: 'DeveloperRead',
    crn_pattern: await clusterCrn(gateway, clusterId),
  })
  return `Bearer ${(await fetchTokenOktaStyle(client)).access_token}`
}

/** A service account and a key for the cluster, once the gateway has registered the cluster. */
async function createClusterKey(gateway: Gateway, clusterId: string): Promise<string> {
  const headers = { authorization: gateway.bootstrap, 'content-type': 'application/json' }
  const account = (await (
    await fetch(`${gateway.base}/iam/v2/service-accounts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ display_name: `bench-${randomUUID().slice(0, 8)}` }),
    })
  ).json()) as { id: string }
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await fetch(`${gateway.base}/iam/v2/api-keys`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ spec: { owner: { id: account.id }, resource: { id: clusterId } } }),
    })
    if (response.status === 202) {
      const key = (await response.json()) as { id: string; spec: { secret: string } }
      // It may read every topic, as the bootstrap credential does, so both lists are the same size.
      const granted = await fetch(`${gateway.base}/iam/v2/role-bindings`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          principal: `User:${account.id}`,
          role_name: 'DeveloperRead',
          crn_pattern: await clusterCrn(gateway, clusterId),
        }),
      })
      if (granted.status !== 201) throw new Error(`could not grant the bench key: ${await granted.text()}`)
      return basic(key.id, key.spec.secret)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error('the cluster was not registered in time')
}

/** Requests per second of `CLIENTS` loops calling `url` for `SECONDS`; every answer must be 200. */
async function requestsPerSecond(url: string, authorization: string): Promise<number> {
  const endAt = performance.now() + SECONDS * 1000
  let completed = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < endAt) {
        const response = await fetch(url, { headers: { authorization } })
        await response.arrayBuffer()
        if (response.status !== 200) throw new Error(`${url} answered ${response.status}`)
        completed++
      }
    }),
  )
  return completed / ((performance.now() - started) / 1000)
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const format = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 })

async function main(): Promise<void> {
  const kafka = await startLocalKafka({ name: 'bench', port: 49092, controllerPort: 49093, log })
  const topicNames = Array.from({ length: TOPICS }, () => `bench-auth-${randomUUID().slice(0, 8)}`)
  const admin = new Admin({
    clientId: 'bench-auth',
    bootstrapBrokers: [kafka.bootstrapServers],
    sasl: kafka.sasl,
  })
  await admin.createTopics({ topics: topicNames, partitions: 1, replicas: 1 })
  const cached = await startGateway(kafka, 500)
  const uncached = await startGateway(kafka, 0)
  const oidc = await startTestOidcProvider({
    flavours: ['okta'],
    okta: { clients: [{ scopes: ['kafka.read'] }] },
  })
  try {
    const clusterId = kafka.clusterId
    const topics = (gateway: Gateway) => `${gateway.base}/kafka/v3/clusters/${clusterId}/topics`
    const cachedKey = await createClusterKey(cached, clusterId)
    const uncachedKey = await createClusterKey(uncached, clusterId)
    const okta = oidc.issuers.okta
    const bearer = await createBearerToken(cached, clusterId, okta.issuer, okta.client())
    // Warm both gateways (connections to Kafka, JIT) before measuring.
    await requestsPerSecond(topics(cached), cachedKey)
    await requestsPerSecond(topics(uncached), uncachedKey)

    await requestsPerSecond(topics(cached), bearer)
    const listed = (await (
      await fetch(topics(cached), { headers: { authorization: cached.bootstrap } })
    ).json()) as { data: unknown[] }
    const topicCount = listed.data.length
    const runs = {
      bootstrap: [] as number[],
      key: [] as number[],
      bearer: [] as number[],
      uncached: [] as number[],
    }
    for (let round = 1; round <= ROUNDS; round++) {
      runs.bootstrap.push(await requestsPerSecond(topics(cached), cached.bootstrap))
      runs.key.push(await requestsPerSecond(topics(cached), cachedKey))
      runs.bearer.push(await requestsPerSecond(topics(cached), bearer))
      runs.uncached.push(await requestsPerSecond(topics(uncached), uncachedKey))
      log(
        `round ${round}: bootstrap ${format(runs.bootstrap.at(-1)!)}/s, key ${format(runs.key.at(-1)!)}/s, ` +
          `bearer ${format(runs.bearer.at(-1)!)}/s, key without cache ${format(runs.uncached.at(-1)!)}/s`,
      )
    }
    const bootstrap = median(runs.bootstrap)
    const key = median(runs.key)
    const withoutCache = median(runs.uncached)
    const bearerRate = median(runs.bearer)
    const bearerRatio = bearerRate / key
    const cost = (1 - key / bootstrap) * 100
    writeReportSection('authentication', [
      `## Authentication cost: list topics, ${CLIENTS} concurrent clients, ${ROUNDS} interleaved rounds of ${SECONDS} s`,
      '',
      'Command: `npm run bench` (this part: `node bench/authentication.ts`). Same broker, same gateway build;',
      `embedded store (PGlite). Each list returns the cluster's ${topicCount} topic${topicCount === 1 ? '' : 's'} (each authorized and described).`,
      'Requests per second, median of the rounds (range in brackets).',
      '',
      '| Credential | requests/s | vs bootstrap |',
      '|---|---|---|',
      `| Bootstrap credential (global key) | ${format(bootstrap)} [${format(Math.min(...runs.bootstrap))}–${format(Math.max(...runs.bootstrap))}] | 1.00 |`,
      `| Cluster API key, cached check (TTL 500 ms) | ${format(key)} [${format(Math.min(...runs.key))}–${format(Math.max(...runs.key))}] | ${(key / bootstrap).toFixed(2)} |`,
      `| OAuth bearer token (Okta-shaped JWT, RS256; auto pool mapping over one pool; verified token cached) | ${format(bearerRate)} [${format(Math.min(...runs.bearer))}–${format(Math.max(...runs.bearer))}] | ${(bearerRate / bootstrap).toFixed(2)} |`,
      `| Cluster API key, no cache (a store lookup per request; second gateway) | ${format(withoutCache)} [${format(Math.min(...runs.uncached))}–${format(Math.max(...runs.uncached))}] | ${(withoutCache / bootstrap).toFixed(2)} |`,
      '',
      `Cost of the cached key check against the bootstrap credential: ${cost.toFixed(1)} % (target: under 10 %).`,
      'Both are stored keys verified by the same code, so this mostly shows that an ordinary key costs no more',
      'than the administrator’s; the uncached row shows what the cache saves.',
      '',
      `Bearer tokens against the cluster API key: ${bearerRatio.toFixed(2)} (target: at least 0.9). The same token is sent by`,
      'every client, as a real client reuses its token until it expires: after the first request the signature',
      'check is skipped (the verified-token cache) and the pool filter is evaluated on each request.',
      '',
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
    ])
    log(`cached key check costs ${cost.toFixed(1)} % against the bootstrap credential`)
  } finally {
    await oidc.close()
    cached.child.kill('SIGTERM')
    uncached.child.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 500))
    rmSync(cached.dataDir, { recursive: true, force: true })
    rmSync(uncached.dataDir, { recursive: true, force: true })
    await admin.deleteTopics({ topics: topicNames }).finally(() => admin.close())
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error)?.stack ?? String(error)}\n`)
  process.exit(1)
})
