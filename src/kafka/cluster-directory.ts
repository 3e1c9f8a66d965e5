/**
 * @module kafka/cluster-directory
 *
 * Finds the client for a `cluster_id` in a URL. Cluster ids are the clusters' own ids, learnt from
 * the brokers the first time each cluster answers and remembered afterwards, so a cluster that is
 * down at start is found as soon as it comes up.
 *
 * Besides the clusters of the configuration file, clusters are registered at runtime (through the
 * API, on this instance or another sharing the store). Those come from a `RegisteredClusterSource`,
 * read at start, at a fixed interval, and at once when a request names an id not known here, so a
 * cluster registered on another instance is served without waiting for the interval.
 */
import { GatewayError, type Acl } from '../core/index.ts'
import type { KafkaClusterClient, KafkaClusterDescription } from './port.ts'

/** Clients reject with GatewayErrors by contract; anything else is a bug, surfaced as such. */
function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new GatewayError('GW_INTERNAL', undefined, { cause: reason })
}

export interface ClusterEntry {
  readonly client: KafkaClusterClient
  readonly description: KafkaClusterDescription
}

/** How to reach a cluster registered at runtime. */
export interface ClusterConnection {
  readonly bootstrapServers: readonly string[]
  readonly sasl?: {
    readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
    readonly username: string
    readonly password: string
  }
}

export interface RegisteredClusterSource {
  /** Every cluster registered at runtime, in registration order. */
  list(): Promise<readonly { readonly clusterId: string; readonly connection: ClusterConnection }[]>
}

export interface RuntimeRegistration {
  readonly source: RegisteredClusterSource
  /** Makes a client for a connection; the directory closes it when the cluster goes away. */
  readonly connect: (connection: ClusterConnection) => KafkaClusterClient
  /** How often the source is read again, to follow registrations made elsewhere. */
  readonly refreshIntervalMs: number
  /** Called when reading the source fails; the clusters known so far keep being served. */
  readonly onRefreshError?: (error: unknown) => void
}

/** Requests naming unknown ids may read the source at most this often. */
const MIN_LOOKUP_INTERVAL_MS = 1_000

export class KafkaClusterDirectory {
  readonly #clients: readonly KafkaClusterClient[]
  readonly #knownIds = new Map<KafkaClusterClient, string>()
  /** Clusters registered at runtime, by id, in registration order. */
  readonly #registered = new Map<string, KafkaClusterClient>()
  readonly #registration: RuntimeRegistration | undefined
  #refreshing: Promise<void> | undefined
  #lastRefreshAt = 0
  #refreshTimer: NodeJS.Timeout | undefined

  readonly #onDiscovered: ((description: KafkaClusterDescription) => void) | undefined

  /**
   * @param options.onDiscovered called once per client when its cluster first answers (at start,
   *   or later for a cluster that was down), e.g. to register the cluster's id.
   */
  constructor(
    clients: readonly KafkaClusterClient[],
    options: {
      onDiscovered?: (description: KafkaClusterDescription) => void
      registration?: RuntimeRegistration
    } = {},
  ) {
    if (clients.length === 0) throw new TypeError('KafkaClusterDirectory needs at least one cluster client.')
    this.#clients = clients
    this.#onDiscovered = options.onDiscovered
    this.#registration = options.registration
    if (this.#registration) {
      this.#refreshTimer = setInterval(() => void this.refresh(), this.#registration.refreshIntervalMs)
      this.#refreshTimer.unref()
    }
  }

  /** The clients of the configuration file's clusters. */
  get clients(): readonly KafkaClusterClient[] {
    return this.#clients
  }

