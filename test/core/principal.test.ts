import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isScopeAllowedOn, type CredentialScope, type RequestSurface } from '../../src/core/index.ts'

const cluster: CredentialScope = { kind: 'cluster', clusterId: 'lkc-1' }
const management: CredentialScope = { kind: 'management' }
const global: CredentialScope = { kind: 'global' }

describe('credential scopes', () => {
  const cases: [CredentialScope, RequestSurface, boolean][] = [
    [cluster, { kind: 'kafka-cluster', clusterId: 'lkc-1' }, true],
    [cluster, { kind: 'kafka-cluster', clusterId: 'lkc-2' }, false],
    [cluster, { kind: 'kafka-cluster-list' }, true],
    [cluster, { kind: 'management' }, false],
    [cluster, { kind: 'gateway' }, true],
    [management, { kind: 'management' }, true],
    [management, { kind: 'kafka-cluster', clusterId: 'lkc-1' }, false],
    [management, { kind: 'kafka-cluster-list' }, false],
    [global, { kind: 'kafka-cluster', clusterId: 'anything' }, true],
    [global, { kind: 'management' }, true],
  ]
  for (const [scope, surface, expected] of cases) {
    it(`${expected ? 'lets' : 'keeps'} a ${scope.kind} key ${expected ? 'into' : 'out of'} ${JSON.stringify(surface)}`, () => {
      assert.equal(isScopeAllowedOn(scope, surface), expected)
    })
  }
})
