/**
 * @module test/support/test-app
 *
 * Builds the HTTP application over fakes for component tests.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { AuthenticationFailureThrottle } from '../../src/authn/index.ts'
import {
  ApiKeyAuthenticator,
  generateKeyId,
  generateSecret,
  prepareBootstrapCredential,
} from '../../src/authn/index.ts'
import type { IdentityStore } from '../../src/store/index.ts'
import { staticKeyAuthenticator, type ExtraStaticKey } from './static-key.ts'
import { GatewayError, type AuditTrail } from '../../src/core/index.ts'
import { fileURLToPath } from 'node:url'
import {
  CertificateAuthenticator,
  fetchRevocationLists,
  RequestCredentialAuthenticator,
  type ConsoleSessions,
  type OidcSignInClient,
} from '../../src/authn/index.ts'
import {
  buildApp,
  type CertificateAuthorityServices,
  type IdentityProviderServices,
  type ReadinessCheck,
} from '../../src/http/index.ts'
import { identityProviderAdministration, TokenVerifier } from '../../src/authn/index.ts'
import { KafkaAuditReader, KafkaClusterDirectory, type RuntimeRegistration } from '../../src/kafka/index.ts'
import { assertMatchesConfluent } from './confluent-contract.ts'
import { FakeKafkaCluster } from './fake-kafka-cluster.ts'
import type { Authorizer, RoleBindingSource } from '../../src/authz/index.ts'
import type { ResourceDirectory } from '../../src/http/authorization/resource-paths.ts'
import {
  type MemoryRoleBindings,
  startTestAuthorizer,
  testResourceDirectory,
  TEST_ENVIRONMENT_ID,
  TEST_ORGANIZATION_ID,
  TEST_PRINCIPAL,
} from './authorization.ts'

export interface TestApp {
  readonly app: FastifyInstance
  readonly kafka: FakeKafkaCluster
  readonly key: string
  readonly secret: string
  /** `Authorization` header value for the bootstrap credential. */
  readonly authorization: string
  readonly authorizer: Authorizer
  /** Where the authorizer reads role bindings (the store's, with `identities`). */
  readonly roleBindings: RoleBindingSource
  /** The organization's CRN, `crn://confluent.cloud/organization=<id>`. */
  readonly organizationCrn: string
  /** Binds a role and waits until the authorizer uses it. */
  grant(principal: string, roleName: string, crnPattern: string): Promise<void>
}

/** When the fake JWKS refresh says the keys were fetched. */
export const TEST_JWKS_REFRESHED_AT = new Date('2026-01-02T03:04:05.000Z')

/**
 * Component tests reach no network: discovery fails unless a test replaces it, and a JWKS refresh
 * always succeeds. Filters go through the CEL compiler main.ts wires.
 */
const issuerlessVerifier = new TokenVerifier({ findProviderByIssuer: () => undefined })
const noNetworkAdministration = identityProviderAdministration(
  {
    refreshJwks: () => Promise.reject(new Error('not used')),
    // Knows no issuer, so it fetches nothing: every token is `unknown_issuer`. A test that sends
    // tokens of a provider passes a verifier of its own (see identity-pool-match.test.ts).
    verifyToken: (token: string) => issuerlessVerifier.verify(token),
    reload: () => Promise.resolve(),
  },
  { allowLoopbackHttpIssuers: false },
)

export const TEST_IDENTITY_PROVIDER_SERVICES: IdentityProviderServices = {
  // The compiler main.ts wires, so the routes refuse exactly what the gateway would.
  compileIdentityPoolFilter: noNetworkAdministration.compileIdentityPoolFilter,
  dryRunIdentityPools: (request) => noNetworkAdministration.dryRunIdentityPools(request),
  discoverJwksUri: async (issuer) => {
    throw new Error(`component tests fetch nothing (asked for ${issuer})`)
  },
  refreshJwks: async () => ({ status: 'REFRESHED', lastRefreshAt: TEST_JWKS_REFRESHED_AT }),
  reloadIdentityProviders: async () => {},
  allowLoopbackHttpIssuers: false,
}

/** Certificate verification as main.ts wires it, without a TLS listener; CRLs only from loopback http. */
async function certificateServices(
  identities: IdentityStore,
): Promise<{ services: CertificateAuthorityServices }> {
  const limits = { allowInsecureLoopback: true, totalTimeoutMs: 3_000 }
  const authenticator = new CertificateAuthenticator(identities, { crlFetchLimits: limits })
  // Read now and after each change the routes make: no timers or store listeners to clean up.
  await authenticator.reload()
  return {
    services: {
      fetchRevocationLists: (url, authorities) => fetchRevocationLists(url, authorities, limits),
      reloadCertificateAuthorities: () => authenticator.reload(),
      revocationStatus: (id) => authenticator.revocationStatus(id),
      allowLoopbackHttpCrlUrls: true,
    },
  }
}
/** The topic the test app's audit read API reads from. */
export const TEST_AUDIT_TOPIC = 'gatehouse-audit'

