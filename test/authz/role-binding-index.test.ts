import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PREDEFINED_ROLES, RoleBindingIndex, roleGrants, type RoleBinding } from '../../src/authz/index.ts'
import { segmentNameHash } from '../../src/authz/role-binding-index.ts'
import {
  crnPatternCovers,
  parseCrnPattern,
  resourceTypeOf,
  type CrnPattern,
  type Operation,
  type ResourcePath,
} from '../../src/core/index.ts'
import { collidingNames } from '../support/hash-collisions.ts'

const ORGANIZATION = 'org-1'
const organization = `crn://confluent.cloud/organization=${ORGANIZATION}`
const clusterPattern = (environment: string, cluster: string) =>
  `${organization}/environment=${environment}/cloud-cluster=${cluster}/kafka=${cluster}`

function topicPath(
  environment: string,
  cluster: string,
  type: 'topic' | 'group',
  name: string,
): ResourcePath {
  return [
    { type: 'organization', name: ORGANIZATION },
    { type: 'environment', name: environment },
    { type: 'cloud-cluster', name: cluster },
    { type: 'kafka', name: cluster },
    { type, name },
  ]
}

describe('RoleBindingIndex', () => {
  it('grants exactly what a binding-by-binding reading of the patterns and roles grants', () => {
    let state = 11
    const random = (bound: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      return (state >>> 16) % bound
    }
    const pick = <T>(items: readonly T[]): T => items[random(items.length)]!
    const principals = [
      'User:sa-1',
      'User:sa-2',
      'User:pool-1',
      'User:group-1',
      'User:u-1',
      'User:sa-3',
      'User:sa-4',
    ]
    const environments = ['env-1', 'env-2']
    const clusters = ['lkc-1', 'lkc-2']
    const names = ['o', 'or', 'orders', 'orders-1', 'orders-10', 'payments', 'p']
    const bindings: RoleBinding[] = Array.from({ length: 250 }, (_, index) => {
      const environment = pick(environments)
      const cluster = pick(clusters)
      const level = random(60)
      const crnPattern =
        level === 0
          ? organization
          : level === 1
            ? `${organization}/environment=${environment}`
            : level === 2
              ? clusterPattern(environment, cluster)
              : level < 5
                ? `${organization}/environment=${environment}/cloud-cluster=${random(2) === 0 ? '*' : 'lkc-*'}`
                : `${clusterPattern(environment, cluster)}/${pick(['topic', 'group'])}=${pick(names)}${random(3) === 0 ? '*' : ''}`
      return {
        id: `rb-${index}`,
        principal: pick(principals),
        roleName: pick(PREDEFINED_ROLES).name,
        crnPattern,
      }
    })
    const index = new RoleBindingIndex(bindings)
    const compiled = bindings.map((binding) => ({
      binding,
      role: PREDEFINED_ROLES.find((role) => role.name === binding.roleName)!,
      pattern: parseCrnPattern(binding.crnPattern) as CrnPattern,
    }))
    const operations: Operation[] = ['Read', 'Write', 'Describe', 'Create', 'Delete', 'AlterConfigs', 'Alter']
    const outcomes = { granted: 0, refused: 0 }
    for (let request = 0; request < 3_000; request++) {
      const held = [pick(principals), ...(random(2) === 0 ? [pick(principals)] : [])]
      const resource = topicPath(
        pick(environments),
        pick(clusters),
        pick(['topic', 'group'] as const),
        pick([...names, 'order', 'orders-100', 'x']),
      )
      const operation = pick(operations)
      const type = resourceTypeOf(resource)
      const granting = compiled.filter(
        (each) =>
          held.includes(each.binding.principal) &&
          roleGrants(each.role, type, operation) &&
          crnPatternCovers(each.pattern, resource),
      )
      const found = index.findGrant(held, { resource, operation })
      const label = `${held.join(',')} ${operation} ${resource.map((segment) => segment.name).join('/')}`
      if (granting.length === 0) assert.equal(found, undefined, label)
      else assert.ok(found !== undefined && granting.some((each) => each.binding === found), label)
      outcomes[granting.length === 0 ? 'refused' : 'granted']++
    }
    assert.ok(outcomes.granted > 300 && outcomes.refused > 300, JSON.stringify(outcomes))
  })

  it('grants through a principal with many prefix patterns, and through exact ones among thousands', () => {
    const prefixBindings = Array.from({ length: 40 }, (_, n): RoleBinding => ({
      id: `rb-prefix-${n}`,
      principal: 'User:sa-1',
      roleName: 'DeveloperRead',
      crnPattern: `${clusterPattern('env-1', 'lkc-1')}/topic=orders-${n}-*`,
    }))
    const exactBindings = Array.from({ length: 5_000 }, (_, n): RoleBinding => ({
      id: `rb-exact-${n}`,
      principal: `User:sa-${n % 300}`,
      roleName: 'DeveloperWrite',
      crnPattern: `${clusterPattern('env-1', 'lkc-1')}/topic=payments-${n}`,
    }))
    const index = new RoleBindingIndex([...prefixBindings, ...exactBindings])
    const grant = (principal: string, name: string, operation: Operation) =>
      index.findGrant([principal], { resource: topicPath('env-1', 'lkc-1', 'topic', name), operation })?.id
    assert.equal(grant('User:sa-1', 'orders-12-eu', 'Read'), 'rb-prefix-12')
    assert.equal(grant('User:sa-1', 'orders-40-eu', 'Read'), undefined)
    assert.equal(grant('User:sa-1', 'orders-12-eu', 'Write'), undefined)
    assert.equal(grant('User:sa-17', 'payments-17', 'Write'), 'rb-exact-17')
    assert.equal(grant('User:sa-18', 'payments-17', 'Write'), undefined)
    assert.equal(grant('User:sa-17', 'payments-18', 'Write'), undefined)
    assert.equal(grant('User:nobody', 'payments-17', 'Write'), undefined)
  })
  it('tells apart names whose hashes collide: a key only locates a run, the pattern decides', () => {
    const [first, second] = collidingNames((name) => segmentNameHash('topic', name), 't-')
    const index = new RoleBindingIndex([
      {
        id: 'rb-1',
        principal: 'User:sa-1',
        roleName: 'DeveloperRead',
        crnPattern: `${clusterPattern('env-1', 'lkc-1')}/topic=${first}`,
      },
      {
        id: 'rb-2',
        principal: 'User:sa-1',
        roleName: 'DeveloperRead',
        crnPattern: `${clusterPattern('env-1', 'lkc-1')}/topic=${second}x*`,
      },
    ])
    const grant = (name: string) =>
      index.findGrant(['User:sa-1'], {
        resource: topicPath('env-1', 'lkc-1', 'topic', name),
        operation: 'Read',
      })?.id
    assert.equal(grant(first), 'rb-1')
    assert.equal(grant(second), undefined)
    assert.equal(grant(`${second}x1`), 'rb-2')
    assert.equal(grant(`${first}x1`), undefined)
  })

  it('finds prefix patterns of any length, and only beneath the path they name', () => {
    const long = 'orders-of-the-european-region-warehouse-'
    const index = new RoleBindingIndex([
      {
        id: 'rb-long',
        principal: 'User:sa-1',
        roleName: 'DeveloperRead',
        crnPattern: `${clusterPattern('env-1', 'lkc-1')}/topic=${long}*`,
      },
      {
        id: 'rb-short',
        principal: 'User:sa-1',
        roleName: 'DeveloperWrite',
        crnPattern: `${clusterPattern('env-1', 'lkc-1')}/topic=ord*`,
      },
      {
        id: 'rb-env',
        principal: 'User:sa-2',
        roleName: 'EnvironmentAdmin',
        crnPattern: `${organization}/environment=env-*`,
      },
    ])
    const grant = (principal: string, cluster: string, name: string, operation: Operation) =>
      index.findGrant([principal], { resource: topicPath('env-1', cluster, 'topic', name), operation })?.id
    assert.equal(grant('User:sa-1', 'lkc-1', `${long}1`, 'Read'), 'rb-long')
    assert.equal(grant('User:sa-1', 'lkc-1', long.slice(0, -1), 'Read'), undefined)
    assert.equal(grant('User:sa-1', 'lkc-1', `${long}1`, 'Write'), 'rb-short')
    assert.equal(grant('User:sa-1', 'lkc-2', `${long}1`, 'Read'), undefined)
    assert.equal(grant('User:sa-2', 'lkc-9', 'anything', 'Read'), 'rb-env')
  })
})
