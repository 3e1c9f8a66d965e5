/**
 * @module test/support/gateway-process
 *
 * Runs the real gateway (`node src/main.ts`) as a child process, the way an operator would, and
 * gives tests its URL, its output and ways to stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname
const LISTEN_TIMEOUT_MS = 90_000

// A gateway left running by a failed assertion would keep the test file from ever finishing.
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export interface GatewayProcess {
  readonly child: ChildProcess
  /** The plain HTTP listener's URL (empty when only HTTPS is served). */
  readonly url: string
  /** The HTTPS listener's URL, when TLS is enabled. */
  readonly httpsUrl: string
  readonly dataDir: string
  stdout(): string
  stderr(): string
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>
  /** The generated credential, when this start printed one. */
  credential(): { key: string; secret: string } | undefined
  stop(signal?: NodeJS.Signals): Promise<number | string>
}

export interface GatewayOptions {
  readonly env?: Record<string, string>
  readonly args?: string[]
  readonly dataDir?: string
  /** Wait for the "listening" line; false returns at once (for processes expected to fail). */
  readonly waitUntilListening?: boolean
}

export async function startGateway(options: GatewayOptions = {}): Promise<GatewayProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-it-'))
  const child = spawn(process.execPath, [MAIN, ...(options.args ?? [])], {
    env: {
      PATH: process.env['PATH'] ?? '',
      GATEHOUSE_SERVER_PORT: '0',
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  )

  let url = ''
  let httpsUrl = ''
  const env = options.env ?? {}
  const wantsTls = env['GATEHOUSE_SERVER_TLS_ENABLED'] === 'true'
  const wantsPlain = env['GATEHOUSE_SERVER_PLAIN_HTTP'] !== 'false'
  if (options.waitUntilListening !== false) {
    // Generous: on a loaded two-core machine a cold start (type stripping, the embedded database)
    // has been seen to take over 30 s.
    const deadline = Date.now() + LISTEN_TIMEOUT_MS
    while ((wantsPlain && !url) || (wantsTls && !httpsUrl)) {
      url ||= /"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(stdout)?.[1] ?? ''
      httpsUrl ||= /"Server listening at (https:\/\/127\.0\.0\.1:\d+)"/.exec(stdout)?.[1] ?? ''
      if ((!wantsPlain || url) && (!wantsTls || httpsUrl)) break
      if (child.exitCode !== null)
        throw new Error(`gateway exited early (${child.exitCode}):\n${stderr}\n${stdout}`)
      else if (Date.now() > deadline) {
        // The test never gets a handle to stop it, and its open pipes would keep the test file
        // from ending: stop it here.
        child.kill('SIGKILL')
        throw new Error(`gateway did not listen within ${LISTEN_TIMEOUT_MS / 1000} s:\n${stderr}\n${stdout}`)
      } else await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  return {
    child,
    url,
    httpsUrl,
    dataDir,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    credential() {
      const key = /API key:\s+(\S+)/.exec(stderr)?.[1]
      const secret = /API secret:\s+(\S+)/.exec(stderr)?.[1]
      return key && secret ? { key, secret } : undefined
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

export function basicAuthorization(key: string, secret: string): string {
  return `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`
}

/** A response body as untyped JSON: tests assert on its shape field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function jsonOf(response: Response): Promise<any> {
  return response.json()
}

/**
 * The configured cluster's `/cmk/v2/clusters/{id}` object and the organization id, once the
 * gateway has registered the cluster: it does so after it first reaches Kafka, which may be just
 * after it starts listening (until then the lookup is a 404).
 */
export async function registeredCluster(
  gateway: GatewayProcess,
  authorization: string,
  clusterId: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ cluster: any; organizationId: string; clusterCrn: string; organizationCrn: string }> {
  const get = (path: string) => fetch(`${gateway.url}${path}`, { headers: { authorization } })
  const deadline = Date.now() + 30_000
  let response = await get(`/cmk/v2/clusters/${clusterId}`)
  while (response.status === 404 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    response = await get(`/cmk/v2/clusters/${clusterId}`)
  }
  if (response.status !== 200)
    throw new Error(`cluster ${clusterId}: ${response.status} ${await response.text()}`)
  const cluster = await jsonOf(response)
  const organizationId = (await jsonOf(await get('/org/v2/organizations'))).data[0].id as string
  const organizationCrn = `crn://confluent.cloud/organization=${organizationId}`
  const clusterCrn = `${organizationCrn}/environment=${cluster.spec.environment.id}/cloud-cluster=${clusterId}/kafka=${clusterId}`
  return { cluster, organizationId, clusterCrn, organizationCrn }
}
