import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { checkFetchableUrl, fetchJsonDocument, RemoteDocumentError } from '../../../src/authn/index.ts'
import { TestHttpServer } from './oidc-fixtures.ts'

const LOOPBACK = { allowInsecureLoopback: true }

async function fetchFailure(url: string, limits = {}): Promise<RemoteDocumentError> {
  try {
    await fetchJsonDocument(url, limits)
  } catch (error) {
    assert.ok(error instanceof RemoteDocumentError, `expected a RemoteDocumentError, got ${String(error)}`)
    return error
  }
  assert.fail(`fetching ${url} should have failed`)
}

describe('fetching a remote JSON document', () => {
  let server: TestHttpServer
  before(async () => {
    server = await TestHttpServer.start()
  })
  after(() => server.close())

  it('returns the parsed body and the Cache-Control header', async () => {
    // Given
    server.json('/ok', '{"keys":[]}', { 'cache-control': 'public, max-age=600' })
    // When
    const document = await fetchJsonDocument(server.url('/ok'), LOOPBACK)
    // Then
    assert.deepEqual(document.body, { keys: [] })
    assert.equal(document.cacheControl, 'public, max-age=600')
  })

  it('requires https: for any host that is not loopback, without sending anything', () => {
    for (const url of ['http://idp.example.com/jwks', 'http://10.0.0.1/jwks', 'http://127.0.0.2/jwks']) {
      assert.throws(
        () => checkFetchableUrl(url, true),
        (error: unknown) => error instanceof RemoteDocumentError && error.reason === 'invalid_url',
        url,
      )
    }
    assert.equal(checkFetchableUrl('https://idp.example.com/jwks').hostname, 'idp.example.com')
  })

  it('accepts http: to 127.0.0.1, ::1 and localhost only with the insecure-loopback option', () => {
    for (const url of ['http://127.0.0.1:1/jwks', 'http://[::1]:1/jwks', 'http://localhost:1/jwks']) {
      assert.equal(checkFetchableUrl(url, true).protocol, 'http:')
      assert.throws(() => checkFetchableUrl(url, false), /needs the dev-mode insecure-loopback option/)
    }
  })

  it('refuses http: to the loopback server when the option is off, and makes no request', async () => {
    server.json('/no-option', '{}')
    const error = await fetchFailure(server.url('/no-option'))
    assert.equal(error.reason, 'invalid_url')
    assert.equal(server.hits('/no-option'), 0)
  })

  it('refuses other schemes, user names in URLs and relative URLs', () => {
    for (const url of [
      'ftp://idp.example.com/jwks',
      'https://user:pw@idp.example.com/jwks',
      '/jwks',
      'file:///etc/passwd',
    ]) {
      assert.throws(
        () => checkFetchableUrl(url, true),
        (error: unknown) => error instanceof RemoteDocumentError && error.reason === 'invalid_url',
        url,
      )
    }
  })

  it('does not follow a redirect: a 3xx is an error and its target is never asked', async () => {
    // Given
    server.json('/redirect-target', '{"keys":[]}')
    server.route('/redirecting', (_request, response) => {
      response.writeHead(302, { location: server.url('/redirect-target') })
      response.end()
    })
    // When
    const error = await fetchFailure(server.url('/redirecting'), LOOPBACK)
    // Then
    assert.equal(error.reason, 'redirect')
    assert.equal(server.hits('/redirecting'), 1)
    assert.equal(server.hits('/redirect-target'), 0)
  })

  it('refuses a response that declares a body over the size limit', async () => {
    // Given: a Content-Length over 256 KiB, and a body that is never sent
    server.route('/huge-declared', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(300 * 1024) })
      response.write('{')
    })
    // When
    const startedAt = performance.now()
    const error = await fetchFailure(server.url('/huge-declared'), { ...LOOPBACK, totalTimeoutMs: 2_000 })
    // Then: refused on the header alone, long before the timeout
    assert.equal(error.reason, 'too_large')
    assert.ok(performance.now() - startedAt < 1_000)
  })

  it('cuts a streamed body without length as soon as it passes the limit', async () => {
    // Given: an endless chunked body
    let chunksSent = 0
    server.route('/huge-streamed', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.alloc(16 * 1024, 0x20)
      const timer = setInterval(() => {
        chunksSent++
        if (!response.write(chunk) && response.destroyed) clearInterval(timer)
      }, 1)
      response.on('close', () => clearInterval(timer))
    })
    // When
    const error = await fetchFailure(server.url('/huge-streamed'), {
      ...LOOPBACK,
      maxResponseBytes: 64 * 1024,
    })
    // Then
    assert.equal(error.reason, 'too_large')
    assert.ok(chunksSent < 1000, `the server went on sending (${chunksSent} chunks)`)
  })

  it('gives up on a server that is too slow', async () => {
    // Given: headers at once, then a body that never ends
    server.route('/slow', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write('{"keys":')
    })
    // When
    const startedAt = performance.now()
    const error = await fetchFailure(server.url('/slow'), { ...LOOPBACK, totalTimeoutMs: 200 })
    // Then
    assert.equal(error.reason, 'timeout')
    const elapsed = performance.now() - startedAt
    assert.ok(elapsed >= 150 && elapsed < 2_000, `took ${elapsed} ms`)
  })

  it('reports a non-2xx status, a non-JSON body and a closed port with their own reasons', async () => {
    server.route('/error', (_request, response) => {
      response.writeHead(500)
      response.end('{}')
    })
    server.json('/garbage', '<html>not json</html>')
    assert.equal((await fetchFailure(server.url('/error'), LOOPBACK)).reason, 'http_status')
    assert.equal((await fetchFailure(server.url('/garbage'), LOOPBACK)).reason, 'invalid_json')
    const closed = await TestHttpServer.start()
    const closedUrl = closed.url('/jwks')
    await closed.close()
    assert.equal((await fetchFailure(closedUrl, LOOPBACK)).reason, 'network')
  })
})
