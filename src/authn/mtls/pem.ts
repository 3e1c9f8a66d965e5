/**
 * @module authn/mtls/pem
 *
 * PEM text as the certificate-authority API receives it: a chain of CA certificates and,
 * optionally, certificate revocation lists. Confluent's CLI documents the chain as "a base64
 * encoded string", its API as PEM: both are accepted (base64 of the PEM text is decoded first).
 */
import { X509Certificate } from 'node:crypto'

/** What is wrong with a PEM input, for the API caller; never contains key material. */
export class PemInputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PemInputError'
  }
}

export interface PemBlock {
  /** The label after BEGIN, e.g. `CERTIFICATE`, `X509 CRL`. */
  readonly label: string
  readonly der: Buffer
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g

/** PEM text, or base64 of PEM text (how Confluent's CLI sends it). */
export function pemTextOf(input: string): string {
  if (input.includes('-----BEGIN')) return input
  const compact = input.replace(/\s+/g, '')
  if (compact !== '' && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const decoded = Buffer.from(compact, 'base64').toString('utf8')
    if (decoded.includes('-----BEGIN')) return decoded
  }
  throw new PemInputError('is neither PEM text (-----BEGIN …-----) nor base64 of PEM text.')
}

/** Every PEM block in `text`, in order; anything between blocks (comments, openssl's text dump) is ignored. */
export function readPemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = []
  for (const match of text.matchAll(BLOCK)) {
    const [, label, body, endLabel] = match
    if (label !== endLabel) throw new PemInputError(`has a BEGIN ${label} block closed by END ${endLabel}.`)
    // Headers such as "Proc-Type:" belong to encrypted keys, never to certificates or CRLs.
    if (body!.includes(':'))
      throw new PemInputError(`has a ${label} block with headers; it must be plain base64.`)
    const base64 = body!.replace(/\s+/g, '')
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64))
      throw new PemInputError(`has a ${label} block that is not valid base64.`)
    blocks.push({ label: label!, der: Buffer.from(base64, 'base64') })
  }
  const unclosed = text.split('-----BEGIN').length - 1
  if (unclosed !== blocks.length) throw new PemInputError('has a BEGIN line without a matching END line.')
  return blocks
}

/** Most certificates a registered chain may hold, as Confluent allows. */
export const MAX_CHAIN_CERTIFICATES = 4

/**
 * The CA certificates of a `certificate_chain`: 1 to 4 `CERTIFICATE` blocks, each a certificate
 * authority (basic constraints `CA:TRUE`).
 *
 * @throws PemInputError saying which certificate is wrong and why.
 */
export function parseCertificateChain(input: string): X509Certificate[] {
  const blocks = readPemBlocks(pemTextOf(input))
  const certificates = blocks.filter((block) => block.label === 'CERTIFICATE')
  const other = blocks.find((block) => block.label !== 'CERTIFICATE')
  if (other !== undefined)
    throw new PemInputError(`holds a ${other.label} block; only CERTIFICATE blocks belong in a chain.`)
  if (certificates.length === 0) throw new PemInputError('holds no certificate.')
  if (certificates.length > MAX_CHAIN_CERTIFICATES)
    throw new PemInputError(
      `holds ${certificates.length} certificates; at most ${MAX_CHAIN_CERTIFICATES} are allowed.`,
    )
  const seen = new Set<string>()
  return certificates.map((block, index) => {
    let certificate: X509Certificate
    try {
      certificate = new X509Certificate(block.der)
    } catch {
      throw new PemInputError(`certificate ${index + 1} is not a valid X.509 certificate.`)
    }
    if (!certificate.ca)
      throw new PemInputError(
        `certificate ${index + 1} (${oneLine(certificate.subject)}) is not a certificate authority (basic constraints CA:TRUE); register the CA that issues client certificates, not a client certificate.`,
      )
    if (seen.has(certificate.fingerprint256))
      throw new PemInputError(`certificate ${index + 1} appears twice in the chain.`)
    seen.add(certificate.fingerprint256)
    return certificate
  })
}

/** A distinguished name as Node prints it (one attribute per line), on one line. */
export function oneLine(distinguishedName: string): string {
  return distinguishedName.split('\n').join(', ')
}

/** The read-only fields Confluent derives from a chain, one entry per certificate. */
export interface ChainDescription {
  /** SHA-1, upper-case hex without separators. */
  readonly fingerprints: readonly string[]
  readonly expirationDates: readonly Date[]
  /** Upper-case hex. */
  readonly serialNumbers: readonly string[]
}

export function describeChain(certificates: readonly X509Certificate[]): ChainDescription {
  return {
    fingerprints: certificates.map((certificate) => certificate.fingerprint.replaceAll(':', '')),
    expirationDates: certificates.map((certificate) => certificate.validToDate),
    serialNumbers: certificates.map((certificate) => certificate.serialNumber.toUpperCase()),
  }
}
