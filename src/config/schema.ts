/**
 * @module config/schema
 *
 * The configuration schema: one JSON Schema (built with TypeBox) that validates the file, types the
 * result, and generates `docs/configuration.md`. Every leaf can be overridden by an environment
 * variable named `GATEHOUSE_` + its path in upper snake case (`kafka.bootstrapServers` →
 * `GATEHOUSE_KAFKA_BOOTSTRAP_SERVERS`); arrays take comma-separated values.
 */
import Type from 'typebox'

const KafkaSasl = Type.Object(
  {
    mechanism: Type.Union(
      [Type.Literal('PLAIN'), Type.Literal('SCRAM-SHA-256'), Type.Literal('SCRAM-SHA-512')],
      {
        default: 'PLAIN',
        description: 'SASL mechanism Gatehouse uses to authenticate to the brokers.',
      },
    ),
    username: Type.String({
      minLength: 1,
      description: 'Gatehouse’s own Kafka user; it should be a super user.',
    }),
    password: Type.String({ minLength: 1, description: 'Password of that user. Never logged.' }),
  },
  { additionalProperties: false, description: 'SASL credentials for the brokers. Leave out for no SASL.' },
)

const AdditionalCluster = Type.Object(
  {
    bootstrapServers: Type.Array(Type.String({ pattern: '^[^\\s,]+:[0-9]{1,5}$' }), { minItems: 1 }),
    clientId: Type.Optional(Type.String({ minLength: 1 })),
    sasl: Type.Optional(KafkaSasl),
  },
  { additionalProperties: false },
)

const Kafka = Type.Object(
  {
    bootstrapServers: Type.Array(Type.String({ pattern: '^[^\\s,]+:[0-9]{1,5}$' }), {
      minItems: 1,
      default: ['127.0.0.1:19092'],
      description:
        'Bootstrap brokers as `host:port`. The default is the broker started by `npm run kafka:start`.',
    }),
    clientId: Type.String({
      minLength: 1,
      default: 'gatehouse',
      description: 'Kafka client id of the gateway.',
    }),
    sasl: Type.Optional(KafkaSasl),
    additionalClusters: Type.Array(AdditionalCluster, {
      default: [],
      description:
        'More Kafka clusters behind the same gateway, each addressed by its own cluster id: objects with ' +
        '`bootstrapServers`, optional `sasl` and `clientId` (timeouts are shared). In the environment, a JSON array.',
    }),
    connectTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 120_000,
      default: 3_000,
      description: 'How long to wait for a TCP connection to a broker.',
    }),
    requestTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 300_000,
      default: 15_000,
      description: 'How long to wait for a broker’s answer before failing the HTTP request.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'The Kafka cluster behind the gateway.' },
)

const Server = Type.Object(
  {
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description:
        'Address to listen on. Loopback by default; set `0.0.0.0` to accept connections from other hosts.',
    }),
    port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8082, description: 'HTTP port.' }),
    publicUrl: Type.Optional(
      Type.String({
        pattern: '^https?://[^/?#\\s]+$',
        description:
          'Scheme and host that links in responses use (`metadata.self`, `related`), e.g. `https://kafka-api.example.com`. ' +
          'Default: taken from each request.',
      }),
    ),
    trustProxy: Type.Boolean({
      default: false,
      description: 'Trust `X-Forwarded-*` headers (only behind a proxy you control).',
    }),
    bodyLimitBytes: Type.Integer({
      minimum: 1_024,
      maximum: 1_073_741_824,
      default: 1_048_576,
      description: 'Largest JSON request body accepted; larger ones get 413.',
    }),
    shutdownTimeoutMs: Type.Integer({
      minimum: 0,
      maximum: 600_000,
      default: 30_000,
      description:
        'On SIGTERM, how long in-flight requests may take to finish before the process exits anyway.',
    }),
    plainHttp: Type.Boolean({
      default: true,
      description: 'Serve plain HTTP on `port`. Set false (with `tls.enabled`) to serve HTTPS only.',
    }),
    tls: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description: 'Serve HTTPS on `tls.port`, beside plain HTTP unless `plainHttp` is false.',
        }),
        port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8443, description: 'HTTPS port.' }),
        certFile: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              'PEM file of the server certificate (and its intermediates). Reloaded when it changes.',
          }),
        ),
        keyFile: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'PEM file of the server certificate’s private key. Reloaded when it changes.',
          }),
        ),
        minVersion: Type.Union([Type.Literal('TLSv1.2'), Type.Literal('TLSv1.3')], {
          default: 'TLSv1.2',
          description: 'Oldest TLS version accepted.',
        }),
        clientCertificates: Type.Union([Type.Literal('request'), Type.Literal('off')], {
          default: 'request',
          description:
            '`request`: ask clients for a certificate (mTLS; optional for the client, checked against the registered ' +
            'certificate authorities); `off`: never ask.',
        }),
        reloadIntervalMs: Type.Integer({
          minimum: 1_000,
          maximum: 3_600_000,
          default: 10_000,
          description: 'How often the certificate and key files are checked for changes.',
        }),
      },
      { additionalProperties: false, default: {}, description: 'The HTTPS listener and mutual TLS.' },
    ),
  },
  { additionalProperties: false, default: {}, description: 'The HTTP and HTTPS listeners.' },
)

