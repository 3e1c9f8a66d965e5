/**
 * The per-request certificate decision, over a fake authority source (above the store port) and a
 * real openssl PKI. The TLS handshake is not involved: each test hands the authenticator the chain
 * and verdict a listener would, so every branch (expiry on an open connection, a deleted authority,
 * revocation from an uploaded or a fetched CRL, a required CRL gone stale, pool selection) is
 * exercised on its own.
 */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import {
  CertificateAuthenticator,
  type CertificateAuthoritySource,
  type PresentedCertificate,
} from '../../../src/authn/index.ts'
import { GatewayError } from '../../../src/core/index.ts'
import type {
  CertificateAuthorityRecord,
  CertificateAuthorityWithPools,
  CertificatePoolRecord,
} from '../../../src/store/index.ts'
import { TestPki, type IssuedCertificate } from '../../support/pki.ts'

const at = new Date('2026-01-01T00:00:00Z')

function authority(id: string, fields: Partial<CertificateAuthorityRecord> & { certificateChain: string }) {
  return {
    id,
    displayName: id,
    description: '',
    certificateChainFilename: 'chain.pem',
    requireCrlOnClientCertificate: false,
    state: 'ENABLED' as const,
    createdAt: at,
    updatedAt: at,
    ...fields,
  }
}

function pool(
  id: string,
  certificateAuthorityId: string,
  filter: string,
  externalIdentifier = 'CN',
): CertificatePoolRecord {
  return {
    id,
    certificateAuthorityId,
    displayName: id,
    description: '',
    externalIdentifier,
    filter,
    state: 'ENABLED',
    createdAt: at,
    updatedAt: at,
  }
}

