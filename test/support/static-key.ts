/**
 * @module test/support/static-key
 *
 * A fake above the store port for tests of the Kafka API: exactly one API key, of global scope,
 * verified by the real `ApiKeyAuthenticator`.
 */
import { ApiKeyAuthenticator, hashSecret } from '../../src/authn/index.ts'
import type { ApiKeyRecord } from '../../src/store/index.ts'

export function staticKeyAuthenticator(key: string, secret: string): ApiKeyAuthenticator {
  const record: ApiKeyRecord = {
    id: key,
    displayName: 'test',
    description: '',
    ownerId: 'sa-test01',
    ownerKind: 'ServiceAccount',
    scope: { kind: 'global' },
    secretHash: hashSecret(secret),
    createdAt: new Date(),
    updatedAt: new Date(),
  }
  return new ApiKeyAuthenticator(
    {
      getApiKey: async (id) => (id === record.id ? record : undefined),
      onApiKeyDeleted: () => () => undefined,
    },
    { cacheTtlMs: 500 },
  )
}
