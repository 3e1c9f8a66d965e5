/**
 * OIDC discovery and the JWKS-fetch placeholder against a local HTTP server (loopback only), and
 * the filter placeholder's two rules.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import {
  compileIdentityPoolFilterPlaceholder,
  discoverJwksUri,
  fetchJwksOncePlaceholder,
} from '../../src/authn/index.ts'

describe('identity provider management (OIDC side)', () => {
  let server: Server
  let origin: string

  before(async () => {
    server = createServer((request, response) => {
      const send = (status: number, body: string) => {
        response.writeHead(status, { 'content-type': 'application/json' })
        response.end(body)
      }
      switch (request.url) {
        case '/good/.well-known/openid-configuration':
          return send(200, JSON.stringify({ issuer: `${origin}/good`, jwks_uri: `${origin}/good/keys` }))
        case '/other/.well-known/openid-configuration':
          return send(200, JSON.stringify({ issuer: 'https://elsewhere.example.com', jwks_uri: 'x' }))
        case '/keyless/.well-known/openid-configuration':
          return send(200, JSON.stringify({ issuer: `${origin}/keyless` }))
        case '/html/.well-known/openid-configuration':
        case '/html-keys':
          return send(200, '<html></html>')
        case '/good/keys':
          return send(200, JSON.stringify({ keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' }] }))
        case '/not-a-jwks':
          return send(200, JSON.stringify({ hello: 'world' }))
        default:
          return send(404, '{}')
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('discovers the JWKS URI from the issuer’s openid-configuration', async () => {
    assert.equal(await discoverJwksUri(`${origin}/good`), `${origin}/good/keys`)
    // A trailing slash on the issuer is not doubled in the discovery URL, but must match the document.
    await assert.rejects(discoverJwksUri(`${origin}/good/`), /names the issuer ".*\/good", not ".*\/good\/"/)
  })

  it('says why discovery failed', async () => {
    await assert.rejects(discoverJwksUri(`${origin}/missing`), /answered HTTP 404\./)
    await assert.rejects(discoverJwksUri(`${origin}/html`), /did not return JSON\./)
    await assert.rejects(
      discoverJwksUri(`${origin}/other`),
      /names the issuer "https:\/\/elsewhere\.example\.com"/,
    )
    await assert.rejects(discoverJwksUri(`${origin}/keyless`), /has no jwks_uri\./)
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const closedPort = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    await assert.rejects(
      discoverJwksUri(`http://127.0.0.1:${closedPort}`),
      /could not be fetched \(ECONNREFUSED\)\./,
    )
  })

  it('placeholder JWKS fetch: REFRESHED for a key set, INVALID_JWKS_URI for other documents, ERROR_FETCHING_JWKS when unreachable', async () => {
    const now = new Date('2026-03-04T05:06:07Z')
    assert.deepEqual(await fetchJwksOncePlaceholder({ jwksUri: `${origin}/good/keys` }, { now: () => now }), {
      status: 'REFRESHED',
      lastRefreshAt: now,
    })
    assert.deepEqual(await fetchJwksOncePlaceholder({ jwksUri: `${origin}/not-a-jwks` }), {
      status: 'INVALID_JWKS_URI',
    })
    assert.deepEqual(await fetchJwksOncePlaceholder({ jwksUri: `${origin}/html-keys` }), {
      status: 'INVALID_JWKS_URI',
    })
    assert.deepEqual(await fetchJwksOncePlaceholder({ jwksUri: `${origin}/missing` }), {
      status: 'ERROR_FETCHING_JWKS',
    })
  })

  it('placeholder filter compiler: refuses only blank and over-long filters', () => {
    assert.deepEqual(compileIdentityPoolFilterPlaceholder('claims.aud == "kafka"'), { ok: true })
    assert.equal(compileIdentityPoolFilterPlaceholder('  ').ok, false)
    const long = compileIdentityPoolFilterPlaceholder('x'.repeat(301))
    assert.deepEqual(long, { ok: false, message: 'it is 301 characters long; at most 300 are allowed.' })
  })
})
