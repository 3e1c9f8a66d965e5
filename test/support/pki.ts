/**
 * @module test/support/pki
 *
 * A throwaway public-key infrastructure made with the `openssl` command line (Debian's openssl
 * package): a root CA, an intermediate CA under it, client certificates with any subject, SANs and
 * validity period, revocation with a real CRL, and a self-signed server certificate for
 * 127.0.0.1. Keys are P-256 (fast to generate). Everything lives in one temporary directory.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface IssuedCertificate {
  readonly certFile: string
  readonly keyFile: string
  readonly certPem: string
  readonly keyPem: string
  /** As `X509Certificate.serialNumber` prints it. */
  readonly serial: string
}

export interface ClientOptions {
  /** `/CN=orders/O=Acme`, openssl's `-subj` syntax. */
  readonly subject: string
  /** `DNS:a.example,URI:spiffe://x,email:a@b,IP:10.0.0.1` */
  readonly subjectAltName?: string
  /** `YYYYMMDDHHMMSSZ`; default now minus a minute. */
  readonly startDate?: string
  /** `YYYYMMDDHHMMSSZ`; default in 30 days. */
  readonly endDate?: string
  readonly issuer?: 'intermediate' | 'root'
}

function openssl(args: string[], cwd?: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** `YYYYMMDDHHMMSSZ` for a moment `offsetMs` from now. */
export function opensslDate(offsetMs: number): string {
  return new Date(Date.now() + offsetMs)
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')
}

const POLICY = [
  'countryName',
  'stateOrProvinceName',
  'localityName',
  'organizationName',
  'organizationalUnitName',
  'commonName',
  'emailAddress',
  'domainComponent',
  'userId',
]
  .map((field) => `${field} = optional`)
  .join('\n')

class CertificateAuthorityDirectory {
  readonly dir: string
  readonly certFile: string
  readonly keyFile: string
  constructor(dir: string) {
    this.dir = dir
    this.certFile = join(dir, 'ca.pem')
    this.keyFile = join(dir, 'ca.key')
    mkdirSync(join(dir, 'newcerts'), { recursive: true })
    writeFileSync(join(dir, 'index.txt'), '')
    writeFileSync(join(dir, 'serial'), `${(Date.now() % 1_000_000).toString(16).padStart(6, '0')}01\n`)
    writeFileSync(join(dir, 'crlnumber'), '01\n')
    writeFileSync(
      join(dir, 'openssl.cnf'),
      [
        '[ ca ]',
        'default_ca = CA_default',
        '[ CA_default ]',
        `dir = ${dir}`,
        'database = $dir/index.txt',
        'new_certs_dir = $dir/newcerts',
        'serial = $dir/serial',
        'crlnumber = $dir/crlnumber',
        `certificate = ${this.certFile}`,
        `private_key = ${this.keyFile}`,
        'default_md = sha256',
        'default_days = 30',
        'default_crl_days = 7',
        'policy = policy_any',
        'unique_subject = no',
        'copy_extensions = copy',
        '[ policy_any ]',
        POLICY,
        '[ v3_ca ]',
        'basicConstraints = critical, CA:TRUE',
        'keyUsage = critical, keyCertSign, cRLSign',
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid',
        '[ client ]',
        'basicConstraints = CA:FALSE',
        'keyUsage = critical, digitalSignature',
        'extendedKeyUsage = clientAuth',
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid',
        '',
      ].join('\n'),
    )
  }

  get pem(): string {
    return readFileSync(this.certFile, 'utf8')
  }

  /** Signs a CSR with this CA. */
  sign(
    csrFile: string,
    outFile: string,
    extensions: string,
    options: { startDate?: string; endDate?: string },
  ) {
    openssl([
      'ca',
      '-batch',
      '-notext',
      '-preserveDN',
      '-config',
      join(this.dir, 'openssl.cnf'),
      '-extensions',
      extensions,
      '-in',
      csrFile,
      '-out',
      outFile,
      '-startdate',
      options.startDate ?? opensslDate(-60_000),
      '-enddate',
      options.endDate ?? opensslDate(30 * 86_400_000),
    ])
  }

  revoke(certFile: string): void {
    openssl(['ca', '-batch', '-config', join(this.dir, 'openssl.cnf'), '-revoke', certFile])
  }

  crlPem(): string {
    const out = join(this.dir, `crl-${Date.now()}.pem`)
    openssl(['ca', '-batch', '-config', join(this.dir, 'openssl.cnf'), '-gencrl', '-out', out])
    return readFileSync(out, 'utf8')
  }
}

function newKeyAndCsr(dir: string, name: string, subject: string, subjectAltName?: string) {
  const keyFile = join(dir, `${name}.key`)
  const csrFile = join(dir, `${name}.csr`)
  openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    csrFile,
    '-subj',
    subject,
    ...(subjectAltName ? ['-addext', `subjectAltName=${subjectAltName}`] : []),
  ])
  return { keyFile, csrFile }
}

