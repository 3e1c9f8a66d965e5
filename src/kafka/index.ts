/**
 * @module kafka
 *
 * The Kafka port and the logic over it. Adapters live in subfolders and are wired by main.ts only.
 */
export type * from './port.ts'
export { dataByteLength, keyByteLength, valueByteLength } from './record-data.ts'
export {
  KafkaClusterDirectory,
  type ClusterConnection,
  type ClusterEntry,
  type RegisteredClusterSource,
  type RuntimeRegistration,
} from './cluster-directory.ts'
export { KafkaAuditTrail, type KafkaAuditTrailOptions } from './audit-topic-trail.ts'
export {
  KafkaAuditReader,
  matchesAuditQuery,
  type AuditEventPage,
  type AuditEventQuery,
  type KafkaAuditReaderOptions,
} from './audit-topic-reader.ts'
