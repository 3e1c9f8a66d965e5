/**
 * @module kafka/platformatic/error-mapping
 *
 * The one place where errors of `@platformatic/kafka` become registry errors. Kafka's protocol
 * error ids decide; network and timeout failures become 503 / 500 so that a caller can tell
 * "Kafka said no" from "Kafka could not be asked".
 */
import { GatewayError, type ErrorCodeName } from '../../core/index.ts'

/** Protocol errors that mean the request itself is wrong (Confluent answers 400 / 40002). */
const INVALID_REQUEST_IDS = new Set([
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_REPLICA_ASSIGNMENT',
  'INVALID_CONFIG',
  'INVALID_REQUEST',
  'POLICY_VIOLATION',
  'UNSUPPORTED_VERSION',
  'SECURITY_DISABLED',
  'TOPIC_DELETION_DISABLED',
  'UNKNOWN_SERVER_ERROR',
])

const UNKNOWN_TOPIC_IDS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_ID'])

interface LibraryError extends Error {
  code?: string
  apiId?: string
  canRetry?: boolean
  serverErrorMessage?: string | null
  errors?: unknown[]
}

/**
 * Every error in the library's tree, depth first: MultipleErrors nest in `errors`, and a network
 * failure keeps the real reason (say, a SASL rejection) in `cause`.
 */
function errorTree(error: unknown, depth = 0): LibraryError[] {
  if (!(error instanceof Error) || depth > 8) return []
  const node = error as LibraryError
  const children = [
    ...(Array.isArray(node.errors) ? node.errors : []),
    ...(node.cause === undefined ? [] : [node.cause]),
  ]
  return [node, ...children.flatMap((child) => errorTree(child, depth + 1))]
}

/** Protocol errors with which a broker refuses a whole batch before writing any of it. */
const REFUSED_BEFORE_WRITE_IDS = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_OR_FOLLOWER',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'NOT_ENOUGH_REPLICAS',
])

/**
 * Whether sending the same records again is safe and may succeed: the broker refused them without
 * writing any (mostly leadership that moved). Timeouts and lost connections are not: the records
 * may have been written, and a second send would write them twice.
 */
export function isRetriableBeforeWrite(error: unknown): boolean {
  const leaves = errorTree(error)
  return (
    leaves.some((leaf) => leaf.apiId !== undefined) &&
    leaves.every((leaf) => leaf.apiId === undefined || REFUSED_BEFORE_WRITE_IDS.has(leaf.apiId))
  )
}

/** Context that makes a message specific, e.g. which topic already exists. */
export interface KafkaErrorContext {
  readonly topicName?: string
}

function byId(id: string, leaf: LibraryError, context: KafkaErrorContext): GatewayError | undefined {
  const detail = leaf.serverErrorMessage ?? undefined
  const as = (code: ErrorCodeName, message?: string): GatewayError =>
    new GatewayError(code, message, { cause: leaf })
  if (id === 'TOPIC_ALREADY_EXISTS') {
    return as(
      'GW_KAFKA_TOPIC_EXISTS',
      context.topicName ? `Topic '${context.topicName}' already exists.` : detail,
    )
  }
  if (UNKNOWN_TOPIC_IDS.has(id)) return as('GW_KAFKA_UNKNOWN_TOPIC')
  if (id === 'MESSAGE_TOO_LARGE' || id === 'RECORD_LIST_TOO_LARGE') return as('GW_KAFKA_RECORD_TOO_LARGE')
  if (INVALID_REQUEST_IDS.has(id)) return as('GW_KAFKA_INVALID_REQUEST', detail ?? leaf.message)
  if (id.endsWith('_AUTHORIZATION_FAILED')) return as('GW_KAFKA_AUTHORIZATION_FAILED')
  if (
    id === 'SASL_AUTHENTICATION_FAILED' ||
    id === 'ILLEGAL_SASL_STATE' ||
    id === 'UNSUPPORTED_SASL_MECHANISM'
  ) {
    return as('GW_KAFKA_AUTHENTICATION_FAILED')
  }
  if (id === 'BROKER_NOT_AVAILABLE') return as('GW_KAFKA_UNAVAILABLE', detail)
  if (leaf.canRetry) return as('GW_KAFKA_RETRIABLE', detail ?? leaf.message)
  return undefined
}

/**
 * Translates any error thrown by the Kafka client into a `GatewayError`. Already-translated errors
 * pass through unchanged. The original error is kept as `cause` (logged, never sent).
 */
export function toGatewayError(error: unknown, context: KafkaErrorContext = {}): GatewayError {
  if (error instanceof GatewayError) return error
  const leaves = errorTree(error)
  for (const leaf of leaves) {
    if (leaf.apiId) {
      const mapped = byId(leaf.apiId, leaf, context)
      if (mapped) return mapped
    }
  }
  for (const leaf of leaves) {
    // The producer's metadata step reports a vanished topic as a plain user error.
    if (leaf.code === 'PLT_KFK_USER' && leaf.message.startsWith('Unknown topic')) {
      return new GatewayError('GW_KAFKA_UNKNOWN_TOPIC', undefined, { cause: error })
    }
    if (leaf.code === 'PLT_KFK_AUTHENTICATION')
      return new GatewayError('GW_KAFKA_AUTHENTICATION_FAILED', undefined, { cause: error })
    if (leaf.code === 'PLT_KFK_TIMEOUT' || /timed? ?out/i.test(leaf.message)) {
      return new GatewayError('GW_KAFKA_RETRIABLE', 'Kafka did not answer in time.', { cause: error })
    }
    if (leaf.code === 'PLT_KFK_NETWORK' || (leaf as NodeJS.ErrnoException).syscall !== undefined) {
      return new GatewayError('GW_KAFKA_UNAVAILABLE', undefined, { cause: error })
    }
  }
  const firstWithId = leaves.find((leaf) => leaf.apiId)
  const message = firstWithId?.serverErrorMessage ?? firstWithId?.message
  return new GatewayError('GW_KAFKA_ERROR', message ?? undefined, { cause: error })
}
