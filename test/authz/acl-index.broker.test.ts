/**
 * Gatehouse's ACL decisions against Kafka's own: a generated set of ACLs is created in the real
 * broker (StandardAuthorizer), then the broker is asked, connected as each principal, which
 * operations it authorizes on each topic (Metadata with `include_topic_authorized_operations`),
 * and the answer is compared with `AclIndex.decide` for the same principal and host.
 *
 * Not covered here (the broker cannot be asked without side effects, or other tests share it):
 * LITERAL `*` resource names, the CLUSTER, GROUP and TRANSACTIONAL_ID resource types. The unit
 * tests cover those rules.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { Admin, kGetBootstrapConnection, metadataV12, type Connection } from '@platformatic/kafka'
import type { LocalKafka } from '../../scripts/local-kafka.ts'
import { AclIndex } from '../../src/authz/index.ts'
import type { Acl, AclOperation } from '../../src/core/index.ts'
import { PlatformaticKafkaClusterClient } from '../../src/kafka/platformatic/index.ts'
import { testKafka } from '../support/kafka.ts'

/** Kafka's AclOperation codes for the operations a topic has. */
const TOPIC_OPERATION_CODES: Readonly<Record<number, AclOperation>> = {
  3: 'READ',
  4: 'WRITE',
  5: 'CREATE',
  6: 'DELETE',
  7: 'ALTER',
  8: 'DESCRIBE',
  10: 'DESCRIBE_CONFIGS',
  11: 'ALTER_CONFIGS',
}
const TOPIC_OPERATIONS = Object.values(TOPIC_OPERATION_CODES)
const TOPIC_AUTHORIZATION_FAILED = 29

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function randomFrom(seed: number) {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! }
}

/** The broker's answer for one principal: authorized operations per topic, or undefined when it may not describe it. */
async function askBroker(
  kafka: LocalKafka,
  user: string,
  topics: readonly string[],
): Promise<Map<string, Set<AclOperation> | undefined>> {
  const admin = new Admin({
    clientId: `gatehouse-authz-compare-${user}`,
    bootstrapBrokers: [kafka.bootstrapServers],
    sasl: { mechanism: 'PLAIN', username: user, password: kafka.users[user]! },
    retries: 2,
  })
  try {
    type Response = Awaited<ReturnType<typeof metadataV12.api.async>>
    const response = await new Promise<Response>((resolve, reject) => {
      admin[kGetBootstrapConnection]((error: Error | null, connection?: Connection) => {
        if (error || !connection) return reject(error ?? new Error('no connection'))
        metadataV12.api(connection, [...topics], false, true, (callError, result) => {
          // Topic-level errors (no DESCRIBE) come as a ResponseError that still holds the response.
          const partial = (callError as { response?: Response } | null)?.response
          if (result) resolve(result)
          else if (partial) resolve(partial)
          else reject(callError ?? new Error('no metadata'))
        })
      })
    })
    const answers = new Map<string, Set<AclOperation> | undefined>()
    for (const topic of response.topics) {
      if (topic.errorCode === TOPIC_AUTHORIZATION_FAILED) {
        answers.set(topic.name!, undefined)
        continue
      }
      assert.equal(topic.errorCode, 0, `metadata error ${topic.errorCode} for ${topic.name}`)
      const allowed = new Set<AclOperation>()
      for (const [code, operation] of Object.entries(TOPIC_OPERATION_CODES)) {
        if ((topic.topicAuthorizedOperations & (1 << Number(code))) !== 0) allowed.add(operation)
      }
      answers.set(topic.name!, allowed)
    }
    return answers
  } finally {
    await admin.close()
  }
}

