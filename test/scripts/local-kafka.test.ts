import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { describe, it } from 'node:test'
import {
  AclOperations,
  AclPermissionTypes,
  Admin,
  ResourcePatternTypes,
  ResourceTypes,
  type Acl,
} from '@platformatic/kafka'
import { readLocalKafkaState, startLocalKafka } from '../../scripts/local-kafka.ts'
import { createObserver, TEST_KAFKA, testKafka } from '../support/kafka.ts'

const SCRIPT = new URL('../../scripts/local-kafka.ts', import.meta.url).pathname
const run = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' })

describe('local Kafka broker script', () => {
  it('reuses the running broker, keeping its id and credentials', async () => {
    const first = await testKafka()
    const again = await startLocalKafka(TEST_KAFKA)
    assert.equal(again.reused, true)
    assert.equal(again.clusterId, first.clusterId)
    assert.equal(again.sasl.password, first.sasl.password)
    assert.equal(readLocalKafkaState('test')?.clusterId, first.clusterId)
  })

  it('runs StandardAuthorizer: ACLs can be created and read, and other users are denied', async () => {
    const kafka = await testKafka()
    const admin = createObserver(kafka)
    const [user, password] = Object.entries(kafka.users)[0]!
    const outsider = new Admin({
      clientId: 'outsider',
      bootstrapBrokers: [kafka.bootstrapServers],
      sasl: { mechanism: 'PLAIN', username: user, password },
      retries: 0,
    })
    const topic = `acl-probe-${randomUUID().slice(0, 8)}`
    try {
      const acl: Acl = {
        resourceType: ResourceTypes.TOPIC,
        resourceName: topic,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: `User:${user}`,
        host: '*',
        operation: AclOperations.READ,
        permissionType: AclPermissionTypes.ALLOW,
      }
      await admin.createAcls({ creations: [acl] })
      const described = await admin.describeAcls({
        filter: {
          resourceType: 2,
          resourceName: topic,
          resourcePatternType: 3,
          principal: null,
          host: null,
          operation: 1,
          permissionType: 1,
        },
      })
      assert.equal(described.length, 1)
      assert.equal(described[0]!.acls[0]!.principal, `User:${user}`)
      await assert.rejects(outsider.createTopics({ topics: [topic] }), /authoriz/i)
      const deleted = await admin.deleteAcls({ filters: [acl] })
      assert.equal(deleted.length, 1)
    } finally {
      await outsider.close()
      await admin.close()
    }
  })

  it('answers status with 0 for a running broker and 3 for one that never ran', async () => {
    await testKafka()
    assert.equal(run('status', '--name', 'test').status, 0)
    assert.equal(run('status', '--name', 'never-started').status, 3)
  })

  it('prints the gateway’s environment for a broker', async () => {
    const kafka = await testKafka()
    const result = run('env', '--name', 'test')
    assert.equal(result.status, 0)
    assert.match(
      result.stdout,
      new RegExp(`^export GATEHOUSE_KAFKA_BOOTSTRAP_SERVERS=${kafka.bootstrapServers}$`, 'm'),
    )
    assert.match(
      result.stdout,
      new RegExp(`^export GATEHOUSE_KAFKA_SASL_PASSWORD=${kafka.sasl.password}$`, 'm'),
    )
  })

  it('says what to install when Java is missing', () => {
    // Only Node on the PATH: no java, no mvn.
    const result = spawnSync(
      process.execPath,
      [SCRIPT, 'start', '--name', 'no-java', '--port', '39192', '--controller-port', '39193'],
      {
        encoding: 'utf8',
        env: { PATH: dirname(process.execPath) },
      },
    )
    assert.equal(result.status, 1)
    rmSync(new URL('../../.cache/kafka/no-java', import.meta.url), { recursive: true, force: true })
    assert.match(
      result.stderr,
      /Java is not installed\. Kafka needs Java 17 or newer: apt-get install -y openjdk-17-jre-headless/,
    )
  })

  it('explains its usage and exits 2 on an unknown command', () => {
    const result = run('launch')
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^usage: node scripts\/local-kafka\.ts start\|stop\|status\|env/)
  })
})
