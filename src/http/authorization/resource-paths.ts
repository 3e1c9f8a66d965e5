/**
 * @module http/authorization/resource-paths
 *
 * Turns what a request names (a cluster id and a topic, a service account id) into the resource's
 * full path in the organization → environment → cluster hierarchy, which role bindings match on.
 */
import type { ResourcePath } from '../../core/index.ts'

/** What placing a resource needs to know. */
export interface ResourceDirectory {
  readonly organizationId: string
  /** The environment a Kafka cluster is registered in; undefined when it is not registered. */
  environmentOfCluster(clusterId: string): Promise<string | undefined>
}

/** How long a cluster's environment is remembered (a cluster deleted and registered again may move). */
const ENVIRONMENT_CACHE_MS = 30_000

export class ResourcePaths {
  readonly #directory: ResourceDirectory
  readonly #environments = new Map<string, { environmentId: string; until: number }>()

  constructor(directory: ResourceDirectory) {
    this.#directory = directory
  }

  get organizationId(): string {
    return this.#directory.organizationId
  }

  organization(): ResourcePath {
    return [{ type: 'organization', name: this.#directory.organizationId }]
  }

  environment(environmentId: string): ResourcePath {
    return [...this.organization(), { type: 'environment', name: environmentId }]
  }

  serviceAccount(id: string): ResourcePath {
    return [...this.organization(), { type: 'service-account', name: id }]
  }

  user(id: string): ResourcePath {
    return [...this.organization(), { type: 'user', name: id }]
  }

  identityProvider(id: string): ResourcePath {
    return [...this.organization(), { type: 'identity-provider', name: id }]
  }

  groupMapping(id: string): ResourcePath {
    return [...this.organization(), { type: 'group-mapping', name: id }]
  }

  identityPool(providerId: string, id: string): ResourcePath {
    return [...this.identityProvider(providerId), { type: 'identity-pool', name: id }]
  }

  certificateAuthority(id: string): ResourcePath {
    return [...this.organization(), { type: 'certificate-authority', name: id }]
  }

  certificatePool(certificateAuthorityId: string, id: string): ResourcePath {
    return [...this.certificateAuthority(certificateAuthorityId), { type: 'identity-pool', name: id }]
  }

  /**
   * A cluster's path. An unregistered cluster (or one whose environment cannot be read) gets an
   * empty environment name: only bindings on the whole organization, or on every environment,
   * cover it, so whether it exists is told to nobody else.
   */
  async cloudCluster(clusterId: string): Promise<ResourcePath> {
    const environmentId = await this.#environmentOf(clusterId)
    return [...this.environment(environmentId), { type: 'cloud-cluster', name: clusterId }]
  }

  /** The cluster as Kafka's ACLs see it (`CLUSTER` resource). */
  async kafkaCluster(clusterId: string): Promise<ResourcePath> {
    return [...(await this.cloudCluster(clusterId)), { type: 'kafka', name: clusterId }]
  }

  async topic(clusterId: string, topicName: string): Promise<ResourcePath> {
    return [...(await this.kafkaCluster(clusterId)), { type: 'topic', name: topicName }]
  }

  async group(clusterId: string, groupId: string): Promise<ResourcePath> {
    return [...(await this.kafkaCluster(clusterId)), { type: 'group', name: groupId }]
  }

  async #environmentOf(clusterId: string): Promise<string> {
    const cached = this.#environments.get(clusterId)
    const now = Date.now()
    if (cached !== undefined && cached.until > now) return cached.environmentId
    let environmentId: string | undefined
    try {
      environmentId = await this.#directory.environmentOfCluster(clusterId)
    } catch {
      environmentId = undefined
    }
    if (environmentId === undefined) return ''
    this.#environments.set(clusterId, { environmentId, until: now + ENVIRONMENT_CACHE_MS })
    return environmentId
  }
}
