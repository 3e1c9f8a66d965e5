/**
 * @module bench/produce
 *
 * `npm run bench`: produce throughput and latency through Gatehouse against a direct Kafka producer
 * on the same broker in the same run, and the gateway's peak memory. Writes docs/benchmarks.md.
 *
 * Bounded: a fixed number of records per measurement and a fixed duration for the latency run,
 * all on loopback. Numbers from one 2-core machine that also runs the broker and the load
 * generator are comparable within a run, not across machines.
 */
import { spawn } from 'node:child_process'
import { Agent, request as httpRequest } from 'node:http'
import { randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { Admin, Producer } from '@platformatic/kafka'
import { startLocalKafka, type LocalKafka } from '../scripts/local-kafka.ts'

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 20_000)
/** Each throughput is measured this many times, interleaved, and reported as median and range. */
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5)
const VALUE_BYTES = 1_024
const LATENCY_CLIENTS = 50
const LATENCY_SECONDS = Number(process.env['BENCH_LATENCY_SECONDS'] ?? 8)
const BATCH_ENTRIES = 50
const value = 'v'.repeat(VALUE_BYTES)

const agent = new Agent({ keepAlive: true, maxSockets: 64 })

/** One HTTP POST over a keep-alive agent; the body is written in the given chunks, with backpressure. */
function post(
  url: string,
  authorization: string,
  chunks: Iterable<Buffer | string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, {
      method: 'POST',
      agent,
      headers: { authorization, 'content-type': 'application/json' },
    })
    request.on('error', reject)
    request.on('response', (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    const iterator = chunks[Symbol.iterator]()
    const writeMore = () => {
      for (let next = iterator.next(); !next.done; next = iterator.next()) {
        if (!request.write(next.value)) return void request.once('drain', writeMore)
      }
      request.end()
    }
    writeMore()
  })
}

interface Throughput {
  readonly records: number
  readonly seconds: number
  readonly recordsPerSecond: number
  readonly megabytesPerSecond: number
  /** CPU time each process spent per record during the measurement, in µs. */
  cpu?: CpuPerRecord
}

/** The processes that share the machine's cores during a measurement. */
interface Processes {
  readonly broker: number
  readonly gateway: number
  readonly loadGenerator: number
}
type CpuPerRecord = Record<keyof Processes, number>

const CLOCK_TICKS_PER_SECOND = 100

/** User and system CPU time of a process (all its threads) so far, in µs; `/proc/<pid>/stat` fields 14 and 15. */
function cpuMicroseconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND) * 1e6
}

/**
 * Runs a measurement and notes what CPU each process spent on it per record. On a machine where
 * the broker, the gateway and the load generator share two cores, throughput follows the sum:
 * this is where the ratio between the paths comes from, and what to work on to change it.
 */
async function withCpu(processes: Processes, measure: () => Promise<Throughput>): Promise<Throughput> {
  const names = Object.keys(processes) as (keyof Processes)[]
  const before = names.map((name) => cpuMicroseconds(processes[name]))
  const result = await measure()
  result.cpu = Object.fromEntries(
    names.map((name, index) => [name, (cpuMicroseconds(processes[name]) - before[index]!) / result.records]),
  ) as CpuPerRecord
  return result
}

function throughput(records: number, started: bigint): Throughput {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return {
    records,
    seconds,
    recordsPerSecond: records / seconds,
    megabytesPerSecond: (records * VALUE_BYTES) / seconds / 1_048_576,
  }
}

/**
 * Topics this run created, deleted at its end: the broker is kept between runs, and topics left
 * behind would make later list-topics measurements (bench/authentication.ts) slower run by run.
 */
const createdTopics: string[] = []

async function createTopic(kafka: LocalKafka, partitions: number): Promise<string> {
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [kafka.bootstrapServers], sasl: kafka.sasl })
  const name = `bench-${randomUUID().slice(0, 8)}`
  await admin.createTopics({ topics: [name], partitions, replicas: 1 })
  createdTopics.push(name)
  await admin.close()
  return name
}

async function deleteCreatedTopics(kafka: LocalKafka): Promise<void> {
  if (createdTopics.length === 0) return
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [kafka.bootstrapServers], sasl: kafka.sasl })
  try {
    await admin.deleteTopics({ topics: createdTopics.splice(0) })
  } finally {
    await admin.close()
  }
}

