import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  claimsFilterCompiler,
  createFilterCompiler,
  FilterTypes,
  MAX_FILTER_LENGTH,
  prepareFilterInput,
  type InvalidFilter,
} from '../../../src/authn/index.ts'

function refusal(source: string): InvalidFilter {
  const compiled = claimsFilterCompiler.compile(source)
  assert.equal(compiled.ok, false, `${source} was accepted`)
  return (compiled as { ok: false; error: InvalidFilter }).error
}

describe('compiling a claims filter', () => {
  it('accepts a filter of exactly 300 characters and refuses 301, saying where the limit is', () => {
    // Given
    const prefix = 'claims.sub == "'
    const exactly = `${prefix}${'a'.repeat(MAX_FILTER_LENGTH - prefix.length - 1)}"`
    const tooLong = `${prefix}${'a'.repeat(MAX_FILTER_LENGTH - prefix.length)}"`
    assert.equal(exactly.length, 300)
    // When
    const accepted = claimsFilterCompiler.compile(exactly)
    const refused = refusal(tooLong)
    // Then
    assert.equal(accepted.ok, true)
    assert.equal(refused.reason, 'too_long')
    assert.match(refused.message, /301 characters long; at most 300/)
    assert.equal(refused.position?.offset, 300)
  })

  it('counts characters, not UTF-16 code units, against the limit', () => {
    const emoji = '😀'.repeat(140)
    assert.equal(emoji.length, 280)
    const source = `claims.name == "${emoji}${'😀'.repeat(140)}"`
    assert.equal([...source].length, 297)
    assert.ok(source.length > MAX_FILTER_LENGTH)
    assert.equal(claimsFilterCompiler.compile(source).ok, true)
  })

  const syntaxErrors: { source: string; line: number; column: number; snippet: RegExp; hint?: RegExp }[] = [
    { source: 'claims.sub == "a" &&', line: 1, column: 19, snippet: /^&&/, hint: /ends too early/ },
    { source: 'claims.sub = "orders"', line: 1, column: 12, snippet: /^= "orders"/, hint: /==/ },
    {
      source: 'claims.sub == "a" and claims.azp == "b"',
      line: 1,
      column: 19,
      snippet: /^and/,
      hint: /&& and \|\|/,
    },
    {
      source: 'claims.aud == "kafka" &&\n  claims.sub ==',
      line: 2,
      column: 14,
      snippet: /^==/,
      hint: /ends too early/,
    },
    { source: 'claims.sub == "a" &&& claims.x == "b"', line: 1, column: 19, snippet: /^&&&/ },
  ]
  for (const { source, line, column, snippet, hint } of syntaxErrors) {
    it(`reports a syntax error in ${JSON.stringify(source)} at line ${line}, column ${column}`, () => {
      const error = refusal(source)
      assert.equal(error.reason, 'syntax')
      assert.deepEqual([error.position?.line, error.position?.column], [line, column])
      assert.match(error.snippet ?? '', snippet)
      assert.match(error.message, new RegExp(`line ${line}, column ${column}`))
      if (hint !== undefined) assert.match(error.message, hint)
    })
  }

  const typeErrors: { title: string; source: string; message: RegExp; column: number; snippet: string }[] = [
    {
      title: 'a bare claim, whose type is only known per token',
      source: 'claims.email_verified',
      message: /must be a boolean condition.*can hold any type.*`claims\.email_verified == true`/,
      column: 1,
      snippet: 'claims.email_verified',
    },
    {
      title: 'a bare claim on one side of &&',
      source: 'claims.aud == "kafka" && claims.email_verified',
      message: /Each side of && must be a boolean condition/,
      column: 26,
      snippet: 'claims.email_verified',
    },
    {
      title: 'an int result',
      source: 'size(claims.scp)',
      message: /must be a boolean condition, but `size\(claims\.scp\)` is of type int/,
      column: 1,
      snippet: 'size(claims.scp)',
    },
    {
      title: 'a list result',
      source: 'claims.scope.split(" ")',
      message: /is of type list\(string\)/,
      column: 1,
      snippet: 'claims.scope.split(" ")',
    },
    {
      title: 'a predicate that is not a condition',
      source: 'claims.scp.exists(s, s)',
      message: /The condition of exists\(\) must be a boolean condition/,
      column: 22,
      snippet: 's',
    },
    {
      title: 'an unknown variable (claim instead of claims)',
      source: 'claims.aud == "kafka" && claim.sub == "orders"',
      message: /unknown variable 'claim'; filters can use: claims/,
      column: 26,
      snippet: 'claim',
    },
    {
      title: 'an unknown method, listing the supported ones',
      source: 'claims.sub.lower() == "orders"',
      message: /unknown method '\.lower\(\)'.*filters can call: .*lowerAscii/,
      column: 1,
      snippet: 'claims.sub.lower()',
    },
    {
      title: 'an unknown global function',
      source: 'timestamp(claims.iat) > timestamp("2025-01-01T00:00:00Z")',
      message: /unknown function 'timestamp\(\)'/,
      column: 1,
      snippet: 'timestamp(claims.iat)',
    },
    {
      title: 'a method called as a function',
      source: 'lowerAscii(claims.sub) == "orders"',
      message: /write it as x\.lowerAscii\(\)/,
      column: 1,
      snippet: 'lowerAscii(claims.sub)',
    },
    {
      title: 'a wrong argument type',
      source: 'claims.sub.startsWith(1)',
      message: /no form of 'startsWith' takes dyn\.startsWith\(int\).*string\.startsWith\(string\)/,
      column: 1,
      snippet: 'claims.sub.startsWith(1)',
    },
    {
      title: 'a comparison that can never hold',
      source: 'size(claims.scp) == "2"',
      message: /cannot compare int with string/,
      column: 1,
      snippet: 'size(claims.scp) == "2"',
    },
    {
      title: 'in over a string',
      source: '"kafka" in "kafka.read"',
      message: /'in' needs a list or a map.*use contains\(\)/,
      column: 1,
      snippet: '"kafka" in "kafka.read"',
    },
    {
      title: 'an invalid regular expression literal',
      source: 'claims.sub.matches("orders-(")',
      message: /invalid regular expression `"orders-\("`/,
      column: 20,
      snippet: '"orders-("',
    },
    {
      title: 'arithmetic',
      source: 'claims.exp - claims.iat < 3600',
      message: /arithmetic \(-\) is not supported/,
      column: 1,
      snippet: 'claims.exp - claims.iat',
    },
    {
      title: 'a macro written in the wrong shape',
      source: 'claims.scp.exists(s)',
      message:
        /exists\(\) is written on a list with a variable and a condition, e\.g\. `claims\.scp\.exists\(s, s == "kafka\.write"\)`/,
      column: 1,
      snippet: 'claims.scp.exists(s)',
    },
    {
      title: 'has() of a whole variable',
      source: 'has(claims)',
      message: /has\(\) is written with one field selection/,
      column: 1,
      snippet: 'has(claims)',
    },
    {
      title: 'macros nested three deep, whose work grows with the cube of a claim',
      source: 'claims.groups.all(a, claims.groups.all(b, claims.groups.exists(c, a == c)))',
      message: /macros nest at most 2 deep/,
      column: 43,
      snippet: 'claims.groups.exists(c, a == c)',
    },
    {
      title: 'a map literal',
      source: '{"a": 1}.size() == 1',
      message: /map and message literals are not supported/,
      column: 1,
      snippet: '{"a": 1}',
    },
  ]
  for (const { title, source, message, column, snippet } of typeErrors) {
    it(`refuses ${title}, saying where`, () => {
      const error = refusal(source)
      assert.equal(error.reason, 'type')
      assert.match(error.message, message)
      assert.equal(error.position?.column, column)
      assert.match(error.message, new RegExp(`\\(line 1, column ${column}\\)$`))
      assert.equal(error.snippet, snippet)
    })
  }

  it('accepts an empty filter, which never matches (as Confluent documents)', () => {
    for (const source of ['', '   ']) {
      const compiled = claimsFilterCompiler.compile(source)
      assert.ok(compiled.ok)
      assert.equal(compiled.filter.matches(prepareFilterInput({ claims: { sub: 'x' } })), false)
      assert.equal(compiled.filter.explain(prepareFilterInput({ claims: {} })).matched, false)
    }
  })

  it('accepts macros nested two deep', () => {
    const compiled = claimsFilterCompiler.compile(
      'claims.groups.exists(g, ["kafka-producers", "x"].exists(a, a == g))',
    )
    assert.ok(compiled.ok)
    assert.equal(
      compiled.filter.matches(prepareFilterInput({ claims: { groups: ['Everyone', 'kafka-producers'] } })),
      true,
    )
  })

  it('keeps the source of a compiled filter', () => {
    const compiled = claimsFilterCompiler.compile('claims.sub == "orders"')
    assert.ok(compiled.ok)
    assert.equal(compiled.filter.source, 'claims.sub == "orders"')
  })
})

