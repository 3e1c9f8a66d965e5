/**
 * @module authz/authorizer
 *
 * The decision point: may a caller, holding one or more principals, do these actions? One rule
 * for every resource (Confluent's, `iam-v2.md` §10):
 * 1. a Kafka ACL DENY that matches any of the caller's principals (or `User:*`) denies;
 * 2. otherwise a matching ACL ALLOW, or a role binding of any of the principals, allows;
 * 3. otherwise the action is denied.
 *
 * Role bindings are read from the store once and kept in memory: reloaded on the store's change
 * notifications, after changes made here (before the API answers), and every
 * `roleBindingRefreshIntervalMs` in case a notification was lost. ACLs are read from each
 * cluster when first needed, reloaded after changes made through the gateway, and refreshed in
 * the background once older than `aclRefreshIntervalMs`: a change made directly in Kafka applies
 * within that delay. An error anywhere here denies: ACLs older than `aclMaxStalenessMs` that
 * cannot be reloaded, role bindings never loaded, a cluster that cannot be asked.
 */
import type { Acl, AclOperation, AclResourceType, Action, CrnPattern, Operation } from '../core/index.ts'
import { compareAcls, resourceNameOf, resourceTypeOf } from '../core/index.ts'
import { AclIndex } from './acl-index.ts'
import { RoleBindingIndex, type RoleBinding } from './role-binding-index.ts'

/** Where role bindings come from (the identity store satisfies it). */
export interface RoleBindingSource {
  listAllRoleBindings(): Promise<readonly RoleBinding[]>
  /** Calls `listener` after bindings change, here or elsewhere; best effort. Returns an unsubscribe. */
  onRoleBindingsChanged(listener: () => void): () => void
}

/** Where a cluster's ACLs come from: every ACL of the cluster, or undefined when there is no such cluster. */
export interface AclSource {
  listAcls(clusterId: string): Promise<readonly Acl[] | undefined>
}

/** Who is asking: every principal the caller holds, and the address the request came from. */
export interface Subject {
  readonly principals: readonly string[]
  readonly host: string
}

/** The rule that decided. */
export type DecidingRule =
  | { readonly kind: 'acl'; readonly clusterId: string; readonly acl: Acl }
  | { readonly kind: 'role-binding'; readonly binding: RoleBinding }

export interface Verdict {
  readonly action: Action
  readonly allowed: boolean
  /** `acl-deny`: a DENY matched; `no-rule`: nothing grants it; `error`: the authorizer could not tell. */
  readonly reason: 'acl-allow' | 'role-binding' | 'acl-deny' | 'no-rule' | 'error'
  readonly rule?: DecidingRule
  /** Why the authorizer could not decide (never sent to callers). */
  readonly error?: string
}

/** An administrator's view of one decision: the verdict and every rule that took part. */
export interface Explanation {
  readonly verdict: Verdict
  readonly denyingAcls: readonly Acl[]
  readonly allowingAcls: readonly Acl[]
  readonly grantingRoleBindings: readonly RoleBinding[]
}

const KAFKA_RESOURCE_TYPES: Readonly<Partial<Record<string, AclResourceType>>> = {
  Cluster: 'CLUSTER',
  Topic: 'TOPIC',
  Group: 'GROUP',
  TransactionalId: 'TRANSACTIONAL_ID',
}

const KAFKA_OPERATIONS: Readonly<Partial<Record<Operation, AclOperation>>> = {
  All: 'ALL',
  Read: 'READ',
  Write: 'WRITE',
  Create: 'CREATE',
  Delete: 'DELETE',
  Alter: 'ALTER',
  Describe: 'DESCRIBE',
  ClusterAction: 'CLUSTER_ACTION',
  DescribeConfigs: 'DESCRIBE_CONFIGS',
  AlterConfigs: 'ALTER_CONFIGS',
  IdempotentWrite: 'IDEMPOTENT_WRITE',
}

/** Kafka's fixed name for the cluster resource in ACLs. */
export const KAFKA_CLUSTER_RESOURCE_NAME = 'kafka-cluster'

