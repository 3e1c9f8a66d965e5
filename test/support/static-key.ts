/**
 * @module test/support/static-key
 *
 * A fake above the store port for tests of the Kafka API: exactly one API key, of global scope,
 * verified by the real `ApiKeyAuthenticator`.
 */
import { ApiKeyAuthenticator, hashSecret } from '../../src/authn/index.ts'
import type { ApiKeyRecord } from '../../src/store/index.ts'

/** Another key for the static authenticator: owned by `ownerId`, of cluster scope unless given. */
export interface ExtraStaticKey {
  readonly key: string
  readonly secret: string
  readonly ownerId: string
  readonly scope?: ApiKeyRecord['scope']
}

export function staticKeyAuthenticator(
  key: string,
  secret: string,
  extraKeys: readonly ExtraStaticKey[] = [],
): ApiKeyAuthenticator {
  const extras = new Map(
    extraKeys.map((extra): [string, ApiKeyRecord] => [
      extra.key,
      {
        id: extra.key,
        displayName: extra.ownerId,
        description: '',
        ownerId: extra.ownerId,
        ownerKind: 'ServiceAccount',
        scope: extra.scope ?? { kind: 'global' },
        secretHash: hashSecret(extra.secret),
        createdAt: new Date(),
        updatedAt: new Date(),
      },
    ]),
  )
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
      getApiKey: async (id) => (id === record.id ? record : extras.get(id)),
      onApiKeyDeleted: () => () => undefined,
    },
    { cacheTtlMs: 500 },
  )
}
