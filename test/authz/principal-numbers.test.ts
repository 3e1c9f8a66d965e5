import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PrincipalNumbers } from '../../src/authz/principal-numbers.ts'

describe('PrincipalNumbers', () => {
  it('numbers principals densely in the order first seen, and keeps a number once given', () => {
    const numbers = new PrincipalNumbers()
    assert.deepEqual(
      ['User:*', 'User:sa-1', 'User:pool-1', 'User:sa-1'].map((principal) => numbers.numberOf(principal)),
      [0, 1, 2, 1],
    )
    assert.equal(numbers.size, 3)
  })

  it('holds the caller’s principals that the rules name, once each, leaving out the excluded one', () => {
    const numbers = new PrincipalNumbers()
    for (const principal of ['User:*', 'User:sa-1', 'User:pool-1', 'User:group-1'])
      numbers.numberOf(principal)
    // A fresh string with the same text is the same principal; an unnamed one is not held.
    const sa1 = ['User:', 'sa-1'].join('')
    assert.equal(numbers.hold([sa1, 'User:unknown', 'User:pool-1', 'User:sa-1', 'User:*'], 0), 2)
    assert.deepEqual(numbers.held.slice(0, numbers.heldCount), [1, 2])
    assert.equal(numbers.holds(2), true)
    assert.equal(numbers.holds(3), false)
    assert.equal(numbers.holds(0), false)
    // Each hold starts afresh.
    assert.equal(numbers.hold(['User:group-1']), 1)
    assert.equal(numbers.holds(1), false)
    assert.equal(numbers.holds(3), true)
    assert.equal(numbers.hold([]), 0)
  })
})
