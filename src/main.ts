/**
 * @module main
 *
 * The composition root and the only module that reads `process.env`, wires concrete adapters and
 * listens. Usage: `node src/main.ts [--config gatehouse.yaml]` (or `GATEHOUSE_CONFIG`).
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { pino, stdTimeFunctions, type Logger } from 'pino'
import {
  ApiKeyAuthenticator,
  AuthenticationFailureThrottle,
  BearerAuthenticator,
  CertificateAuthenticator,
  fetchRevocationLists,
  ConsoleSessions,
  identityProviderAdministration,
  OidcSignInClient,
  prepareBootstrapCredential,
  RequestCredentialAuthenticator,
} from './authn/index.ts'
import { Authorizer } from './authz/index.ts'
import { loadConfig, type AppConfig } from './config/index.ts'
import { ConfigError, type AuditTrail } from './core/index.ts'
import { buildApp, createGatewayMetrics, GatewayListeners } from './http/index.ts'
import { KafkaAuditReader, KafkaAuditTrail, KafkaClusterDirectory } from './kafka/index.ts'
import { PlatformaticKafkaClusterClient } from './kafka/platformatic/index.ts'
import { openIdentityStore, SYSTEM_ACTOR } from './store/sql/index.ts'
import type { IdentityStore } from './store/index.ts'

/** How soon a cluster unregistered on another instance stops being served here. */
const REGISTERED_CLUSTERS_REFRESH_MS = 10_000

function readConfiguration(): AppConfig {
  const { values } = parseArgs({
    options: { config: { type: 'string', short: 'c' } },
    allowPositionals: false,
  })
  return loadConfig({ file: values.config ?? process.env['GATEHOUSE_CONFIG'], env: process.env })
}

/** The console's folder of static files, beside `src/`. */
const CONSOLE_ASSETS = fileURLToPath(new URL('../console/', import.meta.url))

/** The web console and its sign-in, when `console.oidc` is configured. */
function createConsole(config: AppConfig, identities: IdentityStore) {
  const oidc = config.console.oidc
  if (oidc === undefined) return undefined
  let clientSecret = oidc.clientSecret
  if (oidc.clientSecretFile !== undefined) {
    try {
      clientSecret = readFileSync(oidc.clientSecretFile, 'utf8').trim()
    } catch (error) {
      throw new ConfigError(`console.oidc.clientSecretFile: cannot read ${oidc.clientSecretFile}`, {
        cause: error,
      })
    }
    if (clientSecret === '')
      throw new ConfigError(`console.oidc.clientSecretFile: ${oidc.clientSecretFile} is empty`)
  }
  const origin = (config.console.publicUrl ?? config.server.publicUrl)!.replace(/\/$/, '')
  let signIn: OidcSignInClient
  try {
    signIn = new OidcSignInClient({
      issuer: oidc.issuer,
      clientId: oidc.clientId,
      clientSecret: clientSecret!,
      scopes: oidc.scopes,
      redirectUri: `${origin}/console/auth/callback`,
      clockSkewSeconds: config.authentication.tokenClockSkewSeconds,
      fetchLimits: { allowInsecureLoopback: config.authentication.allowLoopbackHttpIssuers },
    })
  } catch (error) {
    throw new ConfigError(`console.oidc.issuer: ${(error as Error).message}`, { cause: error })
  }
  const sessions = new ConsoleSessions(identities, {
    idleTimeoutMs: config.console.sessionIdleTimeoutSeconds * 1000,
    absoluteTimeoutMs: config.console.sessionAbsoluteTimeoutSeconds * 1000,
    groupsClaim: oidc.groupsClaim,
  })
  // Ended sessions are refused anyway; this only keeps the table small.
  setInterval(() => void sessions.sweep().catch(() => undefined), 10 * 60_000).unref()
  return { sessions, signIn, origin, assetsDirectory: CONSOLE_ASSETS }
}

function createLogger(config: AppConfig): Logger {
  return pino({
    level: config.log.level,
    base: { service: 'gatehouse' },
    timestamp: stdTimeFunctions.isoTime,
    // Belt and braces: nothing logs headers today, but a credential must never reach a log line.
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        'req.headers.cookie',
        'headers.cookie',
        '*.password',
        '*.secret',
        '*.apiSecret',
        '*.clientSecret',
      ],
      censor: '[redacted]',
    },
  })
}

