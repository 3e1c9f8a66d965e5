/**
 * @module authn/mtls/certificate-authenticator
 *
 * Client certificates (mTLS). The TLS listener asks for a certificate and lets OpenSSL check its
 * chain against the registered certificate authorities at the handshake; this module decides, for
 * every request, what the certificate is worth now:
 * 1. OpenSSL's verdict at the handshake must be "verified" (chain, signatures, validity).
 * 2. The certificate and its chain must still be within their validity periods (a keep-alive
 *    connection can outlive a certificate).
 * 3. The chain must contain a certificate of an authority that is registered now (deleting an
 *    authority refuses the next request, even on an open connection).
 * 4. No certificate of the chain may be on its issuer's CRL (from the authority's `crl_chain`, or
 *    fetched from its `crl_url` and refreshed); an authority with
 *    `require_crl_on_client_certificate` accepts a certificate only with a current CRL of its issuer.
 * 5. The certificate identity pools of those authorities whose filter matches become the caller's
 *    principals (`User:pool-…`); the `Confluent-Identity-Pool-Id` header may narrow them. No pool → 401.
 *
 * Authorities and pools are read into memory, filters compiled once, and the view rebuilt on the
 * store's change notifications and every `refreshIntervalMs`. Until the first read succeeds,
 * certificates are refused with 503 (fail closed).
 */
import type { X509Certificate } from 'node:crypto'
import { GatewayError, type CertificateIdentity, type Principal } from '../../core/index.ts'
import type { CertificateAuthorityWithPools, IdentityStore } from '../../store/index.ts'
import { prepareFilterInput, type CompiledFilter } from '../filters/index.ts'
import { fetchBoundedBytes, type RemoteFetchLimits } from '../oidc/remote-document.ts'
import {
  certificateFilterCompiler,
  certificateFilterVariables,
  subjectAttributeValue,
} from './certificate-attributes.ts'
import { isRevoked, readRevocationLists, type VerifiedRevocationList } from './crl.ts'
import { parseCertificateChain, pemTextOf } from './pem.ts'
import { listedPoolIds } from '../oidc/pool-selection.ts'

export type CertificateAuthoritySource = Pick<
  IdentityStore,
  'listAllCertificateAuthoritiesWithPools' | 'onCertificateAuthoritiesChanged'
>

/** A client certificate as the TLS listener saw it. */
export interface PresentedCertificate {
  /** The client's certificate first, then its issuers as OpenSSL found them, up to the trust anchor. */
  readonly chain: readonly X509Certificate[]
  /**
   * OpenSSL's verification error at the handshake (e.g. `CERT_HAS_EXPIRED`), or undefined when the
   * chain verified against the authorities registered then.
   */
  readonly handshakeError: string | undefined
}

interface ActivePool {
  readonly id: string
  readonly certificateAuthorityId: string
  readonly externalIdentifier: string
  /** Undefined when the stored filter no longer compiles: the pool then matches nothing. */
  readonly filter: CompiledFilter | undefined
}

/** Where an authority's CRLs come from and what is known of them now. */
interface RevocationState {
  readonly source: 'LOCAL' | 'URL' | 'NONE'
  /** By the SHA-256 fingerprint of the issuing certificate. */
  readonly lists: ReadonlyMap<string, VerifiedRevocationList>
  readonly updatedAt: Date | undefined
}

interface ActiveAuthority {
  readonly id: string
  readonly certificates: readonly X509Certificate[]
  readonly fingerprints: ReadonlySet<string>
  readonly requireCrl: boolean
  readonly crlUrl: string | undefined
  readonly revocation: RevocationState
  readonly pools: readonly ActivePool[]
}

interface View {
  readonly version: number
  readonly authorities: readonly ActiveAuthority[]
  readonly poolsById: ReadonlyMap<string, ActivePool>
}