/** A new P-256 key and a self-signed certificate for it, with extra `-addext` extensions. */
function selfSigned(
  keyFile: string,
  certFile: string,
  subject: string,
  days: number,
  extensions: string[] = [],
) {
  openssl([
    'req',
    '-x509',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    String(days),
    '-subj',
    subject,
    ...extensions.flatMap((extension) => ['-addext', extension]),
  ])
}

export class TestPki {
  readonly dir: string
  readonly root: CertificateAuthorityDirectory
  readonly intermediate: CertificateAuthorityDirectory
  /** A self-signed certificate for 127.0.0.1 and localhost, for the gateway's HTTPS listener. */
  readonly server: IssuedCertificate
  #count = 0

  private constructor(dir: string) {
    this.dir = dir
    this.root = new CertificateAuthorityDirectory(join(dir, 'root'))
    selfSigned(this.root.keyFile, this.root.certFile, '/O=Gatehouse Tests/CN=Test Root CA', 60, [
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
    ])
    this.intermediate = new CertificateAuthorityDirectory(join(dir, 'intermediate'))
    const csr = newKeyAndCsr(join(dir, 'intermediate'), 'ca', '/O=Gatehouse Tests/CN=Test Issuing CA')
    this.root.sign(csr.csrFile, this.intermediate.certFile, 'v3_ca', {})
    const serverDir = join(dir, 'server')
    mkdirSync(serverDir)
    const certFile = join(serverDir, 'server.pem')
    const keyFile = join(serverDir, 'server.key')
    selfSigned(keyFile, certFile, '/CN=127.0.0.1', 30, ['subjectAltName=IP:127.0.0.1,DNS:localhost'])
    this.server = this.#read(certFile, keyFile)
  }

  static create(): TestPki {
    return new TestPki(mkdtempSync(join(tmpdir(), 'gatehouse-pki-')))
  }

  /** The intermediate then the root, as a `certificate_chain`. */
  get chainPem(): string {
    return this.intermediate.pem + this.root.pem
  }

  issueClient(options: ClientOptions): IssuedCertificate {
    const dir = join(this.dir, 'clients')
    mkdirSync(dir, { recursive: true })
    const name = `client-${++this.#count}`
    const { keyFile, csrFile } = newKeyAndCsr(dir, name, options.subject, options.subjectAltName)
    const certFile = join(dir, `${name}.pem`)
    const issuer = options.issuer === 'root' ? this.root : this.intermediate
    issuer.sign(csrFile, certFile, 'client', options)
    return this.#read(certFile, keyFile)
  }

  /** A self-signed client certificate no registered CA knows. */
  issueSelfSigned(subject: string): IssuedCertificate {
    const dir = join(this.dir, 'clients')
    mkdirSync(dir, { recursive: true })
    const name = `self-${++this.#count}`
    const keyFile = join(dir, `${name}.key`)
    const certFile = join(dir, `${name}.pem`)
    selfSigned(keyFile, certFile, subject, 2)
    return this.#read(certFile, keyFile)
  }

  #read(certFile: string, keyFile: string): IssuedCertificate {
    const certPem = readFileSync(certFile, 'utf8')
    const serial = openssl(['x509', '-noout', '-serial', '-in', certFile])
      .trim()
      .replace(/^serial=/, '')
    return { certFile, keyFile, certPem, keyPem: readFileSync(keyFile, 'utf8'), serial }
  }
}