export async function buildTestApp(
  options: {
    readinessChecks?: ReadinessCheck[]
    isMetricsPublic?: boolean
    bodyLimitBytes?: number
    publicUrl?: string
    batchMaxEntries?: number
    maxRecordJsonBytes?: number
    /** A real identity store: serves /iam/v2 and /org/v2, and keys are verified against it. */
    identities?: IdentityStore
    throttle?: AuthenticationFailureThrottle
    streamMaxDurationMs?: number
    /** Clusters registered at runtime (with `identities`, through /cmk/v2/clusters). */
    registration?: RuntimeRegistration
    /** More keys for the static authenticator (without `identities`), e.g. of principals with no bindings. */
    extraKeys?: readonly ExtraStaticKey[]
    /** Receives the audit records. */
    audit?: AuditTrail
    /** Replaces the identity-provider services (with `identities`); by default see `TEST_IDENTITY_PROVIDER_SERVICES`. */
    identityProviders?: Partial<IdentityProviderServices>
    /**
     * Replaces the certificate-authority services (with `identities`); by default a real
     * `CertificateAuthenticator` over the store, fetching CRLs from loopback http URLs only.
     */
    certificateAuthorities?: Partial<CertificateAuthorityServices>
    /** The console and SSO sign-in (with `identities`): the session cookie is then a credential. */
    console?: { sessions: ConsoleSessions; signIn: OidcSignInClient; origin: string }
  } = {},
): Promise<TestApp> {
  const kafka = new FakeKafkaCluster()
  const key = generateKeyId()
  const secret = generateSecret()
  let adminPrincipal = TEST_PRINCIPAL
  if (options.identities) {
    const bootstrap = await prepareBootstrapCredential(options.identities, { apiKey: key, apiSecret: secret })
    adminPrincipal = `User:${bootstrap.serviceAccountId}`
  }
  const clusters = new KafkaClusterDirectory(
    [kafka],
    options.registration ? { registration: options.registration } : {},
  )
  const identities = options.identities
  const organizationId = identities ? (await identities.getOrganization()).id : TEST_ORGANIZATION_ID
  const { authorizer, roleBindings } = await startTestAuthorizer(clusters, {
    adminPrincipal,
    organizationId,
    ...(identities ? { roleBindings: identities } : {}),
  })
  const resources: ResourceDirectory = identities
    ? {
        organizationId,
        environmentOfCluster: async (clusterId) =>
          (await identities.getKafkaCluster(clusterId))?.environmentId ?? TEST_ENVIRONMENT_ID,
      }
    : testResourceDirectory
  const certificates = options.identities ? await certificateServices(options.identities) : undefined
  const app = await buildApp({
    server: {
      trustProxy: false,
      bodyLimitBytes: options.bodyLimitBytes ?? 1_048_576,
      publicUrl: options.publicUrl,
    },
    produce: {
      batchMaxEntries: options.batchMaxEntries ?? 10,
      maxRecordJsonBytes: options.maxRecordJsonBytes ?? 8_388_608,
      streamMaxDurationMs: options.streamMaxDurationMs ?? 3_600_000,
    },
    isMetricsPublic: options.isMetricsPublic ?? false,
    logger: false,
    clusters,
    authorizer,
    resources,
    authenticator: options.identities
      ? new RequestCredentialAuthenticator(
          new ApiKeyAuthenticator(options.identities, { cacheTtlMs: 500 }),
          { authenticate: () => Promise.reject(new GatewayError('GW_AUTHN_FAILED')) },
          options.console ? { sessions: options.console.sessions } : {},
        )
      : staticKeyAuthenticator(key, secret, options.extraKeys),
    ...(options.console
      ? {
          console: {
            ...options.console,
            assetsDirectory: fileURLToPath(new URL('../../console/', import.meta.url)),
          },
        }
      : {}),
    ...(options.audit ? { audit: options.audit } : {}),
    // Reads the fake cluster's `gatehouse-audit` topic; tests put records there to read them back.
    auditEvents: new KafkaAuditReader({ topic: TEST_AUDIT_TOPIC, client: async () => kafka }),
    ...(options.identities
      ? {
          identities: options.identities,
          identityProviders: { ...TEST_IDENTITY_PROVIDER_SERVICES, ...options.identityProviders },
          certificateAuthorities: {
            ...certificates!.services,
            ...options.certificateAuthorities,
          },
        }
      : {}),
    ...(options.throttle ? { authenticationThrottle: options.throttle } : {}),
    readinessChecks: options.readinessChecks ?? [
      { name: 'kafka', check: async () => void (await kafka.describeCluster()) },
    ],
  })
  // Every response a component test receives is also checked against Confluent's schema for it.
  const inject = app.inject.bind(app) as (options: InjectOptions) => Promise<LightMyRequestResponse>
  app.inject = (async (options: InjectOptions) => {
    const response = await inject(options)
    assertMatchesConfluent(options.method ?? 'GET', options.url as string, response.statusCode, response.body)
    return response
  }) as typeof app.inject
  return {
    app,
    kafka,
    key,
    secret,
    authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`,
    authorizer,
    roleBindings,
    organizationCrn: `crn://confluent.cloud/organization=${organizationId}`,
    grant: async (principal, roleName, crnPattern) => {
      if (identities) {
        await identities.createRoleBinding({ principal, roleName, crnPattern }, { principal: 'User:test' })
      } else {
        ;(roleBindings as MemoryRoleBindings).add(principal, roleName, crnPattern)
      }
      await authorizer.reloadRoleBindings()
    },
  }
}
