/**
 * @module core/errors
 *
 * The one registry of request-time errors. Every failure a client can see has a stable code here
 * (`GW_<AREA>_<PROBLEM>`) with its HTTP status, the numeric `error_code` of Confluent's Kafka REST
 * error body, the short `code` of the control-plane `{"errors":[...]}` body, a default message and
 * advice for the operator. `docs/errors.md` is generated from this table and a test keeps them equal.
 *
 * Boot-time misuse (bad configuration, programming errors) is not in this table: it raises
 * `ConfigError` or `TypeError` and stops the process.
 */

export interface ErrorDefinition {
  /** HTTP status of the response. */
  readonly status: number
  /** `error_code` in the Kafka REST body `{"error_code": ..., "message": ...}`. */
  readonly errorCode: number
  /** Machine-readable code in the control-plane `errors[].code` field. */
  readonly code: string
  /** Short human title (`errors[].title`) and default message when the thrower gives none. */
  readonly title: string
  /** Shown in docs/errors.md: what the caller or operator can do about it. */
  readonly howToSolve: string
}

export const errorRegistry = {
  GW_HTTP_ROUTE_NOT_FOUND: {
    status: 404,
    errorCode: 404,
    code: 'not_found',
    title: 'HTTP 404 Not Found',
    howToSolve: 'Check the method and path against the API reference at /openapi.json.',
  },
  GW_HTTP_METHOD_NOT_ALLOWED: {
    status: 405,
    errorCode: 405,
    code: 'method_not_allowed',
    title: 'HTTP 405 Method Not Allowed',
    howToSolve: 'The path exists but not with this method; see the API reference.',
  },
  GW_HTTP_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    errorCode: 415,
    code: 'unsupported_media_type',
    title: 'HTTP 415 Unsupported Media Type',
    howToSolve: 'Send request bodies as JSON with `Content-Type: application/json`.',
  },
  GW_HTTP_MALFORMED_JSON: {
    status: 400,
    errorCode: 400,
    code: 'malformed_json',
    title: 'The request body is not valid JSON.',
    howToSolve: 'Fix the JSON syntax at the position given in the message.',
  },
  GW_HTTP_EMPTY_BODY: {
    status: 422,
    errorCode: 42206,
    code: 'empty_body',
    title: 'Payload error. Request body is empty. Data is required.',
    howToSolve: 'Send a JSON object in the request body.',
  },
  GW_HTTP_BODY_TOO_LARGE: {
    status: 413,
    errorCode: 413,
    code: 'payload_too_large',
    title: 'The request body is larger than the configured limit.',
    howToSolve: 'Send a smaller body, or raise `server.bodyLimitBytes` in the configuration.',
  },
  GW_HTTP_INVALID_FIELD: {
    status: 422,
    errorCode: 422,
    code: 'invalid_field',
    title: 'A field of the request is missing or has the wrong type or value.',
    howToSolve: 'Correct the field named in the message; the API reference lists each field.',
  },
  GW_HTTP_WRONG_TYPE: {
    status: 400,
    errorCode: 400,
    code: 'wrong_type',
    title: 'A field of the request has the wrong JSON type.',
    howToSolve: 'Send the field with the type the API reference gives (e.g. a number, not a string).',
  },
  GW_HTTP_UNKNOWN_FIELD: {
    status: 422,
    errorCode: 422,
    code: 'unknown_field',
    title: 'Unrecognized field.',
    howToSolve: 'Remove the field: Gatehouse, like Confluent, rejects fields it does not know.',
  },
  GW_HTTP_INVALID_PARAMETER: {
    status: 400,
    errorCode: 400,
    code: 'invalid_parameter',
    title: 'A path or query parameter is invalid.',
    howToSolve: 'Correct the parameter named in the message.',
  },
  GW_HTTP_INVALID_ENUM: {
    status: 404,
    errorCode: 404,
    code: 'invalid_enum_value',
    title: 'A query parameter has a value that is not one of its allowed values.',
    howToSolve:
      'Use one of the values the message lists (case does not matter). Confluent answers 404 here, and so does Gatehouse.',
  },
  GW_ACL_INVALID: {
    status: 400,
    errorCode: 400,
    code: 'invalid_acl',
    title: 'The ACL is not valid.',
    howToSolve:
      'Give all seven fields; resource_type, operation and permission cannot be ANY, and pattern_type must be LITERAL or PREFIXED.',
  },
  GW_AUTHN_REQUIRED: {
    status: 401,
    errorCode: 40101,
    code: 'unauthenticated',
    title: 'Authentication failed',
    howToSolve:
      'Send credentials: HTTP Basic with an API key and secret (`curl -u KEY:SECRET`). ' +
      'The bootstrap credential is printed once at first start.',
  },
  GW_AUTHN_FAILED: {
    status: 401,
    errorCode: 40101,
    code: 'unauthenticated',
    title: 'Authentication failed',
    howToSolve:
      'The key is unknown or the secret is wrong (the two are deliberately not told apart). ' +
      'Check both, and that the key is meant for this API.',
  },
  GW_AUTHN_WRONG_SCOPE: {
    status: 401,
    errorCode: 40101,
    code: 'unauthenticated',
    title: 'Authentication failed',
    howToSolve:
      'The API key is valid but scoped to something else: a cluster key opens only /kafka/v3/clusters/{its cluster}, ' +
      'a management key (no resource) only /iam/v2 and /org/v2. Create a key for the API you call.',
  },
  GW_AUTHN_CERTIFICATE_REJECTED: {
    status: 401,
    errorCode: 40101,
    code: 'unauthenticated',
    title: 'Authentication failed',
    howToSolve:
      'The client certificate was refused: the message says why (expired or not yet valid, not issued by a ' +
      'registered certificate authority, revoked, no current CRL when the authority requires one, or matching ' +
      'no certificate identity pool). Check the certificate with `openssl x509 -noout -text` and the pools with ' +
      '`GET /iam/v2/certificate-authorities/{id}/identity-pools`.',
  },
  GW_AUTHN_SESSION_INVALID: {
    status: 401,
    errorCode: 40101,
    code: 'unauthenticated',
    title: 'Authentication failed',
    howToSolve:
      'The console session cookie is unknown, signed out or expired (idle or absolute timeout, ' +
      '`console.sessionIdleTimeoutSeconds` / `console.sessionAbsoluteTimeoutSeconds`). Sign in again at /console/.',
  },
  GW_CSRF_REJECTED: {
    status: 403,
    errorCode: 40301,
    code: 'csrf_rejected',
    title: 'The request was refused: it may come from another site.',
    howToSolve:
      'Requests that change something with the console session cookie must come from the console itself: same ' +
      'origin, with the `X-CSRF-Token` header the console sends. Scripts should use an API key instead of the cookie.',
  },
  GW_AUTHZ_DENIED: {
    status: 403,
    errorCode: 40301,
    code: 'forbidden',
    title: 'Request is not authorized',
    howToSolve: 'Ask an administrator for a role binding or ACL that allows the action.',
  },
  GW_CLUSTER_NOT_FOUND: {
    status: 404,
    errorCode: 404,
    code: 'not_found',
    title: 'Cluster cannot be found.',
    howToSolve: 'List the clusters with `GET /kafka/v3/clusters` and use one of their `cluster_id`s.',
  },
  GW_CONFIG_NOT_FOUND: {
    status: 404,
    errorCode: 404,
    code: 'not_found',
    title: 'Config cannot be found.',
    howToSolve: 'List the configs of the resource to see the names it has.',
  },
  GW_BROKER_NOT_FOUND: {
    status: 404,
    errorCode: 404,
    code: 'not_found',
    title: 'Broker cannot be found.',
    howToSolve: 'List the brokers with `GET /kafka/v3/clusters/{cluster_id}/brokers`.',
  },
  GW_CONSUMER_GROUP_NOT_FOUND: {
    status: 404,
    errorCode: 404,
    code: 'not_found',
    title: 'Consumer group cannot be found.',
    howToSolve: 'List the groups with `GET /kafka/v3/clusters/{cluster_id}/consumer-groups`.',
  },
  GW_CONSUMER_NOT_FOUND: {
    status: 404,
    errorCode: 404,
    code: 'not_found',
    title: 'Consumer cannot be found.',
    howToSolve: 'List the group’s consumers; a consumer disappears when it leaves the group.',
  },
  GW_REASSIGNMENT_NOT_FOUND: {
    status: 404,
    errorCode: 404,
    code: 'not_found',
    title: 'No reassignment of the partition is in progress.',
    howToSolve: 'Only ongoing reassignments are listed; a finished one leaves nothing to show.',
  },
  GW_KAFKA_TOPIC_EXISTS: {
    status: 400,
    errorCode: 40002,
    code: 'topic_exists',
    title: 'Topic already exists.',
    howToSolve: 'Choose another name, or delete the existing topic first.',
  },
  GW_KAFKA_INVALID_TOPIC_NAME: {
    status: 422,
    errorCode: 42206,
    code: 'invalid_topic_name',
    title: 'Payload error. Invalid topic name.',
    howToSolve:
      'Topic names are 1 to 249 characters of ASCII letters, digits, `.`, `_` and `-`, and not `.` or `..`.',
  },
  GW_KAFKA_INVALID_REQUEST: {
    status: 400,
    errorCode: 40002,
    code: 'invalid_request',
    title: 'Kafka rejected the request.',
    howToSolve:
      'Read Kafka’s message: an invalid replication factor, partition count or config value is the usual cause.',
  },
  GW_KAFKA_UNKNOWN_TOPIC: {
    status: 404,
    errorCode: 40403,
    code: 'not_found',
    title: 'This server does not host this topic-partition.',
    howToSolve: 'Check the topic name; list topics with `GET /kafka/v3/clusters/{cluster_id}/topics`.',
  },
  GW_KAFKA_PARTITION_NOT_FOUND: {
    status: 404,
    errorCode: 40402,
    code: 'partition_not_found',
    title: 'Partition not found.',
    howToSolve: 'Use a partition id from 0 to the topic’s partition count minus one, or leave it out.',
  },
  GW_KAFKA_RECORD_TOO_LARGE: {
    status: 413,
    errorCode: 413,
    code: 'record_too_large',
    title: 'The request included a message larger than the maximum message size the server can accept.',
    howToSolve: 'Send a smaller record, or raise the topic’s `max.message.bytes`.',
  },
  GW_PRODUCE_INVALID_RECORD: {
    status: 400,
    errorCode: 400,
    code: 'invalid_record',
    title: 'Bad Request: the record is invalid.',
    howToSolve: 'Fix the record as the message says; other records of the same request are not affected.',
  },
  GW_PRODUCE_INVALID_BATCH: {
    status: 422,
    errorCode: 42208,
    code: 'invalid_batch',
    title: 'The batch is invalid.',
    howToSolve:
      'Send 1 to `produce.batchMaxEntries` entries, each with a distinct `id` of 1–80 characters from `[0-9a-zA-Z_-]`.',
  },
  GW_PRODUCE_STREAM_MALFORMED: {
    status: 400,
    errorCode: 400,
    code: 'malformed_stream',
    title: 'Bad Request: the record stream is not a sequence of JSON objects.',
    howToSolve:
      'Send JSON objects one after another (whitespace or newlines between them are fine); the stream ends at the first malformed one.',
  },
  GW_PRODUCE_STREAM_TOO_LONG: {
    status: 408,
    errorCode: 408,
    code: 'stream_too_long',
    // Confluent's wording, which clients may match on.
    title: 'Streaming connection open for longer than allowed: Connection will be closed.',
    howToSolve:
      'Open a new produce request and go on from the first record without a report; the limit is `produce.streamMaxDurationMs`.',
  },
  GW_KAFKA_AUTHORIZATION_FAILED: {
    status: 403,
    errorCode: 40301,
    code: 'forbidden',
    title: 'Request is not authorized',
    howToSolve:
      'The broker refused Gatehouse’s own principal. Make the configured Kafka user a super user or grant it ACLs.',
  },
  GW_KAFKA_UNAVAILABLE: {
    status: 503,
    errorCode: 50302,
    code: 'kafka_unavailable',
    title: 'The Kafka cluster is not reachable.',
    howToSolve:
      'Check that the brokers in `kafka.bootstrapServers` are up and reachable; Gatehouse reconnects by itself.',
  },
  GW_KAFKA_AUTHENTICATION_FAILED: {
    status: 503,
    errorCode: 50302,
    code: 'kafka_authentication_failed',
    title: 'Gatehouse could not authenticate to the Kafka cluster.',
    howToSolve: 'Check `kafka.sasl` (mechanism, username, password) against the brokers’ SASL settings.',
  },
  GW_KAFKA_RETRIABLE: {
    status: 500,
    errorCode: 50003,
    code: 'kafka_retriable',
    title: 'Kafka did not answer in time or returned a retriable error.',
    howToSolve: 'Retry; if it persists, check the brokers’ health and `kafka.requestTimeoutMs`.',
  },
  GW_KAFKA_ERROR: {
    status: 500,
    errorCode: 50002,
    code: 'kafka_error',
    title: 'Kafka returned an unexpected error.',
    howToSolve: 'Read Kafka’s message in the response and the gateway log (same request id).',
  },
  GW_ROLE_BINDING_INVALID: {
    status: 400,
    errorCode: 40002,
    code: 'invalid_role_binding',
    title: 'The role binding is not valid.',
    howToSolve:
      'Use a principal `User:<u-…|sa-…|pool-…|group-…>`, a predefined role (docs/access-control.md) and a CRN ' +
      'pattern of this organization on a level the role can be bound to; the message says which part is wrong.',
  },
  GW_IDENTITY_PROVIDER_INVALID: {
    status: 400,
    errorCode: 40002,
    code: 'invalid_identity_provider',
    title: 'The identity provider is not valid.',
    howToSolve:
      'Give `issuer` and `jwks_uri` as https URLs (http only to a loopback host, and only with ' +
      '`authentication.allowLoopbackHttpIssuers`), and `identity_claim` as `claims.<name>`; the message names the field.',
  },
  GW_IDENTITY_POOL_INVALID: {
    status: 400,
    errorCode: 40002,
    code: 'invalid_identity_pool',
    title: 'The identity pool is not valid.',
    howToSolve: 'Give `identity_claim` as `claims.<name>`, e.g. `claims.sub`; the message names the field.',
  },
  GW_IDENTITY_POOL_FILTER_INVALID: {
    status: 400,
    errorCode: 40002,
    code: 'invalid_filter',
    title: 'Invalid Filter',
    howToSolve:
      'Write `filter` as an expression on the token’s claims of at most 300 characters, e.g. ' +
      '`claims.aud == "kafka" && claims.sub.startsWith("svc-")`; the message says where it is wrong.',
  },
  GW_IDENTITY_POOL_DRY_RUN_INVALID: {
    status: 400,
    errorCode: 40002,
    code: 'invalid_dry_run',
    title: 'The identity-pool dry run request is not valid.',
    howToSolve:
      'Send exactly one of `token` (a signed JWT, without `Bearer `) or `claims` (a JSON object of the ' +
      'token’s claims); the message names the field.',
  },
  GW_CERTIFICATE_AUTHORITY_INVALID: {
    status: 400,
    errorCode: 40002,
    code: 'invalid_certificate_authority',
    title: 'The certificate authority is not valid.',
    howToSolve:
      'Give `certificate_chain` as PEM (or base64 of PEM) with 1 to 4 CA certificates, `certificate_chain_filename`, ' +
      'and at most one of `crl_chain` (PEM `X509 CRL` blocks signed by a certificate of the chain) and `crl_url` ' +
      '(https); the message names the field and the problem.',
  },
  GW_CERTIFICATE_POOL_INVALID: {
    status: 400,
    errorCode: 40002,
    code: 'invalid_certificate_identity_pool',
    title: 'The certificate identity pool is not valid.',
    howToSolve:
      'Give `external_identifier` as a subject attribute (CN, O, OU, C, L, ST, DC, UID or emailAddress) and `filter` ' +
      'as a condition on the certificate, e.g. `CN.startsWith("orders-") && O == "Acme"`; the message says where it is wrong.',
  },
  GW_GROUP_MAPPING_FILTER_INVALID: {
    status: 400,
    errorCode: 40002,
    code: 'invalid_filter',
    title: 'Invalid Filter',
    howToSolve:
      'Write `filter` as a CEL condition of at most 300 characters on `groups` (the groups claim, a list of ' +
      'strings) or `claims`, e.g. `"engineering" in groups`; the message says where it is wrong.',
  },
  GW_INVITATION_INVALID: {
    status: 400,
    errorCode: 40002,
    code: 'invalid_invitation',
    title: 'The invitation is not valid.',
    howToSolve:
      'Give `email` as an email address; `auth_type` may be left out or be `AUTH_TYPE_SSO` (people sign in ' +
      "through the console's identity provider). An existing user needs no invitation.",
  },
  GW_OIDC_DISCOVERY_FAILED: {
    status: 400,
    errorCode: 40002,
    code: 'oidc_discovery_failed',
    title: 'The provider’s JWKS URI could not be discovered from its issuer.',
    howToSolve:
      'Check that `<issuer>/.well-known/openid-configuration` is reachable from the gateway and names ' +
      'the same issuer and a `jwks_uri`, or give `jwks_uri` in the request.',
  },
  GW_RESOURCE_NOT_FOUND: {
    status: 404,
    errorCode: 40403,
    code: 'not_found',
    title: 'Not Found',
    howToSolve: 'Check the id in the path; ids are never reused, so a deleted object stays gone.',
  },
  GW_RESOURCE_CONFLICT: {
    status: 409,
    errorCode: 40900,
    code: 'resource_already_exists',
    title: 'Conflict',
    howToSolve:
      'Another object already has this unique value (a service account display name, an API key id), ' +
      'or the object is still in use. The message names which.',
  },
  GW_CLUSTER_CONNECTION_FAILED: {
    status: 422,
    errorCode: 42203,
    code: 'cluster_connection_failed',
    title: 'The gateway cannot connect to this Kafka cluster.',
    howToSolve:
      'Check `spec.kafka_bootstrap_endpoint` (reachable `host:port` pairs from the gateway) and `spec.kafka_sasl`; ' +
      'the message says what Kafka answered.',
  },
  GW_STORE_ENCRYPTION_KEY_REQUIRED: {
    status: 422,
    errorCode: 42204,
    code: 'encryption_key_required',
    title: 'The gateway has no key to encrypt this secret with.',
    howToSolve:
      'Set `store.encryptionKey` (32 random bytes in base64, the same on every instance) and restart, or register ' +
      'the cluster without SASL credentials.',
  },
  GW_INVALID_PAGE_TOKEN: {
    status: 400,
    errorCode: 40002,
    code: 'invalid_page_token',
    title: 'Invalid page token',
    howToSolve: 'Pass the page_token exactly as metadata.next handed it out, with the same filters.',
  },
  GW_STORE_UNAVAILABLE: {
    status: 503,
    errorCode: 50301,
    code: 'store_unavailable',
    title: 'The gateway cannot reach its database.',
    howToSolve:
      'Check the database (PostgreSQL at store.databaseUrl, or the data directory for the embedded store) ' +
      'and the gateway log; requests that need it fail closed until it is back.',
  },
  GW_UNAVAILABLE_SHUTTING_DOWN: {
    status: 503,
    errorCode: 503,
    code: 'shutting_down',
    title: 'The gateway is shutting down.',
    howToSolve: 'Retry against another instance, or after the restart.',
  },
  GW_INTERNAL: {
    status: 500,
    errorCode: 500,
    code: 'internal_error',
    title: 'Internal Server Error',
    howToSolve: 'A bug in Gatehouse: report it with the request id from the response and the log.',
  },
} as const satisfies Record<string, ErrorDefinition>

export type ErrorCodeName = keyof typeof errorRegistry

/** A pointer into the request that caused an error, as in the control-plane `errors[].source`. */
export interface ErrorSource {
  readonly pointer?: string
  readonly parameter?: string
}

/**
 * A request-time failure with a registry code. The message is safe to show to the caller; details
 * that are not (a library's internals, a secret's shape) go in `cause`, which is only logged.
 */
export class GatewayError extends Error {
  readonly code: ErrorCodeName
  readonly definition: ErrorDefinition
  readonly source: ErrorSource | undefined

  constructor(code: ErrorCodeName, message?: string, options?: { cause?: unknown; source?: ErrorSource }) {
    const definition: ErrorDefinition = errorRegistry[code]
    super(message ?? definition.title, { cause: options?.cause })
    this.name = 'GatewayError'
    this.code = code
    this.definition = definition
    this.source = options?.source
  }

  get status(): number {
    return this.definition.status
  }
}

/** Misconfiguration found at start; the message names the offending key. The process exits. */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ConfigError'
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError
}
