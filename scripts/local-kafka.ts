/**
 * @module scripts/local-kafka
 *
 * A real single-node Apache Kafka broker on demand, without Docker: Apache Kafka's own jars from
 * Maven Central, a KRaft combined broker+controller on loopback, SASL/PLAIN on both listeners,
 * `StandardAuthorizer` with the gateway's user as the only super user, so ACLs work for real.
 *
 * Everything lives in the git-ignored `.cache/kafka/`: `libs-<version>/` (jars, shared) and one
 * folder per broker name (`dev` by default, `test` for the test suite) with its config, data, logs
 * and `state.json` (credentials, pid, cluster id; mode 0600).
 *
 * CLI: `node scripts/local-kafka.ts start|stop|status|env [--name N] [--port P] [--controller-port C]`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Admin } from '@platformatic/kafka'

export const KAFKA_VERSION = '4.4.0'
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))
const CACHE = join(REPO_ROOT, '.cache', 'kafka')
const POM = join(REPO_ROOT, 'scripts', 'kafka', 'pom.xml')
const SUPER_USER = 'gatehouse'
/** Extra PLAIN users with no rights of their own, for tests of ACLs and authorization. */
const EXTRA_USERS = ['alice', 'bob', 'carol']
const READY_TIMEOUT_MS = 90_000
const STOP_TIMEOUT_MS = 20_000

export interface LocalKafka {
  readonly name: string
  /** `127.0.0.1:PORT` */
  readonly bootstrapServers: string
  readonly sasl: { readonly mechanism: 'PLAIN'; readonly username: string; readonly password: string }
  /** Extra PLAIN users (name → password) that are not super users. */
  readonly users: Readonly<Record<string, string>>
  readonly clusterId: string
  readonly pid: number
  /** True when an already-running broker was found and reused. */
  readonly reused: boolean
  readonly dataDir: string
  readonly logFile: string
}

interface StoredState {
  name: string
  port: number
  controllerPort: number
  clusterId: string
  password: string
  users: Record<string, string>
  pid?: number | undefined
}

export interface StartOptions {
  readonly name?: string
  readonly port?: number
  readonly controllerPort?: number
  /** Progress lines (fetching, formatting, waiting). */
  readonly log?: (line: string) => void
}

const DEFAULT_PORTS: Record<string, [number, number]> = { dev: [19092, 19093], test: [29092, 29093] }

function folderOf(name: string): string {
  if (!/^[a-z0-9-]{1,32}$/.test(name))
    throw new TypeError(`Broker name "${name}" must be 1-32 of a-z, 0-9 and -.`)
  return join(CACHE, name)
}

function statePath(name: string): string {
  return join(folderOf(name), 'state.json')
}

/** The stored state of a broker name, or undefined when it was never started. */
export function readLocalKafkaState(name = 'dev'): StoredState | undefined {
  const path = statePath(name)
  if (!existsSync(path)) return undefined
  return JSON.parse(readFileSync(path, 'utf8')) as StoredState
}

function writeState(state: StoredState): void {
  writeFileSync(statePath(state.name), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 })
}

function toLocalKafka(state: StoredState, reused: boolean): LocalKafka {
  const folder = folderOf(state.name)
  return {
    name: state.name,
    bootstrapServers: `127.0.0.1:${state.port}`,
    sasl: { mechanism: 'PLAIN', username: SUPER_USER, password: state.password },
    users: state.users,
    clusterId: state.clusterId,
    pid: state.pid ?? -1,
    reused,
    dataDir: join(folder, 'data'),
    logFile: join(folder, 'logs', 'server.log'),
  }
}

