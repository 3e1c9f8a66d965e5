/**
 * @module test/support/global-setup
 *
 * Starts the shared Kafka broker once for the whole `npm test` run (node --test-global-setup) and
 * stops it at the end, unless it was already running before the run (then it is left alone).
 */
import { startLocalKafka, stopLocalKafka } from '../../scripts/local-kafka.ts'
import { TEST_KAFKA } from './kafka.ts'
import { startTestPostgres, stopTestPostgres } from './postgres.ts'

let startedHere = false
let postgresStartedHere = false

export async function globalSetup(): Promise<void> {
  const started = Date.now()
  const kafka = await startLocalKafka({
    ...TEST_KAFKA,
    log: (line) => process.stderr.write(`[kafka] ${line}\n`),
  })
  startedHere = !kafka.reused
  // Started here, before the test files run in parallel, so that they never race to start it.
  postgresStartedHere = startTestPostgres().startedNow
  process.stderr.write(
    `[kafka] ${kafka.reused ? 'reusing' : 'started'} test broker ${kafka.bootstrapServers} (cluster ${kafka.clusterId}) in ${Date.now() - started} ms\n`,
  )
}

export async function globalTeardown(): Promise<void> {
  if (startedHere) await stopLocalKafka(TEST_KAFKA.name)
  if (postgresStartedHere) stopTestPostgres()
}