  /**
   * Connects to a cluster that is not registered yet and describes it, so the caller can register
   * it under the id the brokers report. The client is not served until `adopt`; `discard` closes it.
   *
   * @throws the client's GatewayError when the cluster cannot be reached (the client is closed).
   */
  async probe(connection: ClusterConnection): Promise<{
    readonly description: KafkaClusterDescription
    adopt(): void
    discard(): Promise<void>
  }> {
    if (!this.#registration) throw new TypeError('This directory takes no clusters at runtime.')
    const client = this.#registration.connect(connection)
    let description: KafkaClusterDescription
    try {
      description = await client.describeCluster()
    } catch (error) {
      await client.close().catch(() => undefined)
      throw asError(error)
    }
    return {
      description,
      adopt: () => {
        const previous = this.#registered.get(description.clusterId)
        this.#registered.set(description.clusterId, client)
        if (previous && previous !== client) void previous.close().catch(() => undefined)
      },
      discard: () => client.close().catch(() => undefined),
    }
  }

  /** Stops serving a cluster registered at runtime and closes its client. */
  async forget(clusterId: string): Promise<void> {
    const client = this.#registered.get(clusterId)
    this.#registered.delete(clusterId)
    await client?.close().catch(() => undefined)
  }

  /**
   * Reads the registered clusters again: connects to new ones, drops unregistered ones. Concurrent
   * calls share one read. Never rejects; a failed read keeps the clusters known so far.
   */
  refresh(): Promise<void> {
    const registration = this.#registration
    if (!registration) return Promise.resolve()
    this.#refreshing ??= (async () => {
      try {
        const listed = await registration.source.list()
        const listedIds = new Set(listed.map((cluster) => cluster.clusterId))
        for (const { clusterId, connection } of listed) {
          if (!this.#registered.has(clusterId))
            this.#registered.set(clusterId, registration.connect(connection))
        }
        for (const clusterId of [...this.#registered.keys()]) {
          if (!listedIds.has(clusterId)) await this.forget(clusterId)
        }
      } catch (error) {
        registration.onRefreshError?.(error)
      } finally {
        this.#lastRefreshAt = Date.now()
        this.#refreshing = undefined
      }
    })()
    return this.#refreshing
  }

  /**
   * Describes every cluster that answers, in configuration order.
   *
   * @throws GatewayError the first cluster's error when none answers, so that "Kafka is down"
   *   is reported as such rather than as an empty list.
   */
  async list(): Promise<ClusterEntry[]> {
    const registered = [...this.#registered.values()]
    const clients = [...this.#clients, ...registered]
    // Only configured clusters are discovered (their ids learnt); registered ones are known by id.
    const results = await Promise.allSettled([
      ...this.#clients.map((client) => this.#describe(client)),
      ...registered.map((client) => client.describeCluster()),
    ])
    const entries: ClusterEntry[] = []
    for (const [index, result] of results.entries()) {
      if (result.status === 'fulfilled') entries.push({ client: clients[index]!, description: result.value })
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
    const registered = this.#registered.get(clusterId)
    if (registered) return registered
    const unknown = this.#clients.filter((client) => !this.#knownIds.has(client))
    let firstError: unknown
    for (const client of unknown) {
      try {
        if ((await this.#describe(client)).clusterId === clusterId) return client
      } catch (error) {
        firstError ??= error
      }
    }
    if (this.#registration && Date.now() - this.#lastRefreshAt >= MIN_LOOKUP_INTERVAL_MS) {
      await this.refresh()
      const found = this.#registered.get(clusterId)
      if (found) return found
    }
    if (firstError !== undefined) throw asError(firstError)
    throw new GatewayError('GW_CLUSTER_NOT_FOUND', `Cluster ${clusterId} cannot be found.`)
  }

  /**
   * Every ACL of a cluster, for the authorizer; undefined when no cluster has that id (it holds
   * no ACLs). Rejects when the cluster cannot be asked.
   */
  async listAcls(clusterId: string): Promise<Acl[] | undefined> {
    let client: KafkaClusterClient
    try {
      client = await this.resolve(clusterId)
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'GW_CLUSTER_NOT_FOUND') return undefined
      throw error
    }
    return client.describeAcls({
      resourceType: 'ANY',
      patternType: 'ANY',
      operation: 'ANY',
      permission: 'ANY',
    })
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
    clearInterval(this.#refreshTimer)
    const registered = [...this.#registered.values()]
    this.#registered.clear()
    await Promise.allSettled([...this.#clients, ...registered].map((client) => client.close()))
  }
}
