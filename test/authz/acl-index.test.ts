import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AclIndex, allowImplies } from '../../src/authz/index.ts'
import type { Acl, AclOperation } from '../../src/core/index.ts'

const acl = (overrides: Partial<Acl>): Acl => ({
  resourceType: 'TOPIC',
  resourceName: 'orders',
  patternType: 'LITERAL',
  principal: 'User:alice',
  host: '*',
  operation: 'READ',
  permission: 'ALLOW',
  ...overrides,
})

function decide(
  acls: Acl[],
  operation: AclOperation,
  options: { principals?: string[]; host?: string; name?: string } = {},
) {
  return new AclIndex(acls).decide(
    options.principals ?? ['User:alice'],
    options.host ?? '10.0.0.1',
    'TOPIC',
    options.name ?? 'orders',
    operation,
  ).kind
}

describe('AclIndex (StandardAuthorizer semantics)', () => {
  const cases: [
    string,
    Acl[],
    AclOperation,
    { principals?: string[]; host?: string; name?: string },
    string,
  ][] = [
    ['no ACL grants nothing', [], 'READ', {}, 'none'],
    ['a matching ALLOW allows', [acl({})], 'READ', {}, 'allow'],
    ['DENY wins over ALLOW', [acl({}), acl({ permission: 'DENY' })], 'READ', {}, 'deny'],
    [
      'DENY READ does not deny DESCRIBE',
      [acl({ permission: 'DENY' }), acl({ operation: 'DESCRIBE' })],
      'DESCRIBE',
      {},
      'allow',
    ],
    ['ALLOW READ implies DESCRIBE', [acl({ operation: 'READ' })], 'DESCRIBE', {}, 'allow'],
    ['ALLOW WRITE implies DESCRIBE', [acl({ operation: 'WRITE' })], 'DESCRIBE', {}, 'allow'],
    ['ALLOW DELETE implies DESCRIBE', [acl({ operation: 'DELETE' })], 'DESCRIBE', {}, 'allow'],
    ['ALLOW ALTER implies DESCRIBE', [acl({ operation: 'ALTER' })], 'DESCRIBE', {}, 'allow'],
    ['ALLOW CREATE does not imply DESCRIBE', [acl({ operation: 'CREATE' })], 'DESCRIBE', {}, 'none'],
    [
      'ALLOW ALTER_CONFIGS implies DESCRIBE_CONFIGS',
      [acl({ operation: 'ALTER_CONFIGS' })],
      'DESCRIBE_CONFIGS',
      {},
      'allow',
    ],
    ['ALLOW DESCRIBE does not imply READ', [acl({ operation: 'DESCRIBE' })], 'READ', {}, 'none'],
    ['ALLOW ALL allows anything', [acl({ operation: 'ALL' })], 'ALTER_CONFIGS', {}, 'allow'],
    [
      'DENY ALL denies anything',
      [acl({ operation: 'ALL', permission: 'DENY' }), acl({ operation: 'WRITE' })],
      'WRITE',
      {},
      'deny',
    ],
    [
      'DENY WRITE does not deny READ',
      [acl({ operation: 'WRITE', permission: 'DENY' }), acl({})],
      'READ',
      {},
      'allow',
    ],
    ['LITERAL matches the exact name only', [acl({ resourceName: 'order' })], 'READ', {}, 'none'],
    ['LITERAL * matches every name', [acl({ resourceName: '*' })], 'READ', {}, 'allow'],
    [
      'PREFIXED matches names starting with it',
      [acl({ resourceName: 'ord', patternType: 'PREFIXED' })],
      'READ',
      {},
      'allow',
    ],
    [
      'PREFIXED equal to the name matches',
      [acl({ resourceName: 'orders', patternType: 'PREFIXED' })],
      'READ',
      {},
      'allow',
    ],
    [
      'PREFIXED longer than the name does not match',
      [acl({ resourceName: 'orders-eu', patternType: 'PREFIXED' })],
      'READ',
      {},
      'none',
    ],
    [
      'PREFIXED * is a literal star prefix',
      [acl({ resourceName: '*', patternType: 'PREFIXED' })],
      'READ',
      {},
      'none',
    ],
    [
      'a DENY on a prefix beats a literal ALLOW',
      [acl({}), acl({ resourceName: 'o', patternType: 'PREFIXED', permission: 'DENY' })],
      'READ',
      {},
      'deny',
    ],
    [
      'User:* applies to everyone',
      [acl({ principal: 'User:*' })],
      'READ',
      { principals: ['User:bob'] },
      'allow',
    ],
    ['another principal’s ACL does not apply', [acl({ principal: 'User:bob' })], 'READ', {}, 'none'],
    [
      'a DENY on any of several principals denies',
      [acl({ principal: 'User:sa-1' }), acl({ principal: 'User:pool-2', permission: 'DENY' })],
      'READ',
      { principals: ['User:sa-1', 'User:pool-2'] },
      'deny',
    ],
    [
      'an ALLOW on any of several principals allows',
      [acl({ principal: 'User:pool-2' })],
      'READ',
      { principals: ['User:sa-1', 'User:pool-2'] },
      'allow',
    ],
    [
      'a DENY for User:* denies everyone',
      [acl({}), acl({ principal: 'User:*', permission: 'DENY' })],
      'READ',
      {},
      'deny',
    ],
    ['the ACL host must be the client’s', [acl({ host: '10.0.0.1' })], 'READ', {}, 'allow'],
    ['another host does not match', [acl({ host: '10.0.0.2' })], 'READ', {}, 'none'],
    [
      'a DENY from another host does not apply',
      [acl({}), acl({ host: '10.0.0.2', permission: 'DENY' })],
      'READ',
      {},
      'allow',
    ],
    ['other resource types do not match', [acl({ resourceType: 'GROUP' })], 'READ', {}, 'none'],
  ]
  for (const [title, acls, operation, options, expected] of cases) {
    it(title, () => assert.equal(decide(acls, operation, options), expected))
  }

  it('names the deciding ACL, and lists every ACL that takes part', () => {
    const allow = acl({})
    const deny = acl({ resourceName: 'ord', patternType: 'PREFIXED', permission: 'DENY' })
    const unrelated = acl({ operation: 'WRITE', permission: 'DENY' })
    const index = new AclIndex([allow, deny, unrelated])
    assert.deepEqual(index.decide(['User:alice'], 'h', 'TOPIC', 'orders', 'READ'), {
      kind: 'deny',
      acl: deny,
    })
    assert.deepEqual(index.matching(['User:alice'], 'h', 'TOPIC', 'orders', 'READ'), [allow, deny])
  })

  it('implies only what Kafka implies', () => {
    assert.equal(allowImplies('ALL', 'IDEMPOTENT_WRITE'), true)
    assert.equal(allowImplies('WRITE', 'IDEMPOTENT_WRITE'), false)
    assert.equal(allowImplies('DESCRIBE_CONFIGS', 'ALTER_CONFIGS'), false)
  })
})
