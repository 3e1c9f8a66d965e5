import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  crnPatternContains,
  crnPatternCovers,
  formatCrn,
  parseCrnPattern,
  type CrnPattern,
  type ResourcePath,
} from '../../src/core/index.ts'

const ORG = 'crn://confluent.cloud/organization=o1'
const pattern = (text: string): CrnPattern => {
  const parsed = parseCrnPattern(text)
  if ('error' in parsed) throw new Error(parsed.error)
  return parsed
}
const topic = (name: string, environment = 'env-1'): ResourcePath => [
  { type: 'organization', name: 'o1' },
  { type: 'environment', name: environment },
  { type: 'cloud-cluster', name: 'lkc-1' },
  { type: 'kafka', name: 'lkc-1' },
  { type: 'topic', name },
]

describe('CRN patterns', () => {
  it('parses a full chain and a prefix', () => {
    const exact = pattern(`${ORG}/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders`)
    assert.deepEqual(exact.segments, topic('orders'))
    assert.equal(exact.isPrefix, false)
    const prefix = pattern(`${ORG}/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders-*`)
    assert.equal(prefix.isPrefix, true)
    assert.equal(prefix.segments.at(-1)!.name, 'orders-')
  })

  const invalid: [string, RegExp][] = [
    ['https://confluent.cloud/organization=o1', /starts with/],
    [`${ORG}/galaxy=g1`, /not a resource segment/],
    [`${ORG}/topic=orders`, /cannot follow "organization"/],
    ['crn://confluent.cloud/environment=env-1', /begins with the organization/],
    [`${ORG}/environment=env-*/cloud-cluster=lkc-1`, /Only the last name/],
    [`${ORG}/environment=e*nv`, /Only the last name/],
    [`${ORG}/environment=`, /empty name/],
    [`${ORG}/environment=%E0%A4%A`, /percent-encoding/],
    [`${ORG}/service-account=sa-1/user=u-1`, /cannot follow "service-account"/],
  ]
  for (const [text, reason] of invalid) {
    it(`refuses ${text}`, () => {
      const parsed = parseCrnPattern(text)
      assert.ok('error' in parsed, 'parsed')
      assert.match(parsed.error, reason)
    })
  }

  it('percent-encodes "/" and "%" in names and decodes them back', () => {
    const group: ResourcePath = [...topic('x').slice(0, 4), { type: 'group', name: 'team/a%b' }]
    const text = formatCrn(group)
    assert.equal(text, `${ORG}/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/group=team%2Fa%25b`)
    assert.deepEqual(pattern(text).segments, group)
  })

  it('covers the named resource and everything beneath, and prefixes only on the last name', () => {
    const cluster = pattern(`${ORG}/environment=env-1/cloud-cluster=lkc-1`)
    assert.equal(crnPatternCovers(cluster, topic('orders')), true)
    assert.equal(crnPatternCovers(pattern(`${ORG}/environment=env-1`), topic('orders', 'env-10')), false)
    assert.equal(crnPatternCovers(pattern(`${ORG}/environment=env-1*`), topic('orders', 'env-10')), true)
    const orders = pattern(`${ORG}/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders-*`)
    assert.equal(crnPatternCovers(orders, topic('orders-eu')), true)
    assert.equal(crnPatternCovers(orders, topic('payments')), false)
    assert.equal(crnPatternCovers(orders, topic('orders-eu').slice(0, 4)), false, 'not the cluster above it')
    assert.equal(crnPatternCovers(pattern(ORG), [{ type: 'organization', name: 'o2' }]), false)
  })

  it('contains narrower patterns only', () => {
    const prefix = pattern(`${ORG}/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders*`)
    const narrower = pattern(`${ORG}/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders-eu*`)
    const exact = pattern(`${ORG}/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders`)
    assert.equal(crnPatternContains(prefix, narrower), true)
    assert.equal(crnPatternContains(prefix, exact), true)
    assert.equal(crnPatternContains(narrower, prefix), false)
    assert.equal(crnPatternContains(exact, prefix), false, 'an exact name does not contain a prefix of it')
    assert.equal(crnPatternContains(pattern(ORG), prefix), true)
    assert.equal(crnPatternContains(prefix, pattern(ORG)), false)
  })
})
