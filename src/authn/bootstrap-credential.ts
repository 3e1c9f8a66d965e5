/**
 * @module authn/bootstrap-credential
 *
 * The bootstrap administrator credential: the one key that exists before any other identity does.
 * It is an ordinary stored API key of global scope, owned by the bootstrap service account. It is
 * either configured (`admin.apiKey` + `admin.apiSecret`, which then replace any earlier bootstrap
 * key) or generated at first start, when the secret is handed back once for printing and only its
 * salted hash is kept.
 */
import { ConfigError } from '../core/index.ts'
import type { IdentityStore } from '../store/index.ts'
import { generateKeyId, generateSecret, hashSecret, secretMatches } from './api-key/secret-format.ts'

export interface PreparedBootstrapCredential {
  readonly keyId: string
  readonly serviceAccountId: string
  /** Present only on the start that generated the credential: print it once, then forget it. */
  readonly generated?: { readonly key: string; readonly secret: string }
}

/**
 * Makes sure the bootstrap key exists, once per deployment even when instances start together.
 *
 * @throws ConfigError when only one of `admin.apiKey` and `admin.apiSecret` is set.
 */
export async function prepareBootstrapCredential(
  store: Pick<IdentityStore, 'ensureBootstrapApiKey' | 'ensureRoleBinding' | 'getOrganization'>,
  configured: { readonly apiKey?: string | undefined; readonly apiSecret?: string | undefined },
): Promise<PreparedBootstrapCredential> {
  const prepared = await prepareKey(store, configured)
  // The bootstrap account is how the first role bindings are made: it administers the organization.
  const organization = await store.getOrganization()
  await store.ensureRoleBinding(
    {
      principal: `User:${prepared.serviceAccountId}`,
      roleName: 'OrganizationAdmin',
      crnPattern: `crn://confluent.cloud/organization=${organization.id}`,
    },
    { principal: 'System:gatehouse' },
  )
  return prepared
}

async function prepareKey(
  store: Pick<IdentityStore, 'ensureBootstrapApiKey'>,
  configured: { readonly apiKey?: string | undefined; readonly apiSecret?: string | undefined },
): Promise<PreparedBootstrapCredential> {
  if ((configured.apiKey === undefined) !== (configured.apiSecret === undefined)) {
    throw new ConfigError(
      'Invalid configuration: admin.apiKey and admin.apiSecret (GATEHOUSE_ADMIN_API_KEY, GATEHOUSE_ADMIN_API_SECRET) must be set together.',
    )
  }
  if (configured.apiKey !== undefined && configured.apiSecret !== undefined) {
    const { key } = await store.ensureBootstrapApiKey({
      configured: {
        id: configured.apiKey,
        secretHash: hashSecret(configured.apiSecret),
        isSameSecret: (stored) => secretMatches(configured.apiSecret!, stored),
      },
    })
    return { keyId: key.id, serviceAccountId: key.ownerId }
  }
  let secret: string | undefined
  const { key, created } = await store.ensureBootstrapApiKey({
    generate: () => {
      secret = generateSecret()
      return { id: generateKeyId(), secretHash: hashSecret(secret) }
    },
  })
  if (created && secret !== undefined) {
    return { keyId: key.id, serviceAccountId: key.ownerId, generated: { key: key.id, secret } }
  }
  return { keyId: key.id, serviceAccountId: key.ownerId }
}
