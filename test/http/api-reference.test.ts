import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { after, describe, it } from 'node:test'
import { generateKeyId, generateSecret, hashSecret } from '../../src/authn/index.ts'
import { operationReferences } from '../../src/http/api-reference/index.ts'
import { parseCurlCommand } from '../support/curl-command.ts'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { FakeKafkaCluster } from '../support/fake-kafka-cluster.ts'
import { openIdentityStore, SYSTEM_ACTOR, type SqlIdentityStore } from '../../src/store/sql/index.ts'
import { TestPki } from '../support/pki.ts'

interface DocumentedOperation {
  readonly operationId: string
  readonly method: string
  readonly path: string
  readonly successStatuses: readonly number[]
  readonly examples: readonly { label: string; source: string }[]
}

// One in-memory store serves every example (opening one takes seconds); each example starts from
// the same state because `seedIdentities` first removes what an earlier example left.
const { store } = await openIdentityStore({ kind: 'pglite-memory' })
// A real chain and CRL for the certificate-authority examples (they are checked, not just stored).
const pki = TestPki.create()
const CRL_PEM = pki.intermediate.crlPem()

async function loadServedOperations(): Promise<DocumentedOperation[]> {
  const t = await buildTestApp({ identities: store })
  try {
    const response = await t.app.inject({ url: '/openapi.json', headers: { authorization: t.authorization } })
    assert.equal(response.statusCode, 200)
    const paths = response.json().paths as Record<
      string,
      Record<
        string,
        {
          operationId?: string
          responses?: Record<string, unknown>
          'x-codeSamples'?: { label: string; source: string }[]
        }
      >
    >
    return Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        operationId: operation.operationId ?? `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        successStatuses: Object.keys(operation.responses ?? {})
          .filter((status) => /^2\d\d$/.test(status))
          .map(Number),
        examples: operation['x-codeSamples'] ?? [],
      })),
    )
  } finally {
    await t.app.close()
  }
}

const CONSUMER_ID = 'consumer-billing-1-4f1c'

/**
 * A token for the filter dry-run example: well formed, of an issuer no provider has (the test app's
 * verifier fetches no keys), so the dry run evaluates its claims and reports it unverifiable.
 */
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const EXAMPLE_TOKEN = [
  base64url({ alg: 'ES256', kid: 'k1' }),
  base64url({ iss: 'https://idp.example.com', sub: 'svc-payments', aud: 'payments', exp: 4_102_444_800 }),
  Buffer.from('not a real signature').toString('base64url'),
].join('.')

/**
 * The state the examples tell a story about: a topic `orders` with records and an overridden
 * retention, a consumer group `billing` reading it, a cluster-wide broker value and an ACL for
 * `User:alice`. Each example runs on a fresh app with this state, so none depends on another.
 */
async function seedExampleState(t: TestApp): Promise<void> {
  const kafka = t.kafka
  await kafka.createTopic({ name: 'orders', partitionsCount: 3, configs: [], validateOnly: false })
  await kafka.alterTopicConfigs(
    'orders',
    [{ name: 'retention.ms', operation: 'SET', value: '86400000' }],
    false,
  )
  for (const partitionId of [0, 0, 0, 1, 2])
    await kafka.produce('orders', { partitionId, key: null, value: Buffer.from('x'), headers: [] })
  kafka.commitOffset('billing', 'orders', 0, 1n)
  kafka.commitOffset('billing', 'orders', 1, 1n)
  kafka.groups.set('billing', {
    groupId: 'billing',
    isSimple: false,
    partitionAssignor: 'range',
    state: 'STABLE',
    type: 'CLASSIC',
    coordinatorId: 1,
    members: [
      {
        consumerId: CONSUMER_ID,
        instanceId: null,
        clientId: 'billing-service',
        host: '/127.0.0.1',
        assignments: [
          { topicName: 'orders', partitionId: 0 },
          { topicName: 'orders', partitionId: 1 },
        ],
      },
    ],
  })
  kafka.clusterConfigs.set('log.cleaner.backoff.ms', '20000')
  await kafka.createAcls([
    {
      resourceType: 'TOPIC',
      resourceName: 'orders',
      patternType: 'LITERAL',
      principal: 'User:alice',
      host: '*',
      operation: 'READ',
      permission: 'ALLOW',
    },
  ])
  // The fake's single broker never moves replicas; a move of orders/0 in progress gives the
  // reassignment examples something to show, as a cluster being rebalanced would.
  const listReassignments = kafka.listReassignments.bind(kafka)
  kafka.listReassignments = async (topic?: string) => {
    await listReassignments(topic)
    return topic === undefined || topic === 'orders'
      ? [{ topicName: 'orders', partitionId: 0, addingReplicaIds: [2], removingReplicaIds: [1] }]
      : []
  }
}

/** The ids an identity example may name, after `seedIdentities`. */
interface IdentityVariables {
  readonly ORGANIZATION_ID: string
  readonly SERVICE_ACCOUNT_ID: string
  readonly USER_ID: string
  readonly API_KEY_ID: string
  /** The cluster's environment (API key examples). */
  readonly CLUSTER_ENVIRONMENT_ID: string
  /** An empty environment besides the default one (environment examples, which delete it). */
  readonly SPARE_ENVIRONMENT_ID: string
  /** A cluster registered through /cmk/v2/clusters (cluster management examples). */
  readonly REGISTERED_CLUSTER_ID: string
  /** orders-service's DeveloperRead on the topic orders. */
  readonly ROLE_BINDING_ID: string
  /** A provider with one pool, `payments`. */
  readonly IDENTITY_PROVIDER_ID: string
  readonly IDENTITY_POOL_ID: string
  /** An authority of the test PKI with one pool, `orders`. */
  readonly CERTIFICATE_AUTHORITY_ID: string
  readonly CERTIFICATE_POOL_ID: string
  readonly GROUP_MAPPING_ID: string
  /** A pending invitation for linus@example.com. */
  readonly INVITATION_ID: string
}

/**
 * The identities the examples tell a story about: a service account `orders-service` owning a key
 * for the cluster, a user who signed in, and an empty `staging` environment. What an earlier
 * example created or left is removed first.
 */
async function seedIdentities(identities: SqlIdentityStore, clusterId: string): Promise<IdentityVariables> {
  const everything = { pageSize: 1000 }
  for (const account of (await identities.listServiceAccounts(everything)).items)
    if (account.displayName !== 'gatehouse-bootstrap')
      await identities.deleteServiceAccount(account.id, SYSTEM_ACTOR)
  for (const user of (await identities.listUsers(everything)).items)
    await identities.deleteUser(user.id, SYSTEM_ACTOR)
  for (const { clusterId } of await identities.listKafkaClusterConnections())
    await identities.deleteKafkaCluster(clusterId, SYSTEM_ACTOR)
  const organizationCrn = `crn://confluent.cloud/organization=${(await identities.getOrganization()).id}`
  for (const binding of await identities.listAllRoleBindings())
    if (binding.roleName !== 'OrganizationAdmin') await identities.deleteRoleBinding(binding.id, SYSTEM_ACTOR)
  for (const provider of (await identities.listIdentityProviders(everything)).items)
    await identities.deleteIdentityProvider(provider.id, SYSTEM_ACTOR)
  for (const authority of (await identities.listCertificateAuthorities(everything)).items)
    await identities.deleteCertificateAuthority(authority.id, SYSTEM_ACTOR)
  for (const mapping of await identities.sso.listAllGroupMappings())
    await identities.sso.deleteGroupMapping(mapping.id, SYSTEM_ACTOR)
  for (const invitation of (await identities.sso.listInvitations(everything)).items)
    await identities.sso.deleteInvitation(invitation.id, SYSTEM_ACTOR)
  const environments = (await identities.listEnvironments(everything)).items
  const [defaultEnvironment] = environments
  for (const environment of environments.slice(1))
    await identities.deleteEnvironment(environment.id, SYSTEM_ACTOR)

  await identities.registerKafkaCluster(
    { id: clusterId, environmentId: defaultEnvironment!.id, displayName: 'orders-cluster', source: 'config' },
    SYSTEM_ACTOR,
  )
  const account = await identities.createServiceAccount(
    { displayName: 'orders-service', description: 'Reads orders' },
    SYSTEM_ACTOR,
  )
  const user = await identities.ensureUser(
    { email: 'ada@example.com', fullName: 'Ada', authType: 'AUTH_TYPE_SSO' },
    SYSTEM_ACTOR,
  )
  const key = await identities.createApiKey(
    {
      id: generateKeyId(),
      displayName: 'orders-consumer',
      description: '',
      ownerId: account.id,
      ownerKind: 'ServiceAccount',
      scope: { kind: 'cluster', clusterId, environmentId: defaultEnvironment!.id },
      secretHash: hashSecret(generateSecret()),
    },
    SYSTEM_ACTOR,
  )
  const staging = await identities.createEnvironment({ displayName: 'staging' }, SYSTEM_ACTOR)
  const analytics = await identities.registerKafkaCluster(
    {
      id: 'analytics-cluster',
      environmentId: defaultEnvironment!.id,
      displayName: 'analytics',
      source: 'api',
      connection: { bootstrapServers: ['kafka-analytics-1:9092'] },
    },
    SYSTEM_ACTOR,
  )
  const binding = await identities.createRoleBinding(
    {
      principal: `User:${account.id}`,
      roleName: 'DeveloperRead',
      crnPattern: `${organizationCrn}/environment=${defaultEnvironment!.id}/cloud-cluster=${clusterId}/kafka=${clusterId}/topic=orders`,
    },
    SYSTEM_ACTOR,
  )
  const provider = await identities.createIdentityProvider(
    {
      displayName: 'Corporate IdP',
      description: '',
      issuer: 'https://idp.example.com/tenant-1',
      jwksUri: 'https://idp.example.com/tenant-1/keys',
      identityClaim: 'claims.sub',
    },
    SYSTEM_ACTOR,
  )
  const pool = await identities.createIdentityPool(
    provider.id,
    { displayName: 'payments', description: '', identityClaim: 'claims.sub', filter: 'true' },
    SYSTEM_ACTOR,
  )
  const authority = await identities.createCertificateAuthority(
    {
      displayName: 'corporate-pki',
      description: '',
      certificateChain: pki.chainPem,
      certificateChainFilename: 'chain.pem',
      requireCrlOnClientCertificate: false,
    },
    SYSTEM_ACTOR,
  )
  const certificatePool = await identities.createCertificatePool(
    authority.id,
    { displayName: 'orders', description: '', externalIdentifier: 'CN', filter: 'CN.startsWith("orders-")' },
    SYSTEM_ACTOR,
  )
  const mapping = await identities.sso.createGroupMapping(
    { displayName: 'Engineering', description: '', filter: '"engineering" in groups' },
    SYSTEM_ACTOR,
  )
  const invitation = await identities.sso.createInvitation(
    { email: 'linus@example.com', authType: 'AUTH_TYPE_SSO', expiresAt: new Date(Date.now() + 86_400_000) },
    SYSTEM_ACTOR,
  )
  return {
    CERTIFICATE_AUTHORITY_ID: authority.id,
    CERTIFICATE_POOL_ID: certificatePool!.id,
    GROUP_MAPPING_ID: mapping.id,
    INVITATION_ID: invitation.id,
    IDENTITY_PROVIDER_ID: provider.id,
    IDENTITY_POOL_ID: pool!.id,
    ROLE_BINDING_ID: binding.id,
    ORGANIZATION_ID: (await identities.getOrganization()).id,
    SERVICE_ACCOUNT_ID: account.id,
    USER_ID: user.id,
    API_KEY_ID: key.id,
    CLUSTER_ENVIRONMENT_ID: defaultEnvironment!.id,
    SPARE_ENVIRONMENT_ID: staging.id,
    REGISTERED_CLUSTER_ID: analytics.id,
  }
}

/** Produce reports failures in the body with a success status; an example must have none. */
function assertNoRecordFailed(operationId: string, body: string): void {
  if (operationId === 'produceRecord') {
    const reports = body
      .split('\r\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
    assert.ok(reports.length > 0, 'no delivery report')
    for (const report of reports) assert.equal(report.error_code, 200, JSON.stringify(report))
  }
  if (operationId === 'produceRecordsBatch') assert.deepEqual(JSON.parse(body).failures, [])
}

const pathPattern = (template: string) =>
  new RegExp(
    `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}(\\?.*)?$`,
  )

const served = await loadServedOperations()
after(() => store.close())

describe('API reference examples (docs/api-reference.md)', () => {
  it('has an entry with at least one example for every operation in /openapi.json', () => {
    const missing = served.filter((operation) => operation.examples.length === 0)
    assert.deepEqual(
      missing.map((operation) => operation.operationId),
      [],
      'add an entry to src/http/api-reference/ for each of these (keyed by operationId)',
    )
  })

  it('has no entry for an operation the app does not serve', () => {
    const servedIds = new Set(served.map((operation) => operation.operationId))
    assert.deepEqual(
      Object.keys(operationReferences).filter((operationId) => !servedIds.has(operationId)),
      [],
    )
  })

  for (const operation of served) {
    for (const example of operation.examples) {
      it(`${operation.operationId}: “${example.label}” gets ${operation.successStatuses.join(' or ')}`, async () => {
        const t = await buildTestApp({
          identities: store,
          // Registering a cluster connects to its brokers: here every address reaches a fake cluster.
          registration: {
            source: { list: () => store.listKafkaClusterConnections() },
            connect: () => new FakeKafkaCluster('newly-registered-cluster'),
            refreshIntervalMs: 60_000,
          },
        })
        try {
          await seedExampleState(t)
          const ids = await seedIdentities(store, t.kafka.clusterId)
          await t.authorizer.reloadRoleBindings()
          const request = parseCurlCommand(example.source, {
            KEY: t.key,
            SECRET: t.secret,
            CLUSTER_ID: t.kafka.clusterId,
            CONSUMER_ID,
            ORGANIZATION_ID: ids.ORGANIZATION_ID,
            SERVICE_ACCOUNT_ID: ids.SERVICE_ACCOUNT_ID,
            USER_ID: ids.USER_ID,
            API_KEY_ID: ids.API_KEY_ID,
            REGISTERED_CLUSTER_ID: ids.REGISTERED_CLUSTER_ID,
            ROLE_BINDING_ID: ids.ROLE_BINDING_ID,
            IDENTITY_PROVIDER_ID: ids.IDENTITY_PROVIDER_ID,
            IDENTITY_POOL_ID: ids.IDENTITY_POOL_ID,
            CERTIFICATE_AUTHORITY_ID: ids.CERTIFICATE_AUTHORITY_ID,
            CERTIFICATE_POOL_ID: ids.CERTIFICATE_POOL_ID,
            CERTIFICATE_CHAIN_BASE64: Buffer.from(pki.chainPem).toString('base64'),
            CRL_BASE64: Buffer.from(CRL_PEM).toString('base64'),
            GROUP_MAPPING_ID: ids.GROUP_MAPPING_ID,
            INVITATION_ID: ids.INVITATION_ID,
            TOKEN: EXAMPLE_TOKEN,
            // One name for the reader, two roles here: the environment an API key's cluster is in,
            // and the environment the environment examples rename and delete.
            ENVIRONMENT_ID: operation.path.startsWith('/org/v2/environments')
              ? ids.SPARE_ENVIRONMENT_ID
              : ids.CLUSTER_ENVIRONMENT_ID,
          })
          assert.equal(request.method, operation.method, 'the example calls another method')
          assert.match(request.url, pathPattern(operation.path), 'the example calls another path')
          // curl streams a chunked body as it reads it; a stream payload makes inject() do the same.
          const isChunked = request.headers['transfer-encoding'] === 'chunked'
          const response = await t.app.inject({
            method: request.method as 'GET',
            url: request.url,
            headers: request.headers,
            ...(request.body === undefined
              ? {}
              : { payload: isChunked ? Readable.from([request.body]) : request.body }),
          })
          assert.ok(
            operation.successStatuses.includes(response.statusCode),
            `got ${response.statusCode}: ${response.body}`,
          )
          assertNoRecordFailed(operation.operationId, response.body)
        } finally {
          await t.app.close()
        }
      })
    }
  }
})
