/**
 * @module http/app
 *
 * `buildApp(deps)` assembles the Fastify application from its dependencies without listening, so
 * tests can `inject()` requests and main.ts can `listen()`.
 *
 * Request path: request id → authentication (every route not marked public, unknown paths
 * included) → content-type parsing and body limit → schema validation → handler → Kafka port →
 * response serialisation. Any error on the way goes to the one error handler.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerFactory } from 'fastify'
import swagger from '@fastify/swagger'
import packageJson from '../../package.json' with { type: 'json' }
import { Ajv } from 'ajv'
import type { ProduceConfig, ServerConfig } from '../config/index.ts'
import type { KafkaClusterDirectory } from '../kafka/index.ts'
import { annotateOpenApiDocument } from './api-reference/index.ts'
import {
  installAuthentication,
  type FailureThrottle,
  type RequestAuthenticator,
} from './plugins/authenticate.ts'
import type { IdentityStore } from '../store/index.ts'
import { installErrorHandling } from './plugins/error-handler.ts'
import { authenticationRecord, installAuthorization } from './plugins/authorize.ts'
import { ResourcePaths, type ResourceDirectory } from './authorization/resource-paths.ts'
import type { Authorizer } from '../authz/index.ts'
import type { AuditTrail } from '../core/index.ts'
import { createGatewayMetrics, installMetrics, type GatewayMetrics } from './plugins/metrics.ts'
import { generateRequestId, installRequestIdHeader } from './plugins/request-id.ts'
import { registerHealthRoutes, type ReadinessCheck } from './routes/health.ts'
import { registerClusterRoutes } from './routes/kafka-v3/clusters.ts'
import { registerTopicRoutes } from './routes/kafka-v3/topics.ts'
import { registerRecordRoutes } from './routes/kafka-v3/records/records.ts'
import { registerAclRoutes } from './routes/kafka-v3/acls.ts'
import { registerBrokerConfigRoutes } from './routes/kafka-v3/broker-configs.ts'
import { registerBrokerRoutes } from './routes/kafka-v3/brokers.ts'
import { registerConsumerGroupRoutes } from './routes/kafka-v3/consumer-groups.ts'
import { registerPartitionRoutes } from './routes/kafka-v3/partitions.ts'
import { registerTopicConfigRoutes } from './routes/kafka-v3/topic-configs.ts'
import type { KafkaV3RouteContext } from './routes/kafka-v3/context.ts'
import { registerApiKeyRoutes } from './routes/iam-v2/api-keys.ts'
import { registerServiceAccountRoutes } from './routes/iam-v2/service-accounts.ts'
import { registerUserRoutes } from './routes/iam-v2/users.ts'
import { registerOrganizationRoutes } from './routes/org-v2/environments.ts'
import { registerClusterManagementRoutes } from './routes/cmk-v2/clusters.ts'
import { registerRoleBindingRoutes } from './routes/iam-v2/role-bindings.ts'
import { registerIdentityProviderRoutes } from './routes/iam-v2/identity-providers.ts'
import { registerIdentityPoolRoutes } from './routes/iam-v2/identity-pools.ts'
import { registerIdentityPoolMatchRoute } from './routes/iam-v2/identity-pool-match.ts'
import { registerGroupMappingRoutes } from './routes/iam-v2/group-mappings.ts'
import { registerInvitationRoutes } from './routes/iam-v2/invitations.ts'
import { registerConsoleSignInRoutes } from './routes/console/sign-in.ts'
import { registerConsoleAssetRoutes } from './routes/console/assets.ts'
import type { ConsoleSessions, OidcSignInClient } from '../authn/index.ts'
import type { IdentityProviderServices } from './routes/iam-v2/identity-provider-services.ts'
import { registerCertificateAuthorityRoutes } from './routes/iam-v2/certificate-authorities.ts'
import { registerCertificatePoolRoutes } from './routes/iam-v2/certificate-pools.ts'
import type { CertificateAuthorityServices } from './routes/iam-v2/certificate-authority-services.ts'
import { registerAuditEventRoutes, type AuditEventSource } from './routes/gatehouse-v1/audit-events.ts'

export interface AppDependencies {
  readonly server: Pick<ServerConfig, 'publicUrl' | 'trustProxy' | 'bodyLimitBytes'>
  readonly produce: ProduceConfig
  /** Serve `/metrics` without credentials (for scrapers on a trusted network). */
  readonly isMetricsPublic: boolean
  /** A pino logger (JSON lines), or false for none. */
  readonly logger: FastifyBaseLogger | false
  readonly clusters: KafkaClusterDirectory
  readonly authenticator: RequestAuthenticator
  /** Slows down clients that fail authentication repeatedly. */
  readonly authenticationThrottle?: FailureThrottle
  /** The identity store, for the /iam/v2 and /org/v2 APIs (absent in tests of the Kafka API alone). */
  readonly identities?: IdentityStore
  /**
   * Filter compilation, OIDC discovery and JWKS refresh for `/iam/v2/identity-providers` (see the
   * contract in routes/iam-v2/identity-provider-services.ts). Those routes are served only when
   * this and `identities` are given.
   */
  readonly identityProviders?: IdentityProviderServices
  /**
   * CRL fetching and reloads for `/iam/v2/certificate-authorities` (see
   * routes/iam-v2/certificate-authority-services.ts); those routes are served only with it.
   */
  readonly certificateAuthorities?: CertificateAuthorityServices
  /** Builds the Node server Fastify runs on (the TLS listener); Fastify's own plain HTTP server otherwise. */
  readonly serverFactory?: FastifyServerFactory
  readonly readinessChecks: readonly ReadinessCheck[]
  readonly metrics?: GatewayMetrics
  /** Decides what callers may do: every route that needs credentials asks it before its handler. */
  readonly authorizer: Authorizer
  /** Where resources sit (the organization, each cluster's environment), for role bindings. */
  readonly resources: ResourceDirectory
  /** Receives a record of every authentication and authorization decision. */
  readonly audit?: AuditTrail
  /** Reads the audit records back for `/gatehouse/v1/audit-events` (served only when given). */
  readonly auditEvents?: AuditEventSource
  /** The web console and SSO sign-in; absent when the console is off (needs `identities`). */
  readonly console?: {
    readonly sessions: ConsoleSessions
    readonly signIn: OidcSignInClient
    /** `https://host[:port]` people reach the console at. */
    readonly origin: string
    /** The folder of the console's static files. */
    readonly assetsDirectory: string
  }
}

