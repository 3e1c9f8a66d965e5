/**
 * The HTTPS listener beside plain HTTP: one application on both, a client certificate requested
 * but not required, and the server certificate reloaded from its files when they change (a pair
 * that does not load is reported once and the previous one kept).
 */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { after, before, describe, it } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import { loadConfig } from '../../src/config/index.ts'
import { GatewayListeners } from '../../src/http/index.ts'
import { TestPki } from '../support/pki.ts'

/** The certificate the listener presents and the TLS version agreed, for a client limited to `versions`. */
function handshake(
  port: number,
  versions: { minVersion?: 'TLSv1.2' | 'TLSv1.3'; maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {},
): Promise<{ fingerprint: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...versions }, () => {
      const fingerprint = socket.getPeerX509Certificate()!.fingerprint256
      const protocol = socket.getProtocol() ?? ''
      socket.end()
      resolve({ fingerprint, protocol })
    })
    socket.on('error', reject)
  })
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('GatewayListeners', () => {
  const first = TestPki.create()
  const second = TestPki.create()
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-listeners-'))
  const certFile = join(dir, 'server.pem')
  const keyFile = join(dir, 'server.key')
  const errors: unknown[] = []
  let reloaded = 0
  let app: FastifyInstance
  let listeners: GatewayListeners
  let urls: string[]

  before(async () => {
    copyFileSync(first.server.certFile, certFile)
    copyFileSync(first.server.keyFile, keyFile)
    const config = loadConfig({
      env: {
        GATEHOUSE_SERVER_PORT: '0',
        GATEHOUSE_SERVER_TLS_ENABLED: 'true',
        GATEHOUSE_SERVER_TLS_PORT: '0',
        GATEHOUSE_SERVER_TLS_CERT_FILE: certFile,
        GATEHOUSE_SERVER_TLS_KEY_FILE: keyFile,
        GATEHOUSE_SERVER_TLS_RELOAD_INTERVAL_MS: '1000',
      },
    })
    listeners = await GatewayListeners.create(config.server, {
      onCertificateReloaded: () => reloaded++,
      onCertificateReloadError: (error) => errors.push(error),
    })
    // As buildApp does: the factory's server is the HTTPS one, `https` only names the scheme in logs.
    const options = { serverFactory: listeners.serverFactory()!, https: {} }
    app = Fastify(options as { serverFactory: typeof options.serverFactory })
    app.get('/', async (request) => ({ secure: 'encrypted' in request.raw.socket }))
    urls = await listeners.listen(app)
  })
  after(async () => {
    await Promise.all([app.close(), listeners.close()])
  })

  it('serves the same application over HTTPS and plain HTTP', async () => {
    const [httpsUrl, httpUrl] = urls
    assert.match(httpsUrl!, /^https:\/\/127\.0\.0\.1:\d+$/)
    assert.match(httpUrl!, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.deepEqual(await (await fetch(httpUrl!)).json(), { secure: false })
    const port = Number(new URL(httpsUrl!).port)
    assert.equal(
      (await handshake(port)).fingerprint,
      new X509Certificate(first.server.certPem).fingerprint256,
    )
  })

  it('speaks TLS 1.3 and 1.2 by default, and only 1.3 when minVersion says so', async () => {
    const port = Number(new URL(urls[0]!).port)
    assert.equal((await handshake(port)).protocol, 'TLSv1.3')
    assert.equal((await handshake(port, { maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2')
    const strict = await GatewayListeners.create(
      loadConfig({
        env: {
          GATEHOUSE_SERVER_PLAIN_HTTP: 'false',
          GATEHOUSE_SERVER_TLS_ENABLED: 'true',
          GATEHOUSE_SERVER_TLS_PORT: '0',
          GATEHOUSE_SERVER_TLS_MIN_VERSION: 'TLSv1.3',
          GATEHOUSE_SERVER_TLS_CERT_FILE: first.server.certFile,
          GATEHOUSE_SERVER_TLS_KEY_FILE: first.server.keyFile,
        },
      }).server,
    )
    const options = { serverFactory: strict.serverFactory()!, https: {} }
    const strictApp = Fastify(options as { serverFactory: typeof options.serverFactory })
    try {
      const [only] = await strict.listen(strictApp)
      const strictPort = Number(new URL(only!).port)
      assert.equal((await handshake(strictPort)).protocol, 'TLSv1.3')
      await assert.rejects(handshake(strictPort, { maxVersion: 'TLSv1.2' }), /protocol|alert|version/i)
    } finally {
      await Promise.all([strictApp.close(), strict.close()])
    }
  })

  it('keeps the old pair when the new files do not match, then switches once they do', async () => {
    const port = Number(new URL(urls[0]!).port)
    // Half a rotation: the new certificate with the old key.
    copyFileSync(second.server.certFile, certFile)
    await until(async () => errors.length > 0, 'the mismatch to be reported')
    assert.equal(
      (await handshake(port)).fingerprint,
      new X509Certificate(first.server.certPem).fingerprint256,
    )
    const reportedOnce = errors.length
    await new Promise((resolve) => setTimeout(resolve, 2_200))
    assert.equal(errors.length, reportedOnce, 'the same broken pair is reported once')
    writeFileSync(keyFile, second.server.keyPem)
    const expected = new X509Certificate(second.server.certPem).fingerprint256
    await until(async () => (await handshake(port)).fingerprint === expected, 'the new certificate')
    assert.equal(reloaded, 1)
  })

  it('refuses to start with files that do not load', async () => {
    const config = loadConfig({
      env: {
        GATEHOUSE_SERVER_TLS_ENABLED: 'true',
        GATEHOUSE_SERVER_TLS_CERT_FILE: join(dir, 'missing.pem'),
        GATEHOUSE_SERVER_TLS_KEY_FILE: keyFile,
      },
    })
    await assert.rejects(GatewayListeners.create(config.server), /cannot read the TLS certificate or key/)
    const mismatched = loadConfig({
      env: {
        GATEHOUSE_SERVER_TLS_ENABLED: 'true',
        GATEHOUSE_SERVER_TLS_CERT_FILE: first.server.certFile,
        GATEHOUSE_SERVER_TLS_KEY_FILE: second.server.keyFile,
      },
    })
    await assert.rejects(GatewayListeners.create(mismatched.server), /key values mismatch|key/i)
  })

  it('the configuration refuses TLS without files, no listener at all, and one port for both', () => {
    assert.throws(
      () => loadConfig({ env: { GATEHOUSE_SERVER_TLS_ENABLED: 'true' } }),
      /needs server.tls.certFile/,
    )
    assert.throws(
      () => loadConfig({ env: { GATEHOUSE_SERVER_PLAIN_HTTP: 'false' } }),
      /would not listen at all/,
    )
    assert.throws(
      () =>
        loadConfig({
          env: {
            GATEHOUSE_SERVER_TLS_ENABLED: 'true',
            GATEHOUSE_SERVER_TLS_CERT_FILE: certFile,
            GATEHOUSE_SERVER_TLS_KEY_FILE: keyFile,
            GATEHOUSE_SERVER_PORT: '9443',
            GATEHOUSE_SERVER_TLS_PORT: '9443',
          },
        }),
      /both 9443/,
    )
    assert.throws(() => loadConfig({ env: { GATEHOUSE_SERVER_TLS_MIN_VERSION: 'TLSv1.1' } }), /minVersion/)
  })
})