describe('a filter compiler over other variables (certificate pools)', () => {
  // Confluent's certificate-pool filters name subject attributes bare: `C=='Canada' && O=='Confluent'`.
  const certificateCompiler = createFilterCompiler({
    variables: {
      CN: FilterTypes.string,
      O: FilterTypes.string,
      OU: FilterTypes.listOf(FilterTypes.string),
      C: FilterTypes.string,
      SAN: FilterTypes.mapOf(FilterTypes.listOf(FilterTypes.string)),
    },
  })
  const certificate = prepareFilterInput({
    CN: 'orders.prod.example.com',
    O: 'Confluent',
    OU: ['Platform', 'Kafka'],
    C: 'Canada',
    SAN: { dns: ['orders.prod.example.com', 'orders'], uri: ['spiffe://example.com/ns/prod/sa/orders'] },
  })

  const accepted: [source: string, expected: boolean][] = [
    ["C=='Canada' && O=='Confluent'", true],
    ['CN == "test"', false],
    ['CN.endsWith(".prod.example.com") && "Kafka" in OU', true],
    ['SAN.uri.exists(u, u.startsWith("spiffe://example.com/ns/prod/"))', true],
    ['O in ["Confluent", "Example"]', true],
  ]
  for (const [source, expected] of accepted) {
    it(`evaluates ${source} to ${expected}`, () => {
      const compiled = certificateCompiler.compile(source)
      assert.ok(compiled.ok, compiled.ok ? '' : compiled.error.message)
      assert.equal(compiled.filter.matches(certificate), expected)
    })
  }

  it('checks the declared types: a string attribute alone is not a condition, nor equal to a number', () => {
    const bare = certificateCompiler.compile('CN')
    assert.equal(bare.ok, false)
    assert.match(bare.ok ? '' : bare.error.message, /`CN` is of type string/)
    const number = certificateCompiler.compile('O == 1')
    assert.equal(number.ok, false)
    assert.match(number.ok ? '' : number.error.message, /cannot compare string with int/)
  })

  it('does not know claims', () => {
    const compiled = certificateCompiler.compile('claims.sub == "x"')
    assert.equal(compiled.ok, false)
    assert.match(
      compiled.ok ? '' : compiled.error.message,
      /unknown variable 'claims'; filters can use: CN, O, OU, C, SAN/,
    )
  })

  it('refuses a declaration without variables, with a name CEL cannot spell, or with no room for a filter', () => {
    assert.throws(() => createFilterCompiler({ variables: {} }), TypeError)
    assert.throws(() => createFilterCompiler({ variables: { 'subject-dn': FilterTypes.string } }), TypeError)
    assert.throws(
      () => createFilterCompiler({ variables: { CN: FilterTypes.string }, maxLength: 0 }),
      TypeError,
    )
  })
})
