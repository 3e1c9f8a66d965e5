/**
 * @module http/routes/iam-v2/identity-pool-match
 *
 * `POST /iam/v2/identity-providers/{provider_id}/identity-pools:match` (a Gatehouse extension): the
 * filter dry run. Given a token or its claims, answers for every pool of the provider whether its
 * filter matches and, when not, which conditions failed; which pools auto pool mapping would select;
 * optionally what a `Confluent-Identity-Pool-Id` value would select; and for a token, whether
 * authentication would accept it at all.
 *
 * The OIDC and filter semantics live behind the injected `dryRunIdentityPools`; this route reads the
 * stored pools, checks the body and renders the answer. The token is never echoed or logged: the
 * answer carries no field derived from it but the verdicts, and errors never quote it.
 */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { DryRunPoolResult, IdentityPoolDryRun } from '../../../authn/index.ts'
import { GatewayError } from '../../../core/index.ts'
import { fromStore, notFound } from '../control-plane/common.ts'
import type { IdentityProviderRouteContext } from './identity-providers.ts'

/** A token is at most 8 KiB when verified; twice that still decodes, so the answer can say "too large". */
const MAX_TOKEN_LENGTH = 16 * 1024
/** Claims and a token fit easily; anything bigger is refused before it is parsed. */
const MAX_BODY_BYTES = 64 * 1024

type ExplainedCondition = NonNullable<DryRunPoolResult['explanation']>

const MatchBody = Type.Object(
  {
    token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_TOKEN_LENGTH,
        description: 'A bearer token (the JWT, without `Bearer `). Never echoed back or logged.',
      }),
    ),
    // Checked in the handler, so that an array or a string gets a message that says what is wanted.
    claims: Type.Optional(Type.Unknown({ description: 'A token’s claims, as a JSON object.' })),
    identity_pool_id: Type.Optional(
      Type.String({
        maxLength: 4096,
        description: 'A `Confluent-Identity-Pool-Id` header value to evaluate as authentication would.',
      }),
    ),
  },
  { additionalProperties: false },
)

const Position = Type.Object({ line: Type.Integer(), column: Type.Integer() })
const Condition = Type.Object({
  kind: Type.Union([Type.Literal('and'), Type.Literal('or'), Type.Literal('condition')]),
  text: Type.String({ description: 'The part of the filter this is.' }),
  position: Position,
  result: Type.Union([Type.Boolean(), Type.Literal('error')]),
  error: Type.Optional(Type.String({ description: 'Why the condition could not be evaluated.' })),
  conditions: Type.Optional(
    Type.Array(Type.Unknown(), { description: 'For `and` and `or`: the conditions, each of this shape.' }),
  ),
})

const PoolMatch = Type.Object({
  id: Type.String(),
  display_name: Type.String(),
  filter: Type.String(),
  matched: Type.Boolean(),
  failed_conditions: Type.Optional(
    Type.Array(Condition, { description: 'The conditions that made the filter fail, in filter order.' }),
  ),
  explanation: Type.Optional(Condition),
  compile_error: Type.Optional(Type.String()),
})

const Selection = Type.Object({
  identity_pool_ids: Type.Array(Type.String()),
  refusal: Type.Optional(Type.String({ description: 'Why authentication would refuse the request.' })),
})

const MatchResponse = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('IdentityPoolMatch'),
  provider_id: Type.String(),
  token_verification: Type.Optional(
    Type.Object({
      valid: Type.Boolean(),
      reason: Type.Optional(Type.String()),
      message: Type.String(),
      issuer_provider_id: Type.Optional(Type.String()),
    }),
  ),
  pools: Type.Array(PoolMatch),
  auto_pool_mapping: Selection,
  identity_pool_header: Type.Optional(Selection),
})

const ProviderParams = Type.Object({ provider_id: Type.String({ minLength: 1, maxLength: 255 }) })

function isJsonSyntaxError(error: unknown): error is Error {
  return (
    error instanceof SyntaxError ||
    (error instanceof Error && (error as { code?: unknown }).code === 'FST_ERR_CTP_INVALID_JSON_BODY')
  )
}

function malformedJsonWithoutSnippet(error: Error): GatewayError {
  const position = /position \d+(?: \(line \d+ column \d+\))?/.exec(error.message)?.[0]
  return new GatewayError(
    'GW_HTTP_MALFORMED_JSON',
    `The request body is not valid JSON${position === undefined ? '' : ` (at ${position})`}; is the token quoted?`,
    { cause: error },
  )
}

function invalid(message: string, pointer: string): GatewayError {
  return new GatewayError('GW_IDENTITY_POOL_DRY_RUN_INVALID', message, { source: { pointer } })
}

