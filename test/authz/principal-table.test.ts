import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EVERYONE, PrincipalTable } from '../../src/authz/principal-table.ts'

describe('PrincipalTable', () => {
  const principals = ['User:sa-1', 'User:sa-10', 'User:*', 'User:sa-2', 'User:u-ä']
  // Two words of the index's own per principal: its number times 10, and 1.
  const data = Int32Array.from(principals.flatMap((_, number) => [number * 10, 1]))
  const table = new PrincipalTable(principals, 2, data)
  const held = () => table.held.slice(0, table.heldCount)

  it('numbers principals by position', () => {
    assert.deepEqual(
      principals.map((principal) => table.numberOf(principal)),
      [0, 1, 2, 3, 4],
    )
    assert.equal(table.numberOf('User:sa-3'), -1)
    assert.equal(table.size, 5)
  })

  it('holds the caller’s principals the rules name, once each, in order, dropping the others', () => {
    assert.equal(table.hold(['User:sa-2', 'User:nobody', 'User:sa-1', 'User:sa-2', 'User:u-ä'], false), 3)
    assert.deepEqual(held(), [3, 0, 4])
    // Names that share a beginning or a length with a held one are not it.
    assert.equal(table.hold(['User:sa-', 'User:sa-11', 'User:sa-3', 'User:u-a'], false), 0)
  })

  it('holds `User:*` last, and only when asked for everyone', () => {
    assert.equal(table.hold(['User:sa-10'], true), 2)
    assert.deepEqual(held(), [1, 2])
    assert.equal(table.hold([EVERYONE, 'User:sa-10'], false), 1)
    assert.deepEqual(held(), [1])
    assert.equal(table.hold([EVERYONE], true), 1)
    assert.deepEqual(held(), [2])
  })

  it('tells where each held principal’s own words are', () => {
    table.hold(['User:u-ä', 'User:sa-1'], true)
    assert.deepEqual(
      table.heldData.slice(0, table.heldCount).map((at) => [table.words[at], table.words[at + 1]]),
      [
        [40, 1],
        [0, 1],
        [20, 1],
      ],
    )
  })

  it('holds nothing when no rule names a principal', () => {
    const empty = new PrincipalTable([])
    assert.equal(empty.hold(['User:sa-1', EVERYONE], true), 0)
  })
})
