/**
 * @module http/routes/iam-v2/certificate-authority-services
 *
 * What the certificate-authority routes need from the certificate-verification side, injected so
 * that the routes only manage what is stored while authn owns the mTLS semantics.
 */
import type { X509Certificate } from 'node:crypto'

export interface CertificateAuthorityServices {
  /**
   * Downloads the CRL at `url` and checks that one of `authorities` signed it. Rejects with an
   * `Error` whose message says why (unreachable, too large, not a CRL, signed by another
   * authority); the message is shown to the caller.
   */
  fetchRevocationLists(url: string, authorities: readonly X509Certificate[]): Promise<unknown>
  /**
   * Called after every change to authorities or pools made through the API, before it answers:
   * resolves once certificate verification (and the TLS listener's trust store) uses the stored
   * state. Must not reject.
   */
  reloadCertificateAuthorities(): Promise<void>
  /** What verification knows of an authority's CRLs now (`crl_updated_at` of a fetched CRL). */
  revocationStatus(
    certificateAuthorityId: string,
  ): { readonly source: 'LOCAL' | 'URL' | 'NONE'; readonly updatedAt: Date | undefined } | undefined
  /** Development only: accept `http://` CRL URLs whose host is loopback. */
  readonly allowLoopbackHttpCrlUrls: boolean
}
