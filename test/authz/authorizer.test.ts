import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  AclIndex,
  Authorizer,
  allowImplies,
  decide,
  findRole,
  RoleBindingIndex,
  roleGrants,
  type AclSource,
  type RoleBinding,
} from '../../src/authz/index.ts'
import {
  crnPatternCovers,
  parseCrnPattern,
  resourceTypeOf,
  type Acl,
  type AclOperation,
  type Action,
  type ResourcePath,
} from '../../src/core/index.ts'
import { MemoryRoleBindings } from '../support/authorization.ts'

const ORG = 'crn://confluent.cloud/organization=o1'
const cluster: ResourcePath = [
  { type: 'organization', name: 'o1' },
  { type: 'environment', name: 'env-1' },
  { type: 'cloud-cluster', name: 'lkc-1' },
  { type: 'kafka', name: 'lkc-1' },
]
const read = (topic: string): Action => ({
  resource: [...cluster, { type: 'topic', name: topic }],
  operation: 'Read',
})
const describeAccount: Action = {
  resource: [
    { type: 'organization', name: 'o1' },
    { type: 'service-account', name: 'sa-9' },
  ],
  operation: 'Describe',
}
const subject = { principals: ['User:sa-1'], host: '10.0.0.1' }
const acl = (overrides: Partial<Acl>): Acl => ({
  resourceType: 'TOPIC',
  resourceName: 'orders',
  patternType: 'LITERAL',
  principal: 'User:sa-1',
  host: '*',
  operation: 'READ',
  permission: 'ALLOW',
  ...overrides,
})