const Admin = Type.Object(
  {
    apiKey: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_-]{8,64}$',
        description: 'Key of the bootstrap admin credential. Default: generated at first start.',
      }),
    ),
    apiSecret: Type.Optional(
      Type.String({
        minLength: 16,
        maxLength: 256,
        description:
          'Secret of the bootstrap admin credential (at least 16 characters). Default: generated at first start, ' +
          'printed once, and only its salted hash kept in the data directory.',
      }),
    ),
    userEmail: Type.Optional(
      Type.String({
        maxLength: 254,
        pattern: '^[^@\\s]+@[^@\\s]+$',
        description:
          'Email of the first administrator person. A user with this email is created at start when none exists, ' +
          'so that the person can sign in through SSO as an existing user.',
      }),
    ),
    userFullName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'Full name of that user when it is created. Default: the email.',
      }),
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'The bootstrap administrator: an API key, and optionally a user.',
  },
)

const Log = Type.Object(
  {
    level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info', description: 'Lowest level written to the JSON log on stdout.' },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Logging.' },
)

const Metrics = Type.Object(
  {
    requireAuthentication: Type.Boolean({
      default: true,
      description:
        'Whether `/metrics` needs credentials like every API route. Set false only when the port is not reachable by untrusted clients.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'The Prometheus endpoint `/metrics`.' },
)

const Produce = Type.Object(
  {
    batchMaxEntries: Type.Integer({
      minimum: 1,
      maximum: 1_000,
      default: 10,
      description: 'Most entries one `records:batch` request may carry (Confluent’s default is 10).',
    }),
    maxRecordJsonBytes: Type.Integer({
      minimum: 1_024,
      maximum: 268_435_456,
      default: 8_388_608,
      description:
        'Largest single JSON record accepted in a produce stream; a larger one ends the stream with an in-band 400. ' +
        'Whether Kafka accepts the record is decided by the topic’s `max.message.bytes`.',
    }),
    streamMaxDurationMs: Type.Integer({
      minimum: 100,
      maximum: 86_400_000,
      default: 3_600_000,
      description:
        'Longest time one streaming produce request stays open. When it elapses the gateway stops reading, reports ' +
        'every record already read, adds one in-band 408 and ends the response; the client reconnects to go on. ' +
        'Credentials are checked when a request starts, so this also bounds how long a revoked key keeps producing.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Producing records over HTTP.' },
)

const Store = Type.Object(
  {
    databaseUrl: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: '^postgres(ql)?://',
        description:
          'PostgreSQL connection URL (`postgres://user:password@host:5432/db`). When set, identities live there and ' +
          'several gateway instances can share them; when absent, an embedded PostgreSQL (PGlite) keeps them in ' +
          '`dataDir`, for one instance.',
      }),
    ),
    poolSize: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 10,
      description: 'Most connections to PostgreSQL at once (with `databaseUrl`).',
    }),
    encryptionKey: Type.Optional(
      Type.String({
        minLength: 44,
        maxLength: 44,
        pattern: '^[A-Za-z0-9+/]{43}=$',
        description:
          'Key that encrypts the secrets the gateway must read back (the SASL passwords of clusters registered ' +
          'through `/cmk/v2/clusters`): 32 random bytes in base64 (`openssl rand -base64 32`). Every instance ' +
          'sharing a database needs the same key. Without it, the embedded store generates one in `dataDir`; ' +
          'with PostgreSQL, clusters with SASL credentials cannot be registered through the API. Never logged.',
      }),
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Where identities, API keys and audit events are kept.',
  },
)

const Authentication = Type.Object(
  {
    apiKeyCacheTtlMs: Type.Integer({
      minimum: 0,
      maximum: 1_000,
      default: 500,
      description:
        'How long a verified API key is trusted before the store is asked again. A key deleted on another ' +
        'instance stops working within this time (at once on this one, and usually at once everywhere through ' +
        'PostgreSQL notifications). 0 asks the store on every request.',
    }),
    failureThreshold: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 20,
      description: 'Failed authentications per client address and window that are answered without delay.',
    }),
    failureWindowMs: Type.Integer({
      minimum: 1_000,
      maximum: 3_600_000,
      default: 60_000,
      description: 'The window over which failed authentications are counted.',
    }),
    failureMaxDelayMs: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      default: 5_000,
      description:
        'Longest delay before answering a failure over the threshold; the delay starts at 100 ms and doubles ' +
        'with each further failure.',
    }),
    tokenClockSkewSeconds: Type.Integer({
      minimum: 0,
      maximum: 300,
      default: 60,
      description:
        'How far the clocks of identity providers and this gateway may disagree when checking a bearer ' +
        'token’s `exp`, `nbf` and `iat`.',
    }),
    maxCachedTokens: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      default: 10_000,
      description:
        'Verified bearer tokens remembered (by a SHA-256 of the token, each until it expires) so that a ' +
        'repeated token is not verified again. Deleting a pool or provider revokes at once regardless. 0 turns ' +
        'the cache off.',
    }),
    crlRefreshIntervalMs: Type.Integer({
      minimum: 60_000,
      maximum: 86_400_000,
      default: 3_600_000,
      description:
        'How often CRLs of certificate authorities with a `crl_url` are fetched again (sooner when a CRL says ' +
        'its next update is due earlier). A failed fetch keeps the previous CRL and is retried every minute.',
    }),
    allowLoopbackHttpIssuers: Type.Boolean({
      default: false,
      description:
        'Development only: accept `http://` issuer and JWKS URLs of identity providers, and CRL URLs of certificate ' +
        'authorities, when their host is ' +
        'loopback (`localhost`, `127.0.0.1`, `[::1]`), e.g. a test OIDC provider on the same machine. Other ' +
        'URLs must always be `https://`.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Verifying credentials.' },
)