/** The baseline: an application using @platformatic/kafka directly, 500-record sends, 4 in flight. */
async function directProducer(kafka: LocalKafka, topic: string): Promise<Throughput> {
  const producer = new Producer({
    clientId: 'bench-direct',
    bootstrapBrokers: [kafka.bootstrapServers],
    sasl: kafka.sasl,
    acks: -1,
  })
  const bytes = Buffer.from(value)
  await producer.send({ messages: [{ topic, value: bytes }] })
  const started = process.hrtime.bigint()
  let sent = 0
  const worker = async () => {
    while (sent < RECORDS) {
      const count = Math.min(500, RECORDS - sent)
      sent += count
      await producer.send({ messages: Array.from({ length: count }, () => ({ topic, value: bytes })) })
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()])
  const result = throughput(RECORDS, started)
  await producer.close()
  return result
}

/** One chunked HTTP request streaming every record; counts the delivery reports. */
async function streamingProduce(url: string, authorization: string): Promise<Throughput> {
  const chunk = Buffer.from(`${JSON.stringify({ value: { type: 'STRING', data: value } })}\n`.repeat(200))
  const started = process.hrtime.bigint()
  const response = await post(
    url,
    authorization,
    Array.from({ length: Math.ceil(RECORDS / 200) }, () => chunk),
  )
  const reports = response.body.split('\r\n').filter(Boolean)
  const ok = reports.filter((report) => report.startsWith('{"error_code":200')).length
  if (ok !== RECORDS)
    throw new Error(`streaming produce: ${ok} of ${RECORDS} records succeeded; first report: ${reports[0]}`)
  return throughput(RECORDS, started)
}

/** records:batch with 50-entry batches, 8 requests in flight. */
async function batchProduce(url: string, authorization: string): Promise<Throughput> {
  const started = process.hrtime.bigint()
  let sent = 0
  const worker = async () => {
    while (sent < RECORDS) {
      const count = Math.min(BATCH_ENTRIES, RECORDS - sent)
      sent += count
      const entries = Array.from({ length: count }, (_, index) => ({
        id: String(index),
        value: { type: 'STRING', data: value },
      }))
      const response = await post(url, authorization, [JSON.stringify({ entries })])
      const result = JSON.parse(response.body) as { successes: unknown[] }
      if (response.status !== 207 || result.successes.length !== count)
        throw new Error(`batch produce failed: ${response.body.slice(0, 300)}`)
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  return throughput(RECORDS, started)
}

/** 50 clients each sending one-record requests back to back for a fixed time. */
async function latency(
  url: string,
  authorization: string,
): Promise<{ requests: number; p50: number; p99: number; perSecond: number }> {
  const body = JSON.stringify({ value: { type: 'STRING', data: value } })
  const samples: number[] = []
  const deadline = Date.now() + LATENCY_SECONDS * 1_000
  const client = async () => {
    while (Date.now() < deadline) {
      const started = process.hrtime.bigint()
      const { body: text } = await post(url, authorization, [body])
      if (!text.startsWith('{"error_code":200')) throw new Error(`single-record produce failed: ${text}`)
      samples.push(Number(process.hrtime.bigint() - started) / 1e6)
    }
  }
  await Promise.all(Array.from({ length: LATENCY_CLIENTS }, client))
  samples.sort((a, b) => a - b)
  const at = (quantile: number) =>
    samples[Math.min(samples.length - 1, Math.floor(quantile * samples.length))]!
  return {
    requests: samples.length,
    p50: at(0.5),
    p99: at(0.99),
    perSecond: samples.length / LATENCY_SECONDS,
  }
}

function memoryMegabytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024
}

/**
 * Samples the gateway's resident memory while load runs. VmHWM alone would be dominated by the
 * embedded store's start (PGlite compiles and initialises a WebAssembly PostgreSQL), which says
 * nothing about what load costs.
 */
function sampleRss(pid: number): { stop(): number } {
  let peak = memoryMegabytes(pid, 'VmRSS')
  const timer = setInterval(() => (peak = Math.max(peak, memoryMegabytes(pid, 'VmRSS'))), 100)
  return {
    stop() {
      clearInterval(timer)
      return Math.max(peak, memoryMegabytes(pid, 'VmRSS'))
    },
  }
}

async function startGateway(kafka: LocalKafka) {
  const secret = `bench-${randomUUID()}`
  const child = spawn(process.execPath, [new URL('../src/main.ts', import.meta.url).pathname], {
    env: {
      PATH: process.env['PATH'] ?? '',
      GATEHOUSE_SERVER_PORT: '0',
      GATEHOUSE_DATA_DIR: `/tmp/gatehouse-bench-${process.pid}`,
      // The default level, so the measurement includes the per-request log lines production writes.
      GATEHOUSE_LOG_LEVEL: 'info',
      GATEHOUSE_ADMIN_API_KEY: 'BENCHKEY12345678',
      GATEHOUSE_ADMIN_API_SECRET: secret,
      GATEHOUSE_PRODUCE_BATCH_MAX_ENTRIES: String(BATCH_ENTRIES),
      GATEHOUSE_KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrapServers,
      GATEHOUSE_KAFKA_SASL_USERNAME: kafka.sasl.username,
      GATEHOUSE_KAFKA_SASL_PASSWORD: kafka.sasl.password,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /127\.0\.0\.1:(\d+)/.exec(output)
      if (match) {
        clearInterval(timer)
        resolve(Number(match[1]))
      } else if (child.exitCode !== null) {
        clearInterval(timer)
        reject(new Error(`gateway exited: ${output}`))
      }
    }, 50)
  })
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    authorization: `Basic ${Buffer.from(`BENCHKEY12345678:${secret}`).toString('base64')}`,
  }
}