export interface CertificateAuthenticatorOptions {
  /** Reread authorities and pools this often even without a notification. Default 60 s. */
  readonly refreshIntervalMs?: number
  /** Refetch CRLs from `crl_url` this often (sooner when a CRL's `nextUpdate` comes first). Default 1 h. */
  readonly crlRefreshIntervalMs?: number
  /** Limits for CRL downloads; defaults: 10 MiB, 3 s to connect, 10 s in all. */
  readonly crlFetchLimits?: RemoteFetchLimits
  readonly onReloadError?: (error: unknown) => void
  /** A CRL could not be fetched (the previous one, if any, stays in use). */
  readonly onCrlFetchError?: (certificateAuthorityId: string, error: unknown) => void
  /** Called after every new view, with the PEM certificates the TLS listener should trust. */
  readonly onTrustChanged?: (certificates: readonly string[]) => void
  /** The clock, for tests. */
  readonly now?: () => number
}

const DEFAULT_REFRESH_INTERVAL_MS = 60_000
const DEFAULT_CRL_REFRESH_INTERVAL_MS = 3_600_000
/** A CRL whose `nextUpdate` is near is refetched then, but never more often than this. */
const MIN_CRL_REFETCH_MS = 60_000
const DEFAULT_CRL_LIMITS: RemoteFetchLimits = {
  maxResponseBytes: 10 * 1024 * 1024,
  connectTimeoutMs: 3_000,
  totalTimeoutMs: 10_000,
}

/** OpenSSL's verification errors, as Node names them, in words a client's operator can act on. */
function describeHandshakeError(code: string): string {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return 'the client certificate (or a certificate of its chain) has expired'
    case 'CERT_NOT_YET_VALID':
      return 'the client certificate (or a certificate of its chain) is not valid yet'
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'the client certificate was not issued by a registered certificate authority'
    case 'CERT_SIGNATURE_FAILURE':
      return 'the client certificate’s signature does not verify'
    case 'INVALID_CA':
    case 'INVALID_PURPOSE':
      return 'the client certificate’s chain is not valid for client authentication'
    default:
      return `the client certificate’s chain did not verify (${code.slice(0, 60)})`
  }
}

function refused(reason: string): GatewayError {
  return new GatewayError('GW_AUTHN_CERTIFICATE_REJECTED', `Authentication failed: ${reason}.`)
}

export class CertificateAuthenticator {
  readonly #source: CertificateAuthoritySource
  readonly #options: CertificateAuthenticatorOptions
  readonly #now: () => number
  #view: View | undefined
  #version = 0
  #reloading: Promise<void> | undefined
  #reloadAgain = false
  #timer: NodeJS.Timeout | undefined
  #crlTimer: NodeJS.Timeout | undefined
  #stopListening: (() => void) | undefined
  /** CRLs fetched from URLs, by authority id and URL (a changed URL starts afresh). */
  readonly #fetched = new Map<string, { url: string; state: RevocationState; nextFetchAt: number }>()
  /** The last decision per presented certificate (one per TLS connection), valid for one view. */
  readonly #decisions = new WeakMap<
    PresentedCertificate,
    { version: number; header: string; principal: Principal; expiresAt: number }
  >()