const Authorization = Type.Object(
  {
    aclRefreshIntervalMs: Type.Integer({
      minimum: 100,
      maximum: 3_600_000,
      default: 10_000,
      description:
        'How old a cluster’s ACLs may get before a request triggers a reload in the background. ACLs changed ' +
        'through Gatehouse apply at once; ACLs changed directly in Kafka apply within this time (plus one reload).',
    }),
    aclMaxStalenessMs: Type.Integer({
      minimum: 100,
      maximum: 86_400_000,
      default: 300_000,
      description:
        'ACLs older than this are not used: requests wait for a reload and are denied (403) when the cluster ' +
        'cannot be asked. Must not be shorter than `aclRefreshIntervalMs`.',
    }),
    roleBindingRefreshIntervalMs: Type.Integer({
      minimum: 1_000,
      maximum: 3_600_000,
      default: 30_000,
      description:
        'Role bindings are reloaded at once after changes (on other instances through PostgreSQL notifications), ' +
        'and also at this interval in case a notification was lost.',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Deciding what callers may do (role bindings and Kafka ACLs).',
  },
)

const Audit = Type.Object(
  {
    kafkaTopic: Type.String({
      maxLength: 249,
      default: 'gatehouse-audit',
      description:
        'Kafka topic that receives a CloudEvents JSON record of every authentication and authorization ' +
        'decision (created if missing, with the broker’s default partitions and replication). Empty turns ' +
        'the Kafka audit trail off.',
    }),
    clusterId: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Cluster that holds the audit topic; the first cluster of `kafka` when not set.',
      }),
    ),
    bufferMaxBytes: Type.Integer({
      minimum: 65_536,
      maximum: 1_073_741_824,
      default: 16_777_216,
      description:
        'Memory for audit records Kafka has not taken yet (while it is down). When full, the oldest are ' +
        'dropped and counted in `gatehouse_audit_records_dropped_total`.',
    }),
    log: Type.Boolean({
      default: true,
      description:
        'Also write every audit record to the log, as one `info` line with the record under `audit`.',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'The audit trail of authentication and authorization.',
  },
)

const ConsoleOidc = Type.Object(
  {
    issuer: Type.String({
      minLength: 1,
      description:
        'The identity provider people sign in with (OpenID Connect), e.g. `https://login.example.com/realms/acme`. ' +
        'Its discovery document must name the same issuer. https only (http to a loopback host only with ' +
        '`authentication.allowLoopbackHttpIssuers`).',
    }),
    clientId: Type.String({
      minLength: 1,
      description: 'The client id registered for Gatehouse at the provider.',
    }),
    clientSecret: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'The client secret. Never logged. Prefer `clientSecretFile` or `GATEHOUSE_CONSOLE_OIDC_CLIENT_SECRET`.',
      }),
    ),
    clientSecretFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'A file holding the client secret (surrounding whitespace is ignored); instead of `clientSecret`.',
      }),
    ),
    scopes: Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }), {
      default: ['openid', 'email', 'profile'],
      description:
        'Scopes asked for; must include `openid`. Add the scope that releases the groups claim if the provider ' +
        'needs one (e.g. `groups`).',
    }),
    groupsClaim: Type.String({
      minLength: 1,
      default: 'groups',
      description:
        'The ID-token claim that lists the person’s groups (a list of strings, or one string); group-mapping ' +
        'filters see it as `groups`.',
    }),
  },
  { additionalProperties: false, description: 'The console’s sign-in provider.' },
)

