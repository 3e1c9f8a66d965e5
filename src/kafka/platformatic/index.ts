/**
 * @module kafka/platformatic
 *
 * The Kafka port implemented with `@platformatic/kafka`.
 */
export { PlatformaticKafkaClusterClient, type KafkaConnectionSettings } from './cluster-client.ts'
export { toGatewayError } from './error-mapping.ts'