/** The Kafka cluster an action's resource lies in, if any (a loop: this runs on every decision). */
function kafkaClusterIdOf(action: Action): string | undefined {
  const resource = action.resource
  for (let index = 0; index < resource.length; index++) {
    if (resource[index]!.type === 'kafka') return resource[index]!.name
  }
  return undefined
}

/** The ACL question an action asks, when ACLs can answer it: which cluster, type, name, operation. */
export function aclQuestionOf(
  action: Action,
):
  | { clusterId: string; resourceType: AclResourceType; resourceName: string; operation: AclOperation }
  | undefined {
  const resourceType = KAFKA_RESOURCE_TYPES[resourceTypeOf(action.resource)]
  const operation = KAFKA_OPERATIONS[action.operation]
  const clusterId = kafkaClusterIdOf(action)
  if (resourceType === undefined || operation === undefined || clusterId === undefined) return undefined
  return {
    clusterId,
    resourceType,
    resourceName: resourceType === 'CLUSTER' ? KAFKA_CLUSTER_RESOURCE_NAME : resourceNameOf(action.resource),
    operation,
  }
}

/**
 * One decision over indexes already in memory: the part the benchmark measures. `acls` is the
 * index of the action's cluster, or an `Error` when it could not be loaded. It asks the same
 * question as `aclQuestionOf` without building it: only the verdict (and the indexes' answers) is
 * allocated.
 */
export function decide(
  subject: Subject,
  action: Action,
  roleBindings: RoleBindingIndex,
  acls: AclIndex | Error | undefined,
): Verdict {
  const type = resourceTypeOf(action.resource)
  const aclResourceType = KAFKA_RESOURCE_TYPES[type]
  const aclOperation = KAFKA_OPERATIONS[action.operation]
  const clusterId =
    aclResourceType === undefined || aclOperation === undefined ? undefined : kafkaClusterIdOf(action)
  if (clusterId !== undefined) {
    if (acls === undefined || acls instanceof Error) {
      return { action, allowed: false, reason: 'error', error: acls?.message ?? 'ACLs not loaded' }
    }
    const verdict = acls.decide(
      subject.principals,
      subject.host,
      aclResourceType!,
      aclResourceType === 'CLUSTER' ? KAFKA_CLUSTER_RESOURCE_NAME : resourceNameOf(action.resource),
      aclOperation!,
    )
    if (verdict.kind !== 'none') {
      const rule: DecidingRule = { kind: 'acl', clusterId, acl: verdict.acl }
      return verdict.kind === 'deny'
        ? { action, allowed: false, reason: 'acl-deny', rule }
        : { action, allowed: true, reason: 'acl-allow', rule }
    }
  }
  const binding = roleBindings.findGrant(subject.principals, action, type)
  if (binding !== undefined)
    return { action, allowed: true, reason: 'role-binding', rule: { kind: 'role-binding', binding } }
  return { action, allowed: false, reason: 'no-rule' }
}

const EMPTY_ACLS = new AclIndex([])

/** What a change made through the gateway did to a cluster's ACLs. */
export interface AclChange {
  readonly created?: readonly Acl[]
  readonly deleted?: readonly Acl[]
}

/**
 * Waits between reads while a change is not visible yet: Kafka (KRaft) confirms an ACL change once
 * its controller has committed it, and the broker that answers the read applies it a moment later.
 * About a second in all, then the change is left to the background refresh.
 */
const ACL_CHANGE_RETRY_WAITS_MS = [10, 20, 40, 80, 160, 320, 400]

function isIndexed(index: AclIndex, acl: Acl): boolean {
  return index
    .matching([acl.principal], acl.host, acl.resourceType, acl.resourceName, acl.operation)
    .some((indexed) => compareAcls(indexed, acl) === 0)
}

function showsChange(index: AclIndex, change: AclChange): boolean {
  return (
    (change.created ?? []).every((acl) => isIndexed(index, acl)) &&
    !(change.deleted ?? []).some((acl) => isIndexed(index, acl))
  )
}

interface ClusterAcls {
  index?: AclIndex
  loadedAt: number
  loading?: Promise<AclIndex>
  lastError?: Error
}