/** Fails with what to install when Java 17+ or Maven is missing. */
function requireTools(): void {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' })
  if (java.error) {
    throw new Error(
      'Java is not installed. Kafka needs Java 17 or newer: apt-get install -y openjdk-17-jre-headless',
    )
  }
  // `java -version` prints to stderr.
  const major = Number(/version "(\d+)/.exec(`${java.stderr}${java.stdout}`)?.[1] ?? 0)
  if (major < 17) {
    throw new Error(
      `Kafka ${KAFKA_VERSION} needs Java 17 or newer, found ${major || 'an unknown version'}: apt-get install -y openjdk-17-jre-headless`,
    )
  }
  if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).error) {
    throw new Error(
      'Maven is not installed; it fetches Kafka from Maven Central on first use: apt-get install -y maven',
    )
  }
}

/** Resolves the jars with Maven once; a marker file tells a complete copy from an interrupted one. */
function ensureLibraries(log: (line: string) => void): string {
  const libs = join(CACHE, `libs-${KAFKA_VERSION}`)
  const marker = join(libs, '.complete')
  if (existsSync(marker)) return libs
  rmSync(libs, { recursive: true, force: true })
  mkdirSync(libs, { recursive: true })
  log(`Fetching Apache Kafka ${KAFKA_VERSION} with Maven (first run only)…`)
  const started = Date.now()
  execFileSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      POM,
      `-Dkafka.version=${KAFKA_VERSION}`,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libs}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  )
  writeFileSync(marker, `${new Date().toISOString()}\n`)
  log(`Fetched Kafka ${KAFKA_VERSION} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return libs
}

/** Kafka's Uuid text form: 16 random bytes in base64url, never starting with '-' (CLI parsing). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

function jaas(users: Record<string, string>): string {
  const entries = Object.entries(users)
    .map(([user, password]) => `user_${user}="${password}"`)
    .join(' ')
  return `org.apache.kafka.common.security.plain.PlainLoginModule required username="${SUPER_USER}" password="${users[SUPER_USER]}" ${entries};`
}

function writeBrokerFiles(state: StoredState): void {
  const folder = folderOf(state.name)
  mkdirSync(join(folder, 'logs'), { recursive: true })
  const allUsers = { [SUPER_USER]: state.password, ...state.users }
  const properties = [
    '# Written by scripts/local-kafka.ts on every start; edit that script instead.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${state.controllerPort}`,
    `listeners=SASL_PLAINTEXT://127.0.0.1:${state.port},CONTROLLER://127.0.0.1:${state.controllerPort}`,
    `advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${state.port}`,
    'listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=SASL_PLAINTEXT',
    'sasl.enabled.mechanisms=PLAIN',
    'sasl.mechanism.inter.broker.protocol=PLAIN',
    'sasl.mechanism.controller.protocol=PLAIN',
    // The controller listener speaks SASL too, so no ANONYMOUS principal needs super-user rights.
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=${jaas(allUsers)}`,
    `listener.name.controller.plain.sasl.jaas.config=${jaas({ [SUPER_USER]: state.password })}`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:${SUPER_USER}`,
    'allow.everyone.if.no.acl.found=false',
    `log.dirs=${join(folder, 'data')}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    '',
  ].join('\n')
  writeFileSync(join(folder, 'server.properties'), properties, { mode: 0o600 })
  writeFileSync(
    join(folder, 'log4j2.properties'),
    [
      'status = warn',
      'appender.file.type = File',
      'appender.file.name = file',
      'appender.file.fileName = ${sys:kafka.logs.dir}/server.log',
      'appender.file.layout.type = PatternLayout',
      'appender.file.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = INFO',
      'rootLogger.appenderRef.file.ref = file',
      'logger.state.name = state.change.logger',
      'logger.state.level = WARN',
      '',
    ].join('\n'),
  )
}

function javaArguments(folder: string, libs: string): string[] {
  return [
    '-Xms256m',
    '-Xmx768m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(folder, 'log4j2.properties')}`,
    `-Dkafka.logs.dir=${join(folder, 'logs')}`,
    '-cp',
    `${libs}/*`,
  ]
}

