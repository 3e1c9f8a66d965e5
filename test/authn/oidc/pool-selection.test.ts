import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  identityClaimValue,
  selectIdentityPools,
  type SelectablePool,
} from '../../../src/authn/oidc/pool-selection.ts'
import { GatewayError } from '../../../src/core/index.ts'

const pool = (id: string, providerId: string, role: string): SelectablePool & { role: string } => ({
  id,
  providerId,
  role,
})

const writers = pool('pool-writers', 'op-okta', 'writer')
const readers = pool('pool-readers', 'op-okta', 'reader')
const auditors = pool('pool-auditors', 'op-okta', 'auditor')
const entraPool = pool('pool-entra', 'op-entra', 'writer')
const all = [writers, readers, auditors, entraPool]
const byId = new Map(all.map((each) => [each.id, each]))
const ofOkta = [writers, readers, auditors]

function select(header: string | string[] | undefined, roles: string[]) {
  return selectIdentityPools(header, 'op-okta', byId, ofOkta, (each) => roles.includes(each.role)).map(
    (each) => each.id,
  )
}

function refusal(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    assert.ok(error instanceof GatewayError)
    assert.equal(error.code, 'GW_AUTHN_FAILED')
    assert.equal(error.status, 401)
    return error.message
  }
  assert.fail('expected a 401')
}

describe('identity pool selection', () => {
  it('without the header, selects every pool of the provider whose filter matches (auto pool mapping)', () => {
    assert.deepEqual(select(undefined, ['writer', 'reader']), ['pool-writers', 'pool-readers'])
    assert.deepEqual(select('', ['auditor']), ['pool-auditors'])
    assert.deepEqual(select('  ', ['reader']), ['pool-readers'])
  })

  it('never selects another provider’s pool by auto mapping, even when its filter would match', () => {
    assert.ok(!select(undefined, ['writer']).includes('pool-entra'))
  })

  it('refuses a token that matches no pool', () => {
    assert.match(
      refusal(() => select(undefined, ['nobody'])),
      /matches no identity pool/,
    )
  })

  it('with the header, selects exactly the named pools, one or a comma-separated list', () => {
    assert.deepEqual(select('pool-writers', ['writer', 'reader']), ['pool-writers'])
    assert.deepEqual(select('pool-readers, pool-writers', ['writer', 'reader']), [
      'pool-readers',
      'pool-writers',
    ])
    assert.deepEqual(select(['pool-readers', 'pool-writers'], ['writer', 'reader']), [
      'pool-readers',
      'pool-writers',
    ])
    assert.deepEqual(select('pool-writers,pool-writers', ['writer']), ['pool-writers'])
  })

  it('refuses the whole request when one named pool does not match', () => {
    assert.match(
      refusal(() => select('pool-writers,pool-auditors', ['writer'])),
      /does not match the filter of identity pool pool-auditors/,
    )
  })

  it('answers alike for an unknown pool and another provider’s pool', () => {
    const unknown = refusal(() => select('pool-nope', ['writer']))
    const foreign = refusal(() => select('pool-entra', ['writer']))
    assert.equal(unknown.replace('pool-nope', 'X'), foreign.replace('pool-entra', 'X'))
    assert.match(foreign, /does not exist for the provider that issued this token/)
  })

  it('refuses malformed ids and overlong lists, without echoing much of the input', () => {
    assert.match(
      refusal(() => select('sa-123', ['writer'])),
      /is not an identity pool id/,
    )
    assert.match(
      refusal(() => select('pool-a;drop', ['writer'])),
      /is not an identity pool id/,
    )
    assert.match(
      refusal(() => select('pool-writers,', ['writer'])),
      /"" in the Confluent-Identity-Pool-Id/,
    )
    const long = `pool-${'x'.repeat(500)}`
    assert.ok(refusal(() => select(long, ['writer'])).length < 250)
    const many = Array.from({ length: 51 }, (_, index) => `pool-p${index}`).join(',')
    assert.match(
      refusal(() => select(many, ['writer'])),
      /more than 50 pools/,
    )
  })
})

describe('identity claim value', () => {
  const claims = { sub: 'app-1', cid: 42, nested: { id: 'n-1', list: ['a'] }, flag: true, none: null }
  it('reads top-level and nested scalar claims, with or without the claims. prefix', () => {
    assert.equal(identityClaimValue('claims.sub', claims), 'app-1')
    assert.equal(identityClaimValue('sub', claims), 'app-1')
    assert.equal(identityClaimValue('claims.cid', claims), '42')
    assert.equal(identityClaimValue('claims.nested.id', claims), 'n-1')
    assert.equal(identityClaimValue('claims.flag', claims), 'true')
  })
  it('gives nothing for absent, null, array or object claims, and never reads inherited properties', () => {
    assert.equal(identityClaimValue('claims.missing', claims), undefined)
    assert.equal(identityClaimValue('claims.none', claims), undefined)
    assert.equal(identityClaimValue('claims.nested.list', claims), undefined)
    assert.equal(identityClaimValue('claims.nested', claims), undefined)
    assert.equal(identityClaimValue('claims.constructor', claims), undefined)
    assert.equal(identityClaimValue('claims.sub.length', claims), undefined)
  })
})
