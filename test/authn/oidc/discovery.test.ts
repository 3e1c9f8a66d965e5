import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { discoverJwksUri, discoveryDocumentUrl, RemoteDocumentError } from '../../../src/authn/index.ts'
import { TestHttpServer } from './oidc-fixtures.ts'

const LOOPBACK = { allowInsecureLoopback: true }

function failsWith(reason: string, pattern?: RegExp) {
  return (error: unknown) =>
    error instanceof RemoteDocumentError &&
    error.reason === reason &&
    (!pattern || pattern.test(error.message))
}

describe('OIDC discovery', () => {
  let server: TestHttpServer
  before(async () => {
    server = await TestHttpServer.start()
  })
  after(() => server.close())

  function publishDiscovery(tenant: string, document: Record<string, unknown>): string {
    server.json(`/${tenant}/.well-known/openid-configuration`, JSON.stringify(document))
    return server.url(`/${tenant}`)
  }

  it('builds the well-known URL with or without a trailing slash on the issuer', () => {
    assert.equal(
      discoveryDocumentUrl('https://idp.example.com/t1'),
      'https://idp.example.com/t1/.well-known/openid-configuration',
    )
    assert.equal(
      discoveryDocumentUrl('https://idp.example.com/t1/'),
      'https://idp.example.com/t1/.well-known/openid-configuration',
    )
  })

  it('returns the jwks_uri of a document whose issuer is the configured one', async () => {
    const issuer = server.url('/good')
    publishDiscovery('good', { issuer, jwks_uri: server.url('/good/keys'), token_endpoint: server.url('/t') })
    assert.equal(await discoverJwksUri(issuer, LOOPBACK), server.url('/good/keys'))
    assert.equal(server.hits('/good/.well-known/openid-configuration'), 1)
  })

  it('refuses a document that names another issuer, even one differing only by a slash', async () => {
    const issuer = publishDiscovery('other', { issuer: server.url('/other/'), jwks_uri: server.url('/k') })
    await assert.rejects(discoverJwksUri(issuer, LOOPBACK), failsWith('invalid_document', /different issuer/))
    const impostor = publishDiscovery('impostor', {
      issuer: 'https://accounts.example.com',
      jwks_uri: server.url('/k'),
    })
    await assert.rejects(discoverJwksUri(impostor, LOOPBACK), failsWith('invalid_document'))
  })

  it('refuses a document without jwks_uri, or with one we would not fetch', async () => {
    const noJwks = server.url('/no-jwks')
    publishDiscovery('no-jwks', { issuer: noJwks })
    await assert.rejects(discoverJwksUri(noJwks, LOOPBACK), failsWith('invalid_document', /no jwks_uri/))
    const insecure = server.url('/insecure')
    publishDiscovery('insecure', { issuer: insecure, jwks_uri: 'http://idp.example.com/keys' })
    await assert.rejects(discoverJwksUri(insecure, LOOPBACK), failsWith('invalid_url'))
  })

  it('applies the fetch rules to the issuer itself: https required, no redirect', async () => {
    await assert.rejects(discoverJwksUri('http://idp.example.com'), failsWith('invalid_url'))
    const issuer = server.url('/moved')
    server.route('/moved/.well-known/openid-configuration', (_request, response) => {
      response.writeHead(301, { location: server.url('/good/.well-known/openid-configuration') })
      response.end()
    })
    const hitsBefore = server.hits('/good/.well-known/openid-configuration')
    await assert.rejects(discoverJwksUri(issuer, LOOPBACK), failsWith('redirect'))
    assert.equal(server.hits('/good/.well-known/openid-configuration'), hitsBefore)
  })
})
