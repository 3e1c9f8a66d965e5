import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AclIndex, allowImplies } from '../../src/authz/index.ts'
import { hashName } from '../../src/authz/membership-filter.ts'
import { ACL_OPERATIONS, type Acl, type AclOperation } from '../../src/core/index.ts'
import { collidingNames } from '../support/hash-collisions.ts'

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

  it('decides as a rule-by-rule reading of every ACL, for many ACLs on shared names and nested prefixes', () => {
    // Few names, principals and prefixes over many ACLs, so that the index's by-principal groups,
    // its `*` list and its prefix tree (prefixes of prefixes) all take part.
    let state = 7
    const random = (bound: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      return (state >>> 16) % bound
    }
    // Requests come from the first four; the others only fill the index's groups.
    const principals = ['User:alice', 'User:bob', 'User:carol', 'User:dave', 'User:*']
    const bystanders = Array.from({ length: 40 }, (_, index) => `User:sa-${index}`)
    const names = ['o', 'or', 'ord', 'orders', 'orders-1', 'orders-10', 'payments', 'p', '*']
    const acls: Acl[] = Array.from({ length: 3_000 }, () => {
      const patternType = random(3) === 0 ? 'PREFIXED' : 'LITERAL'
      const name = names[random(names.length)]!
      return {
        resourceType: random(10) === 0 ? 'GROUP' : 'TOPIC',
        resourceName: patternType === 'PREFIXED' && name === '*' ? 'ord' : name,
        patternType,
        principal: random(10) === 0 ? principals[random(principals.length)]! : bystanders[random(40)]!,
        host: random(4) === 0 ? '10.0.0.9' : '*',
        operation: ACL_OPERATIONS[random(ACL_OPERATIONS.length)]!,
        permission: random(5) === 0 ? 'DENY' : 'ALLOW',
      }
    })
    const index = new AclIndex(acls)
    const applies = (rule: Acl, held: string[], host: string, name: string, operation: AclOperation) =>
      rule.resourceType === 'TOPIC' &&
      (rule.principal === 'User:*' || held.includes(rule.principal)) &&
      (rule.host === '*' || rule.host === host) &&
      (rule.patternType === 'PREFIXED'
        ? name.startsWith(rule.resourceName)
        : rule.resourceName === '*' || rule.resourceName === name) &&
      (rule.permission === 'DENY'
        ? rule.operation === operation || rule.operation === 'ALL'
        : allowImplies(rule.operation, operation))
    let decided = { allow: 0, deny: 0, none: 0 }
    for (let request = 0; request < 2_000; request++) {
      const held = [principals[random(4)]!, ...(random(2) === 0 ? [principals[random(4)]!] : [])]
      const host = random(3) === 0 ? '10.0.0.9' : '10.0.0.1'
      const name = [...names.filter((each) => each !== '*'), 'order', 'orders-100', 'x'][random(10)]!
      const operation = ACL_OPERATIONS[random(ACL_OPERATIONS.length)]!
      const expected = acls.filter((rule) => applies(rule, held, host, name, operation))
      const verdict = index.decide(held, host, 'TOPIC', name, operation)
      const kind = expected.some((rule) => rule.permission === 'DENY')
        ? 'deny'
        : expected.length > 0
          ? 'allow'
          : 'none'
      assert.equal(verdict.kind, kind, `${held.join(',')} ${operation} ${name} from ${host}`)
      if (verdict.kind !== 'none') {
        assert.ok(expected.includes(verdict.acl))
        assert.equal(verdict.acl.permission, verdict.kind === 'deny' ? 'DENY' : 'ALLOW')
      }
      assert.deepEqual(
        new Set(index.matching(held, host, 'TOPIC', name, operation)),
        new Set(expected),
        `matching: ${held.join(',')} ${operation} ${name}`,
      )
      decided = { ...decided, [kind]: decided[kind] + 1 }
    }
    // The generated requests reach every kind of answer, so the comparison covers each.
    for (const count of Object.values(decided)) assert.ok(count > 100, JSON.stringify(decided))
  })

  it('decides the same for a principal with more prefixes than fit the packed form', () => {
    for (const principal of ['User:alice', 'User:*']) {
      const acls = [
        ...Array.from({ length: 40 }, (_, n) =>
          acl({ principal, patternType: 'PREFIXED', resourceName: `orders-${n}-` }),
        ),
        acl({ principal, patternType: 'PREFIXED', resourceName: 'orders-7-eu', permission: 'DENY' }),
      ]
      const verdicts = ['orders-12-x', 'orders-7-us', 'orders-7-eu-1', 'orders-40-x', 'orders-1'].map(
        (name) => decide(acls, 'READ', { name }),
      )
      assert.deepEqual(verdicts, ['allow', 'allow', 'deny', 'none', 'none'], principal)
    }
  })

  it('finds a literal ACL whatever other principals and names share the index', () => {
    // Thousands of literal ACLs of others, so that the literal filter is large and a lookup that
    // it let through has to find the one rule that applies among them.
    const others = Array.from({ length: 5_000 }, (_, n) =>
      acl({ principal: `User:sa-${n % 300}`, resourceName: `topic-${n}` }),
    )
    const acls = [...others, acl({ principal: 'User:alice', resourceName: 'topic-17', operation: 'WRITE' })]
    assert.equal(decide(acls, 'WRITE', { name: 'topic-17' }), 'allow')
    assert.equal(decide(acls, 'WRITE', { name: 'topic-18' }), 'none')
    assert.equal(decide(acls, 'READ', { name: 'topic-17', principals: ['User:sa-17'] }), 'allow')
    assert.equal(decide(acls, 'READ', { name: 'topic-17', principals: ['User:sa-18'] }), 'none')
  })
  it('tells apart names whose hashes collide: a key only locates a run, the name decides', () => {
    const [first, second] = collidingNames(hashName, 't-')
    assert.equal(hashName(first), hashName(second))
    const allowFirst = acl({ resourceName: first })
    assert.equal(decide([allowFirst], 'READ', { name: first }), 'allow')
    assert.equal(decide([allowFirst], 'READ', { name: second }), 'none')
    const denySecond = acl({ resourceName: second, permission: 'DENY' })
    const index = new AclIndex([allowFirst, denySecond])
    assert.deepEqual(index.decide(['User:alice'], 'h', 'TOPIC', first, 'READ'), {
      kind: 'allow',
      acl: allowFirst,
    })
    assert.deepEqual(index.decide(['User:alice'], 'h', 'TOPIC', second, 'READ'), {
      kind: 'deny',
      acl: denySecond,
    })
    // The same for prefixes of one length.
    const prefixed = acl({ resourceName: first, patternType: 'PREFIXED' })
    assert.equal(decide([prefixed], 'READ', { name: `${first}-eu` }), 'allow')
    assert.equal(decide([prefixed], 'READ', { name: `${second}-eu` }), 'none')
  })

  it('finds prefixes of any length, short and long ones of one principal together', () => {
    const long = 'orders-of-the-european-region-warehouse-'
    const acls = [
      acl({ resourceName: long, patternType: 'PREFIXED' }),
      acl({ resourceName: `${long}north-`, patternType: 'PREFIXED', operation: 'WRITE' }),
      acl({ resourceName: 'ord', patternType: 'PREFIXED', operation: 'DELETE' }),
      acl({
        resourceName: long.slice(0, 30),
        patternType: 'PREFIXED',
        operation: 'ALTER',
        principal: 'User:bob',
      }),
    ]
    assert.equal(decide(acls, 'READ', { name: `${long}1` }), 'allow')
    assert.equal(decide(acls, 'READ', { name: long.slice(0, -1) }), 'none')
    assert.equal(decide(acls, 'WRITE', { name: `${long}north-1` }), 'allow')
    assert.equal(decide(acls, 'WRITE', { name: `${long}south-1` }), 'none')
    assert.equal(decide(acls, 'DELETE', { name: `${long}1` }), 'allow')
    assert.equal(decide(acls, 'ALTER', { name: `${long}1` }), 'none')
    assert.equal(decide(acls, 'ALTER', { name: `${long}1`, principals: ['User:bob'] }), 'allow')
    assert.equal(decide(acls, 'ALTER', { name: long.slice(0, 29), principals: ['User:bob'] }), 'none')
  })
})