const Console = Type.Object(
  {
    oidc: Type.Optional(ConsoleOidc),
    publicUrl: Type.Optional(
      Type.String({
        pattern: '^https?://[^/?#]+$',
        description:
          'Scheme, host and port people reach the console at (e.g. `https://gatehouse.example.com`); the ' +
          'sign-in redirect URI is `<publicUrl>/console/auth/callback`. Defaults to `server.publicUrl`; one of the ' +
          'two is required when the console is on.',
      }),
    ),
    sessionIdleTimeoutSeconds: Type.Integer({
      minimum: 1,
      maximum: 86_400,
      default: 1800,
      description:
        'A console session ends after this long without a request (checked to within a twentieth of it, at ' +
        'most a minute).',
    }),
    sessionAbsoluteTimeoutSeconds: Type.Integer({
      minimum: 1,
      maximum: 2_592_000,
      default: 43_200,
      description: 'A console session ends this long after sign-in, however much it is used.',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description:
      'The web console and SSO sign-in. Off unless `console.oidc` is set; then `/console/` serves the console and ' +
      'people sign in through that provider.',
  },
)

export const ConfigSchema = Type.Object(
  {
    server: Server,
    kafka: Kafka,
    admin: Admin,
    produce: Produce,
    store: Store,
    authentication: Authentication,
    authorization: Authorization,
    audit: Audit,
    console: Console,
    dataDir: Type.String({
      minLength: 1,
      default: './gatehouse-data',
      description:
        'Directory for the gateway’s own state: the embedded database (unless `store.databaseUrl` is set), ' +
        'locked so that only one gateway process uses it. Created if missing.',
    }),
    log: Log,
    metrics: Metrics,
  },
  { additionalProperties: false },
)

export type AppConfig = Type.Static<typeof ConfigSchema>
export type KafkaConfig = AppConfig['kafka']
export type ServerConfig = AppConfig['server']
export type ProduceConfig = AppConfig['produce']
export type StoreConfig = AppConfig['store']
export type AuthenticationConfig = AppConfig['authentication']
export type AuthorizationConfig = AppConfig['authorization']
export type ConsoleConfig = AppConfig['console']
