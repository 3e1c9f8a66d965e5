import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { claimsFilterCompiler, prepareFilterInput } from '../../../src/authn/index.ts'
import { entraV1Claims, entraV2Claims, keycloakClaims, oktaClaims } from './token-claims.ts'

/** Compiles (failing the test if the filter is refused) and evaluates against `claims`. */
function evaluate(source: string, claims: object): boolean {
  const compiled = claimsFilterCompiler.compile(source)
  assert.ok(compiled.ok, `${source} was refused: ${compiled.ok ? '' : compiled.error.message}`)
  const input = prepareFilterInput({ claims })
  const matched = compiled.filter.matches(input)
  // The dry run must always give the same answer as the real evaluation.
  assert.equal(compiled.filter.explain(input).matched, matched, `explain disagrees for ${source}`)
  return matched
}

const cases: { provider: string; claims: object; filters: [source: string, expected: boolean][] }[] = [
  {
    provider: 'Okta',
    claims: oktaClaims,
    filters: [
      ['"kafka.write" in claims.scp', true],
      ['"kafka.admin" in claims.scp', false],
      ['claims.scp.exists(s, s.startsWith("kafka."))', true],
      ['claims.scp.all(s, s.startsWith("kafka."))', true],
      ['claims.scp.exists_one(s, s.endsWith(".read"))', true],
      ['claims.cid == "0oa8orders4Ks7d5x" && claims.uid == "00u1alice9Jq2m4"', true],
      ['claims.groups.exists(g, g == "kafka-producers") && claims.iss.endsWith("/oauth2/default")', true],
      ['"kafka-admins" in claims.groups || claims.sub == "billing-service"', false],
      ['claims.aud == "api://kafka" && claims.sub.matches("^orders-[a-z]+$")', true],
      ['size(claims.scp) == 2 && claims.scp.size() >= 1', true],
      ['claims.groups.filter(g, g.startsWith("kafka-")).size() == 1', true],
      ['claims.scp.map(s, s.upperAscii()).exists(s, s == "KAFKA.READ")', true],
      ['claims.sub.contains("orders") && !claims.sub.contains("test")', true],
      ['has(claims.groups) && !has(claims.department)', true],
      ["claims.iss == 'https://dev-123456.okta.com/oauth2/default'", true],
      ['true', true],
      ['false', false],
      // A space-separated-scope filter written for Entra fails closed on Okta's array.
      ['"kafka.write" in claims.scp.split(" ")', false],
    ],
  },
  {
    provider: 'Microsoft Entra ID v1.0',
    claims: entraV1Claims,
    filters: [
      ['claims.ver == "1.0" && claims.appid == "6e74172b-be56-4843-9ff4-e66a39bb12e3"', true],
      ['"Kafka.Produce" in claims.roles', true],
      ['claims.roles.exists(r, r.lowerAscii() == "kafka.consume")', true],
      [
        'claims.tid == "72f988bf-86f1-41af-91ab-2d7cd011db47" && claims.iss.startsWith("https://sts.windows.net/")',
        true,
      ],
      // App-only tokens have no scp: reading it fails closed, has() guards it.
      ['"Kafka.Write" in claims.scp.split(" ")', false],
      ['has(claims.scp) && "Kafka.Write" in claims.scp.split(" ")', false],
      ['!has(claims.scp) && "Kafka.Produce" in claims.roles', true],
      ['(has(claims.azp) ? claims.azp : claims.appid) == "6e74172b-be56-4843-9ff4-e66a39bb12e3"', true],
    ],
  },
  {
    provider: 'Microsoft Entra ID v2.0',
    claims: entraV2Claims,
    filters: [
      ['"Kafka.Write" in claims.scp.split(" ")', true],
      ['"Kafka.Delete" in claims.scp.split(" ")', false],
      ['claims.scp.split(" ").exists(s, s == "Kafka.Read")', true],
      ['claims.ver == "2.0" && claims.azp == "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"', true],
      ['claims.ver == "1.0"', false],
      ['"Kafka.Admin" in claims.roles && claims.tid == "72f988bf-86f1-41af-91ab-2d7cd011db47"', true],
      ['claims.preferred_username.endsWith("@contoso.com")', true],
      ['claims.preferred_username.lowerAscii().endsWith("@fabrikam.com")', false],
      ['(has(claims.azp) ? claims.azp : claims.appid) == "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"', true],
      ['claims.scp.matches("(^| )Kafka\\\\.Write( |$)")', true],
    ],
  },
  {
    provider: 'Keycloak',
    claims: keycloakClaims,
    filters: [
      ['"kafka-admin" in claims.realm_access.roles', true],
      ['claims.realm_access.roles.exists(r, r.startsWith("kafka-"))', true],
      ['"producer" in claims.resource_access["kafka-gateway"].roles', true],
      ['"consumer" in claims.resource_access["kafka-gateway"].roles', false],
      ['"kafka" in claims.scope.split(" ") && claims.azp == "billing-service"', true],
      ['"kafka-gateway" in claims.aud', true],
      ['claims.email_verified == true', false],
      ['claims.email_verified == false && claims.typ == "Bearer"', true],
      [
        'claims.iss == "https://sso.example.com/realms/prod" && claims.azp in ["billing-service", "orders-service"]',
        true,
      ],
      ['has(claims.realm_access.roles) && size(claims.realm_access.roles) > 2', true],
      ['claims.scope.split(" ", 2).size() == 2', true],
    ],
  },
]

describe('claims filters against real token shapes', () => {
  for (const { provider, claims, filters } of cases) {
    for (const [source, expected] of filters) {
      it(`${provider}: ${source} is ${expected}`, () => {
        assert.equal(evaluate(source, claims), expected)
      })
    }
  }
})

describe('numbers in claims', () => {
  // JSON numbers are doubles, as in CEL's JSON mapping; CEL compares them with int and double
  // literals by value, so integer-looking comparisons behave as people expect.
  const numberCases: [source: string, expected: boolean][] = [
    ['claims.exp > 0', true],
    ['claims.exp > 1764300000', true],
    ['claims.exp == 1764303600', true],
    ['claims.exp == 1764303600.0', true],
    ['claims.exp > 1.7e9', true],
    ['claims.exp < 1764303600u', false],
    ['claims.iat < claims.exp', true],
    ['claims.ver == 1', true],
    ['claims.ver in [1, 2]', true],
    // A number and a string are never equal: no error, just false.
    ['claims.ver == "1"', false],
    ['int(claims.exp) == 1764303600', true],
    ['string(claims.ver) == "1"', true],
    ['double(claims.exp) >= 1764303600.0', true],
  ]
  for (const [source, expected] of numberCases) {
    it(`Okta: ${source} is ${expected}`, () => {
      assert.equal(evaluate(source, oktaClaims), expected)
    })
  }

  it('treats a string claim compared with a number as false, not as an error', () => {
    const compiled = claimsFilterCompiler.compile('claims.ver == 2.0')
    assert.ok(compiled.ok)
    const explanation = compiled.filter.explain(prepareFilterInput({ claims: entraV2Claims }))
    assert.equal(explanation.matched, false)
    assert.equal(explanation.condition.result, false)
  })
})
