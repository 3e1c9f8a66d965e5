/**
 * CRL parsing and checking against openssl's own CRLs, and the DER reader under malformed input:
 * every corruption must end in a `DerError` or a refusal, never in a list that is trusted.
 */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { before, describe, it } from 'node:test'
import {
  parseCertificateChain,
  parseRevocationList,
  readRevocationLists,
  PemInputError,
} from '../../../src/authn/index.ts'
import { isRevoked } from '../../../src/authn/mtls/crl.ts'
import {
  DerError,
  readElement,
  readSingle,
  decodeObjectIdentifier,
  integerToHex,
} from '../../../src/authn/mtls/der.ts'
import { TestPki } from '../../support/pki.ts'

const derOf = (pem: string) =>
  Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64')

describe('certificate revocation lists', () => {
  let pki: TestPki
  let revokedSerial: string
  let crlPem: string

  before(() => {
    pki = TestPki.create()
    const client = pki.issueClient({ subject: '/CN=revoked' })
    revokedSerial = new X509Certificate(client.certPem).serialNumber
    pki.intermediate.revoke(client.certFile)
    crlPem = pki.intermediate.crlPem()
  })

  it('reads openssl’s CRL: issuer, dates, revoked serials; pairs it with the CA that signed it', () => {
    const [list] = readRevocationLists(crlPem, parseCertificateChain(pki.chainPem))
    assert.ok(list)
    assert.equal(list.issuerFingerprint256, new X509Certificate(pki.intermediate.pem).fingerprint256)
    assert.equal(list.revokedSerials.size, 1)
    assert.ok(isRevoked(list, revokedSerial))
    assert.ok(isRevoked(list, `00${revokedSerial.toLowerCase()}`), 'leading zeros and case do not matter')
    assert.ok(!isRevoked(list, '01'))
    assert.ok(list.thisUpdate.getTime() <= Date.now())
    assert.ok(list.nextUpdate !== undefined && list.nextUpdate.getTime() > Date.now())
    // The same list as DER reads the same.
    const [fromDer] = readRevocationLists(derOf(crlPem), parseCertificateChain(pki.chainPem))
    assert.deepEqual([...fromDer!.revokedSerials], [...list.revokedSerials])
  })

  it('refuses a CRL whose signature does not verify, or that another CA signed', () => {
    const der = derOf(crlPem)
    const tampered = Buffer.from(der)
    // Flip a bit inside the signed part (the end of tbsCertList): the signature no longer verifies.
    tampered[40] = tampered[40]! ^ 0x01
    assert.throws(() => readRevocationLists(tampered, parseCertificateChain(pki.chainPem)), PemInputError)
    assert.throws(
      () => readRevocationLists(crlPem, parseCertificateChain(pki.root.pem)),
      /not signed by any certificate of the certificate chain/,
    )
  })

  it('refuses malformed DER with a DerError, whatever is cut or changed', () => {
    const der = derOf(crlPem)
    for (let cut = 1; cut < der.length; cut += 7) {
      assert.throws(() => parseRevocationList(der.subarray(0, cut)), DerError, `cut at ${cut}`)
    }
    assert.throws(() => parseRevocationList(Buffer.concat([der, Buffer.from([0])])), /trailing bytes/)
    assert.throws(() => readElement(Buffer.from([0x30, 0x80, 0, 0]), 0), /indefinite/)
    assert.throws(() => readElement(Buffer.from([0x30, 0x81, 0x05, 1, 2, 3, 4, 5]), 0), /minimally/)
    assert.throws(() => readElement(Buffer.from([0x30, 0x85, 1, 1, 1, 1, 1]), 0), /too long/)
    assert.throws(() => readSingle(Buffer.from([0x1f, 0x01, 0x00])), /multi-byte tags/)
    assert.throws(() => parseRevocationList(derOf(pki.root.pem)), DerError, 'a certificate is not a CRL')
  })

  it('decodes object identifiers and serials', () => {
    assert.equal(
      decodeObjectIdentifier(Buffer.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02])),
      '1.2.840.10045.4.3.2',
    )
    assert.throws(() => decodeObjectIdentifier(Buffer.from([0x2a, 0x86])), /truncated/)
    assert.equal(integerToHex(Buffer.from([0x00, 0x0a, 0xff])), 'AFF')
    assert.equal(integerToHex(Buffer.from([0x00])), '0')
  })
})
