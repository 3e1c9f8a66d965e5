/**
 * mTLS end to end: the gateway process with its HTTPS listener in front of the real broker, a PKI
 * made with openssl (root, intermediate, client certificates, a CRL), and real TLS clients: curl
 * with `--cert`/`--key` and Node's https. A certificate in a pool with DeveloperWrite produces to a
 * topic (read back from the broker); revoked, expired, unknown-CA and no-pool certificates are
 * refused with a clear 401 in the API's shape; deleting the CA refuses the next request, even on
 * an open connection.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomUUID, X509Certificate } from 'node:crypto'
import https from 'node:https'
import { after, before, describe, it } from 'node:test'
import type { LocalKafka } from '../../scripts/local-kafka.ts'
import {
  basicAuthorization,
  jsonOf,
  registeredCluster,
  startGateway,
  type GatewayProcess,
} from '../support/gateway-process.ts'
import { kafkaEnvironment, readRecords, testKafka } from '../support/kafka.ts'
import { TestPki, type IssuedCertificate } from '../support/pki.ts'

interface AuditLogLine {
  audit?: {
    type: string
    subject: string
    data: {
      credential: { kind: string; fingerprint?: string; externalIdentifier?: string; poolIds?: string[] }
      decision: string
      failure?: string
      request: { path: string }
    }
  }
}

interface CurlResult {
  readonly status: number
  readonly body: string
}

/** curl with a client certificate, trusting the gateway's self-signed server certificate. */
function curl(
  url: string,
  options: { cert?: IssuedCertificate; ca: string; data?: string; headers?: string[] },
): Promise<CurlResult> {
  const args = ['-sS', '--cacert', options.ca, '-o', '-', '-w', '\n%{http_code}']
  if (options.cert) args.push('--cert', options.cert.certFile, '--key', options.cert.keyFile)
  for (const header of options.headers ?? []) args.push('-H', header)
  if (options.data !== undefined)
    args.push('-H', 'Content-Type: application/json', '--data-binary', options.data)
  args.push(url)
  return new Promise((resolve, reject) =>
    execFile('curl', args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`curl failed: ${stderr}`))
      const cut = stdout.lastIndexOf('\n')
      resolve({ body: stdout.slice(0, cut), status: Number(stdout.slice(cut + 1)) })
    }),
  )
}

/** One request with Node's https client, on `agent` (keep-alive when the test wants one). */
function nodeRequest(
  url: string,
  options: { cert?: IssuedCertificate; ca: string; agent?: https.Agent; method?: string; body?: string },
): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        ...(options.cert ? { cert: options.cert.certPem, key: options.cert.keyPem } : {}),
        ...(options.agent ? { agent: options.agent } : {}),
        headers: options.body ? { 'content-type': 'application/json' } : {},
      },
      (response) => {
        let body = ''
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
      },
    )
    request.on('error', reject)
    request.end(options.body)
  })
}