/** ACLs the test can change, counting how often they were read. */
class FakeAcls implements AclSource {
  acls: Acl[] = []
  failure: Error | undefined
  reads = 0
  /** Reads that still answer with the ACLs as they were before the latest `lagBehind` call. */
  #staleReads = 0
  #stale: Acl[] = []
  async listAcls(clusterId: string): Promise<readonly Acl[] | undefined> {
    this.reads++
    if (this.failure) throw this.failure
    if (this.#staleReads > 0) {
      this.#staleReads--
      return [...this.#stale]
    }
    return clusterId === 'lkc-1' ? [...this.acls] : undefined
  }
  /** The next `reads` reads show the ACLs as they are now, as a broker does that has not applied a change yet. */
  lagBehind(reads: number): void {
    this.#stale = [...this.acls]
    this.#staleReads = reads
  }
}

async function authorizer(
  options: { now?: () => number; bindings?: MemoryRoleBindings; acls?: FakeAcls } = {},
) {
  const bindings = options.bindings ?? new MemoryRoleBindings()
  const acls = options.acls ?? new FakeAcls()
  const subjectUnderTest = new Authorizer({
    roleBindings: bindings,
    acls,
    aclRefreshIntervalMs: 1_000,
    aclMaxStalenessMs: 5_000,
    roleBindingRefreshIntervalMs: 60_000,
    ...(options.now ? { now: options.now } : {}),
  })
  await subjectUnderTest.start()
  return { authorizer: subjectUnderTest, bindings, acls }
}

describe('Authorizer: one decision over ACLs and role bindings', () => {
  it('denies when nothing grants, allows by a binding alone or an ACL alone, and lets a DENY win', async () => {
    const { authorizer: decider, bindings, acls } = await authorizer()
    assert.equal((await decider.authorize(subject, [read('orders')]))[0]!.reason, 'no-rule')
    bindings.add(
      'User:sa-1',
      'DeveloperRead',
      `${ORG}/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders`,
    )
    await decider.reloadRoleBindings()
    const byBinding = (await decider.authorize(subject, [read('orders')]))[0]!
    assert.deepEqual([byBinding.allowed, byBinding.reason], [true, 'role-binding'])
    acls.acls = [acl({ resourceName: 'payments' })]
    await decider.reloadAcls('lkc-1')
    const byAcl = (await decider.authorize(subject, [read('payments')]))[0]!
    assert.deepEqual([byAcl.allowed, byAcl.reason], [true, 'acl-allow'])
    acls.acls.push(acl({ permission: 'DENY' }))
    await decider.reloadAcls('lkc-1')
    const denied = (await decider.authorize(subject, [read('orders')]))[0]!
    assert.deepEqual([denied.allowed, denied.reason], [false, 'acl-deny'])
    assert.equal(denied.rule?.kind, 'acl')
    decider.close()
  })

  it('after a change made here, reads again until Kafka shows it, and only so long', async () => {
    const acls = new FakeAcls()
    acls.acls = [acl({})]
    const { authorizer: decider } = await authorizer({ acls })
    assert.equal((await decider.authorize(subject, [read('orders')]))[0]!.allowed, true)
    // Kafka confirmed the DENY, but its next two reads still show the ACLs without it.
    acls.lagBehind(2)
    const deny = acl({ permission: 'DENY' })
    acls.acls.push(deny)
    let reads = acls.reads
    await decider.reloadAcls('lkc-1', { created: [deny] })
    assert.equal(acls.reads - reads, 3)
    assert.equal((await decider.authorize(subject, [read('orders')]))[0]!.reason, 'acl-deny')
    // The same for a deletion.
    acls.lagBehind(1)
    acls.acls = acls.acls.filter((each) => each !== deny)
    reads = acls.reads
    await decider.reloadAcls('lkc-1', { deleted: [deny] })
    assert.equal(acls.reads - reads, 2)
    assert.equal((await decider.authorize(subject, [read('orders')]))[0]!.reason, 'acl-allow')
    // A change that never shows is given up after a bounded number of reads, and nothing breaks.
    acls.lagBehind(1_000)
    reads = acls.reads
    await decider.reloadAcls('lkc-1', { created: [acl({ resourceName: 'never' })] })
    assert.equal(acls.reads - reads, 8)
    decider.close()
  })

  it('denies Kafka actions it cannot check against ACLs, but still decides control-plane actions', async () => {
    const acls = new FakeAcls()
    acls.failure = new Error('broker down')
    const bindings = new MemoryRoleBindings()
    bindings.add('User:sa-1', 'OrganizationAdmin', ORG)
    const { authorizer: decider } = await authorizer({ acls, bindings })
    const [kafka, account] = await decider.authorize(subject, [read('orders'), describeAccount])
    assert.deepEqual([kafka!.allowed, kafka!.reason], [false, 'error'])
    assert.deepEqual([account!.allowed, account!.reason], [true, 'role-binding'])
    decider.close()
  })

  it('treats an unknown cluster as having no ACLs, without remembering it', async () => {
    const bindings = new MemoryRoleBindings()
    bindings.add('User:sa-1', 'OrganizationAdmin', ORG)
    const { authorizer: decider, acls } = await authorizer({ bindings })
    const elsewhere: Action = {
      resource: [
        ...cluster.slice(0, 2),
        { type: 'cloud-cluster', name: 'lkc-x' },
        { type: 'kafka', name: 'lkc-x' },
      ],
      operation: 'Describe',
    }
    assert.equal((await decider.authorize(subject, [elsewhere]))[0]!.allowed, true)
    await decider.authorize(subject, [elsewhere])
    assert.equal(acls.reads, 2, 'asked again: nothing cached for an unknown id')
    decider.close()
  })

  it('refuses to start, and denies everything, when role bindings cannot be read', async () => {
    const failing = {
      listAllRoleBindings: (): Promise<readonly RoleBinding[]> => Promise.reject(new Error('store down')),
      onRoleBindingsChanged: () => () => undefined,
    }
    const decider = new Authorizer({
      roleBindings: failing,
      acls: new FakeAcls(),
      aclRefreshIntervalMs: 1_000,
      aclMaxStalenessMs: 1_000,
      roleBindingRefreshIntervalMs: 60_000,
    })
    await assert.rejects(decider.start(), /not loaded|store down/)
    const [verdict] = await decider.authorize(subject, [describeAccount])
    assert.deepEqual([verdict!.allowed, verdict!.reason], [false, 'error'])
    decider.close()
  })

  it('follows binding change notifications', async () => {
    const { authorizer: decider, bindings } = await authorizer()
    const binding = bindings.add('User:sa-1', 'Operator', ORG)
    await new Promise((resolve) => setImmediate(resolve))
    await decider.reloadRoleBindings() // the notification's reload, awaited
    assert.equal((await decider.authorize(subject, [describeAccount]))[0]!.allowed, true)
    bindings.remove(binding.id)
    await decider.reloadRoleBindings()
    assert.equal((await decider.authorize(subject, [describeAccount]))[0]!.allowed, false)
    decider.close()
  })

  it('serves ACLs up to the refresh interval, reloads them in the background, and denies past the staleness bound', async () => {
    let now = 0
    const acls = new FakeAcls()
    acls.acls = [acl({})]
    const { authorizer: decider } = await authorizer({ now: () => now, acls })
    assert.equal((await decider.authorize(subject, [read('orders')]))[0]!.allowed, true)
    assert.equal(acls.reads, 1)
    // Within the interval: the cached ACLs, no read.
    now = 900
    await decider.authorize(subject, [read('orders')])
    assert.equal(acls.reads, 1)
    // Past the interval: the cached answer, and a reload in the background that sees the change.
    acls.acls = []
    now = 1_500
    assert.equal((await decider.authorize(subject, [read('orders')]))[0]!.allowed, true)
    assert.equal(acls.reads, 2)
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal((await decider.authorize(subject, [read('orders')]))[0]!.allowed, false)
    // Past the staleness bound with Kafka down: denied for the error.
    acls.acls = [acl({})]
    await decider.reloadAcls('lkc-1')
    acls.failure = new Error('broker down')
    now = 1_500 + 6_000
    const [verdict] = await decider.authorize(subject, [read('orders')])
    assert.deepEqual([verdict!.allowed, verdict!.reason], [false, 'error'])
    decider.close()
  })

  it('explains a decision with every rule that took part', async () => {
    const bindings = new MemoryRoleBindings()
    const binding = bindings.add('User:sa-1', 'DeveloperRead', `${ORG}/environment=env-1`)
    const acls = new FakeAcls()
    const deny = acl({ principal: 'User:*', permission: 'DENY' })
    const allow = acl({ resourceName: 'ord', patternType: 'PREFIXED' })
    acls.acls = [deny, allow, acl({ operation: 'WRITE' })]
    const { authorizer: decider } = await authorizer({ bindings, acls })
    const explanation = await decider.explain(subject, read('orders'))
    assert.equal(explanation.verdict.reason, 'acl-deny')
    assert.deepEqual(explanation.denyingAcls, [deny])
    assert.deepEqual(explanation.allowingAcls, [allow])
    assert.deepEqual(explanation.grantingRoleBindings, [binding])
    decider.close()
  })

  it('refuses a staleness bound shorter than the refresh interval', () => {
    assert.throws(
      () =>
        new Authorizer({
          roleBindings: new MemoryRoleBindings(),
          acls: new FakeAcls(),
          aclRefreshIntervalMs: 10_000,
          aclMaxStalenessMs: 1_000,
          roleBindingRefreshIntervalMs: 60_000,
        }),
      TypeError,
    )
  })
})

describe('decide: one rule over ACLs and role bindings', () => {
  it('decides as a rule-by-rule reading of every ACL and binding: a DENY, else an ALLOW or a binding, else nothing', () => {
    let state = 7
    const random = (bound: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      return (state >>> 16) % bound
    }
    const principal = () => `User:sa-${random(12)}`
    const topic = () => ['orders', 'orders-eu', 'logs', 'payments'][random(4)]!
    const operations = ['READ', 'WRITE', 'DESCRIBE', 'ALL'] as const
    const generatedAcls = Array.from({ length: 120 }, () =>
      acl({
        principal: random(10) === 0 ? 'User:*' : principal(),
        resourceName: random(3) === 0 ? topic().slice(0, 1 + random(5)) : topic(),
        patternType: random(3) === 0 ? 'PREFIXED' : 'LITERAL',
        operation: operations[random(4)]!,
        permission: random(6) === 0 ? 'DENY' : 'ALLOW',
      }),
    )
    const generatedBindings: RoleBinding[] = Array.from({ length: 40 }, (_, n) => ({
      id: `rb-${n}`,
      principal: random(4) === 0 ? `User:pool-${random(5)}` : principal(),
      roleName: ['DeveloperRead', 'DeveloperWrite', 'CloudClusterAdmin'][random(3)]!,
      crnPattern: `${ORG}/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=${random(2) === 0 ? `${topic().slice(0, 3)}*` : topic()}`,
    }))
    const aclIndex = new AclIndex(generatedAcls)
    const bindingIndex = new RoleBindingIndex(generatedBindings)
    const kafkaOperation: Record<string, AclOperation> = {
      Read: 'READ',
      Write: 'WRITE',
      Describe: 'DESCRIBE',
      Create: 'CREATE',
    }
    const reasons = new Set<string>()
    for (let request = 0; request < 2_000; request++) {
      const caller = {
        principals: Array.from({ length: 1 + random(3) }, () =>
          random(3) === 0 ? `User:pool-${random(7)}` : principal(),
        ),
        host: '10.0.0.1',
      }
      const name = topic()
      const action: Action = {
        resource: [...cluster, { type: 'topic', name }],
        operation: (['Read', 'Write', 'Describe', 'Create'] as const)[random(4)]!,
      }
      const operation = kafkaOperation[action.operation]!
      const applying = generatedAcls.filter(
        (rule) =>
          (rule.principal === 'User:*' || caller.principals.includes(rule.principal)) &&
          (rule.patternType === 'PREFIXED'
            ? name.startsWith(rule.resourceName)
            : rule.resourceName === name) &&
          (rule.permission === 'DENY'
            ? rule.operation === operation || rule.operation === 'ALL'
            : allowImplies(rule.operation, operation)),
      )
      const granting = generatedBindings.filter((binding) => {
        const pattern = parseCrnPattern(binding.crnPattern)
        return (
          caller.principals.includes(binding.principal) &&
          !('error' in pattern) &&
          crnPatternCovers(pattern, action.resource) &&
          roleGrants(findRole(binding.roleName)!, resourceTypeOf(action.resource), action.operation)
        )
      })
      const verdict = decide(caller, action, bindingIndex, aclIndex)
      const context = JSON.stringify({ caller, action })
      reasons.add(verdict.reason)
      if (applying.some((rule) => rule.permission === 'DENY')) {
        assert.equal(verdict.reason, 'acl-deny', context)
      } else if (applying.length > 0) {
        assert.equal(verdict.reason, 'acl-allow', context)
      } else if (granting.length > 0) {
        assert.equal(verdict.reason, 'role-binding', context)
      } else {
        assert.equal(verdict.reason, 'no-rule', context)
      }
      assert.equal(verdict.allowed, verdict.reason === 'acl-allow' || verdict.reason === 'role-binding')
      const rule = verdict.rule
      if (rule?.kind === 'acl') assert.ok(applying.includes(rule.acl), context)
      if (rule?.kind === 'role-binding') assert.ok(granting.includes(rule.binding), context)
    }
    assert.deepEqual([...reasons].sort(), ['acl-allow', 'acl-deny', 'no-rule', 'role-binding'])
  })
})
