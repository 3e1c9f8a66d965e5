/**
 * @module test/support/kafka
 *
 * The real Kafka broker the integration tests share: started once per run by the global setup
 * (test/support/global-setup.ts) and reused by every test file.
 */
import { Admin } from '@platformatic/kafka'
import { startLocalKafka, type LocalKafka } from '../../scripts/local-kafka.ts'

export const TEST_KAFKA = { name: 'test', port: 29092, controllerPort: 29093 } as const

let shared: Promise<LocalKafka> | undefined

/** The shared test broker; starts it when a test file runs on its own without the global setup. */
export function testKafka(): Promise<LocalKafka> {
  shared ??= startLocalKafka({ ...TEST_KAFKA, log: (line) => process.stderr.write(`[kafka] ${line}\n`) })
  return shared
}

/** A Kafka admin client that does not go through Gatehouse: how tests see what really happened. */
export function createObserver(
  kafka: LocalKafka,
  user = kafka.sasl.username,
  password = kafka.sasl.password,
): Admin {
  return new Admin({
    clientId: 'gatehouse-test-observer',
    bootstrapBrokers: [kafka.bootstrapServers],
    sasl: { mechanism: 'PLAIN', username: user, password },
    retries: 2,
  })
}

/** Gatehouse's own settings for the test broker, as environment variables. */
export function kafkaEnvironment(kafka: LocalKafka): Record<string, string> {
  return {
    GATEHOUSE_KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrapServers,
    GATEHOUSE_KAFKA_SASL_MECHANISM: 'PLAIN',
    GATEHOUSE_KAFKA_SASL_USERNAME: kafka.sasl.username,
    GATEHOUSE_KAFKA_SASL_PASSWORD: kafka.sasl.password,
  }
}
