/**
 * @module test/store/sql/identity-store.contract
 *
 * The `IdentityStore` contract, run against every backend (embedded PGlite and a real PostgreSQL),
 * as Kysely runs one suite over every dialect.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { InvalidPageTokenError, StoreConflictError, type IdentityStore } from '../../../src/store/index.ts'

const actor = { principal: 'User:sa-tester', credentialId: 'TESTKEY' }
const hash = { salt: 'c2FsdA', hash: 'aGFzaA' }

export function identityStoreContract(backend: string, open: () => Promise<IdentityStore>): void {
  describe(`identity store contract (${backend})`, () => {
    let store: IdentityStore
    let environmentId: string

    before(async () => {
      store = await open()
      environmentId = (await store.listEnvironments({ pageSize: 1 })).items[0]!.id
      await store.registerKafkaCluster(
        { id: 'cluster-a', environmentId, displayName: 'a', source: 'config' },
        actor,
      )
    })
    after(() => store.close())

    it('creates the organization and a default environment once', async () => {
      const organization = await store.getOrganization()
      assert.match(organization.id, /^[0-9a-f-]{36}$/)
      assert.match(environmentId, /^env-[a-z0-9]{6}$/)
    })

    it('updates only the given organization fields, with just-in-time sign-up on by default', async () => {
      const before = await store.getOrganization()
      assert.equal(before.jitEnabled, true)
      const renamed = await store.updateOrganization({ displayName: 'Renamed' }, actor)
      assert.deepEqual([renamed.displayName, renamed.jitEnabled, renamed.id], ['Renamed', true, before.id])
      const switched = await store.updateOrganization({ jitEnabled: false }, actor)
      assert.deepEqual([switched.displayName, switched.jitEnabled], ['Renamed', false])
      assert.ok(switched.updatedAt.getTime() >= before.updatedAt.getTime())
      await store.updateOrganization({ displayName: before.displayName, jitEnabled: true }, actor)
    })

    it('keeps a registered cluster’s connection, its password readable only through listKafkaClusterConnections', async () => {
      const connection = {
        bootstrapServers: ['broker-1:9092', 'broker-2:9092'],
        sasl: { mechanism: 'SCRAM-SHA-256' as const, username: 'gatehouse', password: 'cluster-b-password' },
      }
      const registered = await store.registerKafkaCluster(
        { id: 'cluster-b', environmentId, displayName: 'b', source: 'api', connection },
        actor,
      )
      assert.deepEqual(registered.connection, {
        bootstrapServers: connection.bootstrapServers,
        sasl: { mechanism: 'SCRAM-SHA-256', username: 'gatehouse' },
      })
      assert.equal(
        JSON.stringify(await store.getKafkaCluster('cluster-b')).includes('cluster-b-password'),
        false,
      )
      const audit = await store.listAuditEvents({ pageSize: 10 }, { resourceId: 'cluster-b' })
      assert.equal(JSON.stringify(audit.items).includes('cluster-b-password'), false)
      assert.deepEqual(await store.listKafkaClusterConnections(), [{ clusterId: 'cluster-b', connection }])

      await assert.rejects(
        store.registerKafkaCluster(
          { id: 'cluster-b', environmentId, displayName: 'again', source: 'api', connection },
          actor,
        ),
        StoreConflictError,
      )
      await assert.rejects(store.deleteKafkaCluster('cluster-a', actor), StoreConflictError)

      const owner = await store.createServiceAccount({ displayName: 'cluster-b-app', description: '' }, actor)
      await store.createApiKey(
        {
          id: 'CLUSTERBKEY00001',
          displayName: '',
          description: '',
          ownerId: owner.id,
          ownerKind: 'ServiceAccount',
          scope: { kind: 'cluster', clusterId: 'cluster-b', environmentId },
          secretHash: hash,
        },
        actor,
      )
      const announced: string[] = []
      const stop = store.onApiKeyDeleted((keyId) => announced.push(keyId))
      assert.equal(await store.deleteKafkaCluster('cluster-b', actor), true)
      stop()
      // At least once: locally, and again through the database's notification.
      assert.deepEqual([...new Set(announced)], ['CLUSTERBKEY00001'])
      assert.equal(await store.getApiKey('CLUSTERBKEY00001'), undefined)
      assert.equal(await store.getKafkaCluster('cluster-b'), undefined)
      assert.deepEqual(await store.listKafkaClusterConnections(), [])
      assert.equal(await store.deleteKafkaCluster('cluster-b', actor), false)
      await store.deleteServiceAccount(owner.id, actor)
    })

    it('keeps service account names unique, also under concurrent creation', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          store.createServiceAccount({ displayName: 'racer', description: '' }, actor),
        ),
      )
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1)
      for (const result of results.filter((candidate) => candidate.status === 'rejected')) {
        assert.equal((result.reason as Error).name, 'StoreConflictError')
      }
    })

    it('pages in creation order without repeats or gaps, and refuses a foreign token', async () => {
      const created: string[] = []
      for (let i = 0; i < 5; i++) {
        created.push(
          (await store.createServiceAccount({ displayName: `paged-${i}`, description: '' }, actor)).id,
        )
      }
      const seen: string[] = []
      let token: string | undefined
      do {
        const page = await store.listServiceAccounts({ pageSize: 2, pageToken: token })
        assert.ok(page.items.length <= 2)
        seen.push(...page.items.map((item) => item.id))
        token = page.nextPageToken
      } while (token)
      const order = seen.filter((id) => created.includes(id))
      assert.deepEqual(order, created)
      assert.equal(new Set(seen).size, seen.length)
      await assert.rejects(
        store.listServiceAccounts({ pageSize: 2, pageToken: 'garbage' }),
        InvalidPageTokenError,
      )
    })

    it('stores API keys with their scope and hash, filters them, and cascades owner deletion', async () => {
      const owner = await store.createServiceAccount({ displayName: 'key-owner', description: '' }, actor)
      const deleted: string[] = []
      const stop = store.onApiKeyDeleted((id) => deleted.push(id))
      await store.createApiKey(
        {
          id: 'CONTRACTKEY00001',
          displayName: 'one',
          description: '',
          ownerId: owner.id,
          ownerKind: 'ServiceAccount',
          scope: { kind: 'cluster', clusterId: 'cluster-a', environmentId: '' },
          secretHash: hash,
        },
        actor,
      )
      await store.createApiKey(
        {
          id: 'CONTRACTKEY00002',
          displayName: 'two',
          description: '',
          ownerId: owner.id,
          ownerKind: 'ServiceAccount',
          scope: { kind: 'management' },
          secretHash: hash,
        },
        actor,
      )
      const key = await store.getApiKey('CONTRACTKEY00001')
      assert.deepEqual(key?.scope, { kind: 'cluster', clusterId: 'cluster-a', environmentId })
      assert.deepEqual(key?.secretHash, hash)
      assert.deepEqual(
        (await store.listApiKeys({ pageSize: 10 }, { resourceId: 'cluster-a', ownerId: owner.id })).items.map(
          (item) => item.id,
        ),
        ['CONTRACTKEY00001'],
      )
      assert.equal(await store.deleteServiceAccount(owner.id, actor), true)
      assert.equal(await store.getApiKey('CONTRACTKEY00002'), undefined)
      // Announcements may repeat (this process, then the database's notification); each key is announced.
      assert.deepEqual([...new Set(deleted)].sort(), ['CONTRACTKEY00001', 'CONTRACTKEY00002'])
      stop()
    })

    it('refuses keys for missing owners or clusters', async () => {
      const owner = await store.createServiceAccount({ displayName: 'refs', description: '' }, actor)
      const base = { displayName: '', description: '', secretHash: hash } as const
      await assert.rejects(
        store.createApiKey(
          {
            ...base,
            id: 'CONTRACTKEY00003',
            ownerId: 'sa-ghost1',
            ownerKind: 'ServiceAccount',
            scope: { kind: 'management' },
          },
          actor,
        ),
        { name: 'StoreReferenceError' },
      )
      await assert.rejects(
        store.createApiKey(
          {
            ...base,
            id: 'CONTRACTKEY00004',
            ownerId: owner.id,
            ownerKind: 'ServiceAccount',
            scope: { kind: 'cluster', clusterId: 'no-such-cluster', environmentId: '' },
          },
          actor,
        ),
        { name: 'StoreReferenceError' },
      )
    })

    it('writes an audit event with every change, in the same transaction', async () => {
      const account = await store.createServiceAccount({ displayName: 'audit-me', description: '' }, actor)
      await store.updateServiceAccount(account.id, { description: 'changed' }, actor)
      const events = (await store.listAuditEvents({ pageSize: 10 }, { resourceId: account.id })).items
      assert.deepEqual(
        events.map((event) => event.action),
        ['service_account.updated', 'service_account.created'],
      )
      assert.deepEqual(events[0]!.actor, actor)
      assert.deepEqual(events[0]!.details, { description: 'changed' })
      // A failed change leaves no event behind.
      await assert.rejects(store.createServiceAccount({ displayName: 'audit-me', description: '' }, actor))
      const after = (await store.listAuditEvents({ pageSize: 100 })).items.filter(
        (event) => event.action === 'service_account.created' && event.details['displayName'] === 'audit-me',
      )
      assert.equal(after.length, 1)
    })

    it('stores role bindings, refuses duplicates, and lists those on a pattern and beneath it', async () => {
      const organization = `crn://confluent.cloud/organization=${(await store.getOrganization()).id}`
      const env1 = `${organization}/environment=env-rb1`
      const env10 = `${organization}/environment=env-rb10`
      const topic = `${env1}/cloud-cluster=lkc-1/kafka=lkc-1/topic=my_topic%`
      const changes: number[] = []
      const stop = store.onRoleBindingsChanged(() => changes.push(1))
      const onEnv = await store.createRoleBinding(
        { principal: 'User:sa-rb0001', roleName: 'EnvironmentAdmin', crnPattern: env1 },
        actor,
      )
      const onTopic = await store.createRoleBinding(
        { principal: 'User:sa-rb0002', roleName: 'DeveloperRead', crnPattern: topic },
        actor,
      )
      const onSibling = await store.createRoleBinding(
        { principal: 'User:sa-rb0001', roleName: 'EnvironmentAdmin', crnPattern: env10 },
        actor,
      )
      assert.match(onEnv.id, /^rb-[a-z0-9]{6}$/)
      assert.deepEqual(await store.getRoleBinding(onTopic.id), onTopic)
      await assert.rejects(
        store.createRoleBinding(
          { principal: 'User:sa-rb0001', roleName: 'EnvironmentAdmin', crnPattern: env1 },
          actor,
        ),
        (error: unknown) => error instanceof StoreConflictError && error.field === '/crn_pattern',
      )
      const ids = async (filter: { crnPattern: string; principal?: string; roleName?: string }) =>
        (await store.listRoleBindings({ pageSize: 100 }, filter)).items.map((binding) => binding.id)
      // Then: beneath means after a "/", so env-rb1 does not list env-rb10
      assert.deepEqual(await ids({ crnPattern: env1 }), [onEnv.id, onTopic.id])
      assert.deepEqual(await ids({ crnPattern: env10 }), [onSibling.id])
      // LIKE wildcards in names are literal: "my_topic%" does not match "myXtopicY"
      assert.deepEqual(await ids({ crnPattern: topic }), [onTopic.id])
      assert.deepEqual(
        await ids({ crnPattern: `${env1}/cloud-cluster=lkc-1/kafka=lkc-1/topic=myXtopicY` }),
        [],
      )
      assert.deepEqual(await ids({ crnPattern: organization, principal: 'User:sa-rb0001' }), [
        onEnv.id,
        onSibling.id,
      ])
      assert.deepEqual(await ids({ crnPattern: organization, roleName: 'DeveloperRead' }), [onTopic.id])
      // Paging
      const first = await store.listRoleBindings({ pageSize: 1 }, { crnPattern: env1 })
      const second = await store.listRoleBindings(
        { pageSize: 1, pageToken: first.nextPageToken },
        { crnPattern: env1 },
      )
      assert.deepEqual(
        [...first.items, ...second.items].map((binding) => binding.id),
        [onEnv.id, onTopic.id],
      )
      assert.equal(second.nextPageToken, undefined)
      // Every binding, for the authorizer
      const all = (await store.listAllRoleBindings()).map((binding) => binding.id)
      for (const id of [onEnv.id, onTopic.id, onSibling.id]) assert.ok(all.includes(id))
      // Delete answers what it deleted, once
      assert.deepEqual(await store.deleteRoleBinding(onSibling.id, actor), onSibling)
      assert.equal(await store.deleteRoleBinding(onSibling.id, actor), undefined)
      const events = (await store.listAuditEvents({ pageSize: 10 }, { resourceId: onSibling.id })).items
      assert.deepEqual(
        events.map((event) => event.action),
        ['role_binding.deleted', 'role_binding.created'],
      )
      stop()
      assert.ok(changes.length >= 4, `listeners heard ${changes.length} changes`)
    })

    it('ensures a role binding once under concurrency, and deletes an owner’s bindings with it', async () => {
      const account = await store.createServiceAccount({ displayName: 'bound', description: '' }, actor)
      const input = {
        principal: `User:${account.id}`,
        roleName: 'DeveloperWrite',
        crnPattern: 'crn://confluent.cloud/organization=x/environment=env-e/cloud-cluster=c/kafka=c/topic=t',
      }
      const ensured = await Promise.all([1, 2, 3].map(() => store.ensureRoleBinding(input, actor)))
      assert.equal(new Set(ensured.map((binding) => binding.id)).size, 1)
      await store.deleteServiceAccount(account.id, actor)
      assert.equal(await store.getRoleBinding(ensured[0]!.id), undefined)
    })

    it('stores identity providers with unique issuers, pages them and updates only the given fields', async () => {
      const changes: number[] = []
      const stop = store.onIdentityProvidersChanged(() => changes.push(1))
      const input = {
        displayName: 'Corporate IdP',
        description: 'Workloads of the corporate tenant',
        issuer: 'https://idp.example.com/tenant-1',
        jwksUri: 'https://idp.example.com/tenant-1/keys',
        identityClaim: 'claims.sub',
      }
      const provider = await store.createIdentityProvider({ ...input, audience: 'gatehouse' }, actor)
      assert.match(provider.id, /^op-[a-z0-9]{6}$/)
      assert.deepEqual(
        [provider.issuer, provider.jwksUri, provider.audience, provider.state],
        [input.issuer, input.jwksUri, 'gatehouse', 'ENABLED'],
      )
      assert.deepEqual(await store.getIdentityProvider(provider.id), provider)
      assert.deepEqual(await store.findIdentityProviderByIssuer(input.issuer), provider)
      assert.equal(await store.findIdentityProviderByIssuer(`${input.issuer}/`), undefined)
      await assert.rejects(
        store.createIdentityProvider({ ...input, displayName: 'same issuer' }, actor),
        (error: unknown) => error instanceof StoreConflictError && error.field === '/issuer',
      )
      const other = await store.createIdentityProvider(
        { ...input, issuer: 'https://idp.example.com/tenant-2' },
        actor,
      )
      assert.equal(other.audience, undefined)
      await assert.rejects(
        store.updateIdentityProvider(other.id, { issuer: input.issuer }, actor),
        (error: unknown) => error instanceof StoreConflictError && error.field === '/issuer',
      )
      const renamed = await store.updateIdentityProvider(
        provider.id,
        { displayName: 'Renamed', audience: null },
        actor,
      )
      assert.deepEqual(
        [renamed?.displayName, renamed?.issuer, renamed?.jwksUri, renamed?.audience],
        ['Renamed', input.issuer, input.jwksUri, undefined],
      )
      assert.equal(await store.updateIdentityProvider('op-ghost1', { displayName: 'x' }, actor), undefined)
      const first = await store.listIdentityProviders({ pageSize: 1 })
      const second = await store.listIdentityProviders({ pageSize: 1, pageToken: first.nextPageToken })
      assert.deepEqual(
        [...first.items, ...second.items].map((item) => item.id),
        [provider.id, other.id],
      )
      assert.equal(second.nextPageToken, undefined)
      const events = (await store.listAuditEvents({ pageSize: 10 }, { resourceId: provider.id })).items
      assert.deepEqual(
        events.map((event) => event.action),
        ['identity_provider.updated', 'identity_provider.created'],
      )
      assert.equal(await store.deleteIdentityProvider(other.id, actor), true)
      assert.equal(await store.deleteIdentityProvider(other.id, actor), false)
      assert.equal(await store.deleteIdentityProvider(provider.id, actor), true)
      stop()
      assert.ok(changes.length >= 5, `listeners heard ${changes.length} changes`)
    })

    it('keeps pools under their provider, and deletes their role bindings with them', async () => {
      const provider = await store.createIdentityProvider(
        {
          displayName: 'Pools IdP',
          description: '',
          issuer: 'https://pools.example.com',
          jwksUri: 'https://pools.example.com/jwks',
          identityClaim: 'claims.sub',
        },
        actor,
      )
      const poolInput = {
        displayName: 'payments',
        description: 'Payment services',
        identityClaim: 'claims.sub',
        filter: 'claims.aud == "payments"',
      }
      const pool = await store.createIdentityPool(provider.id, poolInput, actor)
      assert.ok(pool)
      assert.match(pool.id, /^pool-[a-z0-9]{6}$/)
      assert.deepEqual(
        [pool.providerId, pool.filter, pool.identityClaim, pool.state],
        [provider.id, poolInput.filter, 'claims.sub', 'ENABLED'],
      )
      assert.equal(await store.createIdentityPool('op-ghost1', poolInput, actor), undefined)
      assert.deepEqual(await store.getIdentityPool(provider.id, pool.id), pool)
      assert.equal(await store.getIdentityPool('op-ghost1', pool.id), undefined)
      const updated = await store.updateIdentityPool(provider.id, pool.id, { filter: 'true' }, actor)
      assert.deepEqual([updated?.filter, updated?.displayName], ['true', 'payments'])
      assert.equal(await store.updateIdentityPool('op-ghost1', pool.id, { filter: 'x' }, actor), undefined)
      const second = await store.createIdentityPool(
        provider.id,
        { ...poolInput, displayName: 'billing' },
        actor,
      )
      assert.ok(second)
      const firstPage = await store.listIdentityPools(provider.id, { pageSize: 1 })
      const secondPage = await store.listIdentityPools(provider.id, {
        pageSize: 1,
        pageToken: firstPage.nextPageToken,
      })
      assert.deepEqual(
        [...firstPage.items, ...secondPage.items].map((item) => item.id),
        [pool.id, second.id],
      )
      assert.deepEqual((await store.listIdentityPools('op-ghost1', { pageSize: 10 })).items, [])
      const view = (await store.listAllIdentityProvidersWithPools()).find(
        (entry) => entry.provider.id === provider.id,
      )
      assert.deepEqual(
        view?.pools.map((each) => each.id),
        [pool.id, second.id],
      )

      // Deleting a pool deletes its bindings and tells both kinds of listener.
      const bindingChanges: number[] = []
      const stopBindings = store.onRoleBindingsChanged(() => bindingChanges.push(1))
      const binding = await store.createRoleBinding(
        {
          principal: `User:${pool.id}`,
          roleName: 'DeveloperRead',
          crnPattern: 'crn://confluent.cloud/organization=x',
        },
        actor,
      )
      const heardBefore = bindingChanges.length
      assert.equal(await store.deleteIdentityPool('op-ghost1', pool.id, actor), false)
      assert.equal(await store.deleteIdentityPool(provider.id, pool.id, actor), true)
      assert.equal(await store.getRoleBinding(binding.id), undefined)
      assert.ok(bindingChanges.length > heardBefore)
      assert.equal(await store.deleteIdentityPool(provider.id, pool.id, actor), false)

      // Deleting the provider deletes its remaining pools and their bindings.
      const secondBinding = await store.createRoleBinding(
        {
          principal: `User:${second.id}`,
          roleName: 'DeveloperRead',
          crnPattern: 'crn://confluent.cloud/organization=x',
        },
        actor,
      )
      assert.equal(await store.deleteIdentityProvider(provider.id, actor), true)
      assert.equal(await store.getIdentityPool(provider.id, second.id), undefined)
      assert.equal(await store.getRoleBinding(secondBinding.id), undefined)
      stopBindings()
      const events = (await store.listAuditEvents({ pageSize: 10 }, { resourceId: second.id })).items
      assert.deepEqual(events[0]?.details, { providerId: provider.id, reason: 'provider deleted' })
    })

    it('stores certificate authorities with one CRL source, and deletes their pools and bindings with them', async () => {
      const changes: number[] = []
      const stop = store.onCertificateAuthoritiesChanged(() => changes.push(1))
      const input = {
        displayName: 'corporate-pki',
        description: 'issuing CA',
        certificateChain: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        certificateChainFilename: 'chain.pem',
        crlChain: '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n',
        requireCrlOnClientCertificate: true,
      }
      const authority = await store.createCertificateAuthority(input, actor)
      assert.match(authority.id, /^op-[a-z0-9]{6}$/)
      assert.deepEqual(
        [authority.crlChain, authority.crlUrl, authority.requireCrlOnClientCertificate, authority.state],
        [input.crlChain, undefined, true, 'ENABLED'],
      )
      assert.ok(authority.crlChainUpdatedAt instanceof Date)
      assert.deepEqual(await store.getCertificateAuthority(authority.id), authority)
      // Setting a URL clears the uploaded CRL; null clears the URL.
      const switched = await store.updateCertificateAuthority(
        authority.id,
        { crlUrl: 'https://pki.example.com/ca.crl' },
        actor,
      )
      assert.deepEqual(
        [switched?.crlUrl, switched?.crlChain, switched?.crlChainUpdatedAt],
        ['https://pki.example.com/ca.crl', undefined, undefined],
      )
      const cleared = await store.updateCertificateAuthority(
        authority.id,
        { crlUrl: null, requireCrlOnClientCertificate: false, displayName: 'renamed' },
        actor,
      )
      assert.deepEqual(
        [cleared?.crlUrl, cleared?.displayName, cleared?.description],
        [undefined, 'renamed', input.description],
      )
      assert.equal(
        await store.updateCertificateAuthority('op-ghost1', { displayName: 'x' }, actor),
        undefined,
      )

      const pool = await store.createCertificatePool(
        authority.id,
        { displayName: 'orders', description: '', externalIdentifier: 'CN', filter: 'CN == "orders"' },
        actor,
      )
      assert.ok(pool)
      assert.match(pool.id, /^pool-[a-z0-9]{6}$/)
      assert.equal(
        await store.createCertificatePool(
          'op-ghost1',
          { displayName: 'x', description: '', externalIdentifier: 'CN', filter: 'true' },
          actor,
        ),
        undefined,
      )
      assert.deepEqual(await store.getCertificatePool(authority.id, pool.id), pool)
      assert.equal(await store.getCertificatePool('op-ghost1', pool.id), undefined)
      const updated = await store.updateCertificatePool(
        authority.id,
        pool.id,
        { externalIdentifier: 'UID' },
        actor,
      )
      assert.deepEqual([updated?.externalIdentifier, updated?.filter], ['UID', 'CN == "orders"'])
      const second = await store.createCertificatePool(
        authority.id,
        { displayName: 'billing', description: '', externalIdentifier: 'CN', filter: 'true' },
        actor,
      )
      assert.ok(second)
      const firstPage = await store.listCertificatePools(authority.id, { pageSize: 1 })
      const secondPage = await store.listCertificatePools(authority.id, {
        pageSize: 1,
        pageToken: firstPage.nextPageToken,
      })
      assert.deepEqual(
        [...firstPage.items, ...secondPage.items].map((each) => each.id),
        [pool.id, second.id],
      )
      const view = (await store.listAllCertificateAuthoritiesWithPools()).find(
        (entry) => entry.authority.id === authority.id,
      )
      assert.deepEqual(
        view?.pools.map((each) => each.id),
        [pool.id, second.id],
      )

      const binding = await store.createRoleBinding(
        {
          principal: `User:${pool.id}`,
          roleName: 'DeveloperRead',
          crnPattern: 'crn://confluent.cloud/organization=x',
        },
        actor,
      )
      const deletedPool = await store.deleteCertificatePool(authority.id, pool.id, actor)
      assert.equal(deletedPool?.id, pool.id)
      assert.equal(await store.getRoleBinding(binding.id), undefined)
      assert.equal(await store.deleteCertificatePool(authority.id, pool.id, actor), undefined)

      const secondBinding = await store.createRoleBinding(
        {
          principal: `User:${second.id}`,
          roleName: 'DeveloperRead',
          crnPattern: 'crn://confluent.cloud/organization=x',
        },
        actor,
      )
      const deleted = await store.deleteCertificateAuthority(authority.id, actor)
      assert.equal(deleted?.id, authority.id)
      assert.equal(await store.getCertificatePool(authority.id, second.id), undefined)
      assert.equal(await store.getRoleBinding(secondBinding.id), undefined)
      assert.equal(await store.deleteCertificateAuthority(authority.id, actor), undefined)
      const events = (await store.listAuditEvents({ pageSize: 10 }, { resourceId: authority.id })).items
      assert.deepEqual(
        events.map((event) => event.action),
        [
          'certificate_authority.deleted',
          'certificate_authority.updated',
          'certificate_authority.updated',
          'certificate_authority.created',
        ],
      )
      // The PEM texts stay out of audit events.
      assert.ok(events.every((event) => !JSON.stringify(event.details).includes('BEGIN')))
      stop()
      assert.ok(changes.length >= 8, `listeners heard ${changes.length} changes`)
    })

    it('keeps group mappings, deleting their role bindings and their sessions’ principals with them', async () => {
      const mapping = await store.sso.createGroupMapping(
        { displayName: 'Engineering', description: '', filter: '"engineering" in groups' },
        actor,
      )
      assert.match(mapping.id, /^group-[a-z0-9]{6}$/)
      const changed = await store.sso.updateGroupMapping(mapping.id, { filter: 'true' }, actor)
      assert.equal(changed?.filter, 'true')
      assert.equal(changed?.displayName, 'Engineering')
      assert.ok((await store.sso.listAllGroupMappings()).some((candidate) => candidate.id === mapping.id))
      const principal = `User:${mapping.id}`
      await store.createRoleBinding(
        { principal, roleName: 'Operator', crnPattern: 'crn://x/organization=o' },
        actor,
      )
      const user = await store.ensureUser(
        { email: `gm-${randomUUID()}@example.com`, fullName: 'G', authType: 'AUTH_TYPE_SSO' },
        actor,
      )
      const now = new Date()
      const idHash = `hash-${randomUUID()}`
      await store.sso.createSession({
        idHash,
        userId: user.id,
        claims: { groups: ['engineering'] },
        groupPrincipals: [principal, 'User:group-other1'],
        createdAt: now,
        lastSeenAt: now,
        absoluteExpiresAt: new Date(now.getTime() + 60_000),
      })
      assert.equal(await store.sso.deleteGroupMapping(mapping.id, actor), true)
      assert.equal(await store.sso.deleteGroupMapping(mapping.id, actor), false)
      assert.ok(!(await store.listAllRoleBindings()).some((binding) => binding.principal === principal))
      assert.deepEqual((await store.sso.getSession(idHash))?.groupPrincipals, ['User:group-other1'])
    })

    it('finds a user by email whatever its case, and nobody for an unknown email', async () => {
      const email = `Find-${randomUUID()}@Example.com`
      const user = await store.ensureUser({ email, fullName: 'F', authType: 'AUTH_TYPE_SSO' }, actor)
      assert.equal((await store.findUserByEmail(email.toLowerCase()))?.id, user.id)
      assert.equal((await store.findUserByEmail(email.toUpperCase()))?.id, user.id)
      assert.equal(await store.findUserByEmail(`nobody-${randomUUID()}@example.com`), undefined)
    })

    it('stores sessions by hash, refreshes them, ends them with their user, and sweeps expired ones', async () => {
      const user = await store.ensureUser(
        { email: `s-${randomUUID()}@example.com`, fullName: 'S', authType: 'AUTH_TYPE_SSO' },
        actor,
      )
      const now = new Date()
      const session = {
        idHash: `hash-${randomUUID()}`,
        userId: user.id,
        claims: { sub: 's', groups: ['a', 'b'] },
        groupPrincipals: ['User:group-aaaaaa', 'User:group-bbbbbb'],
        createdAt: now,
        lastSeenAt: now,
        absoluteExpiresAt: new Date(now.getTime() + 3_600_000),
      }
      await store.sso.createSession(session)
      assert.deepEqual(await store.sso.getSession(session.idHash), session)
      const mapping = await store.sso.createGroupMapping(
        { displayName: 'A', description: '', filter: 'true' },
        actor,
      )
      await store.sso.refreshSession(session.idHash, {
        lastSeenAt: new Date(now.getTime() + 1000),
        groupPrincipals: [`User:${mapping.id}`, 'User:group-bbbbbb'],
      })
      await store.sso.deleteGroupMapping(mapping.id, actor)
      const refreshed = await store.sso.getSession(session.idHash)
      assert.deepEqual(refreshed?.groupPrincipals, ['User:group-bbbbbb'])
      assert.equal(refreshed?.lastSeenAt.getTime(), now.getTime() + 1000)

      const idle = {
        ...session,
        idHash: `hash-${randomUUID()}`,
        lastSeenAt: new Date(now.getTime() - 7_200_000),
      }
      await store.sso.createSession(idle)
      await store.sso.deleteExpired(now, new Date(now.getTime() - 3_600_000))
      assert.equal(await store.sso.getSession(idle.idHash), undefined)
      assert.ok(await store.sso.getSession(session.idHash))
      assert.equal(await store.deleteUser(user.id, actor), true)
      assert.equal(
        await store.sso.getSession(session.idHash),
        undefined,
        'deleting the user ends its sessions',
      )
    })

    it('keeps one pending invitation per email, accepts it once, and takes pending sign-ins once', async () => {
      const email = `i-${randomUUID()}@example.com`
      const expiresAt = new Date(Date.now() + 60_000)
      const invitation = await store.sso.createInvitation(
        { email, authType: 'AUTH_TYPE_SSO', expiresAt },
        actor,
      )
      assert.match(invitation.id, /^i-[a-z0-9]{6}$/)
      await assert.rejects(
        store.sso.createInvitation(
          { email: email.toUpperCase(), authType: 'AUTH_TYPE_SSO', expiresAt },
          actor,
        ),
        StoreConflictError,
      )
      assert.equal(
        (await store.sso.findPendingInvitation(email.toUpperCase(), new Date()))?.id,
        invitation.id,
      )
      assert.equal(await store.sso.findPendingInvitation(email, new Date(Date.now() + 120_000)), undefined)
      const user = await store.ensureUser({ email, fullName: 'I', authType: 'AUTH_TYPE_SSO' }, actor)
      assert.equal(await store.sso.acceptInvitation(invitation.id, user.id, new Date(), actor), true)
      assert.equal(await store.sso.acceptInvitation(invitation.id, user.id, new Date(), actor), false)
      const accepted = await store.sso.getInvitation(invitation.id)
      assert.equal(accepted?.status, 'INVITE_STATUS_ACCEPTED')
      assert.equal(accepted?.userId, user.id)
      assert.equal(await store.sso.findPendingInvitation(email, new Date()), undefined)

      const signIn = {
        stateHash: `state-${randomUUID()}`,
        codeVerifier: 'v',
        nonce: 'n',
        returnTo: '/console/',
        expiresAt: new Date(Date.now() + 60_000),
      }
      await store.sso.createPendingSignIn(signIn)
      assert.deepEqual(await store.sso.takePendingSignIn(signIn.stateHash, new Date()), signIn)
      assert.equal(await store.sso.takePendingSignIn(signIn.stateHash, new Date()), undefined)
      const late = { ...signIn, stateHash: `state-${randomUUID()}` }
      await store.sso.createPendingSignIn(late)
      assert.equal(
        await store.sso.takePendingSignIn(late.stateHash, new Date(Date.now() + 120_000)),
        undefined,
      )
    })

    it('creates the bootstrap key once, even when asked concurrently', async () => {
      let generated = 0
      const results = await Promise.all(
        Array.from({ length: 3 }, () =>
          store.ensureBootstrapApiKey({
            generate: () => ({ id: `BOOTSTRAP${String(++generated).padStart(7, '0')}`, secretHash: hash }),
          }),
        ),
      )
      assert.equal(results.filter((result) => result.created).length, 1)
      assert.equal(new Set(results.map((result) => result.key.id)).size, 1)
    })
  })
}
