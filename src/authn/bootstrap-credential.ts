/**
 * @module authn/bootstrap-credential
 *
 * The bootstrap administrator credential: the one key that exists before any other identity does.
 * It is either configured (`admin.apiKey` + `admin.apiSecret`) or generated at first start, when the
 * secret is handed back once for printing and only its salted hash is kept.
 */
import { ConfigError, GatewayError, type Principal } from '../core/index.ts'
import type { BootstrapCredentialStore, StoredSecretHash } from '../store/index.ts'
import { generateKeyId, generateSecret, hashSecret, secretMatches } from './api-key/secret-format.ts'
import type { PresentedCredential } from './credentials.ts'

export const BOOTSTRAP_PRINCIPAL_NAME = 'User:bootstrap-admin'

/** Verifies presented credentials against the bootstrap credential. */
export class BootstrapCredentialAuthenticator {
  readonly keyId: string
  readonly #secretHash: StoredSecretHash
  readonly #keyHash: StoredSecretHash

  constructor(keyId: string, secretHash: StoredSecretHash) {
    this.keyId = keyId
    this.#secretHash = secretHash
    this.#keyHash = hashSecret(keyId)
  }

  /**
   * @returns the bootstrap principal when the credential is the bootstrap key and secret.
   * @throws GatewayError `GW_AUTHN_REQUIRED` without a credential, `GW_AUTHN_FAILED` for a wrong one.
   *   Unknown key and wrong secret fail alike, and both comparisons always run (constant time).
   */
  authenticate(credential: PresentedCredential | undefined): Principal {
    if (credential === undefined) throw new GatewayError('GW_AUTHN_REQUIRED')
    if (credential.kind !== 'basic') {
      throw new GatewayError(
        'GW_AUTHN_FAILED',
        'Authentication failed: Bearer tokens are not accepted yet; use Basic.',
      )
    }
    const isKeyRight = secretMatches(credential.key, this.#keyHash)
    const isSecretRight = secretMatches(credential.secret, this.#secretHash)
    if (!(isKeyRight && isSecretRight)) throw new GatewayError('GW_AUTHN_FAILED')
    return { name: BOOTSTRAP_PRINCIPAL_NAME, method: 'bootstrap_credential', credentialId: this.keyId }
  }
}

export interface PreparedBootstrapCredential {
  readonly authenticator: BootstrapCredentialAuthenticator
  /** Present only on the start that generated the credential: print it once, then forget it. */
  readonly generated?: { readonly key: string; readonly secret: string }
}

/**
 * Returns the authenticator for the configured, stored or newly generated bootstrap credential.
 *
 * @throws ConfigError when only one of `admin.apiKey` and `admin.apiSecret` is set.
 */
export async function prepareBootstrapCredential(
  store: BootstrapCredentialStore,
  configured: { readonly apiKey?: string | undefined; readonly apiSecret?: string | undefined },
  now: () => Date = () => new Date(),
): Promise<PreparedBootstrapCredential> {
  if ((configured.apiKey === undefined) !== (configured.apiSecret === undefined)) {
    throw new ConfigError(
      'Invalid configuration: admin.apiKey and admin.apiSecret (GATEHOUSE_ADMIN_API_KEY, GATEHOUSE_ADMIN_API_SECRET) must be set together.',
    )
  }
  if (configured.apiKey !== undefined && configured.apiSecret !== undefined) {
    return {
      authenticator: new BootstrapCredentialAuthenticator(
        configured.apiKey,
        hashSecret(configured.apiSecret),
      ),
    }
  }
  const stored = await store.readBootstrapCredential()
  if (stored) return { authenticator: new BootstrapCredentialAuthenticator(stored.keyId, stored.secretHash) }

  const key = generateKeyId()
  const secret = generateSecret()
  const secretHash = hashSecret(secret)
  await store.writeBootstrapCredential({ keyId: key, secretHash, createdAt: now().toISOString() })
  return { authenticator: new BootstrapCredentialAuthenticator(key, secretHash), generated: { key, secret } }
}