function announceGeneratedCredential(key: string, secret: string, config: AppConfig): void {
  const host =
    config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host
  const url =
    config.server.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`
  // Written to the terminal, not the JSON log: this is the only time the secret exists in clear.
  process.stderr.write(
    [
      '',
      '================================================================================',
      ' Gatehouse generated the bootstrap admin credential. It is shown only this once;',
      ` only a salted hash is kept in ${config.dataDir}.`,
      '',
      `   API key:    ${key}`,
      `   API secret: ${secret}`,
      '',
      ` Try: curl -u '${key}:${secret}' ${url}/kafka/v3/clusters`,
      '================================================================================',
      '',
    ].join('\n') + '\n',
  )
}

/** How long shutdown waits for buffered audit records to reach Kafka. */
const AUDIT_FLUSH_TIMEOUT_MS = 3_000

/** The log and Kafka audit trails the configuration asks for, as one. */
function createAuditTrail(
  config: AppConfig,
  logger: Logger,
  clusters: KafkaClusterDirectory,
): { trail: AuditTrail; kafka?: KafkaAuditTrail; reader?: KafkaAuditReader } {
  const trails: AuditTrail[] = []
  if (config.audit.log) trails.push({ record: (event) => logger.info({ audit: event }, 'audit') })
  let kafka: KafkaAuditTrail | undefined
  let reader: KafkaAuditReader | undefined
  if (config.audit.kafkaTopic !== '') {
    const clusterId = config.audit.clusterId
    let lastErrorLoggedAt = 0
    const auditCluster = async () =>
      clusterId === undefined ? clusters.clients[0]! : clusters.resolve(clusterId)
    // The reader reads the very topic and cluster the trail writes to.
    reader = new KafkaAuditReader({ topic: config.audit.kafkaTopic, client: auditCluster })
    kafka = new KafkaAuditTrail({
      topic: config.audit.kafkaTopic,
      bufferMaxBytes: config.audit.bufferMaxBytes,
      client: auditCluster,
      onError: (error) => {
        // At most one line every 30 s: the trail retries every few seconds while Kafka is down.
        if (Date.now() - lastErrorLoggedAt < 30_000) return
        lastErrorLoggedAt = Date.now()
        logger.warn(
          { err: error, topic: config.audit.kafkaTopic },
          'audit records wait for Kafka; they are buffered',
        )
      },
    })
    trails.push(kafka)
  }
  const trail: AuditTrail = {
    record: (event) => {
      for (const each of trails) each.record(event)
    },
  }
  return kafka === undefined || reader === undefined ? { trail } : { trail, kafka, reader }
}

async function start(): Promise<void> {
  const config = readConfiguration()
  const logger = createLogger(config)

  const opened = await openIdentityStore(
    config.store.databaseUrl === undefined
      ? { kind: 'pglite', dataDir: config.dataDir, encryptionKey: config.store.encryptionKey }
      : {
          kind: 'postgres',
          url: config.store.databaseUrl,
          poolSize: config.store.poolSize,
          encryptionKey: config.store.encryptionKey,
        },
  )
  const identities = opened.store
  logger.info(
    { store: opened.description, appliedMigrations: opened.appliedMigrations },
    'identity store opened',
  )
  const bootstrap = await prepareBootstrapCredential(identities, config.admin)
  if (bootstrap.generated)
    announceGeneratedCredential(bootstrap.generated.key, bootstrap.generated.secret, config)

  if (config.admin.userEmail !== undefined) {
    const user = await identities.ensureUser(
      {
        email: config.admin.userEmail,
        fullName: config.admin.userFullName ?? config.admin.userEmail,
        authType: 'AUTH_TYPE_SSO',
      },
      SYSTEM_ACTOR,
    )
    logger.info({ userId: user.id }, 'bootstrap administrator user present')
  }

  const organization = await identities.getOrganization()
  const defaultEnvironmentId = (await identities.listEnvironments({ pageSize: 1 })).items[0]?.id
  const registerCluster = (clusterId: string): void => {
    if (defaultEnvironmentId === undefined) return
    identities
      .getKafkaCluster(clusterId)
      .then((existing) =>
        existing
          ? existing
          : identities.registerKafkaCluster(
              {
                id: clusterId,
                environmentId: defaultEnvironmentId,
                displayName: clusterId,
                source: 'config',
              },
              SYSTEM_ACTOR,
            ),
      )
      .then(
        (cluster) =>
          logger.info({ clusterId, environmentId: cluster.environmentId }, 'Kafka cluster registered'),
        (error: unknown) =>
          logger.error(
            { err: error, clusterId },
            'could not register the Kafka cluster in the identity store',
          ),
      )
  }

  const clusters = new KafkaClusterDirectory(
    [
      new PlatformaticKafkaClusterClient(config.kafka),
      ...config.kafka.additionalClusters.map(
        (cluster) =>
          new PlatformaticKafkaClusterClient({
            ...config.kafka,
            clientId: cluster.clientId ?? config.kafka.clientId,
            bootstrapServers: cluster.bootstrapServers,
            sasl: cluster.sasl,
          }),
      ),
    ],
    {
      onDiscovered: (description) => registerCluster(description.clusterId),
      // Clusters registered through /cmk/v2/clusters, here or on another instance sharing the store.
      registration: {
        source: { list: () => identities.listKafkaClusterConnections() },
        connect: (connection) =>
          new PlatformaticKafkaClusterClient({
            ...config.kafka,
            bootstrapServers: connection.bootstrapServers,
            sasl: connection.sasl,
          }),
        refreshIntervalMs: REGISTERED_CLUSTERS_REFRESH_MS,
        onRefreshError: (error) =>
          logger.error(
            { err: error },
            'could not read the registered Kafka clusters; serving those known so far',
          ),
      },
    },
  )
  await clusters.refresh()
  const authorizer = new Authorizer({
    roleBindings: identities,
    acls: clusters,
    ...config.authorization,
    onLoadError: (error, what) =>
      logger.error({ err: error }, `could not read ${what}; decisions that need them are denied`),
  })
  await authorizer.start()
  const auditTrail = createAuditTrail(config, logger, clusters)
  const apiKeyAuthenticator = new ApiKeyAuthenticator(identities, {
    cacheTtlMs: config.authentication.apiKeyCacheTtlMs,
  })
  const bearerAuthenticator = new BearerAuthenticator(identities, {
    clockSkewSeconds: config.authentication.tokenClockSkewSeconds,
    maxCachedTokens: config.authentication.maxCachedTokens,
    fetchLimits: { allowInsecureLoopback: config.authentication.allowLoopbackHttpIssuers },
    onReloadError: (error) =>
      logger.error({ err: error }, 'could not read identity providers; using those read before'),
  })
  await bearerAuthenticator.start()
  let listeners: GatewayListeners
  try {
    listeners = await GatewayListeners.create(config.server, {
      onCertificateReloaded: () => logger.info('TLS certificate files changed; new connections use them'),
      onCertificateReloadError: (error) =>
        logger.error(
          { err: error },
          'TLS certificate files changed but do not load; keeping the previous pair',
        ),
    })
  } catch (error) {
    throw new ConfigError(`server.tls: ${(error as Error).message}`, { cause: error })
  }
  const crlFetchLimits = { allowInsecureLoopback: config.authentication.allowLoopbackHttpIssuers }
  const certificateAuthenticator = new CertificateAuthenticator(identities, {
    crlRefreshIntervalMs: config.authentication.crlRefreshIntervalMs,
    crlFetchLimits,
    onReloadError: (error) =>
      logger.error({ err: error }, 'could not read certificate authorities; using those read before'),
    onCrlFetchError: (certificateAuthorityId, error) =>
      logger.warn(
        { err: error, certificateAuthorityId },
        'could not fetch a CRL; keeping the one fetched before',
      ),
    onTrustChanged: (certificates) => listeners.setClientCertificateAuthorities(certificates),
  })
  await certificateAuthenticator.start()
  const consoleParts = createConsole(config, identities)
  const authenticator = new RequestCredentialAuthenticator(apiKeyAuthenticator, bearerAuthenticator, {
    ...(listeners.isTlsEnabled && config.server.tls.clientCertificates === 'request'
      ? { certificates: certificateAuthenticator }
      : {}),
    ...(consoleParts === undefined ? {} : { sessions: consoleParts.sessions }),
  })
  const app = await buildApp({
    server: config.server,
    produce: config.produce,
    isMetricsPublic: !config.metrics.requireAuthentication,
    logger,
    clusters,
    authenticator,
    authenticationThrottle: new AuthenticationFailureThrottle({
      threshold: config.authentication.failureThreshold,
      windowMs: config.authentication.failureWindowMs,
      baseDelayMs: 100,
      maxDelayMs: config.authentication.failureMaxDelayMs,
    }),
    identities,
    identityProviders: identityProviderAdministration(bearerAuthenticator, {
      allowLoopbackHttpIssuers: config.authentication.allowLoopbackHttpIssuers,
    }),
    certificateAuthorities: {
      fetchRevocationLists: (url, authorities) => fetchRevocationLists(url, authorities, crlFetchLimits),
      reloadCertificateAuthorities: () => certificateAuthenticator.reload(),
      revocationStatus: (id) => certificateAuthenticator.revocationStatus(id),
      allowLoopbackHttpCrlUrls: config.authentication.allowLoopbackHttpIssuers,
    },
    serverFactory: listeners.serverFactory(),
    authorizer,
    ...(consoleParts ? { console: consoleParts } : {}),
    audit: auditTrail.trail,
    ...(auditTrail.reader ? { auditEvents: auditTrail.reader } : {}),
    metrics: createGatewayMetrics(auditTrail.kafka ? { auditStats: () => auditTrail.kafka!.stats() } : {}),
    resources: {
      organizationId: organization.id,
      environmentOfCluster: async (clusterId) => (await identities.getKafkaCluster(clusterId))?.environmentId,
    },
    readinessChecks: [
      { name: 'kafka', check: async () => void (await clusters.list()) },
      { name: 'store', check: () => identities.checkReady() },
    ],
  })

  let isShuttingDown = false
  const shutDown = (signal: string): void => {
    if (isShuttingDown) return
    isShuttingDown = true
    logger.info(
      { signal, timeoutMs: config.server.shutdownTimeoutMs },
      'shutting down: finishing in-flight requests',
    )
    const deadline = setTimeout(() => {
      logger.error('in-flight requests did not finish in time; exiting anyway')
      process.exit(1)
    }, config.server.shutdownTimeoutMs)
    deadline.unref()
    Promise.all([app.close(), listeners.close()])
      .then(() => auditTrail.kafka?.close(AUDIT_FLUSH_TIMEOUT_MS))
      .then(() => clusters.close())
      .then(() => {
        apiKeyAuthenticator.close()
        bearerAuthenticator.close()
        certificateAuthenticator.close()
        authorizer.close()
        return identities.close()
      })
      .then(() => {
        logger.info('stopped')
        process.exit(0)
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      })
  }
  process.once('SIGTERM', () => shutDown('SIGTERM'))
  process.once('SIGINT', () => shutDown('SIGINT'))

  const urls = await listeners.listen(app)
  logger.info(
    {
      urls,
      bootstrapServers: config.kafka.bootstrapServers,
      organizationId: organization.id,
      bootstrapCredentialId: bootstrap.keyId,
      bootstrapServiceAccountId: bootstrap.serviceAccountId,
    },
    'gatehouse is ready to accept requests',
  )
  clusters.list().then(
    (entries) =>
      logger.info({ clusterIds: entries.map((entry) => entry.description.clusterId) }, 'connected to Kafka'),
    (error: unknown) =>
      logger.warn(
        { err: error },
        'Kafka is not reachable yet; /readyz answers 503 until it is, and requests get 503',
      ),
  )
}

start().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`gatehouse: ${error.message}\n`)
  } else {
    process.stderr.write(`gatehouse: failed to start: ${(error as Error)?.stack ?? String(error)}\n`)
  }
  process.exit(1)
})
