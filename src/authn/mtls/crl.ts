/**
 * @module authn/mtls/crl
 *
 * Certificate revocation lists (RFC 5280 §5): parsed from DER or PEM, and accepted only when their
 * signature verifies with the key of the certificate authority that issued them and their issuer
 * name is that authority's subject. Signatures are checked by OpenSSL through `node:crypto`.
 */
import { verify, type X509Certificate } from 'node:crypto'
import {
  DER_TAG,
  DerError,
  decodeObjectIdentifier,
  decodeTime,
  expectTag,
  integerToHex,
  normalizeSerial,
  readChildren,
  readSingle,
} from './der.ts'
import { PemInputError, readPemBlocks } from './pem.ts'

export interface RevocationList {
  /** The issuer's Name, DER-encoded, as it appears in the CRL. */
  readonly issuerName: Buffer
  readonly thisUpdate: Date
  /** Absent when the CRL does not say when the next one is due. */
  readonly nextUpdate: Date | undefined
  /** Revoked serial numbers, upper-case hex without leading zeros. */
  readonly revokedSerials: ReadonlySet<string>
  readonly signatureAlgorithm: string
  readonly signedBytes: Buffer
  readonly signature: Buffer
}

/** A CRL together with the authority certificate whose key signed it. */
export interface VerifiedRevocationList extends RevocationList {
  /** SHA-256 fingerprint (Node's `fingerprint256` form) of the issuing certificate. */
  readonly issuerFingerprint256: string
}

/** Signature algorithms accepted on CRLs, by OID; SHA-1 is refused as OpenSSL 3 refuses it on certificates. */
const SIGNATURE_DIGESTS: ReadonlyMap<string, string | null> = new Map([
  ['1.2.840.113549.1.1.11', 'sha256'], // sha256WithRSAEncryption
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
  ['1.2.840.10045.4.3.2', 'sha256'], // ecdsa-with-SHA256
  ['1.2.840.10045.4.3.3', 'sha384'],
  ['1.2.840.10045.4.3.4', 'sha512'],
  ['1.3.101.112', null], // Ed25519: the algorithm fixes the digest
  ['1.3.101.113', null], // Ed448
])

/** Parses one DER-encoded CRL. @throws DerError when it is malformed. */
export function parseRevocationList(der: Buffer): RevocationList {
  const outer = readChildren(expectTag(readSingle(der), DER_TAG.sequence, 'CertificateList').content)
  if (outer.length !== 3) throw new DerError('CertificateList must have three parts')
  const tbs = expectTag(outer[0], DER_TAG.sequence, 'tbsCertList')
  const algorithm = readChildren(expectTag(outer[1], DER_TAG.sequence, 'signatureAlgorithm').content)
  const signatureAlgorithm = decodeObjectIdentifier(
    expectTag(algorithm[0], DER_TAG.objectIdentifier, 'signature algorithm').content,
  )
  const bits = expectTag(outer[2], DER_TAG.bitString, 'signatureValue').content
  if (bits.length < 2 || bits[0] !== 0) throw new DerError('signature is not a whole number of bytes')

  const fields = readChildren(tbs.content)
  let index = 0
  if (fields[index]?.tag === DER_TAG.integer) index++ // version v2
  const innerAlgorithm = readChildren(expectTag(fields[index++], DER_TAG.sequence, 'signature').content)
  const innerOid = decodeObjectIdentifier(
    expectTag(innerAlgorithm[0], DER_TAG.objectIdentifier, 'signature algorithm').content,
  )
  // RFC 5280 §5.1.2.2: the signed and the outer algorithm must agree, or an attacker could swap one.
  if (innerOid !== signatureAlgorithm) throw new DerError('inner and outer signature algorithms differ')
  const issuerName = expectTag(fields[index++], DER_TAG.sequence, 'issuer').encoded
  const thisUpdate = decodeTime(fields[index++] ?? failMissing('thisUpdate'))
  let nextUpdate: Date | undefined
  const maybeNext = fields[index]
  if (maybeNext && (maybeNext.tag === DER_TAG.utcTime || maybeNext.tag === DER_TAG.generalizedTime)) {
    nextUpdate = decodeTime(maybeNext)
    index++
  }
  const revokedSerials = new Set<string>()
  if (fields[index]?.tag === DER_TAG.sequence) {
    for (const entry of readChildren(fields[index]!.content)) {
      const parts = readChildren(expectTag(entry, DER_TAG.sequence, 'revoked certificate').content)
      revokedSerials.add(integerToHex(expectTag(parts[0], DER_TAG.integer, 'userCertificate').content))
      decodeTime(parts[1] ?? failMissing('revocationDate'))
    }
    index++
  }
  if (fields[index]?.tag === DER_TAG.context0) index++ // crlExtensions
  if (index !== fields.length) throw new DerError('unexpected fields in tbsCertList')
  return {
    issuerName,
    thisUpdate,
    nextUpdate,
    revokedSerials,
    signatureAlgorithm,
    signedBytes: tbs.encoded,
    signature: bits.subarray(1),
  }
}