  constructor(source: CertificateAuthoritySource, options: CertificateAuthenticatorOptions = {}) {
    this.#source = source
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** Reads authorities and pools (fetching CRLs), and follows their changes. Rejects when the first read fails. */
  async start(): Promise<void> {
    this.#stopListening = this.#source.onCertificateAuthoritiesChanged(() => void this.reload())
    this.#timer = setInterval(
      () => void this.reload(),
      this.#options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS,
    )
    this.#timer.unref()
    this.#crlTimer = setInterval(() => void this.#refreshDueCrls(), MIN_CRL_REFETCH_MS)
    this.#crlTimer.unref()
    await this.reload()
    if (this.#view === undefined) throw new Error('certificate authorities could not be read')
  }

  close(): void {
    this.#stopListening?.()
    if (this.#timer) clearInterval(this.#timer)
    if (this.#crlTimer) clearInterval(this.#crlTimer)
  }

  /**
   * Rereads authorities and pools; resolves once a read that started after this call has
   * finished (CRLs of new URLs fetched). Never rejects: a failed read keeps the previous view.
   */
  reload(): Promise<void> {
    if (this.#reloading !== undefined) {
      this.#reloadAgain = true
      return this.#reloading
    }
    const run = async (): Promise<void> => {
      do {
        this.#reloadAgain = false
        try {
          const records = await this.#source.listAllCertificateAuthoritiesWithPools()
          await this.#fetchNewCrls(records)
          this.#install(records)
        } catch (error) {
          this.#options.onReloadError?.(error)
        }
      } while (this.#reloadAgain)
    }
    this.#reloading = run().finally(() => (this.#reloading = undefined))
    return this.#reloading
  }

  /** Fetches the CRL of every URL not fetched yet (a new authority, a changed URL). */
  async #fetchNewCrls(records: readonly CertificateAuthorityWithPools[]): Promise<void> {
    const wanted = new Set<string>()
    await Promise.all(
      records.map(async ({ authority }) => {
        if (authority.crlUrl === undefined) return
        wanted.add(authority.id)
        const known = this.#fetched.get(authority.id)
        if (known?.url === authority.crlUrl) return
        await this.#fetchCrl(
          authority.id,
          authority.crlUrl,
          parseCertificateChain(authority.certificateChain),
        )
      }),
    )
    for (const id of this.#fetched.keys()) if (!wanted.has(id)) this.#fetched.delete(id)
  }

  async #fetchCrl(authorityId: string, url: string, authorities: readonly X509Certificate[]): Promise<void> {
    const previous = this.#fetched.get(authorityId)
    const keep =
      previous?.url === url
        ? previous.state
        : { source: 'URL' as const, lists: new Map(), updatedAt: undefined }
    const interval = this.#options.crlRefreshIntervalMs ?? DEFAULT_CRL_REFRESH_INTERVAL_MS
    try {
      const lists = await fetchRevocationLists(url, authorities, this.#options.crlFetchLimits)
      const byIssuer = new Map(lists.map((list) => [list.issuerFingerprint256, list]))
      const nextUpdates = lists.flatMap((list) => (list.nextUpdate ? [list.nextUpdate.getTime()] : []))
      const due = Math.min(this.#now() + interval, ...nextUpdates)
      this.#fetched.set(authorityId, {
        url,
        state: { source: 'URL', lists: byIssuer, updatedAt: new Date(this.#now()) },
        nextFetchAt: Math.max(due, this.#now() + MIN_CRL_REFETCH_MS),
      })
    } catch (error) {
      this.#options.onCrlFetchError?.(authorityId, error)
      // Retried at the next check; the lists fetched before stay in use meanwhile.
      this.#fetched.set(authorityId, { url, state: keep, nextFetchAt: this.#now() + MIN_CRL_REFETCH_MS })
    }
  }

  async #refreshDueCrls(): Promise<void> {
    const view = this.#view
    if (view === undefined) return
    const due = view.authorities.filter(
      (authority) =>
        authority.crlUrl !== undefined && (this.#fetched.get(authority.id)?.nextFetchAt ?? 0) <= this.#now(),
    )
    if (due.length === 0) return
    await Promise.all(
      due.map((authority) => this.#fetchCrl(authority.id, authority.crlUrl!, authority.certificates)),
    )
    await this.reload()
  }

  #install(records: readonly CertificateAuthorityWithPools[]): void {
    const authorities: ActiveAuthority[] = []
    const poolsById = new Map<string, ActivePool>()
    for (const { authority, pools } of records) {
      let certificates: X509Certificate[]
      let revocation: RevocationState
      try {
        certificates = parseCertificateChain(authority.certificateChain)
        revocation =
          authority.crlChain !== undefined
            ? {
                source: 'LOCAL',
                lists: new Map(
                  readRevocationLists(pemTextOf(authority.crlChain), certificates).map((list) => [
                    list.issuerFingerprint256,
                    list,
                  ]),
                ),
                updatedAt: authority.crlChainUpdatedAt,
              }
            : authority.crlUrl !== undefined
              ? (this.#fetched.get(authority.id)?.state ?? {
                  source: 'URL',
                  lists: new Map(),
                  updatedAt: undefined,
                })
              : { source: 'NONE', lists: new Map(), updatedAt: undefined }
      } catch (error) {
        // The API checks both before storing them; a record that no longer parses (an edit in
        // the database) trusts nothing rather than something.
        this.#options.onReloadError?.(error)
        continue
      }
      const activePools = pools.map((pool): ActivePool => {
        const compiled = certificateFilterCompiler.compile(pool.filter)
        const active = {
          id: pool.id,
          certificateAuthorityId: authority.id,
          externalIdentifier: pool.externalIdentifier,
          filter: compiled.ok ? compiled.filter : undefined,
        }
        poolsById.set(pool.id, active)
        return active
      })
      authorities.push({
        id: authority.id,
        certificates,
        fingerprints: new Set(certificates.map((certificate) => certificate.fingerprint256)),
        requireCrl: authority.requireCrlOnClientCertificate,
        crlUrl: authority.crlUrl,
        revocation,
        pools: activePools,
      })
    }
    this.#view = { version: ++this.#version, authorities, poolsById }
    this.#options.onTrustChanged?.(this.trustedCertificates())
  }

  /** PEM of every registered CA certificate, for the TLS listener's trust store. */
  trustedCertificates(): string[] {
    const seen = new Set<string>()
    const pems: string[] = []
    for (const authority of this.#view?.authorities ?? []) {
      for (const certificate of authority.certificates) {
        if (seen.has(certificate.fingerprint256)) continue
        seen.add(certificate.fingerprint256)
        pems.push(certificate.toString())
      }
    }
    return pems
  }

  /** What is known of an authority's CRLs now, for the API's `crl_source` and `crl_updated_at`. */
  revocationStatus(
    certificateAuthorityId: string,
  ): { source: 'LOCAL' | 'URL' | 'NONE'; updatedAt: Date | undefined } | undefined {
    const authority = this.#view?.authorities.find((candidate) => candidate.id === certificateAuthorityId)
    return authority && { source: authority.revocation.source, updatedAt: authority.revocation.updatedAt }
  }

  /**
   * Decides what a client certificate is worth for this request.
   *
   * @param poolHeader the `Confluent-Identity-Pool-Id` header, if sent: it narrows the pools.
   * @throws GatewayError `GW_AUTHN_CERTIFICATE_REJECTED` (401) saying why the certificate is refused;
   *   `GW_STORE_UNAVAILABLE` (503) before authorities could ever be read.
   */
  authenticate(
    presented: PresentedCertificate,
    poolHeader: string | readonly string[] | undefined,
  ): Principal {
    const view = this.#view
    if (view === undefined) {
      throw new GatewayError(
        'GW_STORE_UNAVAILABLE',
        'Certificate authorities are not loaded yet; try again shortly.',
      )
    }
    const header = Array.isArray(poolHeader)
      ? poolHeader.join(',')
      : ((poolHeader as string | undefined) ?? '')
    const now = this.#now()
    const cached = this.#decisions.get(presented)
    if (cached && cached.version === view.version && cached.header === header && now < cached.expiresAt)
      return cached.principal
    const principal = this.#decide(view, presented, header, now)
    const expiresAt = Math.min(...presented.chain.map((certificate) => certificate.validToDate.getTime()))
    this.#decisions.set(presented, { version: view.version, header, principal, expiresAt })
    return principal
  }

  #decide(view: View, presented: PresentedCertificate, header: string, now: number): Principal {
    const [leaf, ...issuers] = presented.chain
    if (leaf === undefined) throw refused('no client certificate was presented')
    if (presented.handshakeError !== undefined)
      throw refused(describeHandshakeError(presented.handshakeError))
    for (const certificate of presented.chain) {
      if (certificate.validToDate.getTime() <= now)
        throw refused(
          certificate === leaf
            ? `the client certificate expired at ${certificate.validToDate.toISOString()}`
            : `a certificate of the client’s chain expired at ${certificate.validToDate.toISOString()}`,
        )
      if (certificate.validFromDate.getTime() > now)
        throw refused(
          `a certificate of the client’s chain is not valid before ${certificate.validFromDate.toISOString()}`,
        )
    }
    const anchored = view.authorities.filter((authority) =>
      issuers.some((issuer) => authority.fingerprints.has(issuer.fingerprint256)),
    )
    if (anchored.length === 0)
      throw refused(
        'the client certificate was not issued by a registered certificate authority (was it deleted?)',
      )

    // Revocation: every certificate below the anchor, against its issuer's CRL from any of the
    // authorities (revoked anywhere is revoked).
    const lists = new Map<string, VerifiedRevocationList>()
    for (const authority of anchored)
      for (const [issuer, list] of authority.revocation.lists) lists.set(issuer, list)
    for (let index = 0; index < presented.chain.length - 1; index++) {
      const certificate = presented.chain[index]!
      if (index > 0 && anchored.some((authority) => authority.fingerprints.has(certificate.fingerprint256)))
        break
      const list = lists.get(presented.chain[index + 1]!.fingerprint256)
      if (list !== undefined && isRevoked(list, certificate.serialNumber))
        throw refused(
          index === 0
            ? `the client certificate (serial ${certificate.serialNumber}) is revoked`
            : `a certificate of the client’s chain (serial ${certificate.serialNumber}) is revoked`,
        )
    }
    const leafIssuer = issuers[0]!.fingerprint256
    const usable = anchored.filter((authority) => {
      if (!authority.requireCrl) return true
      const list = authority.revocation.lists.get(leafIssuer)
      return list !== undefined && (list.nextUpdate === undefined || list.nextUpdate.getTime() > now)
    })
    if (usable.length === 0)
      throw refused(
        'the certificate authority requires a CRL, and no current CRL of the client certificate’s issuer is available',
      )

    const input = prepareFilterInput(certificateFilterVariables(leaf))
    const matches = (pool: ActivePool) => pool.filter?.matches(input) === true
    let listed: string[] | undefined
    try {
      listed = listedPoolIds(header)
    } catch (error) {
      // The same words as for tokens, under the certificate's error code.
      if (error instanceof GatewayError)
        throw new GatewayError('GW_AUTHN_CERTIFICATE_REJECTED', error.message)
      throw error
    }
    let pools: ActivePool[]
    if (listed === undefined) {
      pools = usable.flatMap((authority) => authority.pools.filter(matches))
      if (pools.length === 0)
        throw refused(
          'the client certificate matches no certificate identity pool of its certificate authority; check the pools’ filters',
        )
    } else {
      pools = listed.map((id) => {
        const pool = view.poolsById.get(id)
        if (pool === undefined || !usable.some((authority) => authority.id === pool.certificateAuthorityId))
          throw refused(
            `certificate identity pool ${id} does not exist for the authority that issued this certificate`,
          )
        if (!matches(pool))
          throw refused(`the client certificate does not match the filter of certificate identity pool ${id}`)
        return pool
      })
    }
    const principals = pools.map((pool) => `User:${pool.id}`)
    const certificate: CertificateIdentity = {
      fingerprint: leaf.fingerprint256,
      certificateAuthorityIds: usable.map((authority) => authority.id),
      poolIds: pools.map((pool) => pool.id),
      externalIdentifier: subjectAttributeValue(leaf, pools[0]!.externalIdentifier),
    }
    return {
      name: principals[0]!,
      principals,
      method: 'certificate',
      credentialId: usable[0]!.id,
      // As for tokens: what the certificate may do is decided by its pools' bindings and ACLs.
      scope: { kind: 'global' },
      certificate,
    }
  }
}

/** Downloads a CRL (DER or PEM) and checks it was signed by one of `authorities`. */
export async function fetchRevocationLists(
  url: string,
  authorities: readonly X509Certificate[],
  limits: RemoteFetchLimits = DEFAULT_CRL_LIMITS,
): Promise<VerifiedRevocationList[]> {
  const { bytes } = await fetchBoundedBytes(
    url,
    { ...DEFAULT_CRL_LIMITS, ...limits },
    'application/pkix-crl, application/x-pem-file, */*',
  )
  return readRevocationLists(bytes, authorities)
}