describe('mTLS client certificates on a real broker', () => {
  let kafka: LocalKafka
  let gateway: GatewayProcess
  let pki: TestPki
  let admin: string
  let authorityId: string
  let poolId: string
  let clusterCrn: string
  let good: IssuedCertificate
  const suffix = randomUUID().slice(0, 8)
  const topic = `mtls-${suffix}`

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: { authorization: admin, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    })

  async function adminSend(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await call(path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${await response.clone().text()}`)
    return jsonOf(response)
  }

  const recordsPath = () => `/kafka/v3/clusters/${kafka.clusterId}/topics/${topic}/records`

  function assertRefused(result: CurlResult, why: RegExp): void {
    assert.equal(result.status, 401, result.body)
    const body = JSON.parse(result.body) as { error_code: number; message: string }
    assert.equal(body.error_code, 40101)
    assert.match(body.message, why)
  }

  function auditLines(): NonNullable<AuditLogLine['audit']>[] {
    return gateway
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"audit"'))
      .map((line) => (JSON.parse(line) as AuditLogLine).audit)
      .filter((audit): audit is NonNullable<AuditLogLine['audit']> => audit !== undefined)
  }

  before(async () => {
    kafka = await testKafka()
    pki = TestPki.create()
    gateway = await startGateway({
      env: {
        ...kafkaEnvironment(kafka),
        GATEHOUSE_AUDIT_KAFKA_TOPIC: '',
        GATEHOUSE_SERVER_TLS_ENABLED: 'true',
        GATEHOUSE_SERVER_TLS_PORT: '0',
        GATEHOUSE_SERVER_TLS_CERT_FILE: pki.server.certFile,
        GATEHOUSE_SERVER_TLS_KEY_FILE: pki.server.keyFile,
        GATEHOUSE_AUTHENTICATION_FAILURE_THRESHOLD: '1000',
      },
    })
    assert.match(gateway.httpsUrl, /^https:\/\/127\.0\.0\.1:\d+$/)
    const credential = gateway.credential()
    assert.ok(credential, gateway.stderr())
    admin = basicAuthorization(credential.key, credential.secret)
    ;({ clusterCrn } = await registeredCluster(gateway, admin, kafka.clusterId))

    await adminSend('POST', `/kafka/v3/clusters/${kafka.clusterId}/topics`, {
      topic_name: topic,
      partitions_count: 1,
    })
    const authority = await adminSend('POST', '/iam/v2/certificate-authorities', {
      display_name: `tests-${suffix}`,
      description: 'the test PKI',
      certificate_chain: pki.chainPem,
      certificate_chain_filename: 'chain.pem',
      crl_chain: pki.intermediate.crlPem(),
    })
    authorityId = authority['id'] as string
    const pool = await adminSend('POST', `/iam/v2/certificate-authorities/${authorityId}/identity-pools`, {
      display_name: `orders-writers-${suffix}`,
      description: 'order services',
      external_identifier: 'CN',
      filter: 'CN.startsWith("orders-") && O == "Acme"',
    })
    poolId = pool['id'] as string
    await adminSend('POST', '/iam/v2/role-bindings', {
      principal: `User:${poolId}`,
      role_name: 'DeveloperWrite',
      crn_pattern: `${clusterCrn}/topic=${topic}`,
    })
    good = pki.issueClient({
      subject: '/O=Acme/OU=payments/CN=orders-app',
      subjectAltName: 'DNS:orders.example.com,URI:spiffe://acme/orders',
    })
  })

  after(async () => {
    await gateway?.stop()
  })

  it('describes the registered chain as Confluent does (fingerprints, dates, serials, CRL source)', async () => {
    const authority = await adminSend('GET', `/iam/v2/certificate-authorities/${authorityId}`)
    const chain = [new X509Certificate(pki.intermediate.pem), new X509Certificate(pki.root.pem)]
    assert.deepEqual(
      authority['fingerprints'],
      chain.map((certificate) => certificate.fingerprint.replaceAll(':', '')),
    )
    assert.deepEqual(
      authority['serial_numbers'],
      chain.map((certificate) => certificate.serialNumber),
    )
    assert.equal((authority['expiration_dates'] as string[]).length, 2)
    assert.equal(authority['crl_source'], 'LOCAL')
    assert.equal(typeof authority['crl_updated_at'], 'string')
    assert.equal(authority['certificate_chain_filename'], 'chain.pem')
  })

  it('a certificate in a pool with DeveloperWrite produces with curl, and the record is on the broker', async () => {
    const result = await curl(`${gateway.httpsUrl}${recordsPath()}`, {
      cert: good,
      ca: pki.server.certFile,
      data: JSON.stringify({ value: { type: 'STRING', data: `from-curl-${suffix}` } }),
    })
    assert.equal(result.status, 200, result.body)
    const report = JSON.parse(result.body.trim()) as { error_code: number; offset: number }
    assert.equal(report.error_code, 200)
    const records = await readRecords(kafka, topic, 1)
    assert.equal(records[0]!.value?.toString(), `from-curl-${suffix}`)
  })

  it('Node’s https client produces too, and the audit record names the fingerprint and the CN', async () => {
    const result = await nodeRequest(`${gateway.httpsUrl}${recordsPath()}`, {
      cert: good,
      ca: pki.server.certPem,
      method: 'POST',
      body: JSON.stringify({ value: { type: 'STRING', data: `from-node-${suffix}` } }),
    })
    assert.equal(result.status, 200, result.body)
    assert.equal((JSON.parse(result.body.trim()) as { error_code: number }).error_code, 200)
    const fingerprint = new X509Certificate(good.certPem).fingerprint256
    const decisions = auditLines().filter(
      (line) =>
        line.type === 'io.gatehouse.authorization.v1' && line.data.credential.fingerprint === fingerprint,
    )
    assert.ok(decisions.length >= 1, 'a decision for the produce request')
    assert.equal(decisions[0]!.data.credential.kind, 'certificate')
    assert.equal(decisions[0]!.data.credential.externalIdentifier, 'orders-app')
    assert.deepEqual(decisions[0]!.data.credential.poolIds, [poolId])
    assert.match(decisions[0]!.subject, new RegExp(`/topic=${topic}$`))
    assert.equal(decisions[0]!.data.decision, 'ALLOWED')
    const authentication = auditLines().find(
      (line) =>
        line.type === 'io.gatehouse.authentication.v1' && line.data.credential.fingerprint === fingerprint,
    )
    assert.equal(authentication?.subject, `certificate:${fingerprint}`)
    assert.equal(authentication.data.credential.externalIdentifier, 'orders-app')
  })

  it('the pool grants only what its binding says: reading the topic is denied with 403', async () => {
    const result = await curl(
      `${gateway.httpsUrl}/kafka/v3/clusters/${kafka.clusterId}/topics/${topic}/configs`,
      {
        cert: good,
        ca: pki.server.certFile,
      },
    )
    assert.equal(result.status, 403, result.body)
  })

  it('refuses an expired certificate', async () => {
    const expired = pki.issueClient({
      subject: '/O=Acme/CN=orders-old',
      startDate: '20200101000000Z',
      endDate: '20200201000000Z',
    })
    assertRefused(
      await curl(`${gateway.httpsUrl}${recordsPath()}`, {
        cert: expired,
        ca: pki.server.certFile,
        data: '{}',
      }),
      /expired/,
    )
  })

  it('refuses a certificate from an unregistered CA', async () => {
    const stranger = pki.issueSelfSigned('/O=Acme/CN=orders-stranger')
    assertRefused(
      await curl(`${gateway.httpsUrl}${recordsPath()}`, {
        cert: stranger,
        ca: pki.server.certFile,
        data: '{}',
      }),
      /not issued by a registered certificate authority/,
    )
  })

  it('refuses a certificate that matches no pool filter', async () => {
    const other = pki.issueClient({ subject: '/O=Other Corp/CN=orders-app' })
    assertRefused(
      await curl(`${gateway.httpsUrl}${recordsPath()}`, { cert: other, ca: pki.server.certFile, data: '{}' }),
      /matches no certificate identity pool/,
    )
  })

  it('refuses a certificate once its serial is on the CRL uploaded with PUT', async () => {
    const soonRevoked = pki.issueClient({ subject: '/O=Acme/CN=orders-revoked' })
    const before = await curl(`${gateway.httpsUrl}${recordsPath()}`, {
      cert: soonRevoked,
      ca: pki.server.certFile,
      data: JSON.stringify({ value: { type: 'STRING', data: 'before revocation' } }),
    })
    assert.equal(before.status, 200, before.body)
    pki.intermediate.revoke(soonRevoked.certFile)
    await adminSend('PUT', `/iam/v2/certificate-authorities/${authorityId}`, {
      crl_chain: pki.intermediate.crlPem(),
    })
    assertRefused(
      await curl(`${gateway.httpsUrl}${recordsPath()}`, {
        cert: soonRevoked,
        ca: pki.server.certFile,
        data: '{}',
      }),
      /revoked/,
    )
    // Its neighbour from the same CA is unaffected.
    const still = await curl(`${gateway.httpsUrl}${recordsPath()}`, {
      cert: good,
      ca: pki.server.certFile,
      data: JSON.stringify({ value: { type: 'STRING', data: 'after revocation' } }),
    })
    assert.equal(still.status, 200, still.body)
  })

  it('an Authorization header wins over the certificate; no credential at all is a 401', async () => {
    const wrongKey = await curl(`${gateway.httpsUrl}${recordsPath()}`, {
      cert: good,
      ca: pki.server.certFile,
      data: '{}',
      headers: [`Authorization: ${basicAuthorization('AAAAAAAAAAAAAAAA', 'wrong-secret')}`],
    })
    assert.equal(wrongKey.status, 401, wrongKey.body)
    assert.doesNotMatch(wrongKey.body, /certificate/)
    const nothing = await curl(`${gateway.httpsUrl}${recordsPath()}`, { ca: pki.server.certFile, data: '{}' })
    assert.equal(nothing.status, 401, nothing.body)
  })

  it('a Confluent-Identity-Pool-Id header naming another pool is refused', async () => {
    assertRefused(
      await curl(`${gateway.httpsUrl}${recordsPath()}`, {
        cert: good,
        ca: pki.server.certFile,
        data: '{}',
        headers: ['Confluent-Identity-Pool-Id: pool-nosuch'],
      }),
      /pool-nosuch does not exist/,
    )
  })

  it('deleting the CA refuses the next request, even on a kept-alive connection', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const options = { cert: good, ca: pki.server.certPem, agent }
      const first = await nodeRequest(
        `${gateway.httpsUrl}/kafka/v3/clusters/${kafka.clusterId}/topics/${topic}`,
        options,
      )
      // DeveloperWrite on the topic lets it describe the topic.
      assert.equal(first.status, 200, first.body)
      const deleted = await adminSend('DELETE', `/iam/v2/certificate-authorities/${authorityId}`)
      assert.equal(deleted['id'], authorityId)
      assert.equal(deleted['kind'], 'CertificateAuthority')
      const second = await nodeRequest(
        `${gateway.httpsUrl}/kafka/v3/clusters/${kafka.clusterId}/topics/${topic}`,
        options,
      )
      assertRefused(second, /not issued by a registered certificate authority/)
      // The same socket answered both: the refusal did not depend on a new handshake.
      assert.equal(
        Object.values(agent.sockets).flat().length + Object.values(agent.freeSockets).flat().length,
        1,
      )
      // The pool and its role binding went with the CA.
      const pools = await call(`/iam/v2/certificate-authorities/${authorityId}/identity-pools`)
      assert.equal(pools.status, 404)
      const bindings = await jsonOf(
        await call(
          `/iam/v2/role-bindings?${new URLSearchParams({ crn_pattern: clusterCrn + '/topic=*', principal: `User:${poolId}` }).toString()}`,
        ),
      )
      assert.deepEqual(bindings.data, [])
    } finally {
      agent.destroy()
    }
  })
})
