/**
 * /iam/v2/certificate-authorities and their identity pools over a real (embedded) store, with a
 * PKI made by openssl and CRLs served by a local HTTP server. Every response is checked against
 * Confluent's certificate-authority/v2 schema by the test app; the bad inputs must each get a 4xx
 * in the control plane's error shape that names the field.
 */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { openIdentityStore, SYSTEM_ACTOR, type SqlIdentityStore } from '../../../../src/store/sql/index.ts'
import { validatedOperations } from '../../../support/confluent-contract.ts'
import { TestPki } from '../../../support/pki.ts'
import { buildTestApp, type TestApp } from '../../../support/test-app.ts'

interface ErrorsBody {
  errors: { status: string; code: string; detail: string; source?: { pointer?: string } }[]
}

describe('certificate authorities API (/iam/v2/certificate-authorities)', () => {
  let t: TestApp
  let store: SqlIdentityStore
  let pki: TestPki
  let otherPki: TestPki
  let crlServer: http.Server
  let crlBaseUrl: string
  /** What the CRL server answers, by path. */
  const served = new Map<string, { status: number; body: string | Buffer }>()

  before(async () => {
    store = (await openIdentityStore({ kind: 'pglite-memory' })).store
    t = await buildTestApp({ identities: store })
    pki = TestPki.create()
    otherPki = TestPki.create()
    crlServer = http.createServer((request, response) => {
      const answer = served.get(request.url ?? '') ?? { status: 404, body: 'not here' }
      response.writeHead(answer.status).end(answer.body)
    })
    await new Promise<void>((resolve) => crlServer.listen(0, '127.0.0.1', resolve))
    crlBaseUrl = `http://127.0.0.1:${(crlServer.address() as AddressInfo).port}`
  })
  after(async () => {
    await t.app.close()
    await store.close()
    crlServer.close()
  })

  const send = (method: string, url: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: t.authorization },
      ...(payload === undefined ? {} : { payload: payload as object }),
    })

  function assertInvalid(
    response: Awaited<ReturnType<typeof send>>,
    pointer: string,
    detail: RegExp,
    code = 'invalid_certificate_authority',
  ): void {
    assert.equal(response.statusCode, 400, response.body)
    const [error] = response.json<ErrorsBody>().errors
    assert.equal(error!.code, code)
    assert.equal(error!.source?.pointer, pointer)
    assert.match(error!.detail, detail)
  }

  const base = (overrides: Record<string, unknown> = {}) => ({
    display_name: 'corporate-pki',
    description: 'issuing CA',
    certificate_chain: pki.chainPem,
    certificate_chain_filename: 'chain.pem',
    ...overrides,
  })

  it('creates, reads, lists, updates and deletes an authority in Confluent’s shapes', async () => {
    const created = await send('POST', '/iam/v2/certificate-authorities', base())
    assert.equal(created.statusCode, 201, created.body)
    const authority = created.json()
    assert.match(authority.id, /^op-[a-z0-9]{6}$/)
    assert.equal(created.headers['location'], authority.metadata.self)
    assert.match(authority.metadata.resource_name, new RegExp(`/certificate-authority=${authority.id}$`))
    const chain = [new X509Certificate(pki.intermediate.pem), new X509Certificate(pki.root.pem)]
    assert.deepEqual(
      authority.fingerprints,
      chain.map((certificate) => certificate.fingerprint.replaceAll(':', '')),
    )
    assert.deepEqual(
      authority.expiration_dates,
      chain.map((certificate) => certificate.validToDate.toISOString().replace('.000Z', 'Z')),
    )
    assert.equal(authority.crl_source, undefined)
    assert.equal(authority.require_crl_on_client_certificate, false)
    assert.equal(authority.state, 'ENABLED')

    assert.equal(
      (await send('GET', `/iam/v2/certificate-authorities/${authority.id}`)).json().id,
      authority.id,
    )
    const list = await send('GET', '/iam/v2/certificate-authorities')
    assert.ok(list.json().data.some((each: { id: string }) => each.id === authority.id))

    const updated = await send('PUT', `/iam/v2/certificate-authorities/${authority.id}`, {
      description: 'now with a CRL',
      crl_chain: pki.intermediate.crlPem(),
    })
    assert.equal(updated.statusCode, 200, updated.body)
    assert.equal(updated.json().crl_source, 'LOCAL')
    assert.equal(updated.json().description, 'now with a CRL')
    assert.equal(typeof updated.json().crl_updated_at, 'string')

    const deleted = await send('DELETE', `/iam/v2/certificate-authorities/${authority.id}`)
    assert.equal(deleted.statusCode, 200, deleted.body)
    assert.equal(deleted.json().id, authority.id)
    assert.equal((await send('GET', `/iam/v2/certificate-authorities/${authority.id}`)).statusCode, 404)
    assert.equal((await send('DELETE', `/iam/v2/certificate-authorities/${authority.id}`)).statusCode, 404)
  })

  it('accepts the chain as base64 of the PEM text, as Confluent’s CLI sends it', async () => {
    const response = await send(
      'POST',
      '/iam/v2/certificate-authorities',
      base({ certificate_chain: Buffer.from(pki.chainPem).toString('base64') }),
    )
    assert.equal(response.statusCode, 201, response.body)
    assert.equal(response.json().fingerprints.length, 2)
  })

  it('refuses chains that are not 1 to 4 CA certificates, naming the problem', async () => {
    const client = pki.issueClient({ subject: '/CN=not-a-ca' })
    const cases: [unknown, RegExp][] = [
      ['hello', /neither PEM text/],
      ['-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n', /not valid base64/],
      ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', /not a valid X.509 certificate/],
      [client.certPem, /not a certificate authority/],
      [pki.root.pem.repeat(5), /holds 5 certificates; at most 4/],
      [pki.root.pem + pki.root.pem, /appears twice/],
      [pki.chainPem + client.keyPem, /PRIVATE KEY block/],
      ['-----BEGIN CERTIFICATE-----\nAAAA\n', /BEGIN line without a matching END/],
    ]
    for (const [chain, why] of cases) {
      assertInvalid(
        await send('POST', '/iam/v2/certificate-authorities', base({ certificate_chain: chain })),
        '/certificate_chain',
        why,
      )
    }
  })

  it('refuses bad CRLs and CRL settings', async () => {
    assertInvalid(
      await send(
        'POST',
        '/iam/v2/certificate-authorities',
        base({ crl_chain: otherPki.intermediate.crlPem() }),
      ),
      '/crl_chain',
      /not signed by any certificate of the certificate chain/,
    )
    assertInvalid(
      await send('POST', '/iam/v2/certificate-authorities', base({ crl_chain: pki.root.pem })),
      '/crl_chain',
      /CERTIFICATE block; CRLs are PEM "X509 CRL" blocks/,
    )
    assertInvalid(
      await send(
        'POST',
        '/iam/v2/certificate-authorities',
        base({ crl_chain: pki.intermediate.crlPem(), crl_url: `${crlBaseUrl}/x.crl` }),
      ),
      '/crl_url',
      /not both/,
    )
    assertInvalid(
      await send(
        'POST',
        '/iam/v2/certificate-authorities',
        base({ require_crl_on_client_certificate: true }),
      ),
      '/require_crl_on_client_certificate',
      /needs a CRL/,
    )
    assertInvalid(
      await send('POST', '/iam/v2/certificate-authorities', base({ crl_url: 'ftp://example.com/ca.crl' })),
      '/crl_url',
      /scheme ftp: is not supported/,
    )
    assertInvalid(
      await send('POST', '/iam/v2/certificate-authorities', base({ crl_url: `${crlBaseUrl}/missing.crl` })),
      '/crl_url',
      /answered HTTP 404/,
    )
    served.set('/garbage.crl', { status: 200, body: Buffer.from([0x30, 0x82, 0xff, 0xff, 0x01]) })
    assertInvalid(
      await send('POST', '/iam/v2/certificate-authorities', base({ crl_url: `${crlBaseUrl}/garbage.crl` })),
      '/crl_url',
      /not a valid CRL/,
    )
    // Unknown fields and missing ones are refused by the schema (422), as everywhere in the API.
    const unknown = await send('POST', '/iam/v2/certificate-authorities', base({ crl_source: 'LOCAL' }))
    assert.equal(unknown.statusCode, 422, unknown.body)
    assert.equal(unknown.json().errors[0].source.pointer, '/crl_source')
    const missing = await send('POST', '/iam/v2/certificate-authorities', { display_name: 'x' })
    assert.equal(missing.statusCode, 422, missing.body)
    assert.deepEqual(
      (await store.listCertificateAuthorities({ pageSize: 100 })).items.filter(
        (ca) => ca.displayName === 'x',
      ),
      [],
    )
  })

  it('fetches a crl_url (DER) at once and reports when it was fetched', async () => {
    const pem = pki.intermediate.crlPem()
    const der = Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64')
    served.set('/issuing.crl', { status: 200, body: der })
    const response = await send(
      'POST',
      '/iam/v2/certificate-authorities',
      base({ crl_url: `${crlBaseUrl}/issuing.crl`, require_crl_on_client_certificate: true }),
    )
    assert.equal(response.statusCode, 201, response.body)
    const authority = response.json()
    assert.equal(authority.crl_source, 'URL')
    assert.equal(authority.crl_url, `${crlBaseUrl}/issuing.crl`)
    assert.equal(typeof authority.crl_updated_at, 'string')
    // Switching to an uploaded CRL clears the URL.
    const switched = await send('PUT', `/iam/v2/certificate-authorities/${authority.id}`, { crl_chain: pem })
    assert.equal(switched.statusCode, 200, switched.body)
    assert.equal(switched.json().crl_source, 'LOCAL')
    assert.equal(switched.json().crl_url, undefined)
    // Removing the only CRL while it is required is refused; removing both together is fine.
    assertInvalid(
      await send('PUT', `/iam/v2/certificate-authorities/${authority.id}`, { crl_chain: null }),
      '/require_crl_on_client_certificate',
      /needs a CRL/,
    )
    const cleared = await send('PUT', `/iam/v2/certificate-authorities/${authority.id}`, {
      crl_chain: null,
      require_crl_on_client_certificate: false,
    })
    assert.equal(cleared.statusCode, 200, cleared.body)
    assert.equal(cleared.json().crl_source, undefined)
  })

  it('a new chain must still sign the CRL kept from before', async () => {
    const created = await send(
      'POST',
      '/iam/v2/certificate-authorities',
      base({ crl_chain: pki.intermediate.crlPem() }),
    )
    assert.equal(created.statusCode, 201, created.body)
    assertInvalid(
      await send('PUT', `/iam/v2/certificate-authorities/${created.json().id}`, {
        certificate_chain: otherPki.chainPem,
      }),
      '/crl_chain',
      /not signed by any certificate/,
    )
  })

  describe('certificate identity pools', () => {
    let authorityId: string

    before(async () => {
      const created = await send('POST', '/iam/v2/certificate-authorities', base())
      assert.equal(created.statusCode, 201, created.body)
      authorityId = created.json().id
    })

    const poolsUrl = () => `/iam/v2/certificate-authorities/${authorityId}/identity-pools`

    it('creates, reads, lists, updates and deletes a pool; deleting it deletes its role bindings', async () => {
      const created = await send('POST', poolsUrl(), {
        display_name: 'orders',
        description: 'order services',
        external_identifier: 'CN',
        filter: 'CN.startsWith("orders-") && "spiffe://acme/orders" in san.uri',
      })
      assert.equal(created.statusCode, 201, created.body)
      const pool = created.json()
      assert.match(pool.id, /^pool-[a-z0-9]{6}$/)
      assert.equal(pool.principal, pool.id)
      assert.match(
        pool.metadata.resource_name,
        new RegExp(`/certificate-authority=${authorityId}/identity-pool=${pool.id}$`),
      )
      assert.equal((await send('GET', `${poolsUrl()}/${pool.id}`)).json().filter, pool.filter)
      assert.equal((await send('GET', poolsUrl())).json().data.length, 1)
      const updated = await send('PUT', `${poolsUrl()}/${pool.id}`, {
        external_identifier: 'UID',
        filter: 'true',
      })
      assert.equal(updated.statusCode, 200, updated.body)
      assert.equal(updated.json().external_identifier, 'UID')

      await store.createRoleBinding(
        {
          principal: `User:${pool.id}`,
          roleName: 'DeveloperRead',
          crnPattern: `${t.organizationCrn}/environment=*`,
        },
        SYSTEM_ACTOR,
      )
      const deleted = await send('DELETE', `${poolsUrl()}/${pool.id}`)
      assert.equal(deleted.statusCode, 200, deleted.body)
      assert.equal(deleted.json().id, pool.id)
      assert.deepEqual(
        (await store.listAllRoleBindings()).filter((binding) => binding.principal === `User:${pool.id}`),
        [],
      )
      assert.equal((await send('GET', `${poolsUrl()}/${pool.id}`)).statusCode, 404)
    })

    it('refuses bad filters and external identifiers, and pools of unknown authorities', async () => {
      const body = (overrides: Record<string, unknown>) => ({
        display_name: 'p',
        external_identifier: 'CN',
        filter: 'true',
        ...overrides,
      })
      assertInvalid(
        await send('POST', poolsUrl(), body({ filter: 'claims.sub == "x"' })),
        '/filter',
        /claims/,
        'invalid_filter',
      )
      assertInvalid(
        await send('POST', poolsUrl(), body({ filter: 'CN ==' })),
        '/filter',
        /not valid/,
        'invalid_filter',
      )
      assertInvalid(
        await send('POST', poolsUrl(), body({ filter: 'CN' })),
        '/filter',
        /not valid/,
        'invalid_filter',
      )
      assertInvalid(
        await send('POST', poolsUrl(), body({ filter: `CN == "${'x'.repeat(300)}"` })),
        '/filter',
        /at most 300/,
        'invalid_filter',
      )
      assertInvalid(
        await send('POST', poolsUrl(), body({ external_identifier: 'SAN' })),
        '/external_identifier',
        /not a subject attribute/,
        'invalid_certificate_identity_pool',
      )
      const unknown = await send('POST', '/iam/v2/certificate-authorities/op-nosuch/identity-pools', body({}))
      assert.equal(unknown.statusCode, 404, unknown.body)
      assert.equal(
        (await send('GET', '/iam/v2/certificate-authorities/op-nosuch/identity-pools')).statusCode,
        404,
      )
    })
  })

  it('every operation was checked against Confluent’s schema', () => {
    for (const operation of [
      'listIamV2CertificateAuthorities 200',
      'createIamV2CertificateAuthority 201',
      'getIamV2CertificateAuthority 200',
      'updateIamV2CertificateAuthority 200',
      'deleteIamV2CertificateAuthority 200',
      'listIamV2CertificateIdentityPools 200',
      'createIamV2CertificateIdentityPool 201',
      'getIamV2CertificateIdentityPool 200',
      'updateIamV2CertificateIdentityPool 200',
      'deleteIamV2CertificateIdentityPool 200',
    ])
      assert.ok(
        validatedOperations.has(operation),
        `${operation}; checked: ${[...validatedOperations].join(', ')}`,
      )
  })
})
