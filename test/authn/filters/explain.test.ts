import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  claimsFilterCompiler,
  prepareFilterInput,
  type ExplainedCondition,
  type FilterExplanation,
} from '../../../src/authn/index.ts'
import { entraV1Claims, keycloakClaims, oktaClaims } from './token-claims.ts'

function explain(source: string, claims: object): FilterExplanation {
  const compiled = claimsFilterCompiler.compile(source)
  assert.ok(compiled.ok, compiled.ok ? '' : compiled.error.message)
  const input = prepareFilterInput({ claims })
  const explanation = compiled.filter.explain(input)
  assert.equal(explanation.matched, compiled.filter.matches(input))
  return explanation
}

/** The tree without positions, as `[kind, text, result, error?]` and children. */
function outline(condition: ExplainedCondition): unknown {
  if (condition.kind === 'condition') {
    return condition.error === undefined
      ? [condition.text, condition.result]
      : [condition.text, condition.result, condition.error]
  }
  return [condition.kind, condition.result, condition.conditions.map(outline)]
}

describe('explaining a filter (dry run)', () => {
  it('lists each condition of an && chain with its result, as one group', () => {
    // Given
    const source =
      'claims.iss == "https://sso.example.com/realms/prod" && claims.azp == "orders-service" && "kafka" in claims.scope.split(" ")'
    // When
    const explanation = explain(source, keycloakClaims)
    // Then
    assert.equal(explanation.matched, false)
    assert.deepEqual(outline(explanation.condition), [
      'and',
      false,
      [
        ['claims.iss == "https://sso.example.com/realms/prod"', true],
        ['claims.azp == "orders-service"', false],
        ['"kafka" in claims.scope.split(" ")', true],
      ],
    ])
  })

  it('reports a missing claim as an error on its condition, and the filter as not matched', () => {
    const explanation = explain('claims.aud == "api://kafka" && claims.department == "finance"', oktaClaims)
    assert.equal(explanation.matched, false)
    assert.equal(explanation.condition.result, 'error')
    assert.deepEqual(outline(explanation.condition), [
      'and',
      'error',
      [
        ['claims.aud == "api://kafka"', true],
        ['claims.department == "finance"', 'error', 'field not found: department'],
      ],
    ])
  })

  it('shows that || matched through one side even when the other side fails', () => {
    const explanation = explain(
      '"Kafka.Write" in claims.scp.split(" ") || "Kafka.Produce" in claims.roles',
      entraV1Claims,
    )
    assert.equal(explanation.matched, true)
    assert.deepEqual(outline(explanation.condition), [
      'or',
      true,
      [
        ['"Kafka.Write" in claims.scp.split(" ")', 'error', 'field not found: scp'],
        ['"Kafka.Produce" in claims.roles', true],
      ],
    ])
  })

  it('reports a claim of the wrong shape (an Okta scope array split like a string) as an error', () => {
    const explanation = explain('"kafka.write" in claims.scp.split(" ")', oktaClaims)
    assert.equal(explanation.matched, false)
    assert.equal(explanation.condition.kind, 'condition')
    assert.equal(explanation.condition.result, 'error')
    assert.match(
      (explanation.condition as { error?: string }).error ?? '',
      /no matching overload for 'split'/,
    )
  })

  it('nests groups as written, keeping parentheses and negations in the quoted text', () => {
    // Given
    const source = '(claims.sub == "billing" || claims.azp == "billing-service") && !(claims.typ == "ID")'
    // When
    const explanation = explain(source, keycloakClaims)
    // Then
    assert.equal(explanation.matched, true)
    assert.deepEqual(outline(explanation.condition), [
      'and',
      true,
      [
        [
          'or',
          true,
          [
            ['claims.sub == "billing"', false],
            ['claims.azp == "billing-service"', true],
          ],
        ],
        ['!(claims.typ == "ID")', true],
      ],
    ])
    assert.equal(explanation.condition.text, source)
  })

  it('quotes conditions whose strings hold parentheses and operators exactly', () => {
    const source = 'claims.sub == "a) && (b" || claims.cid.matches("^0oa(8|9)")'
    const explanation = explain(source, oktaClaims)
    assert.deepEqual(outline(explanation.condition), [
      'or',
      true,
      [
        ['claims.sub == "a) && (b"', false],
        ['claims.cid.matches("^0oa(8|9)")', true],
      ],
    ])
  })

  const quotingCases: [source: string, texts: string[]][] = [
    [
      'claims.sub == """a"b""" && // the service\n claims.x == r\'y\'',
      ['claims.sub == """a"b"""', "claims.x == r'y'"],
    ],
    ['claims["x"] == "y" && claims . x == "y"', ['claims["x"] == "y"', 'claims . x == "y"']],
    [
      '!has(claims.z) && (claims.x)  ==  "y" && -1 < size(claims.l)',
      ['!has(claims.z)', '(claims.x)  ==  "y"', '-1 < size(claims.l)'],
    ],
  ]
  for (const [source, texts] of quotingCases) {
    it(`quotes the conditions of ${JSON.stringify(source)} as written`, () => {
      const explanation = explain(source, { sub: 'a"b', x: 'y', l: ['a'] })
      assert.equal(explanation.condition.kind, 'and')
      const quoted =
        explanation.condition.kind === 'and' ? explanation.condition.conditions.map((c) => c.text) : []
      assert.deepEqual(quoted, texts)
    })
  }

  it('gives each condition its line and column', () => {
    const source = 'claims.aud == "api://kafka" &&\n    claims.groups.exists(g, g == "kafka-producers")'
    const explanation = explain(source, oktaClaims)
    assert.equal(explanation.condition.kind, 'and')
    const [first, second] = explanation.condition.kind === 'and' ? explanation.condition.conditions : []
    assert.deepEqual(first?.position, { offset: 0, line: 1, column: 1 })
    assert.deepEqual(second?.position, { offset: 35, line: 2, column: 5 })
    assert.equal(second?.text, 'claims.groups.exists(g, g == "kafka-producers")')
  })

  it('reports each guarded condition on its own: a failed has() and the read it guarded', () => {
    const explanation = explain('has(claims.department) && claims.department == "finance"', oktaClaims)
    assert.equal(explanation.matched, false)
    assert.deepEqual(outline(explanation.condition), [
      'and',
      false,
      [
        ['has(claims.department)', false],
        ['claims.department == "finance"', 'error', 'field not found: department'],
      ],
    ])
  })

  it('explains a filter without && or || as one condition', () => {
    const explanation = explain(
      'claims.realm_access.roles.exists(r, r == "kafka-admin" || r == "admin")',
      keycloakClaims,
    )
    assert.deepEqual(outline(explanation.condition), [
      'claims.realm_access.roles.exists(r, r == "kafka-admin" || r == "admin")',
      true,
    ])
  })

  it('fails closed, without throwing, when the input has no claims at all', () => {
    const compiled = claimsFilterCompiler.compile('claims.sub == "orders" || true && claims.aud == "x"')
    assert.ok(compiled.ok)
    const empty = prepareFilterInput({})
    assert.equal(compiled.filter.matches(empty), false)
    const explanation = compiled.filter.explain(empty)
    assert.equal(explanation.matched, false)
    assert.equal(explanation.condition.result, 'error')
  })
})
