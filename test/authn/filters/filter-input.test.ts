import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { claimsFilterCompiler, prepareFilterInput } from '../../../src/authn/index.ts'

function matches(source: string, claims: unknown): boolean {
  const compiled = claimsFilterCompiler.compile(source)
  assert.ok(compiled.ok, compiled.ok ? '' : compiled.error.message)
  return compiled.filter.matches(prepareFilterInput({ claims }))
}

describe('filter input', () => {
  it('never reads a claim object as a protobuf message, whatever keys it has', () => {
    // Given: left as a plain object, the CEL library would unwrap this into the string "admin".
    const claims = { role: { $typeName: 'google.protobuf.StringValue', value: 'admin' } }
    // Then
    assert.equal(matches('claims.role == "admin"', claims), false)
    assert.equal(matches('claims.role.value == "admin"', claims), true)
  })

  it('reads objects without a prototype', () => {
    const claims = Object.assign(Object.create(null) as object, { sub: 'orders' })
    assert.equal(matches('claims.sub == "orders"', claims), true)
  })

  it('leaves undefined properties out, as JSON would', () => {
    assert.equal(matches('!has(claims.department)', { department: undefined }), true)
  })

  it('reads null claims as null', () => {
    assert.equal(matches('claims.department == null', { department: null }), true)
  })

  it('refuses values that are not JSON, naming where they are', () => {
    assert.throws(
      () => prepareFilterInput({ claims: { nested: { when: () => 1 } } }),
      /claims\.nested\.when is a function/,
    )
    assert.throws(
      () => prepareFilterInput({ claims: { exp: Number.NaN } }),
      /claims\.exp is not a finite number/,
    )
  })

  it('restores the stack trace limit it lowers while evaluating', () => {
    const compiled = claimsFilterCompiler.compile('claims.department == "finance"')
    assert.ok(compiled.ok)
    const before = Error.stackTraceLimit
    const input = prepareFilterInput({ claims: {} })
    assert.equal(compiled.filter.matches(input), false)
    assert.equal(compiled.filter.explain(input).condition.result, 'error')
    assert.equal(Error.stackTraceLimit, before)
  })

  it('serves several filters from one prepared input', () => {
    const input = prepareFilterInput({ claims: { sub: 'orders', scp: ['kafka.read'] } })
    const results = [
      'claims.sub == "orders"',
      '"kafka.read" in claims.scp',
      '"kafka.write" in claims.scp',
    ].map((source) => {
      const compiled = claimsFilterCompiler.compile(source)
      assert.ok(compiled.ok)
      return compiled.filter.matches(input)
    })
    assert.deepEqual(results, [true, true, false])
  })
})
