/**
 * @module test/support/kafka
 *
 * The real Kafka broker the integration tests share: started once per run by the global setup
 * (test/support/global-setup.ts) and reused by every test file.
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Admin, Consumer, type Message } from '@platformatic/kafka'
import { KAFKA_VERSION, startLocalKafka, type LocalKafka } from '../../scripts/local-kafka.ts'

// Worktrees of one checkout share the machine but not their broker state: TEST_KAFKA_PORT gives a
// worktree its own port pair (the controller one above), so that two test runs never fight over one.
const TEST_KAFKA_PORT = Number(process.env['TEST_KAFKA_PORT'] ?? 29092)

export const TEST_KAFKA = {
  name: 'test',
  port: TEST_KAFKA_PORT,
  controllerPort: TEST_KAFKA_PORT + 1,
} as const

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

/**
 * Reads the first `count` records of a topic with a real Kafka consumer (not through Gatehouse),
 * failing after `attempts` tries of `timeoutMs` each. Each try is a fresh consumer group reading
 * from the earliest offset: on a just-formatted broker a first group can stall while the group
 * coordinator loads, which says nothing about whether the records are there.
 */
export async function readRecords(
  kafka: LocalKafka,
  topic: string,
  count: number,
  timeoutMs = 20_000,
  attempts = 3,
): Promise<Message[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readRecordsOnce(kafka, topic, count, timeoutMs)
    } catch (error) {
      if (attempt >= attempts) throw error
    }
  }
}

async function readRecordsOnce(
  kafka: LocalKafka,
  topic: string,
  count: number,
  timeoutMs: number,
): Promise<Message[]> {
  const consumer = new Consumer({
    clientId: 'gatehouse-test-reader',
    groupId: `gatehouse-test-${randomUUID()}`,
    bootstrapBrokers: [kafka.bootstrapServers],
    sasl: { mechanism: 'PLAIN', username: kafka.sasl.username, password: kafka.sasl.password },
  })
  const messages: Message[] = []
  const timer = setTimeout(() => void consumer.close(true), timeoutMs)
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
    for await (const message of stream) {
      messages.push(message)
      if (messages.length >= count) break
    }
    await stream.close()
  } finally {
    clearTimeout(timer)
    await consumer.close(true)
  }
  if (messages.length < count)
    throw new Error(`read ${messages.length} of ${count} records of ${topic} in ${timeoutMs} ms`)
  return messages
}

/** The partition Kafka's Java producer picks for each key, computed by Kafka's own jar. */
export function javaDefaultPartitions(partitions: number, keys: string[]): Record<string, number> {
  const libs = new URL(`../../.cache/kafka/libs-${KAFKA_VERSION}/`, import.meta.url).pathname
  if (!readdirSync(libs).some((name) => name.startsWith('kafka-clients-'))) {
    throw new Error(`kafka-clients jar not found in ${libs}; start the test broker first`)
  }
  const source = new URL('./KafkaDefaultPartition.java', import.meta.url).pathname
  const output = execFileSync('java', ['-cp', join(libs, '*'), source, String(partitions), ...keys], {
    encoding: 'utf8',
  })
  return Object.fromEntries(
    output
      .trim()
      .split('\n')
      .map((line) => {
        const [key, partition] = line.split('\t')
        return [key!, Number(partition)]
      }),
  )
}

/**
 * A member of a consumer-protocol (KIP-848) group, run by Kafka's own Java consumer; it leaves
 * when `stop()` is called.
 */
export function startConsumerProtocolMember(
  kafka: LocalKafka,
  topic: string,
  groupId: string,
): { stop: () => Promise<void> } {
  const libs = new URL(`../../.cache/kafka/libs-${KAFKA_VERSION}/`, import.meta.url).pathname
  const source = new URL('./ConsumerProtocolMember.java', import.meta.url).pathname
  const child = spawn(
    'java',
    [
      '-cp',
      join(libs, '*'),
      source,
      kafka.bootstrapServers,
      kafka.sasl.username,
      kafka.sasl.password,
      topic,
      groupId,
    ],
    { stdio: ['pipe', 'ignore', 'inherit'] },
  )
  return {
    stop: async () => {
      child.stdin.end()
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
        child.once('exit', () => {
          clearTimeout(kill)
          resolve()
        })
      })
    },
  }
}