function failMissing(what: string): never {
  throw new DerError(`${what} is missing`)
}

/** The subject Name of a certificate, DER-encoded (Node does not expose it). */
export function subjectNameOf(certificate: X509Certificate): Buffer {
  const parts = readChildren(expectTag(readSingle(certificate.raw), DER_TAG.sequence, 'Certificate').content)
  const tbs = readChildren(expectTag(parts[0], DER_TAG.sequence, 'tbsCertificate').content)
  // version [0] is optional; then serial, signature, issuer, validity, subject.
  const offset = tbs[0]?.tag === DER_TAG.context0 ? 1 : 0
  return expectTag(tbs[offset + 4], DER_TAG.sequence, 'subject').encoded
}

/** Whether `issuer`'s key signed `list` and `issuer` is the name the list gives. */
export function isIssuedBy(list: RevocationList, issuer: X509Certificate): boolean {
  if (!subjectNameOf(issuer).equals(list.issuerName)) return false
  const digest = SIGNATURE_DIGESTS.get(list.signatureAlgorithm)
  if (digest === undefined) return false
  try {
    return verify(digest, list.signedBytes, issuer.publicKey, list.signature)
  } catch {
    return false
  }
}

/**
 * Reads CRLs given as PEM (`X509 CRL` blocks) or as one DER list, and pairs each with the
 * certificate of `authorities` that signed it.
 *
 * @throws PemInputError naming the list that is malformed, uses an unsupported signature
 *   algorithm, or was signed by none of `authorities`.
 */
export function readRevocationLists(
  input: string | Buffer,
  authorities: readonly X509Certificate[],
): VerifiedRevocationList[] {
  const ders = isPem(input)
    ? readPemBlocks(input.toString()).map((block, index) => {
        if (block.label !== 'X509 CRL')
          throw new PemInputError(`holds a ${block.label} block; CRLs are PEM "X509 CRL" blocks.`)
        return { der: block.der, name: `CRL ${index + 1}` }
      })
    : [{ der: Buffer.from(input), name: 'the CRL' }]
  if (ders.length === 0) throw new PemInputError('holds no CRL.')
  return ders.map(({ der, name }) => {
    let list: RevocationList
    try {
      list = parseRevocationList(der)
    } catch (error) {
      throw new PemInputError(`${name} is not a valid CRL (${(error as Error).message}).`)
    }
    if (!SIGNATURE_DIGESTS.has(list.signatureAlgorithm))
      throw new PemInputError(`${name} uses an unsupported signature algorithm (${list.signatureAlgorithm}).`)
    const issuer = authorities.find((authority) => isIssuedBy(list, authority))
    if (issuer === undefined)
      throw new PemInputError(`${name} is not signed by any certificate of the certificate chain.`)
    return { ...list, issuerFingerprint256: issuer.fingerprint256 }
  })
}

function isPem(input: string | Buffer): boolean {
  return (typeof input === 'string' ? input : input.subarray(0, 4096).toString('latin1')).includes(
    '-----BEGIN',
  )
}

/** Whether `serialNumber` (as `X509Certificate.serialNumber` gives it) is on the list. */
export function isRevoked(list: RevocationList, serialNumber: string): boolean {
  return list.revokedSerials.has(normalizeSerial(serialNumber))
}