describe('ACL decisions against the broker’s StandardAuthorizer', () => {
  let kafka: LocalKafka
  let client: PlatformaticKafkaClusterClient
  const base = `authzcmp-${randomUUID().slice(0, 8)}`
  /** 30 topics; `-t1` is a prefix of `-t10`…`-t19`, so prefixed ACLs overlap literal ones. */
  const topics = Array.from({ length: 30 }, (_, index) => `${base}-t${index}`)
  const acls: Acl[] = []

  before(async () => {
    kafka = await testKafka()
    client = new PlatformaticKafkaClusterClient({
      bootstrapServers: [kafka.bootstrapServers],
      clientId: 'gatehouse-authz-compare',
      sasl: kafka.sasl,
      connectTimeoutMs: 5_000,
      requestTimeoutMs: 30_000,
    })
    for (const name of topics) {
      await client.createTopic({ name, partitionsCount: 1, configs: [], validateOnly: false })
    }
    // A few ACLs per topic, so that each topic is a different small situation, plus prefixed ACLs
    // that overlap them. Every name starts with `base`: no other test's resources are touched.
    const random = randomFrom(20261122)
    const prefixes = [`${base}-t1`, `${base}-t2`, `${base}-t`, `${base}-t2`, `${base}-t1`]
    const seen = new Set<string>()
    const generate = (resourceName: string, patternType: 'LITERAL' | 'PREFIXED'): void => {
      const acl: Acl = {
        resourceType: 'TOPIC',
        resourceName,
        patternType,
        principal: random.pick(['User:alice', 'User:alice', 'User:bob', 'User:bob', 'User:*']),
        host: random.pick(['*', '*', '*', '127.0.0.1', '10.9.9.9']),
        operation: random.pick([...TOPIC_OPERATIONS, 'ALL']),
        permission: random.next() < 0.2 ? 'DENY' : 'ALLOW',
      }
      const key = JSON.stringify(acl)
      if (seen.has(key)) return
      seen.add(key)
      acls.push(acl)
    }
    for (const topic of topics) {
      const count = 2 + Math.floor(random.next() * 5)
      for (let index = 0; index < count; index++) generate(topic, 'LITERAL')
    }
    for (let index = 0; index < 12; index++) generate(random.pick(prefixes), 'PREFIXED')
    await client.createAcls(acls)
  })
  after(async () => {
    for (const acl of acls) {
      await client
        ?.deleteAcls({
          ...acl,
          patternType: acl.patternType,
          operation: acl.operation,
          permission: acl.permission,
        })
        .catch(() => undefined)
    }
    for (const name of topics) await client?.deleteTopic(name).catch(() => undefined)
    await client?.close()
  })

  for (const user of ['alice', 'bob']) {
    it(`decides as the broker does for User:${user} on every topic and operation`, async () => {
      // The broker applies new ACLs asynchronously: ask until two answers in a row agree.
      let answers = await askBroker(kafka, user, topics)
      for (let attempt = 0; attempt < 20; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 250))
        const again = await askBroker(kafka, user, topics)
        const same = JSON.stringify([...again].map(([topic, ops]) => [topic, ops && [...ops].sort()]))
        const before = JSON.stringify([...answers].map(([topic, ops]) => [topic, ops && [...ops].sort()]))
        answers = again
        if (same === before) break
      }
      const index = new AclIndex(acls)
      const principal = `User:${user}`
      let compared = 0
      for (const topic of topics) {
        const brokerAllows = answers.get(topic)
        const rules = acls
          .filter((acl) => topic.startsWith(acl.resourceName))
          .map((acl) => JSON.stringify(acl))
        const ours = (operation: AclOperation) =>
          index.decide([principal], '127.0.0.1', 'TOPIC', topic, operation).kind === 'allow'
        if (brokerAllows === undefined) {
          assert.equal(
            ours('DESCRIBE'),
            false,
            `${principal} DESCRIBE ${topic}: the broker denies\n${rules.join('\n')}`,
          )
          compared++
          continue
        }
        for (const operation of TOPIC_OPERATIONS) {
          assert.equal(
            ours(operation),
            brokerAllows.has(operation),
            `${principal} ${operation} ${topic}: broker ${brokerAllows.has(operation) ? 'allows' : 'denies'}\n${rules.join('\n')}`,
          )
          compared++
        }
      }
      assert.ok(compared >= topics.length, `compared ${compared} decisions`)
    })
  }
})