function formatStorage(state: StoredState, libs: string, log: (line: string) => void): void {
  const folder = folderOf(state.name)
  if (existsSync(join(folder, 'data', 'meta.properties'))) return
  log(`Formatting KRaft storage for cluster ${state.clusterId}…`)
  execFileSync(
    'java',
    [
      ...javaArguments(folder, libs),
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      state.clusterId,
      '--config',
      join(folder, 'server.properties'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
}

function isAlive(pid: number | undefined): pid is number {
  if (pid === undefined || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // A recycled pid must not be mistaken for our broker.
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return commandLine.includes('kafka.Kafka')
  } catch {
    return true
  }
}

/** Asks the broker for its cluster id; undefined when it does not answer (yet). */
async function probe(state: StoredState): Promise<string | undefined> {
  const admin = new Admin({
    clientId: 'gatehouse-local-kafka',
    bootstrapBrokers: [`127.0.0.1:${state.port}`],
    sasl: { mechanism: 'PLAIN', username: SUPER_USER, password: state.password },
    retries: 0,
    connectTimeout: 1_000,
    timeout: 2_000,
  })
  try {
    const metadata = await admin.metadata({ topics: [], forceUpdate: true })
    return metadata.id
  } catch {
    return undefined
  } finally {
    await admin.close().catch(() => undefined)
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

async function waitUntilServing(state: StoredState, pid: number): Promise<void> {
  const folder = folderOf(state.name)
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    const clusterId = await probe(state)
    if (clusterId !== undefined) {
      if (clusterId !== state.clusterId) {
        throw new Error(
          `Port ${state.port} answers for cluster ${clusterId}, not ${state.clusterId}: another broker holds the port.`,
        )
      }
      return
    }
    if (!isAlive(pid)) {
      throw new Error(
        `The broker exited during start-up. Last lines of its logs:\n${tail(join(folder, 'broker.log'), 20)}\n${tail(join(folder, 'logs', 'server.log'), 40)}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(
    `The broker did not answer within ${READY_TIMEOUT_MS / 1000} s. Last lines of its log:\n${tail(join(folder, 'logs', 'server.log'), 40)}`,
  )
}

/** Serialises concurrent starts of the same broker name across processes. */
async function withStartLock<T>(name: string, run: () => Promise<T>): Promise<T> {
  const lock = join(folderOf(name), 'start.lock')
  const deadline = Date.now() + READY_TIMEOUT_MS + 60_000
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'))
      writeFileSync(lock, String(process.pid))
      break
    } catch {
      const holder = Number(readFileSync(lock, 'utf8') || 0)
      let isHolderAlive = false
      try {
        process.kill(holder, 0)
        isHolderAlive = holder > 0
      } catch {
        isHolderAlive = false
      }
      if (!isHolderAlive) rmSync(lock, { force: true })
      else if (Date.now() > deadline)
        throw new Error(`Timed out waiting for process ${holder} to finish starting broker "${name}".`)
      else await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  try {
    return await run()
  } finally {
    rmSync(lock, { force: true })
  }
}

/**
 * Starts the named broker, or reuses it when it already runs and answers.
 *
 * @returns how to reach it, with `reused` telling whether this call started it.
 * @throws Error naming what to install when Java or Maven is missing, or with the broker's last log
 *   lines when it does not come up within 90 s.
 */
export async function startLocalKafka(options: StartOptions = {}): Promise<LocalKafka> {
  const name = options.name ?? 'dev'
  const log = options.log ?? (() => undefined)
  mkdirSync(folderOf(name), { recursive: true })
  return withStartLock(name, async () => {
    const [defaultPort, defaultControllerPort] = DEFAULT_PORTS[name] ?? [39092, 39093]
    const previous = readLocalKafkaState(name)
    const state: StoredState = {
      name,
      port: options.port ?? previous?.port ?? defaultPort,
      controllerPort: options.controllerPort ?? previous?.controllerPort ?? defaultControllerPort,
      clusterId: previous?.clusterId ?? newClusterId(),
      password: previous?.password ?? randomBytes(18).toString('base64url'),
      users:
        previous?.users ??
        Object.fromEntries(EXTRA_USERS.map((user) => [user, randomBytes(12).toString('base64url')])),
      pid: previous?.pid,
    }
    if (isAlive(state.pid)) {
      await waitUntilServing(state, state.pid)
      return toLocalKafka(state, true)
    }

    requireTools()
    const libs = ensureLibraries(log)
    writeBrokerFiles(state)
    formatStorage(state, libs, log)

    const folder = folderOf(name)
    const output = openSync(join(folder, 'broker.log'), 'a')
    const child = spawn(
      'java',
      [...javaArguments(folder, libs), 'kafka.Kafka', join(folder, 'server.properties')],
      {
        detached: true,
        stdio: ['ignore', output, output],
      },
    )
    closeSync(output)
    child.unref()
    if (child.pid === undefined) throw new Error('Could not start java.')
    state.pid = child.pid
    writeState(state)
    log(
      `Started broker "${name}" (pid ${child.pid}) on 127.0.0.1:${state.port}; waiting until it serves requests…`,
    )
    const started = Date.now()
    await waitUntilServing(state, child.pid)
    log(
      `Broker "${name}" is ready after ${((Date.now() - started) / 1000).toFixed(1)} s (cluster ${state.clusterId}).`,
    )
    return toLocalKafka(state, false)
  })
}

/**
 * Stops the named broker: SIGTERM, then SIGKILL after 20 s. Keeps its data and credentials.
 *
 * @returns true when a running broker was stopped.
 */
export async function stopLocalKafka(name = 'dev'): Promise<boolean> {
  const state = readLocalKafkaState(name)
  if (!state || !isAlive(state.pid)) return false
  const pid = state.pid
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + STOP_TIMEOUT_MS
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200))
  if (isAlive(pid)) process.kill(pid, 'SIGKILL')
  writeState({ ...state, pid: undefined })
  return true
}

async function cli(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, port: { type: 'string' }, 'controller-port': { type: 'string' } },
  })
  const name = values.name ?? 'dev'
  const log = (line: string) => process.stderr.write(`${line}\n`)
  switch (positionals[0]) {
    case 'start': {
      const kafka = await startLocalKafka({
        name,
        log,
        ...(values.port ? { port: Number(values.port) } : {}),
        ...(values['controller-port'] ? { controllerPort: Number(values['controller-port']) } : {}),
      })
      if (kafka.reused) log(`Broker "${name}" is already running on ${kafka.bootstrapServers}.`)
      process.stdout.write(JSON.stringify(kafka, null, 2) + '\n')
      return 0
    }
    case 'stop':
      log((await stopLocalKafka(name)) ? `Stopped broker "${name}".` : `Broker "${name}" was not running.`)
      return 0
    case 'status': {
      const state = readLocalKafkaState(name)
      const isRunning = state !== undefined && isAlive(state.pid) && (await probe(state)) !== undefined
      log(
        isRunning
          ? `Broker "${name}" is running on 127.0.0.1:${state.port} (pid ${state.pid}).`
          : `Broker "${name}" is not running.`,
      )
      return isRunning ? 0 : 3
    }
    case 'env': {
      const state = readLocalKafkaState(name)
      if (!state) {
        log(`Broker "${name}" was never started; run: node scripts/local-kafka.ts start --name ${name}`)
        return 3
      }
      process.stdout.write(
        [
          `export GATEHOUSE_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:${state.port}`,
          'export GATEHOUSE_KAFKA_SASL_MECHANISM=PLAIN',
          `export GATEHOUSE_KAFKA_SASL_USERNAME=${SUPER_USER}`,
          `export GATEHOUSE_KAFKA_SASL_PASSWORD=${state.password}`,
          '',
        ].join('\n'),
      )
      return 0
    }
    default:
      process.stderr.write(
        'usage: node scripts/local-kafka.ts start|stop|status|env [--name N] [--port P] [--controller-port C]\n',
      )
      return 2
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  cli().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`local-kafka: ${(error as Error).message}\n`)
      process.exit(1)
    },
  )
}