interface RenderedCondition {
  readonly kind: 'and' | 'or' | 'condition'
  readonly text: string
  readonly position: { readonly line: number; readonly column: number }
  readonly result: boolean | 'error'
  readonly error?: string
  readonly conditions?: RenderedCondition[]
}

/** The explain tree in snake_case JSON; leaves keep their error message. */
function renderCondition(condition: ExplainedCondition): RenderedCondition {
  const common = {
    kind: condition.kind,
    text: condition.text,
    position: { line: condition.position.line, column: condition.position.column },
    result: condition.result,
  }
  if (condition.kind === 'condition') {
    return condition.error === undefined ? common : { ...common, error: condition.error }
  }
  return { ...common, conditions: condition.conditions.map(renderCondition) }
}

/**
 * The leaves that decided a failed filter: under a group that did not hold, every child that did
 * not hold either (for `&&` the false or erroneous ones, for `||` all of them).
 */
function failedConditions(condition: ExplainedCondition): ExplainedCondition[] {
  if (condition.result === true) return []
  if (condition.kind === 'condition') return [condition]
  return condition.conditions.flatMap(failedConditions)
}

function renderSelection(selection: IdentityPoolDryRun['autoPoolMapping']) {
  return {
    identity_pool_ids: [...selection.poolIds],
    ...(selection.refusal === undefined ? {} : { refusal: selection.refusal }),
  }
}

export function registerIdentityPoolMatchRoute(
  app: FastifyInstance,
  context: IdentityProviderRouteContext,
): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.post(
    '/iam/v2/identity-providers/:provider_id/identity-pools::match',
    {
      bodyLimit: MAX_BODY_BYTES,
      // The JSON parser's message quotes the text around the error, which is the token when it was
      // sent unquoted (`{"token": $TOKEN}`): only the position is kept. A thrown error goes on to
      // the application's error handler.
      errorHandler: (error) => {
        throw isJsonSyntaxError(error) ? malformedJsonWithoutSnippet(error) : error
      },
      schema: {
        operationId: 'matchIamV2IdentityPools',
        params: ProviderParams,
        body: MatchBody,
        response: { 200: MatchResponse },
      },
    },
    async (request) => {
      const providerId = request.params.provider_id
      const { token, claims, identity_pool_id: identityPoolHeader } = request.body
      if ((token === undefined) === (claims === undefined)) {
        throw invalid('Send exactly one of token (a JWT) or claims (a JSON object).', '')
      }
      if (claims !== undefined && (typeof claims !== 'object' || claims === null || Array.isArray(claims))) {
        throw invalid('claims must be a JSON object of the token’s claims, e.g. {"sub": "svc-1"}.', '/claims')
      }

      const everyProvider = await fromStore(() => context.identities.listAllIdentityProvidersWithPools())
      const provider = everyProvider.find((entry) => entry.provider.id === providerId)
      if (provider === undefined) throw notFound('Identity provider', providerId)
      const asDryRunPool = (pool: { id: string; providerId: string; filter: string }) => ({
        id: pool.id,
        providerId: pool.providerId,
        filter: pool.filter,
      })

      const result = await context.services.dryRunIdentityPools({
        providerId,
        pools: provider.pools.map(asDryRunPool),
        allPools: everyProvider.flatMap((entry) => entry.pools.map(asDryRunPool)),
        subject: token === undefined ? { claims: claims as Readonly<Record<string, unknown>> } : { token },
        identityPoolHeader,
      })

      const outcomes = new Map(result.pools.map((outcome) => [outcome.id, outcome]))
      const verification = result.tokenVerification
      return {
        api_version: 'iam/v2' as const,
        kind: 'IdentityPoolMatch' as const,
        provider_id: providerId,
        ...(verification === undefined
          ? {}
          : {
              token_verification: {
                valid: verification.isValid,
                ...(verification.reason === undefined ? {} : { reason: verification.reason }),
                message: verification.message,
                ...(verification.issuerProviderId === undefined
                  ? {}
                  : { issuer_provider_id: verification.issuerProviderId }),
              },
            }),
        pools: provider.pools.map((pool) => {
          const outcome = outcomes.get(pool.id)
          const explanation = outcome?.explanation
          return {
            id: pool.id,
            display_name: pool.displayName,
            filter: pool.filter,
            matched: outcome?.isMatched === true,
            ...(explanation === undefined
              ? {}
              : {
                  failed_conditions: failedConditions(explanation).map(renderCondition),
                  explanation: renderCondition(explanation),
                }),
            ...(outcome?.compileError === undefined ? {} : { compile_error: outcome.compileError }),
          }
        }),
        auto_pool_mapping: renderSelection(result.autoPoolMapping),
        ...(result.identityPoolHeader === undefined
          ? {}
          : { identity_pool_header: renderSelection(result.identityPoolHeader) }),
      }
    },
  )
}
