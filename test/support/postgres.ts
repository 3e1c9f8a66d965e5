/**
 * @module test/support/postgres
 *
 * A real PostgreSQL server for the store tests, from Debian's `postgresql` package: one server per
 * test run (started on first use, reused by later test files through its pid file, stopped by the
 * global teardown), listening on 127.0.0.1 only, and one fresh database per caller.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'

// Like TEST_KAFKA_PORT: a worktree running its tests beside another checkout's gives its server its own port.
const PORT = Number(process.env['TEST_POSTGRES_PORT'] ?? 29432)
const ROOT = new URL('../../.cache/postgres/test/', import.meta.url).pathname
const DATA = join(ROOT, 'data')
const PASSWORD_FILE = join(ROOT, 'password')
const STARTED_MARKER = join(ROOT, 'started-by-test-run')

function binary(name: string): string {
  const base = '/usr/lib/postgresql'
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((entry) => /^\d+$/.test(entry))
        .sort((a, b) => Number(b) - Number(a))
    : []
  for (const version of versions) {
    const path = join(base, version, 'bin', name)
    if (existsSync(path)) return path
  }
  throw new Error(`PostgreSQL's ${name} was not found under ${base}: install Debian's postgresql package.`)
}

/** PostgreSQL's tools refuse to run as root: then they run as the package's `postgres` user. */
function attempt(command: string, args: string[]) {
  return process.getuid?.() === 0
    ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
    : spawnSync(command, args, { encoding: 'utf8' })
}

function run(command: string, args: string[]): void {
  const result = attempt(command, args)
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`)
  }
}

function isRunning(): boolean {
  return attempt(binary('pg_ctl'), ['status', '-D', DATA]).status === 0
}

/** Starts the server unless it runs; returns the superuser URL. */
export function startTestPostgres(): { url: string; startedNow: boolean } {
  mkdirSync(ROOT, { recursive: true })
  if (process.getuid?.() === 0) {
    const postgres = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(ROOT, postgres, postgres)
  }
  if (!existsSync(join(DATA, 'PG_VERSION'))) {
    const password = randomUUID()
    writeFileSync(PASSWORD_FILE, password, { mode: 0o644 })
    run(binary('initdb'), [
      '-D',
      DATA,
      '-U',
      'gatehouse',
      '--auth=scram-sha-256',
      `--pwfile=${PASSWORD_FILE}`,
      '-E',
      'UTF8',
    ])
  }
  const password = readFileSync(PASSWORD_FILE, 'utf8').trim()
  let startedNow = false
  if (!isRunning()) {
    run(binary('pg_ctl'), [
      'start',
      '-D',
      DATA,
      '-w',
      '-t',
      '60',
      '-l',
      join(ROOT, 'server.log'),
      '-o',
      `-c listen_addresses=127.0.0.1 -c port=${PORT} -c unix_socket_directories='${ROOT}' -c max_connections=200`,
    ])
    writeFileSync(STARTED_MARKER, String(process.pid))
    startedNow = true
  }
  return { url: `postgres://gatehouse:${password}@127.0.0.1:${PORT}/postgres`, startedNow }
}

export function stopTestPostgres(): void {
  if (existsSync(join(DATA, 'PG_VERSION')) && isRunning())
    run(binary('pg_ctl'), ['stop', '-D', DATA, '-m', 'fast', '-w'])
}

/** A fresh database on the test server; `drop` removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const { url } = startTestPostgres()
  const name = `gatehouse_${randomUUID().replaceAll('-', '').slice(0, 16)}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const databaseUrl = url.replace(/\/postgres$/, `/${name}`)
  return {
    url: databaseUrl,
    drop: async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    },
  }
}