/** The source the authenticator reads: a list the test edits, and a change feed it fires. */
class FakeSource implements CertificateAuthoritySource {
  records: CertificateAuthorityWithPools[] = []
  failNextRead = false
  readonly #listeners = new Set<() => void>()
  async listAllCertificateAuthoritiesWithPools() {
    if (this.failNextRead) {
      this.failNextRead = false
      throw new Error('database down')
    }
    return this.records
  }
  onCertificateAuthoritiesChanged(listener: () => void) {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

/** What the listener hands over after a verified handshake: the leaf, then its issuers up to the root. */
function presented(client: IssuedCertificate, pki: TestPki, handshakeError?: string): PresentedCertificate {
  return {
    chain: [client.certPem, pki.intermediate.pem, pki.root.pem].map((pem) => new X509Certificate(pem)),
    handshakeError,
  }
}

function refusal(call: () => unknown, why: RegExp): void {
  assert.throws(call, (error: unknown) => {
    assert.ok(error instanceof GatewayError)
    assert.equal(error.code, 'GW_AUTHN_CERTIFICATE_REJECTED')
    assert.equal(error.status, 401)
    assert.match(error.message, why)
    return true
  })
}

describe('CertificateAuthenticator', () => {
  let pki: TestPki
  let orders: IssuedCertificate
  let billing: IssuedCertificate
  let crlServer: http.Server
  let crlUrl: string
  let servedCrl = ''
  let crlRequests = 0

  before(async () => {
    pki = TestPki.create()
    orders = pki.issueClient({
      subject: '/O=Acme/OU=payments/OU=orders/CN=orders-app/UID=svc-17',
      subjectAltName: 'DNS:orders.acme.internal,URI:spiffe://acme/orders,IP:10.1.2.3',
    })
    billing = pki.issueClient({ subject: '/O=Acme/CN=billing-app' })
    crlServer = http.createServer((_request, response) => {
      crlRequests++
      response.end(servedCrl)
    })
    await new Promise<void>((resolve) => crlServer.listen(0, '127.0.0.1', resolve))
    crlUrl = `http://127.0.0.1:${(crlServer.address() as AddressInfo).port}/issuing.crl`
  })
  after(() => crlServer.close())

  async function started(source: FakeSource, now?: () => number) {
    const authenticator = new CertificateAuthenticator(source, {
      crlFetchLimits: { allowInsecureLoopback: true },
      ...(now ? { now } : {}),
    })
    await authenticator.start()
    return authenticator
  }

  it('maps a certificate to every matching pool of its authority, with the external identifier', async () => {
    const source = new FakeSource()
    source.records = [
      {
        authority: authority('op-a', { certificateChain: pki.chainPem }),
        pools: [
          pool('pool-orders', 'op-a', 'CN.startsWith("orders-") && O == "Acme"'),
          pool(
            'pool-payments',
            'op-a',
            '"payments" in subject.OU && "spiffe://acme/orders" in san.uri',
            'UID',
          ),
          pool('pool-billing', 'op-a', 'CN == "billing-app"'),
          pool('pool-bad-ip', 'op-a', '"10.9.9.9" in san.ip'),
        ],
      },
    ]
    const authenticator = await started(source)
    try {
      const principal = authenticator.authenticate(presented(orders, pki), undefined)
      assert.deepEqual(principal.principals, ['User:pool-orders', 'User:pool-payments'])
      assert.equal(principal.method, 'certificate')
      assert.deepEqual(principal.scope, { kind: 'global' })
      assert.equal(principal.certificate?.externalIdentifier, 'orders-app')
      assert.equal(principal.certificate?.fingerprint, new X509Certificate(orders.certPem).fingerprint256)
      assert.deepEqual(principal.certificate?.certificateAuthorityIds, ['op-a'])
      // The header narrows to the pools it names, each of which must match.
      const narrowed = authenticator.authenticate(presented(orders, pki), 'pool-payments')
      assert.deepEqual(narrowed.principals, ['User:pool-payments'])
      assert.equal(narrowed.certificate?.externalIdentifier, 'svc-17')
      refusal(
        () => authenticator.authenticate(presented(orders, pki), 'pool-billing'),
        /does not match the filter/,
      )
      refusal(() => authenticator.authenticate(presented(orders, pki), 'pool-nosuch'), /does not exist/)
      refusal(
        () => authenticator.authenticate(presented(orders, pki), 'not-a-pool'),
        /not an identity pool id/,
      )
      // A certificate that matches nothing gets a 401, not an empty set of principals.
      const other = pki.issueClient({ subject: '/O=Other/CN=x' })
      refusal(
        () => authenticator.authenticate(presented(other, pki), undefined),
        /matches no certificate identity pool/,
      )
    } finally {
      authenticator.close()
    }
  })

  it('turns OpenSSL’s handshake verdicts into messages a client operator can act on', async () => {
    const source = new FakeSource()
    source.records = [
      {
        authority: authority('op-a', { certificateChain: pki.chainPem }),
        pools: [pool('pool-all', 'op-a', 'true')],
      },
    ]
    const authenticator = await started(source)
    try {
      refusal(
        () => authenticator.authenticate(presented(orders, pki, 'CERT_HAS_EXPIRED'), undefined),
        /has expired/,
      )
      refusal(
        () =>
          authenticator.authenticate(presented(orders, pki, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), undefined),
        /not issued by a registered certificate authority/,
      )
      refusal(
        () => authenticator.authenticate(presented(orders, pki, 'SOMETHING_NEW'), undefined),
        /SOMETHING_NEW/,
      )
    } finally {
      authenticator.close()
    }
  })

  it('refuses a certificate that expires while its connection stays open, and one not yet valid', async () => {
    const source = new FakeSource()
    source.records = [
      {
        authority: authority('op-a', { certificateChain: pki.chainPem }),
        pools: [pool('pool-all', 'op-a', 'true')],
      },
    ]
    let now = Date.now()
    const authenticator = await started(source, () => now)
    try {
      const connection = presented(orders, pki)
      assert.equal(authenticator.authenticate(connection, undefined).name, 'User:pool-all')
      now = new X509Certificate(orders.certPem).validToDate.getTime() + 1
      refusal(() => authenticator.authenticate(connection, undefined), /client certificate expired at/)
      now = new X509Certificate(orders.certPem).validFromDate.getTime() - 60_000
      refusal(() => authenticator.authenticate(presented(orders, pki), undefined), /not valid before/)
    } finally {
      authenticator.close()
    }
  })

  it('refuses once the authority is deleted, on the same connection, and accepts an intermediate-only registration', async () => {
    const source = new FakeSource()
    source.records = [
      {
        authority: authority('op-a', { certificateChain: pki.chainPem }),
        pools: [pool('pool-all', 'op-a', 'true')],
      },
    ]
    const authenticator = await started(source)
    try {
      const connection = presented(orders, pki)
      assert.equal(authenticator.authenticate(connection, undefined).name, 'User:pool-all')
      source.records = []
      await authenticator.reload()
      refusal(
        () => authenticator.authenticate(connection, undefined),
        /not issued by a registered certificate authority/,
      )
      assert.deepEqual(authenticator.trustedCertificates(), [])
      // The issuing CA alone is enough, as Confluent accepts chains without their root.
      source.records = [
        {
          authority: authority('op-b', { certificateChain: pki.intermediate.pem }),
          pools: [pool('pool-b', 'op-b', 'true')],
        },
      ]
      await authenticator.reload()
      assert.equal(authenticator.authenticate(connection, undefined).name, 'User:pool-b')
      assert.equal(authenticator.trustedCertificates().length, 1)
    } finally {
      authenticator.close()
    }
  })

  it('refuses revoked certificates from an uploaded CRL, and keeps the last view when the store fails', async () => {
    const client = pki.issueClient({ subject: '/O=Acme/CN=orders-soon-revoked' })
    pki.intermediate.revoke(client.certFile)
    const source = new FakeSource()
    source.records = [
      {
        authority: authority('op-a', { certificateChain: pki.chainPem, crlChain: pki.intermediate.crlPem() }),
        pools: [pool('pool-all', 'op-a', 'true')],
      },
    ]
    const authenticator = await started(source)
    try {
      refusal(() => authenticator.authenticate(presented(client, pki), undefined), /is revoked/)
      assert.equal(authenticator.authenticate(presented(billing, pki), undefined).name, 'User:pool-all')
      assert.equal(authenticator.revocationStatus('op-a')?.source, 'LOCAL')
      source.failNextRead = true
      await authenticator.reload()
      refusal(() => authenticator.authenticate(presented(client, pki), undefined), /is revoked/)
    } finally {
      authenticator.close()
    }
  })

  it('fetches a crl_url, and with require_crl refuses once that CRL is past its next update', async () => {
    servedCrl = pki.intermediate.crlPem()
    const before = crlRequests
    const source = new FakeSource()
    source.records = [
      {
        authority: authority('op-u', {
          certificateChain: pki.chainPem,
          crlUrl,
          requireCrlOnClientCertificate: true,
        }),
        pools: [pool('pool-u', 'op-u', 'true')],
      },
    ]
    let now = Date.now()
    const authenticator = await started(source, () => now)
    try {
      assert.equal(crlRequests, before + 1, 'fetched once at start')
      assert.equal(authenticator.authenticate(presented(billing, pki), undefined).name, 'User:pool-u')
      assert.equal(authenticator.revocationStatus('op-u')?.source, 'URL')
      assert.ok(authenticator.revocationStatus('op-u')?.updatedAt instanceof Date)
      // openssl's CRLs are good for 7 days: 8 days on, the required CRL is stale and fails closed.
      now += 8 * 86_400_000
      await authenticator.reload()
      refusal(() => authenticator.authenticate(presented(billing, pki), undefined), /requires a CRL/)
    } finally {
      authenticator.close()
    }
  })

  it('without require_crl, an unreachable CRL URL does not lock clients out', async () => {
    const source = new FakeSource()
    source.records = [
      {
        authority: authority('op-x', {
          certificateChain: pki.chainPem,
          crlUrl: 'http://127.0.0.1:1/nothing.crl',
        }),
        pools: [pool('pool-x', 'op-x', 'true')],
      },
    ]
    const errors: unknown[] = []
    const authenticator = new CertificateAuthenticator(source, {
      crlFetchLimits: { allowInsecureLoopback: true },
      onCrlFetchError: (_id, error) => errors.push(error),
    })
    await authenticator.start()
    try {
      assert.equal(errors.length, 1)
      assert.equal(authenticator.authenticate(presented(billing, pki), undefined).name, 'User:pool-x')
    } finally {
      authenticator.close()
    }
  })

  it('refuses everything with 503 until authorities were read once', async () => {
    const source = new FakeSource()
    source.failNextRead = true
    const authenticator = new CertificateAuthenticator(source)
    await assert.rejects(authenticator.start(), /could not be read/)
    authenticator.close()
    assert.throws(
      () => authenticator.authenticate(presented(billing, pki), undefined),
      (error: unknown) => error instanceof GatewayError && error.status === 503,
    )
  })

  it('reports the trusted certificates to the listener after every reload', async () => {
    const source = new FakeSource()
    source.records = [{ authority: authority('op-a', { certificateChain: pki.chainPem }), pools: [] }]
    const seen: number[] = []
    const authenticator = new CertificateAuthenticator(source, {
      onTrustChanged: (pems) => seen.push(pems.length),
    })
    await authenticator.start()
    source.records.push({
      authority: authority('op-b', { certificateChain: pki.intermediate.pem }),
      pools: [],
    })
    await authenticator.reload()
    authenticator.close()
    // The intermediate is in both: trusted once.
    assert.deepEqual(seen, [2, 2])
  })
})
