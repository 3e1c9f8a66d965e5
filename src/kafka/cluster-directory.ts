/**
 * @module kafka/cluster-directory
 *
 * Finds the client for a `cluster_id` in a URL. Cluster ids are the clusters' own ids, learnt from
 * the brokers the first time each cluster answers and remembered afterwards, so a cluster that is
 * down at start is found as soon as it comes up.
 */
import { GatewayError } from '../core/index.ts'
import type { KafkaClusterClient, KafkaClusterDescription } from './port.ts'

/** Clients reject with GatewayErrors by contract; anything else is a bug, surfaced as such. */
function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new GatewayError('GW_INTERNAL', undefined, { cause: reason })
}

export interface ClusterEntry {
  readonly client: KafkaClusterClient
  readonly description: KafkaClusterDescription
}

export class KafkaClusterDirectory {
  readonly #clients: readonly KafkaClusterClient[]
  readonly #knownIds = new Map<KafkaClusterClient, string>()

  readonly #onDiscovered: ((description: KafkaClusterDescription) => void) | undefined

  /**
   * @param options.onDiscovered called once per client when its cluster first answers (at start,
   *   or later for a cluster that was down), e.g. to register the cluster's id.
   */
  constructor(
    clients: readonly KafkaClusterClient[],
    options: { onDiscovered?: (description: KafkaClusterDescription) => void } = {},
  ) {
    if (clients.length === 0) throw new TypeError('KafkaClusterDirectory needs at least one cluster client.')
    this.#clients = clients
    this.#onDiscovered = options.onDiscovered
  }

  get clients(): readonly KafkaClusterClient[] {
    return this.#clients
  }

  /**
   * Describes every cluster that answers, in configuration order.
   *
   * @throws GatewayError the first cluster's error when none answers, so that "Kafka is down"
   *   is reported as such rather than as an empty list.
   */
  async list(): Promise<ClusterEntry[]> {
    const results = await Promise.allSettled(this.#clients.map((client) => this.#describe(client)))
    const entries: ClusterEntry[] = []
    for (const [index, result] of results.entries()) {
      if (result.status === 'fulfilled')
        entries.push({ client: this.#clients[index]!, description: result.value })
    }
    if (entries.length === 0) {
      throw asError((results[0] as PromiseRejectedResult).reason)
    }
    return entries
  }

  /**
   * The client of the cluster with this id.
   *
   * @throws GatewayError `GW_CLUSTER_NOT_FOUND` for an id no cluster has; the cluster's own error
   *   when a cluster whose id is not yet known cannot be reached.
   */
  async resolve(clusterId: string): Promise<KafkaClusterClient> {
    for (const [client, id] of this.#knownIds) {
      if (id === clusterId) return client
    }
    const unknown = this.#clients.filter((client) => !this.#knownIds.has(client))
    let firstError: unknown
    for (const client of unknown) {
      try {
        if ((await this.#describe(client)).clusterId === clusterId) return client
      } catch (error) {
        firstError ??= error
      }
    }
    if (firstError !== undefined) throw asError(firstError)
    throw new GatewayError('GW_CLUSTER_NOT_FOUND', `Cluster ${clusterId} cannot be found.`)
  }

  async #describe(client: KafkaClusterClient): Promise<KafkaClusterDescription> {
    const description = await client.describeCluster()
    if (!this.#knownIds.has(client)) {
      this.#knownIds.set(client, description.clusterId)
      this.#onDiscovered?.(description)
    }
    return description
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#clients.map((client) => client.close()))
  }
}
