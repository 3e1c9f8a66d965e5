/**
 * The role table, tested from itself: every role grants exactly what PREDEFINED_ROLES (and so
 * docs/access-control.md) lists, on resources its binding covers, and nothing elsewhere.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PREDEFINED_ROLES, RoleBindingIndex, roleGrants } from '../../src/authz/index.ts'
import { OPERATIONS, RESOURCE_TYPES, type ResourcePath, type ResourceType } from '../../src/core/index.ts'

const ORG = 'crn://confluent.cloud/organization=o1'
const organization: ResourcePath = [{ type: 'organization', name: 'o1' }]
const environment: ResourcePath = [...organization, { type: 'environment', name: 'env-1' }]
const cloudCluster: ResourcePath = [...environment, { type: 'cloud-cluster', name: 'lkc-1' }]
const cluster: ResourcePath = [...cloudCluster, { type: 'kafka', name: 'lkc-1' }]

/** One resource of each type, all inside env-1 / lkc-1, named `target`. */
const RESOURCES: Record<ResourceType, ResourcePath> = {
  Organization: organization,
  Environment: environment,
  CloudCluster: cloudCluster,
  Cluster: cluster,
  Topic: [...cluster, { type: 'topic', name: 'target' }],
  Group: [...cluster, { type: 'group', name: 'target' }],
  TransactionalId: [...cluster, { type: 'transactional-id', name: 'target' }],
  ServiceAccount: [...organization, { type: 'service-account', name: 'target' }],
  User: [...organization, { type: 'user', name: 'target' }],
  IdentityProvider: [...organization, { type: 'identity-provider', name: 'target' }],
  IdentityPool: [
    ...organization,
    { type: 'identity-provider', name: 'target' },
    { type: 'identity-pool', name: 'target' },
  ],
  CertificateAuthority: [...organization, { type: 'certificate-authority', name: 'target' }],
  GroupMapping: [...organization, { type: 'group-mapping', name: 'target' }],
}

/** Where to bind a role so that its pattern covers the resources of a type (its widest level). */
function patternCovering(level: string): string {
  switch (level) {
    case 'organization':
      return ORG
    case 'environment':
      return `${ORG}/environment=env-1`
    case 'cloud-cluster':
      return `${ORG}/environment=env-1/cloud-cluster=lkc-1`
    case 'kafka':
      return `${ORG}/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1`
    case 'service-account':
    case 'user':
      return `${ORG}/${level}=target`
    default:
      return `${ORG}/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/${level}=target`
  }
}

describe('predefined roles', () => {
  for (const role of PREDEFINED_ROLES) {
    for (const level of role.bindableOn) {
      it(`${role.name} bound on ${level} grants exactly its table on what the pattern covers`, () => {
        const index = new RoleBindingIndex([
          { id: 'rb-1', principal: 'User:sa-1', roleName: role.name, crnPattern: patternCovering(level) },
        ])
        const covered = (path: ResourcePath) =>
          patternCovering(level)
            .slice('crn://confluent.cloud/'.length)
            .split('/')
            .every((segment, position) => `${path[position]?.type}=${path[position]?.name}` === segment)
        for (const type of RESOURCE_TYPES) {
          for (const operation of OPERATIONS) {
            const expected = covered(RESOURCES[type]) && roleGrants(role, type, operation)
            const granted =
              index.findGrant(['User:sa-1'], { resource: RESOURCES[type], operation }) !== undefined
            assert.equal(granted, expected, `${role.name}@${level}: ${operation} on ${type}`)
            // Another principal never gets it.
            assert.equal(index.findGrant(['User:sa-2'], { resource: RESOURCES[type], operation }), undefined)
          }
        }
      })
    }
  }

  it('grants nothing for an unknown role or an invalid pattern', () => {
    const index = new RoleBindingIndex([
      { id: 'rb-1', principal: 'User:sa-1', roleName: 'Superuser', crnPattern: ORG },
      { id: 'rb-2', principal: 'User:sa-1', roleName: 'OrganizationAdmin', crnPattern: 'not a crn' },
    ])
    assert.equal(index.size, 0)
    assert.equal(index.ignored.length, 2)
    assert.equal(index.findGrant(['User:sa-1'], { resource: RESOURCES.Topic, operation: 'Read' }), undefined)
  })

  it('matches prefix patterns by prefix, and manages access only on patterns it contains', () => {
    const index = new RoleBindingIndex([
      {
        id: 'rb-1',
        principal: 'User:sa-1',
        roleName: 'ResourceOwner',
        crnPattern: `${ORG}/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders-*`,
      },
    ])
    const topic = (name: string): ResourcePath => [...cluster, { type: 'topic', name }]
    assert.ok(index.findGrant(['User:sa-1'], { resource: topic('orders-eu'), operation: 'Write' }))
    assert.equal(
      index.findGrant(['User:sa-1'], { resource: topic('payments'), operation: 'Write' }),
      undefined,
    )
    const narrower = { segments: topic('orders-eu-'), isPrefix: true }
    const wider = { segments: topic('orders'), isPrefix: true }
    assert.ok(index.findGrantOnPattern(['User:sa-1'], narrower, 'AlterAccess'))
    assert.equal(index.findGrantOnPattern(['User:sa-1'], wider, 'AlterAccess'), undefined)
    assert.equal(index.findGrantOnPattern(['User:sa-1'], narrower, 'ManageApiKeys'), undefined)
  })
})
