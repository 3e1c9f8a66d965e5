/**
 * @module http/routes/kafka-v3/links
 *
 * Absolute URLs and resource names (CRNs) of Kafka REST v3 resources. Links use the configured
 * public URL, or else the scheme and host of the request, as Confluent's do.
 */
const segment = encodeURIComponent

export class KafkaV3Links {
  readonly #root: string

  /** @param origin scheme and host without a trailing slash, e.g. `http://localhost:8082` */
  constructor(origin: string) {
    this.#root = `${origin}/kafka/v3`
  }

  clusters(): string {
    return `${this.#root}/clusters`
  }

  cluster(clusterId: string): string {
    return `${this.clusters()}/${segment(clusterId)}`
  }

  clusterChild(clusterId: string, path: string): string {
    return `${this.cluster(clusterId)}/${path}`
  }

  broker(clusterId: string, brokerId: number): string {
    return this.clusterChild(clusterId, `brokers/${brokerId}`)
  }

  topics(clusterId: string): string {
    return this.clusterChild(clusterId, 'topics')
  }

  topic(clusterId: string, topicName: string): string {
    return `${this.topics(clusterId)}/${segment(topicName)}`
  }
}

export function partitionLink(
  links: KafkaV3Links,
  clusterId: string,
  topicName: string,
  partitionId: number,
): string {
  return `${links.topic(clusterId, topicName)}/partitions/${partitionId}`
}

/** Confluent's resource names for self-managed clusters have an empty authority: `crn:///kafka=…`. */
export const crn = {
  cluster: (clusterId: string): string => `crn:///kafka=${clusterId}`,
  topic: (clusterId: string, topicName: string): string => `crn:///kafka=${clusterId}/topic=${topicName}`,
  partition: (clusterId: string, topicName: string, partitionId: number): string =>
    `crn:///kafka=${clusterId}/topic=${topicName}/partition=${partitionId}`,
  replica: (clusterId: string, topicName: string, partitionId: number, brokerId: number): string =>
    `crn:///kafka=${clusterId}/topic=${topicName}/partition=${partitionId}/replica=${brokerId}`,
  broker: (clusterId: string, brokerId: number): string => `crn:///kafka=${clusterId}/broker=${brokerId}`,
  topicConfig: (clusterId: string, topicName: string, name: string): string =>
    `crn:///kafka=${clusterId}/topic=${topicName}/config=${name}`,
}