export interface AuthorizerOptions {
  readonly roleBindings: RoleBindingSource
  readonly acls: AclSource
  /** After this long, a decision triggers a background reload of a cluster's ACLs. */
  readonly aclRefreshIntervalMs: number
  /** ACLs older than this are not used: decisions wait for a reload, and deny if it fails. */
  readonly aclMaxStalenessMs: number
  readonly roleBindingRefreshIntervalMs: number
  /** Told about failures to load rules (they also deny). */
  readonly onLoadError?: (error: Error, what: string) => void
  readonly now?: () => number
}

export class Authorizer {
  readonly #options: AuthorizerOptions
  readonly #now: () => number
  #roleBindings: RoleBindingIndex | Error = new Error('role bindings not loaded yet')
  #roleBindingReload: Promise<void> | undefined
  #roleBindingReloadAgain = false
  readonly #clusters = new Map<string, ClusterAcls>()
  #unsubscribe: (() => void) | undefined
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(options: AuthorizerOptions) {
    if (options.aclMaxStalenessMs < options.aclRefreshIntervalMs) {
      throw new TypeError('aclMaxStalenessMs must not be shorter than aclRefreshIntervalMs')
    }
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** Loads the role bindings and starts following their changes. Rejects when they cannot be read. */
  async start(): Promise<void> {
    this.#unsubscribe = this.#options.roleBindings.onRoleBindingsChanged(() => {
      this.reloadRoleBindings().catch(() => undefined)
    })
    this.#timer = setInterval(() => {
      this.reloadRoleBindings().catch(() => undefined)
    }, this.#options.roleBindingRefreshIntervalMs)
    this.#timer.unref()
    await this.reloadRoleBindings()
    if (this.#roleBindings instanceof Error) throw this.#roleBindings
  }

  close(): void {
    this.#unsubscribe?.()
    if (this.#timer !== undefined) clearInterval(this.#timer)
  }

  /**
   * Reads every role binding again; resolves once decisions use them. Concurrent calls share a
   * read, and a call made during a read starts another after it (so it sees its own change).
   */
  reloadRoleBindings(): Promise<void> {
    if (this.#roleBindingReload !== undefined) {
      this.#roleBindingReloadAgain = true
      return this.#roleBindingReload
    }
    let isDone = false
    const run = async (): Promise<void> => {
      try {
        do {
          this.#roleBindingReloadAgain = false
          try {
            const bindings = await this.#options.roleBindings.listAllRoleBindings()
            this.#roleBindings = new RoleBindingIndex(bindings)
          } catch (error) {
            // Keep the bindings we have: a passing database hiccup should not lock everybody out.
            // Never loaded stays an error, which denies.
            this.#options.onLoadError?.(error as Error, 'role bindings')
          }
        } while (this.#roleBindingReloadAgain)
      } finally {
        // Forget the read in the same step as the last look at `again`: a call made after it
        // must start a read of its own, not be handed this one (which may predate its change).
        isDone = true
        this.#roleBindingReload = undefined
      }
    }
    const reload = run()
    // A source that throws at once ends `run` before it returns: then there is nothing to share.
    if (!isDone) this.#roleBindingReload = reload
    return reload
  }

  /**
   * Reads a cluster's ACLs again; resolves once decisions use them. After a change made here,
   * `change` says what it did, and the read is repeated (for about a second) until it shows it, so
   * that the request after the API's answer is decided with the change.
   */
  async reloadAcls(clusterId: string, change: AclChange = {}): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const entry = this.#clusterEntry(clusterId)
      entry.loading = undefined
      const index = await this.#loadAcls(clusterId, entry).catch(() => undefined)
      const wait = ACL_CHANGE_RETRY_WAITS_MS[attempt]
      if (index === undefined || wait === undefined || showsChange(index, change)) return
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }

  #clusterEntry(clusterId: string): ClusterAcls {
    let entry = this.#clusters.get(clusterId)
    if (entry === undefined) {
      entry = { loadedAt: Number.NEGATIVE_INFINITY }
      this.#clusters.set(clusterId, entry)
    }
    return entry
  }

  #loadAcls(clusterId: string, entry: ClusterAcls): Promise<AclIndex> {
    if (entry.loading !== undefined) return entry.loading
    const startedAt = this.#now()
    const loading = this.#options.acls.listAcls(clusterId).then(
      (acls) => {
        if (acls === undefined) {
          // No such cluster: nothing to remember, or made-up ids would fill this map.
          this.#clusters.delete(clusterId)
          return EMPTY_ACLS
        }
        const index = new AclIndex(acls)
        if (entry.loading === loading) {
          entry.index = index
          entry.loadedAt = startedAt
          entry.loading = undefined
          entry.lastError = undefined
        }
        return index
      },
      (error: unknown) => {
        if (entry.loading === loading) {
          entry.loading = undefined
          entry.lastError = error instanceof Error ? error : new Error(String(error))
        }
        this.#options.onLoadError?.(entry.lastError ?? (error as Error), `ACLs of cluster ${clusterId}`)
        throw error
      },
    )
    entry.loading = loading
    return loading
  }

  /** The ACL index to decide with for a cluster, or the reason there is none. */
  async #aclsFor(clusterId: string): Promise<AclIndex | Error> {
    const entry = this.#clusterEntry(clusterId)
    const age = this.#now() - entry.loadedAt
    if (entry.index !== undefined && age <= this.#options.aclMaxStalenessMs) {
      if (age > this.#options.aclRefreshIntervalMs) this.#loadAcls(clusterId, entry).catch(() => undefined)
      return entry.index
    }
    try {
      return await this.#loadAcls(clusterId, entry)
    } catch (error) {
      return new Error(`could not read the ACLs of cluster ${clusterId}: ${(error as Error).message}`)
    }
  }

  /** One verdict per action, in order. Never rejects: what cannot be decided is denied. */
  async authorize(subject: Subject, actions: readonly Action[]): Promise<Verdict[]> {
    const verdicts: Verdict[] = []
    const aclsByCluster = new Map<string, AclIndex | Error>()
    for (const action of actions) {
      try {
        if (this.#roleBindings instanceof Error) {
          verdicts.push({ action, allowed: false, reason: 'error', error: this.#roleBindings.message })
          continue
        }
        const clusterId = aclQuestionOf(action)?.clusterId
        let acls: AclIndex | Error | undefined
        if (clusterId !== undefined) {
          acls = aclsByCluster.get(clusterId)
          if (acls === undefined) {
            acls = await this.#aclsFor(clusterId)
            aclsByCluster.set(clusterId, acls)
          }
        }
        verdicts.push(decide(subject, action, this.#roleBindings, acls))
      } catch (error) {
        verdicts.push({ action, allowed: false, reason: 'error', error: (error as Error).message })
      }
    }
    return verdicts
  }

  /**
   * Whether the caller may do `operation` on everything a CRN pattern covers (AlterAccess to
   * create a role binding with that pattern, DescribeAccess to list them). Role bindings only:
   * Kafka ACLs do not govern access management.
   */
  authorizePattern(subject: Subject, pattern: CrnPattern, operation: Operation): RoleBinding | undefined {
    if (this.#roleBindings instanceof Error) return undefined
    return this.#roleBindings.findGrantOnPattern(subject.principals, pattern, operation)
  }

  /** The verdict on one action and every rule that took part in it. */
  async explain(subject: Subject, action: Action): Promise<Explanation> {
    const [verdict] = await this.authorize(subject, [action])
    const question = aclQuestionOf(action)
    let denyingAcls: Acl[] = []
    let allowingAcls: Acl[] = []
    if (question !== undefined) {
      const acls = await this.#aclsFor(question.clusterId)
      if (!(acls instanceof Error)) {
        const matching = acls.matching(
          subject.principals,
          subject.host,
          question.resourceType,
          question.resourceName,
          question.operation,
        )
        denyingAcls = matching.filter((acl) => acl.permission === 'DENY')
        allowingAcls = matching.filter((acl) => acl.permission === 'ALLOW')
      }
    }
    const grantingRoleBindings =
      this.#roleBindings instanceof Error ? [] : this.#roleBindings.findGrants(subject.principals, action)
    return { verdict: verdict!, denyingAcls, allowingAcls, grantingRoleBindings }
  }
}