const NO_AUDIT: AuditTrail = { record: () => undefined }

/**
 * Request bodies are validated strictly, as Confluent's Jackson mapper does: no type coercion and
 * unknown fields rejected (not silently dropped, Fastify's default). Path and query parameters
 * arrive as strings and are coerced to the declared types.
 */
function createValidatorCompilers() {
  const common = { allErrors: false, useDefaults: true, strict: true, allowUnionTypes: true } as const
  const bodies = new Ajv({ ...common, coerceTypes: false, removeAdditional: false })
  const parameters = new Ajv({ ...common, coerceTypes: true, removeAdditional: false })
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === 'body' ? bodies : parameters).compile(schema)
}

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger === false ? { logger: false } : { loggerInstance: deps.logger }),
    genReqId: generateRequestId,
    bodyLimit: deps.server.bodyLimitBytes,
    trustProxy: deps.server.trustProxy,
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
    // The factory's server is the HTTPS one; `https` only makes Fastify print https:// addresses.
    ...(deps.serverFactory === undefined ? {} : { serverFactory: deps.serverFactory, https: {} }),
  })
  app.setValidatorCompiler(createValidatorCompilers())
  // Every body Gatehouse reads is JSON; Fastify's built-in text parser would turn a wrong
  // Content-Type into a confusing validation error instead of 415.
  app.removeContentTypeParser('text/plain')
  // An empty JSON body means "no body" (clients send Content-Type on bodiless DELETEs); routes that
  // need a body still refuse it with 422 at validation. Non-empty bodies go to Fastify's parser,
  // which rejects prototype poisoning.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') return done(null, undefined)
    void parseJson(request, text, done)
  })
  const metrics = deps.metrics ?? createGatewayMetrics()

  // While shutting down, tell clients of in-flight requests not to reuse the connection, so the
  // server can close as soon as they are answered instead of waiting out keep-alive timeouts.
  let isClosing = false
  app.addHook('preClose', async () => {
    isClosing = true
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    if (isClosing) void reply.header('connection', 'close')
    return payload
  })

  installErrorHandling(app)
  installRequestIdHeader(app)
  const audit = deps.audit ?? NO_AUDIT
  const auditSource = `gatehouse://${deps.resources.organizationId}`
  installAuthentication(app, {
    authenticator: deps.authenticator,
    ...(deps.authenticationThrottle ? { throttle: deps.authenticationThrottle } : {}),
    onFailure: (reason) => metrics.authenticationFailures.inc({ reason }),
    onThrottled: () => metrics.authenticationThrottled.inc(),
    onOutcome: (request, outcome) => audit.record(authenticationRecord(request, outcome, auditSource)),
    ...(deps.console && deps.identities ? { consoleOrigin: deps.console.origin } : {}),
  })
  installAuthorization(app, {
    authorizer: deps.authorizer,
    paths: new ResourcePaths(deps.resources),
    audit,
    auditSource,
  })
  installMetrics(app, metrics, deps.isMetricsPublic)
  // Our own OpenAPI document, generated from the route schemas (never Confluent's files).
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Gatehouse',
        version: packageJson.version,
        description:
          'Confluent-compatible Kafka REST API v3 with workload identities, in front of any Apache Kafka cluster.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'basic' } } },
      security: [{ apiKey: [] }],
    },
    hideUntagged: false,
    // Areas, summaries, descriptions and curl examples live in api-reference/, keyed by operationId.
    transformObject: (documentObject) =>
      'openapiObject' in documentObject
        ? annotateOpenApiDocument(documentObject.openapiObject)
        : documentObject.swaggerObject,
  })
  app.get('/openapi.json', { schema: { hide: true, operationId: 'getOpenApiDocument' } }, async () =>
    app.swagger(),
  )
  registerHealthRoutes(app, deps.readinessChecks)
  if (deps.auditEvents) registerAuditEventRoutes(app, deps.auditEvents)

  const kafkaV3: KafkaV3RouteContext = {
    clusters: deps.clusters,
    publicUrl: deps.server.publicUrl,
    produce: deps.produce,
    onAclsChanged: (clusterId, change) => deps.authorizer.reloadAcls(clusterId, change),
  }
  registerClusterRoutes(app, kafkaV3)
  registerTopicRoutes(app, kafkaV3)
  registerRecordRoutes(app, kafkaV3)
  registerPartitionRoutes(app, kafkaV3)
  registerTopicConfigRoutes(app, kafkaV3)
  registerBrokerRoutes(app, kafkaV3)
  registerBrokerConfigRoutes(app, kafkaV3)
  registerAclRoutes(app, kafkaV3)
  registerConsumerGroupRoutes(app, kafkaV3)

  if (deps.identities) {
    const controlPlane = { identities: deps.identities, publicUrl: deps.server.publicUrl }
    registerServiceAccountRoutes(app, controlPlane)
    registerUserRoutes(app, controlPlane)
    registerApiKeyRoutes(app, controlPlane)
    registerOrganizationRoutes(app, controlPlane)
    registerClusterManagementRoutes(app, { ...controlPlane, clusters: deps.clusters })
    registerRoleBindingRoutes(app, { ...controlPlane, authorizer: deps.authorizer })
    registerGroupMappingRoutes(app, { ...controlPlane, authorizer: deps.authorizer })
    registerInvitationRoutes(app, controlPlane)
    if (deps.console) {
      registerConsoleSignInRoutes(app, {
        sessions: deps.console.sessions,
        signIn: deps.console.signIn,
        store: deps.identities.sso,
        consoleOrigin: deps.console.origin,
      })
      registerConsoleAssetRoutes(app, deps.console.assetsDirectory)
    }
    if (deps.identityProviders) {
      const identityProviders = {
        ...controlPlane,
        authorizer: deps.authorizer,
        services: deps.identityProviders,
      }
      registerIdentityProviderRoutes(app, identityProviders)
      registerIdentityPoolRoutes(app, identityProviders)
      registerIdentityPoolMatchRoute(app, identityProviders)
    }
    if (deps.certificateAuthorities) {
      const certificateAuthorities = {
        ...controlPlane,
        authorizer: deps.authorizer,
        services: deps.certificateAuthorities,
      }
      registerCertificateAuthorityRoutes(app, certificateAuthorities)
      registerCertificatePoolRoutes(app, certificateAuthorities)
    }
  }

  await app.ready()
  return app
}
