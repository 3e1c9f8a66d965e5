/**
 * @module cli/cli-error
 *
 * The CLI's failures and the exit codes scripts can rely on (documented in docs/cli.md).
 */

export const EXIT_CODES = {
  ok: 0,
  /** The API answered an error other than the ones below, or the gateway could not be reached. */
  failure: 1,
  /** The command line was wrong: unknown command or flag, missing or bad value. Nothing was sent. */
  usage: 2,
  /** The API refused the credential (401) or the action (403). */
  denied: 3,
  /** The API does not know the resource (404). */
  notFound: 4,
} as const

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

/** A failure to report on stderr and exit with. */
export class CliError extends Error {
  readonly exitCode: ExitCode
  /** Usage text to print after the message, for usage errors. */
  readonly usage: string | undefined

  constructor(message: string, exitCode: ExitCode, usage?: string) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
    this.usage = usage
  }
}

export class UsageError extends CliError {
  constructor(message: string, usage?: string) {
    super(message, EXIT_CODES.usage, usage)
    this.name = 'UsageError'
  }
}

/** An error answer of the API, with its status and body as the API gave them. */
export class ApiError extends CliError {
  readonly status: number
  readonly body: unknown

  constructor(status: number, message: string, body: unknown) {
    super(message, exitCodeOfStatus(status))
    this.name = 'ApiError'
    this.status = status
    this.body = body
  }
}

export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT_CODES.denied
  if (status === 404) return EXIT_CODES.notFound
  return EXIT_CODES.failure
}
