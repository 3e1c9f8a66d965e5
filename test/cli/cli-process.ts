/**
 * @module test/cli/cli-process
 *
 * Runs the built `gatehouse` command (bin/gatehouse) as a subprocess with its own configuration
 * file, as a user or a CI job would.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const CLI = new URL('../../bin/gatehouse', import.meta.url).pathname

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliHome {
  /** The configuration file the CLI uses (GATEHOUSE_CONFIG). */
  readonly configPath: string
  run(args: readonly string[], options?: { stdin?: string; env?: Record<string, string> }): Promise<CliRun>
}

/** A fresh home for the CLI: its own config file in a new temporary directory. */
export function createCliHome(): CliHome {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'))
  const configPath = join(home, 'config', 'gatehouse', 'cli.json')
  return {
    configPath,
    run: (args, options = {}) =>
      new Promise((resolve, reject) => {
        const child = spawn(CLI, [...args], {
          env: { PATH: process.env['PATH'] ?? '', HOME: home, GATEHOUSE_CONFIG: configPath, ...options.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        })
        let stdout = ''
        let stderr = ''
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
        child.once('error', reject)
        child.once('close', (code) => {
          clearTimeout(timer)
          resolve({ code, stdout, stderr })
        })
        child.stdin.end(options.stdin ?? '')
      }),
  }
}
