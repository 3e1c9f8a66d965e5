/**
 * The `gatehouse` CLI end to end: the built command run as a subprocess against a gateway process
 * in front of the real broker. An administrator creates a service account, a key scoped to the
 * cluster, a role binding and a topic; the key produces three records from stdin; a real consumer
 * finds them in Kafka; the audit command shows the key's produce decision.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Admin } from '@platformatic/kafka'
import { parse as parseYaml } from 'yaml'
import type { LocalKafka } from '../../scripts/local-kafka.ts'
import { startGateway, type GatewayProcess } from '../support/gateway-process.ts'
import { createObserver, kafkaEnvironment, readRecords, testKafka } from '../support/kafka.ts'
import { createCliHome, type CliHome, type CliRun } from './cli-process.ts'
import { TestPki } from '../support/pki.ts'

const show = (run: CliRun) => `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`

describe('gatehouse CLI against a gateway and a real broker', () => {
  let kafka: LocalKafka
  let gateway: GatewayProcess
  let observer: Admin
  let cli: CliHome
  let admin: { key: string; secret: string }
  const suffix = randomUUID().slice(0, 8)
  const topic = `cli-orders-${suffix}`
  const tinyTopic = `cli-tiny-${suffix}`
  const auditTopic = `gatehouse-audit-cli-${suffix}`
  let serviceAccountId = ''
  let key = { id: '', secret: '' }

  /** Runs a command with `--output json` and answers its parsed output; it must succeed. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted on field by field
  async function json(args: readonly string[], options: { stdin?: string } = {}): Promise<any> {
    const run = await cli.run([...args, '--output', 'json'], options)
    assert.equal(run.code, 0, show(run))
    try {
      return JSON.parse(run.stdout)
    } catch (error) {
      assert.fail(`not JSON: ${(error as Error).message}\n${show(run)}`)
    }
  }

  before(async () => {
    kafka = await testKafka()
    observer = createObserver(kafka)
    gateway = await startGateway({
      env: { ...kafkaEnvironment(kafka), GATEHOUSE_AUDIT_KAFKA_TOPIC: auditTopic },
    })
    const credential = gateway.credential()
    assert.ok(credential, gateway.stderr())
    admin = credential
    cli = createCliHome()
  })
  after(async () => {
    await observer?.deleteTopics({ topics: [topic, tinyTopic, auditTopic] }).catch(() => undefined)
    await gateway?.stop()
    await observer?.close()
  })

  it('logs in with the bootstrap key, keeping the secret in a 0600 file', async () => {
    const run = await cli.run(['login', '--context', 'admin', '--url', gateway.url, '--api-key', admin.key], {
      env: { GATEHOUSE_API_SECRET: admin.secret },
    })
    assert.equal(run.code, 0, show(run))
    assert.match(run.stdout, /context "admin" is now current/)
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(admin.secret))
    assert.equal(statSync(cli.configPath).mode & 0o777, 0o600)
    assert.equal(statSync(dirname(cli.configPath)).mode & 0o777, 0o700)
    const contexts = await json(['context', 'list'])
    assert.deepEqual(
      contexts.map((context: { name: string; current: string }) => [context.name, context.current]),
      [['admin', '*']],
    )
  })

  it('lists environments and clusters, as JSON, YAML and a table', async () => {
    const environments = await json(['environment', 'list'])
    assert.ok(environments.length >= 1)
    assert.match(environments[0].id, /^env-/)
    const clusters = await json(['kafka', 'cluster', 'list'])
    assert.ok(
      clusters.some((cluster: { id: string }) => cluster.id === kafka.clusterId),
      JSON.stringify(clusters),
    )
    const yaml = await cli.run(['kafka', 'cluster', 'list', '-o', 'yaml'])
    assert.equal(yaml.code, 0, show(yaml))
    assert.ok((parseYaml(yaml.stdout) as { id: string }[]).some((cluster) => cluster.id === kafka.clusterId))
    const table = await cli.run(['kafka', 'cluster', 'list'])
    assert.equal(table.code, 0, show(table))
    const [heading, rule, ...rows] = table.stdout.trimEnd().split('\n')
    assert.match(heading!, /^Current\s+ID\s+Name\s+Environment/)
    assert.match(rule!, /^-+\s+-+/)
    assert.ok(rows.some((row) => row.includes(kafka.clusterId)))
    const used = await cli.run(['kafka', 'cluster', 'use', kafka.clusterId])
    assert.equal(used.code, 0, show(used))
  })

  it('creates a service account, a key scoped to the cluster (secret shown once), a role binding and a topic', async () => {
    const account = await json([
      'iam',
      'service-account',
      'create',
      `cli-app-${suffix}`,
      '--description',
      'CLI test',
    ])
    assert.match(account.id, /^sa-/)
    serviceAccountId = account.id

    const run = await cli.run([
      'api-key',
      'create',
      '--service-account',
      serviceAccountId,
      '--resource',
      kafka.clusterId,
      '--output',
      'json',
    ])
    assert.equal(run.code, 0, show(run))
    const created = JSON.parse(run.stdout)
    key = { id: created.id, secret: created.spec.secret }
    assert.equal(created.spec.resource.id, kafka.clusterId)
    assert.ok(key.secret.length > 20)
    assert.match(run.stderr, /shown only this once/)
    // The secret is printed, never stored by the CLI unless the user logs in with it.
    assert.doesNotMatch(readFileSync(cli.configPath, 'utf8'), new RegExp(key.secret))
    const described = await json(['api-key', 'describe', key.id])
    assert.equal(described.spec.secret, undefined)

    const binding = await json([
      'iam',
      'rbac',
      'role-binding',
      'create',
      '--principal',
      `User:${serviceAccountId}`,
      '--role',
      'DeveloperWrite',
      '--cluster',
      kafka.clusterId,
      '--resource',
      `Topic:${topic}`,
    ])
    assert.equal(binding.role_name, 'DeveloperWrite')
    assert.match(binding.crn_pattern, new RegExp(`/kafka=${kafka.clusterId}/topic=${topic}$`))
    const bindings = await json([
      'iam',
      'rbac',
      'role-binding',
      'list',
      '--principal',
      `User:${serviceAccountId}`,
    ])
    assert.deepEqual(
      bindings.map((each: { id: string }) => each.id),
      [binding.id],
    )

    const created2 = await json(['kafka', 'topic', 'create', topic, '--partitions', '1'])
    assert.equal(created2.topic_name, topic)
    const topics = await json(['kafka', 'topic', 'list'])
    assert.ok(topics.some((each: { topic_name: string }) => each.topic_name === topic))
    assert.ok(
      (await json(['iam', 'service-account', 'list'])).some(
        (each: { id: string }) => each.id === serviceAccountId,
      ),
    )
    assert.ok(
      (await json(['api-key', 'list', '--service-account', serviceAccountId])).some(
        (each: { id: string }) => each.id === key.id,
      ),
    )
  })

  it('produces three records from stdin with the new key, and Kafka has them', async () => {
    // Given a second context for the application's key, its secret piped on stdin
    const login = await cli.run(['login', '--context', 'app', '--url', gateway.url, '--api-key', key.id], {
      stdin: `${key.secret}\n`,
    })
    assert.equal(login.code, 0, show(login))
    // When
    const reports = await json(
      ['kafka', 'topic', 'produce', topic, '--cluster', kafka.clusterId, '--context', 'app', '--key', 'k'],
      {
        stdin: 'one\ntwo\nthree\n',
      },
    )
    // Then
    assert.deepEqual(
      reports.map((report: { error_code: number; offset: number }) => [report.error_code, report.offset]),
      [
        [200, 0],
        [200, 1],
        [200, 2],
      ],
    )
    const records = await readRecords(kafka, topic, 3)
    assert.deepEqual(
      records.map((record) => [record.key.toString(), record.value.toString()]),
      [
        ['k', 'one'],
        ['k', 'two'],
        ['k', 'three'],
      ],
    )
  })

  it('shows the produce decision of that key in the audit trail', async () => {
    // The three records went over one streamed request: the gateway decides (and audits) once per
    // request, so there is one Write decision on the topic, next to the key's authentications.
    let writes: { data: { decision: string; resource: string; credential: { id: string } } }[] = []
    let authentications = 0
    // The trail delivers to Kafka in the background: give it a few seconds.
    for (let attempt = 0; attempt < 20 && writes.length === 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 500))
      const events = await json([
        'audit',
        'list',
        '--since',
        '10m',
        '--credential-id',
        key.id,
        '--context',
        'admin',
      ])
      writes = events.filter(
        (event: { type: string; data: { operation?: string } }) =>
          event.type === 'io.gatehouse.authorization.v1' && event.data.operation === 'Write',
      )
      authentications = events.filter(
        (event: { type: string }) => event.type === 'io.gatehouse.authentication.v1',
      ).length
    }
    assert.equal(writes.length, 1, JSON.stringify(writes))
    assert.equal(writes[0]!.data.decision, 'ALLOWED')
    assert.equal(writes[0]!.data.credential.id, key.id)
    assert.match(writes[0]!.data.resource, new RegExp(`/topic=${topic}$`))
    // Its login check and the produce request, at least.
    assert.ok(authentications >= 2, String(authentications))
    const table = await cli.run([
      'audit',
      'list',
      '--since',
      '10m',
      '--credential-id',
      key.id,
      '--context',
      'admin',
    ])
    assert.equal(table.code, 0, show(table))
    assert.match(table.stdout, /^Time\s+Type\s+Decision/)
    // The application's key may not read the audit trail.
    const refused = await cli.run(['audit', 'list', '--context', 'app'])
    assert.equal(refused.code, 3, show(refused))
  })

  it('exits 2 with a message and the usage for an unknown flag, a missing flag or a bad value', async () => {
    const unknown = await cli.run(['kafka', 'topic', 'list', '--nope'])
    assert.equal(unknown.code, 2, show(unknown))
    assert.match(unknown.stderr, /unknown flag --nope/)
    assert.match(unknown.stderr, /Usage: gatehouse kafka topic list/)
    const missing = await cli.run(['api-key', 'create', '--resource', kafka.clusterId])
    assert.equal(missing.code, 2, show(missing))
    assert.match(missing.stderr, /missing required flag --service-account/)
    const badOutput = await cli.run(['environment', 'list', '--output', 'xml'])
    assert.equal(badOutput.code, 2, show(badOutput))
    const badCommand = await cli.run(['kafka', 'topc', 'list'])
    assert.equal(badCommand.code, 2, show(badCommand))
    assert.match(badCommand.stderr, /unknown command "kafka topc"/)
    const badSince = await cli.run(['audit', 'list', '--since', 'yesterday'])
    assert.equal(badSince.code, 2, show(badSince))
  })

  it('exits 3 with the API message for a wrong secret, and does not save it', async () => {
    const run = await cli.run(['login', '--context', 'wrong', '--url', gateway.url, '--api-key', key.id], {
      env: { GATEHOUSE_API_SECRET: 'not-the-secret' },
    })
    assert.equal(run.code, 3, show(run))
    assert.match(run.stderr, /Error: .*(authentication|Authentication).*\(HTTP 401\)/)
    assert.doesNotMatch(readFileSync(cli.configPath, 'utf8'), /"wrong"/)
  })

  it('exits 4 for something that does not exist, printing the API message', async () => {
    const run = await cli.run(['kafka', 'topic', 'describe', `absent-${suffix}`, '--context', 'admin'])
    assert.equal(run.code, 4, show(run))
    assert.match(run.stderr, /This server does not host this topic-partition\. \(HTTP 404\)/)
    const json = await cli.run([
      'iam',
      'service-account',
      'describe',
      'sa-absent',
      '--context',
      'admin',
      '-o',
      'json',
    ])
    assert.equal(json.code, 4, show(json))
    // With --output json the API's error body follows the message, as it was sent.
    assert.ok(JSON.parse(json.stderr.split('\n')[1]!).errors, json.stderr)
  })

  it('exits non-zero when a record is refused, after printing every report', async () => {
    await json([
      'kafka',
      'topic',
      'create',
      tinyTopic,
      '--partitions',
      '1',
      '--config',
      'max.message.bytes=200',
      '--context',
      'admin',
    ])
    const run = await cli.run(['kafka', 'topic', 'produce', tinyTopic, '--context', 'admin'], {
      stdin: `small\n${'x'.repeat(1000)}\n`,
    })
    assert.equal(run.code, 1, show(run))
    const lines = run.stdout.trimEnd().split('\n')
    assert.equal(lines.length, 2, show(run))
    assert.match(lines[0]!, /^Produced to partition 0 at offset 0$/)
    assert.match(lines[1]!, /^Error \d+: /)
    assert.match(run.stderr, /1 of 2 records were not produced/)
  })

  it('produces keyed JSON records with --parse-key', async () => {
    const reports = await json(
      [
        'kafka',
        'topic',
        'produce',
        tinyTopic,
        '--parse-key',
        '--delimiter',
        '|',
        '--value-format',
        'json',
        '--context',
        'admin',
      ],
      { stdin: 'k1|{"n":1}\nk2|[2]\n' },
    )
    assert.deepEqual(
      reports.map((report: { error_code: number; key: { size: number } | null }) => [
        report.error_code,
        report.key?.size,
      ]),
      [
        [200, 2],
        [200, 2],
      ],
    )
    const missingDelimiter = await cli.run(
      ['kafka', 'topic', 'produce', tinyTopic, '--parse-key', '--context', 'admin'],
      {
        stdin: 'no delimiter here\n',
      },
    )
    assert.equal(missingDelimiter.code, 2, show(missingDelimiter))
    assert.match(missingDelimiter.stderr, /line 1 has no key delimiter ":"/)
    // A bad line after good ones, once the stream is under way, is reported the same way.
    const laterLine = await cli.run(
      ['kafka', 'topic', 'produce', tinyTopic, '--parse-key', '--context', 'admin'],
      { stdin: `${Array.from({ length: 50 }, (_, index) => `k:${index}`).join('\n')}\nno delimiter\n` },
    )
    assert.equal(laterLine.code, 2, show(laterLine))
    assert.match(laterLine.stderr, /line 51 has no key delimiter ":"/)
  })

  it('manages environments and Kafka ACLs, and describes single objects, all as parseable JSON', async () => {
    const as = ['--context', 'admin']
    const environment = await json(['environment', 'create', `cli-env-${suffix}`, ...as])
    assert.match(environment.id, /^env-/)
    const renamed = await json([
      'environment',
      'update',
      environment.id,
      '--name',
      `cli-env2-${suffix}`,
      ...as,
    ])
    assert.equal(renamed.display_name, `cli-env2-${suffix}`)
    assert.equal((await json(['environment', 'describe', environment.id, ...as])).id, environment.id)
    assert.ok(
      (await json(['environment', 'list', ...as])).some((each: { id: string }) => each.id === environment.id),
    )
    assert.deepEqual(await json(['environment', 'delete', environment.id, ...as]), {
      id: environment.id,
      deleted: true,
    })

    const acl = [
      '--principal',
      `User:${serviceAccountId}`,
      '--operation',
      'read',
      '--permission',
      'ALLOW',
      '--resource-type',
      'topic',
      '--resource-name',
      topic,
    ]
    const created = await json(['kafka', 'acl', 'create', ...acl, ...as])
    assert.equal(created.operation, 'READ')
    const listed = await json(['kafka', 'acl', 'list', '--principal', `User:${serviceAccountId}`, ...as])
    assert.deepEqual(
      listed.map((each: { operation: string; resource_name: string }) => [
        each.operation,
        each.resource_name,
      ]),
      [['READ', topic]],
    )
    const deleted = await json(['kafka', 'acl', 'delete', ...acl, ...as])
    assert.equal(deleted.length, 1)
    assert.deepEqual(
      await json(['kafka', 'acl', 'list', '--principal', `User:${serviceAccountId}`, ...as]),
      [],
    )

    assert.equal((await json(['kafka', 'cluster', 'describe', ...as])).id, kafka.clusterId)
    assert.equal((await json(['kafka', 'topic', 'describe', topic, ...as])).topic_name, topic)
    assert.equal((await json(['context', 'current', ...as])).name, 'admin')
    const renamedKey = await json(['api-key', 'update', key.id, '--name', 'orders-writer', ...as])
    assert.equal(renamedKey.spec.display_name, 'orders-writer')
    const human = await cli.run(['api-key', 'describe', key.id, ...as])
    assert.match(human.stdout, /^spec\.display_name\s+orders-writer$/m)
  })

  it('manages certificate authorities and their pools against the gateway, as parseable JSON', async () => {
    const as = ['--context', 'admin']
    const pki = TestPki.create()
    const chainFile = join(pki.dir, 'corporate-chain.pem')
    writeFileSync(chainFile, pki.chainPem)
    const authority = await json([
      'iam',
      'certificate-authority',
      'create',
      `cli-pki-${suffix}`,
      '--certificate-chain-file',
      chainFile,
      ...as,
    ])
    assert.match(authority.id, /^op-/)
    assert.equal(authority.certificate_chain_filename, 'corporate-chain.pem')
    assert.equal(authority.fingerprints.length, 2)
    const renamed = await json([
      'iam',
      'certificate-authority',
      'update',
      authority.id,
      '--name',
      `cli-pki2-${suffix}`,
      ...as,
    ])
    assert.equal(renamed.display_name, `cli-pki2-${suffix}`)
    assert.deepEqual(renamed.fingerprints, authority.fingerprints)
    const pool = await json([
      'iam',
      'certificate-pool',
      'create',
      `cli-pool-${suffix}`,
      '--certificate-authority',
      authority.id,
      '--filter',
      'CN.startsWith("orders-")',
      '--external-identifier',
      'CN',
      ...as,
    ])
    assert.match(pool.id, /^pool-/)
    const changed = await json([
      'iam',
      'certificate-pool',
      'update',
      pool.id,
      '--certificate-authority',
      authority.id,
      '--filter',
      'O == "Acme"',
      ...as,
    ])
    assert.deepEqual([changed.filter, changed.external_identifier], ['O == "Acme"', 'CN'])
    const pools = await json([
      'iam',
      'certificate-pool',
      'list',
      '--certificate-authority',
      authority.id,
      ...as,
    ])
    assert.deepEqual(
      pools.map((each: { id: string }) => each.id),
      [pool.id],
    )
    // A filter the gateway refuses: non-zero, with the API's message.
    const bad = await cli.run([
      'iam',
      'certificate-pool',
      'create',
      'bad',
      '--certificate-authority',
      authority.id,
      '--filter',
      'claims.sub == "x"',
      '--external-identifier',
      'CN',
      ...as,
    ])
    assert.equal(bad.code, 1, show(bad))
    assert.match(bad.stderr, /filter is not valid/)
    await json(['iam', 'certificate-authority', 'delete', authority.id, ...as])
    const gone = await cli.run(['iam', 'certificate-authority', 'describe', authority.id, ...as])
    assert.equal(gone.code, 4, show(gone))
  })

  it('manages SSO group mappings against the gateway, as parseable JSON', async () => {
    const as = ['--context', 'admin']
    const mapping = await json([
      'iam',
      'group-mapping',
      'create',
      `cli-engineering-${suffix}`,
      '--filter',
      '"engineering" in groups',
      ...as,
    ])
    assert.match(mapping.id, /^group-/)
    assert.equal(mapping.principal, mapping.id)
    const changed = await json([
      'iam',
      'group-mapping',
      'update',
      mapping.id,
      '--filter',
      '"platform" in groups',
      ...as,
    ])
    assert.deepEqual(
      [changed.filter, changed.display_name],
      ['"platform" in groups', `cli-engineering-${suffix}`],
    )
    assert.ok(
      (await json(['iam', 'group-mapping', 'list', ...as])).some(
        (each: { id: string }) => each.id === mapping.id,
      ),
    )
    const bad = await cli.run(['iam', 'group-mapping', 'create', 'bad', '--filter', 'groups ==', ...as])
    assert.equal(bad.code, 1, show(bad))
    assert.match(bad.stderr, /filter/)
    await json(['iam', 'group-mapping', 'delete', mapping.id, ...as])
    const gone = await cli.run(['iam', 'group-mapping', 'describe', mapping.id, ...as])
    assert.equal(gone.code, 4, show(gone))
  })

  it('changes and deletes what it created', async () => {
    const updated = await json([
      'iam',
      'service-account',
      'update',
      serviceAccountId,
      '--description',
      'changed',
      '--context',
      'admin',
    ])
    assert.equal(updated.description, 'changed')
    const topicUpdate = await json([
      'kafka',
      'topic',
      'update',
      topic,
      '--config',
      'retention.ms=3600000',
      '--context',
      'admin',
    ])
    assert.equal(topicUpdate.topic_name, topic)
    const deleted = await json(['api-key', 'delete', key.id, '--context', 'admin'])
    assert.deepEqual(deleted, { id: key.id, deleted: true })
    // The deleted key no longer works: the app context is refused.
    const refused = await cli.run([
      'kafka',
      'topic',
      'list',
      '--cluster',
      kafka.clusterId,
      '--context',
      'app',
    ])
    assert.equal(refused.code, 3, show(refused))
    await json(['kafka', 'topic', 'delete', topic, '--context', 'admin'])
    await json(['iam', 'service-account', 'delete', serviceAccountId, '--context', 'admin'])
    const contexts = await json(['context', 'delete', 'app'])
    assert.deepEqual(contexts, { context: 'app', deleted: true })
  })
})
