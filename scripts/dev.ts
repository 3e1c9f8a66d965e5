/**
 * @module scripts/dev
 *
 * The quick start: starts (or reuses) the local Kafka broker, then runs Gatehouse in front of it
 * with the broker's credentials. Ctrl-C stops Gatehouse; the broker keeps running for the next
 * start (`npm run kafka:stop` stops it). Extra arguments go to Gatehouse, e.g. `-- --config x.yaml`.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startLocalKafka } from './local-kafka.ts'

const log = (line: string) => process.stderr.write(`[dev] ${line}\n`)

const kafka = await startLocalKafka({ name: 'dev', log })
log(
  `Kafka ${kafka.reused ? 'already running' : 'started'} on ${kafka.bootstrapServers} (cluster ${kafka.clusterId}).`,
)
log('Starting Gatehouse on http://127.0.0.1:8082 … (Ctrl-C to stop; `npm run kafka:stop` stops Kafka)')

const gateway = spawn(
  process.execPath,
  [fileURLToPath(new URL('../src/main.ts', import.meta.url)), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      GATEHOUSE_KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrapServers,
      GATEHOUSE_KAFKA_SASL_MECHANISM: kafka.sasl.mechanism,
      GATEHOUSE_KAFKA_SASL_USERNAME: kafka.sasl.username,
      GATEHOUSE_KAFKA_SASL_PASSWORD: kafka.sasl.password,
    },
  },
)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => gateway.kill(signal))
gateway.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)))
