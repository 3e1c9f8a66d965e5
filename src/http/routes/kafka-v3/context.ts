/**
 * @module http/routes/kafka-v3/context
 *
 * What the Kafka REST v3 route handlers share.
 */
import type { FastifyRequest } from 'fastify'
import type { AclChange } from '../../../authz/index.ts'
import type { ProduceConfig } from '../../../config/index.ts'
import { GatewayError, explainInvalidTopicName } from '../../../core/index.ts'
import type { KafkaClusterDirectory } from '../../../kafka/index.ts'
import { KafkaV3Links } from './links.ts'
export { accessOf } from '../../plugins/authorize.ts'

export interface KafkaV3RouteContext {
  readonly clusters: KafkaClusterDirectory
  /** Called after ACLs change through the gateway; resolves once decisions use the change. */
  readonly onAclsChanged: (clusterId: string, change: AclChange) => Promise<void>
  /** Scheme and host for links; undefined takes them from each request. */
  readonly publicUrl: string | undefined
  readonly produce: ProduceConfig
}

export function linksFor(request: FastifyRequest, context: KafkaV3RouteContext): KafkaV3Links {
  return new KafkaV3Links(context.publicUrl ?? `${request.protocol}://${request.host}`)
}

/** A name Kafka would refuse cannot name an existing topic: answer as for an unknown one. */
export function requireExistingTopicName(name: string): void {
  if (explainInvalidTopicName(name) !== undefined) throw new GatewayError('GW_KAFKA_UNKNOWN_TOPIC')
}
