/** What a certificate-pool filter sees of a certificate, and which filters compile. */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  certificateFilterCompiler,
  certificateFilterVariables,
  parseSubjectAltName,
  prepareFilterInput,
} from '../../../src/authn/index.ts'
import { TestPki } from '../../support/pki.ts'

describe('certificate attributes for pool filters', () => {
  const pki = TestPki.create()
  const client = pki.issueClient({
    subject:
      '/DC=com/DC=acme/C=CA/ST=Ontario/L=Toronto/O=Acme, Inc/OU=eng/OU=payments/CN=orders-app/UID=svc-17/emailAddress=orders@acme.io',
    subjectAltName:
      'DNS:orders.acme.internal,DNS:orders,URI:spiffe://acme/orders,email:ops@acme.io,IP:10.1.2.3,IP:::1',
  })
  const certificate = new X509Certificate(client.certPem)
  const input = prepareFilterInput(certificateFilterVariables(certificate))
  const matches = (filter: string) => {
    const compiled = certificateFilterCompiler.compile(filter)
    assert.ok(compiled.ok, compiled.ok ? '' : compiled.error.message)
    return compiled.filter.matches(input)
  }

  it('offers subject attributes bare (the first value), and all values under subject', () => {
    assert.ok(
      matches('CN == "orders-app" && O == "Acme, Inc" && C == "CA" && ST == "Ontario" && L == "Toronto"'),
    )
    assert.ok(matches('UID == "svc-17" && emailAddress == "orders@acme.io"'))
    assert.ok(matches('OU == "eng" && "payments" in subject.OU && subject.DC == ["com", "acme"]'))
    assert.ok(matches('issuer.CN == ["Test Issuing CA"]'))
    assert.ok(!matches('CN == "billing-app"'))
  })

  it('offers SANs by kind, the serial, and empty strings for absent attributes', () => {
    assert.ok(matches('"orders.acme.internal" in san.dns && "spiffe://acme/orders" in san.uri'))
    assert.ok(matches('"ops@acme.io" in san.email && "10.1.2.3" in san.ip && san.ip.size() == 2'))
    assert.ok(matches(`serial == "${certificate.serialNumber}"`))
    const bare = new X509Certificate(pki.issueClient({ subject: '/CN=bare' }).certPem)
    const bareInput = prepareFilterInput(certificateFilterVariables(bare))
    const compiled = certificateFilterCompiler.compile('O == "" && san.dns.size() == 0')
    assert.ok(compiled.ok && compiled.filter.matches(bareInput))
  })

  it('refuses filters over names it does not know, as OAuth pools refuse them', () => {
    for (const filter of ['claims.sub == "x"', 'SAN == "x"', 'CN', 'CN ==']) {
      assert.equal(certificateFilterCompiler.compile(filter).ok, false, filter)
    }
  })

  it('parses Node’s SAN text, quoted values included', () => {
    assert.deepEqual(
      parseSubjectAltName(
        'DNS:a.example, DNS:"b, c.example", URI:spiffe://x/y, IP Address:10.0.0.1, othername:1.2.3::x',
      ),
      {
        dns: ['a.example', 'b, c.example'],
        uri: ['spiffe://x/y'],
        email: [],
        ip: ['10.0.0.1'],
      },
    )
    assert.deepEqual(parseSubjectAltName(undefined), { dns: [], uri: [], email: [], ip: [] })
  })
})