const format = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`)
  const kafka = await startLocalKafka({ name: 'bench', port: 49092, controllerPort: 49093, log })
  const gateway = await startGateway(kafka)
  try {
    const clusters = (await (
      await fetch(`${gateway.base}/kafka/v3/clusters`, { headers: { authorization: gateway.authorization } })
    ).json()) as {
      data: { cluster_id: string }[]
    }
    const topicsUrl = `${gateway.base}/kafka/v3/clusters/${clusters.data[0]!.cluster_id}/topics`
    const idleRss = memoryMegabytes(gateway.child.pid!, 'VmRSS')
    const processes: Processes = {
      broker: kafka.pid,
      gateway: gateway.child.pid!,
      loadGenerator: process.pid,
    }
    const underLoad = sampleRss(gateway.child.pid!)

    // One unmeasured pass of each path first: a fresh gateway (and the load generator's own client)
    // would otherwise spend its first round compiling its hot code, which says nothing about either.
    log('warm-up: one unmeasured pass of each path')
    await directProducer(kafka, await createTopic(kafka, 3))
    await streamingProduce(`${topicsUrl}/${await createTopic(kafka, 3)}/records`, gateway.authorization)
    await batchProduce(`${topicsUrl}/${await createTopic(kafka, 3)}/records:batch`, gateway.authorization)

    // Interleaved rounds, so that a slow phase of the shared machine hits every path alike.
    const runs: { direct: Throughput[]; streaming: Throughput[]; batch: Throughput[] } = {
      direct: [],
      streaming: [],
      batch: [],
    }
    for (let round = 1; round <= ROUNDS; round++) {
      log(
        `round ${round}/${ROUNDS}: direct producer, streaming produce, records:batch (${RECORDS} records of ${VALUE_BYTES} B each)`,
      )
      const directTopic = await createTopic(kafka, 3)
      runs.direct.push(await withCpu(processes, () => directProducer(kafka, directTopic)))
      const streamingUrl = `${topicsUrl}/${await createTopic(kafka, 3)}/records`
      runs.streaming.push(
        await withCpu(processes, () => streamingProduce(streamingUrl, gateway.authorization)),
      )
      const batchUrl = `${topicsUrl}/${await createTopic(kafka, 3)}/records:batch`
      runs.batch.push(await withCpu(processes, () => batchProduce(batchUrl, gateway.authorization)))
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
    const summary = (results: Throughput[]) => {
      const rates = results.map((result) => result.recordsPerSecond)
      return { median: median(rates), min: Math.min(...rates), max: Math.max(...rates) }
    }
    const direct = summary(runs.direct)
    const streaming = summary(runs.streaming)
    const batch = summary(runs.batch)
    const ratios = runs.streaming.map(
      (result, index) => result.recordsPerSecond / runs.direct[index]!.recordsPerSecond,
    )
    log(`latency: ${LATENCY_CLIENTS} clients for ${LATENCY_SECONDS} s`)
    const latencies = await latency(
      `${topicsUrl}/${await createTopic(kafka, 3)}/records`,
      gateway.authorization,
    )
    const loadRss = underLoad.stop()
    const rss = memoryMegabytes(gateway.child.pid!, 'VmHWM')

    const cpuRow = (name: string, results: Throughput[]) => {
      const of = (process: keyof Processes) => median(results.map((result) => result.cpu![process]))
      const total = of('broker') + of('gateway') + of('loadGenerator')
      return `| ${name} | ${format(of('loadGenerator'), 1)} | ${format(of('gateway'), 1)} | ${format(of('broker'), 1)} | ${format(total, 1)} |`
    }
    const row = (name: string, result: { median: number; min: number; max: number }) =>
      `| ${name} | ${format(result.median)} | ${format(result.min)}–${format(result.max)} | ${format((result.median * VALUE_BYTES) / 1_048_576, 1)} | ${format(result.median / direct.median, 2)} |`
    const report = [
      '# Benchmarks',
      '',
      '<!-- Written by `npm run bench` (bench/produce.ts). -->',
      '',
      `Command: \`npm run bench\` (environment: \`BENCH_RECORDS=${RECORDS}\`, \`BENCH_ROUNDS=${ROUNDS}\`, \`BENCH_LATENCY_SECONDS=${LATENCY_SECONDS}\`).`,
      `Run: ${new Date().toISOString()}. Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${format(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, Kafka ${'4.4.0'} (single-node KRaft broker from \`scripts/local-kafka.ts\`, SASL/PLAIN, acks=all).`,
      '',
      'The broker, the gateway and the load generator share the same two cores, so the absolute numbers',
      'understate what separate machines would do; the ratios within one run are what to compare.',
      'Before the measured rounds, each path makes one unmeasured pass of the same size, so that neither',
      'the gateway nor the load generator’s own Kafka client is measured while it compiles its hot code.',
      '',
      `## Produce throughput: ${format(RECORDS)} records of ${VALUE_BYTES} B, 3 partitions, ${ROUNDS} interleaved rounds after a warm-up`,
      '',
      '| Path | records/s (median) | range | MiB/s (median) | ratio of medians to direct |',
      '|---|---|---|---|---|',
      row('Direct `@platformatic/kafka` producer (500-record sends, 4 in flight)', direct),
      row('Gatehouse streaming produce (one chunked request, 200-record writes)', streaming),
      row(`Gatehouse \`records:batch\` (${BATCH_ENTRIES} entries, 8 requests in flight)`, batch),
      '',
      `Target for the data-plane issue: streaming at ≥ 0.5 of the direct producer (product goal 0.8). ` +
        `This run: **${format(streaming.median / direct.median, 2)}** (ratio per round: ${ratios.map((ratio) => format(ratio, 2)).join(', ')}).`,
      '',
      '### CPU per record',
      '',
      'CPU time (user + system, every thread, from `/proc/<pid>/stat`) each process spent during each',
      'measurement, divided by its records; median of the rounds, in µs per record.',
      '',
      '| Path | load generator | gateway | broker | total |',
      '|---|---|---|---|---|',
      cpuRow('Direct producer', runs.direct),
      cpuRow('Streaming produce', runs.streaming),
      cpuRow('`records:batch`', runs.batch),
      '',
      'The three processes share two cores, so a path’s throughput is bounded by its total: with the cores',
      'saturated, the throughput ratio tends to the inverse ratio of the totals. Streaming’s load generator only writes prepared',
      'chunks; the gateway receives the HTTP body, finds and decodes each JSON record, writes each',
      'partition’s records as one Kafka record batch (its own encoder; the requests go over the same',
      'library’s connections as the direct producer’s), and writes a delivery report per record.',
      '',
      `## Single-record requests, ${LATENCY_CLIENTS} concurrent clients, ${LATENCY_SECONDS} s`,
      '',
      '| requests | requests/s | p50 | p99 |',
      '|---|---|---|---|',
      `| ${format(latencies.requests)} | ${format(latencies.perSecond)} | ${format(latencies.p50, 1)} ms | ${format(latencies.p99, 1)} ms |`,
      '',
      '## Memory',
      '',
      '| Gateway RSS | MiB |',
      '|---|---|',
      `| idle, after start and the first request | ${format(idleRss)} |`,
      `| peak under load (sampled every 100 ms through all phases above) | **${format(loadRss)}** |`,
      `| peak over the whole run, start included (VmHWM) | ${format(rss)} |`,
      '',
      'The gateway runs with its default embedded store (PGlite, a WebAssembly PostgreSQL), which accounts',
      'for most of the idle figure and for the start-up peak; with `store.databaseUrl` (PostgreSQL) the',
      'process holds no database. The difference between the first two rows is what load costs.',
      '',
    ].join('\n')
    writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), report)
    process.stdout.write(report)
  } finally {
    gateway.child.kill('SIGTERM')
    agent.destroy()
    await deleteCreatedTopics(kafka)
  }
}

await main()
