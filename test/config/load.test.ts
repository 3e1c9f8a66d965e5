import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { loadConfig, listConfigLeaves } from '../../src/config/index.ts'
import { ConfigError } from '../../src/core/index.ts'

const directory = mkdtempSync(join(tmpdir(), 'gatehouse-config-'))
function file(name: string, content: string): string {
  const path = join(directory, name)
  writeFileSync(path, content)
  return path
}

function assertConfigError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`)
    assert.match(error.message, pattern)
    return true
  })
}

describe('configuration loading', () => {
  it('leaves the console off by default and checks its settings when on', () => {
    assert.equal(loadConfig({ env: {} }).console.oidc, undefined)
    const base = {
      GATEHOUSE_CONSOLE_OIDC_ISSUER: 'https://login.example.com',
      GATEHOUSE_CONSOLE_OIDC_CLIENT_ID: 'gatehouse',
      GATEHOUSE_CONSOLE_PUBLIC_URL: 'https://gatehouse.example.com',
    }
    const on = loadConfig({ env: { ...base, GATEHOUSE_CONSOLE_OIDC_CLIENT_SECRET: 's3cret' } })
    assert.deepEqual(on.console.oidc?.scopes, ['openid', 'email', 'profile'])
    assert.equal(on.console.oidc?.groupsClaim, 'groups')
    assert.equal(on.console.sessionIdleTimeoutSeconds, 1800)
    assert.equal(on.console.sessionAbsoluteTimeoutSeconds, 43_200)
    assertConfigError(() => loadConfig({ env: base }), /exactly one of clientSecret and clientSecretFile/)
    assertConfigError(
      () =>
        loadConfig({
          env: {
            ...base,
            GATEHOUSE_CONSOLE_OIDC_CLIENT_SECRET: 'a',
            GATEHOUSE_CONSOLE_OIDC_CLIENT_SECRET_FILE: '/run/secret',
          },
        }),
      /exactly one/,
    )
    assertConfigError(
      () =>
        loadConfig({
          env: { ...base, GATEHOUSE_CONSOLE_OIDC_CLIENT_SECRET: 'a', GATEHOUSE_CONSOLE_OIDC_SCOPES: 'email' },
        }),
      /must include openid/,
    )
    const { GATEHOUSE_CONSOLE_PUBLIC_URL: _publicUrl, ...withoutUrl } = base
    assertConfigError(
      () => loadConfig({ env: { ...withoutUrl, GATEHOUSE_CONSOLE_OIDC_CLIENT_SECRET: 'a' } }),
      /console.publicUrl \(or server.publicUrl\) is required/,
    )
    assertConfigError(
      () =>
        loadConfig({
          env: {
            ...base,
            GATEHOUSE_CONSOLE_OIDC_CLIENT_SECRET: 'a',
            GATEHOUSE_CONSOLE_SESSION_IDLE_TIMEOUT_SECONDS: '3600',
            GATEHOUSE_CONSOLE_SESSION_ABSOLUTE_TIMEOUT_SECONDS: '60',
          },
        }),
      /must not be shorter/,
    )
  })

  it('fills every default when nothing is given', () => {
    const config = loadConfig({ env: {} })
    assert.equal(config.server.port, 8082)
    assert.equal(config.server.host, '127.0.0.1')
    assert.deepEqual(config.kafka.bootstrapServers, ['127.0.0.1:19092'])
    assert.equal(config.kafka.clientId, 'gatehouse')
    assert.equal(config.metrics.requireAuthentication, true)
    assert.equal(config.log.level, 'info')
    assert.equal(config.admin.apiKey, undefined)
  })

  it('reads YAML and JSON files', () => {
    const yaml = loadConfig({
      file: file(
        'a.yaml',
        'server:\n  port: 9000\nkafka:\n  bootstrapServers: [kafka-1:9092, kafka-2:9092]\n  sasl:\n    username: gw\n    password: pw\n',
      ),
      env: {},
    })
    assert.equal(yaml.server.port, 9000)
    assert.deepEqual(yaml.kafka.bootstrapServers, ['kafka-1:9092', 'kafka-2:9092'])
    assert.deepEqual(yaml.kafka.sasl, { mechanism: 'PLAIN', username: 'gw', password: 'pw' })
    const json = loadConfig({ file: file('a.json', '{"log": {"level": "debug"}}'), env: {} })
    assert.equal(json.log.level, 'debug')
  })

  it('lets GATEHOUSE_* variables override the file, with types from the schema', () => {
    const config = loadConfig({
      file: file('b.yaml', 'server:\n  port: 9000\n'),
      env: {
        GATEHOUSE_SERVER_PORT: '9100',
        GATEHOUSE_KAFKA_BOOTSTRAP_SERVERS: 'a:1, b:2',
        GATEHOUSE_METRICS_REQUIRE_AUTHENTICATION: 'false',
        GATEHOUSE_ADMIN_API_KEY: 'ADMINKEY1234',
        GATEHOUSE_ADMIN_API_SECRET: 'a-long-enough-secret',
        GATEHOUSE_CONFIG: '/ignored/by/the/loader.yaml',
        OTHER_VARIABLE: 'ignored',
      },
    })
    assert.equal(config.server.port, 9100)
    assert.deepEqual(config.kafka.bootstrapServers, ['a:1', 'b:2'])
    assert.equal(config.metrics.requireAuthentication, false)
    assert.equal(config.admin.apiKey, 'ADMINKEY1234')
  })

  it('accepts the shipped example configuration', () => {
    const config = loadConfig({
      file: new URL('../../examples/gatehouse.yaml', import.meta.url).pathname,
      env: {},
    })
    assert.equal(config.kafka.sasl?.mechanism, 'SCRAM-SHA-512')
    assert.equal(config.server.publicUrl, 'https://kafka-api.example.com')
  })

  it('reads additional clusters from the file or as JSON from the environment', () => {
    const fromFile = loadConfig({
      file: file(
        'clusters.yaml',
        'kafka:\n  additionalClusters:\n    - bootstrapServers: [other:9092]\n      sasl: {username: u, password: p}\n',
      ),
      env: {},
    })
    assert.deepEqual(fromFile.kafka.additionalClusters, [
      { bootstrapServers: ['other:9092'], sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' } },
    ])
    const fromEnv = loadConfig({
      env: { GATEHOUSE_KAFKA_ADDITIONAL_CLUSTERS: '[{"bootstrapServers":["b:1"]}]' },
    })
    assert.deepEqual(fromEnv.kafka.additionalClusters, [{ bootstrapServers: ['b:1'] }])
    assertConfigError(
      () => loadConfig({ env: { GATEHOUSE_KAFKA_ADDITIONAL_CLUSTERS: 'b:1' } }),
      /GATEHOUSE_KAFKA_ADDITIONAL_CLUSTERS must be a JSON array/,
    )
    assertConfigError(
      () => loadConfig({ env: { GATEHOUSE_KAFKA_ADDITIONAL_CLUSTERS: '[{"bootstrap":["b:1"]}]' } }),
      /kafka\.additionalClusters\.0\.bootstrap \(from GATEHOUSE_KAFKA_ADDITIONAL_CLUSTERS\) is not a known setting/,
    )
    assert.deepEqual(loadConfig({ env: {} }).kafka.additionalClusters, [])
  })

  it('keeps http identity-provider URLs off unless development mode turns them on', () => {
    assert.equal(loadConfig({ env: {} }).authentication.allowLoopbackHttpIssuers, false)
    const config = loadConfig({ env: { GATEHOUSE_AUTHENTICATION_ALLOW_LOOPBACK_HTTP_ISSUERS: 'true' } })
    assert.equal(config.authentication.allowLoopbackHttpIssuers, true)
  })

  it('returns a frozen configuration', () => {
    const config = loadConfig({ env: {} })
    assert.ok(
      Object.isFrozen(config) &&
        Object.isFrozen(config.server) &&
        Object.isFrozen(config.kafka.bootstrapServers),
    )
  })

  it('names the bad key and where it came from', () => {
    assertConfigError(
      () => loadConfig({ file: file('c.yaml', 'server:\n  port: 99999\n'), env: {} }),
      /server\.port \(in .*c\.yaml\) must be <= 65535/,
    )
    assertConfigError(
      () => loadConfig({ env: { GATEHOUSE_SERVER_PORT: '70000' } }),
      /server\.port \(from GATEHOUSE_SERVER_PORT\)/,
    )
    assertConfigError(
      () => loadConfig({ env: { GATEHOUSE_SERVER_PORT: 'eighty' } }),
      /GATEHOUSE_SERVER_PORT="eighty" is not a number/,
    )
    assertConfigError(
      () => loadConfig({ env: { GATEHOUSE_LOG_LEVEL: 'loud' } }),
      /log\.level .* must be one of the allowed values/,
    )
    assertConfigError(
      () => loadConfig({ env: { GATEHOUSE_KAFKA_BOOTSTRAP_SERVERS: 'no-port' } }),
      /kafka\.bootstrapServers\.0/,
    )
    assertConfigError(
      () => loadConfig({ env: { GATEHOUSE_ADMIN_API_SECRET: 'short' } }),
      /admin\.apiSecret .* must NOT have fewer than 16 characters/,
    )
  })

  it('rejects unknown keys in the file and unknown GATEHOUSE_ variables, suggesting the right one', () => {
    assertConfigError(
      () => loadConfig({ file: file('d.yaml', 'server:\n  prot: 1\n'), env: {} }),
      /server\.prot .* is not a known setting/,
    )
    assertConfigError(
      () => loadConfig({ env: { GATEHOUSE_KAFKA_BOOTSTRAP_SERVER: 'a:1' } }),
      /did you mean GATEHOUSE_KAFKA_BOOTSTRAP_SERVERS\?/,
    )
    assertConfigError(
      () => loadConfig({ env: { GATEHOUSE_NOTHING_LIKE_IT_AT_ALL: '1' } }),
      /Unknown environment variable GATEHOUSE_NOTHING_LIKE_IT_AT_ALL; see docs/,
    )
  })

  it('explains unreadable and unparsable files', () => {
    assertConfigError(
      () => loadConfig({ file: join(directory, 'missing.yaml'), env: {} }),
      /Cannot read the configuration file/,
    )
    assertConfigError(
      () => loadConfig({ file: file('e.yaml', 'server: [\n'), env: {} }),
      /is not valid at line/,
    )
    assertConfigError(() => loadConfig({ file: file('f.json', '{"server": }'), env: {} }), /is not valid/)
    assertConfigError(
      () => loadConfig({ file: file('g.yaml', '- a\n- b\n'), env: {} }),
      /must hold an object/,
    )
  })

  it('derives one environment variable per leaf, all distinct', () => {
    const leaves = listConfigLeaves()
    const names = leaves.map((leaf) => leaf.envName)
    assert.equal(new Set(names).size, names.length)
    assert.ok(names.includes('GATEHOUSE_KAFKA_SASL_PASSWORD'))
    assert.ok(names.includes('GATEHOUSE_DATA_DIR'))
    for (const leaf of leaves)
      assert.ok(leaf.schema.description, `${leaf.path.join('.')} needs a description`)
  })
})
