/**
 * @module http/routes/iam-v2/role-bindings
 *
 * `/iam/v2/role-bindings`: who holds which predefined role on which resources (a CRN pattern).
 * Creating or deleting a binding needs AlterAccess on everything its pattern covers, listing and
 * reading DescribeAccess; a change applies to this gateway before the response is sent.
 *
 * Also `POST /iam/v2/access:explain`, which tells an administrator why a principal may or may not
 * do an operation on a resource, naming every rule that took part.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { PREDEFINED_ROLES, findRole, type Authorizer } from '../../../authz/index.ts'
import {
  GatewayError,
  OPERATIONS,
  formatCrn,
  parseCrnPattern,
  type CrnPattern,
  type Operation,
} from '../../../core/index.ts'
import type { RoleBindingRecord } from '../../../store/index.ts'
import { accessOf } from '../../plugins/authorize.ts'
import {
  EchoedEnvelope,
  IdParams,
  ListMeta,
  ListQuery,
  ObjectMeta,
  actorOf,
  fromStore,
  listEnvelope,
  notFound,
  objectMeta,
  originOf,
  pageRequestOf,
  type ControlPlaneContext,
} from '../control-plane/common.ts'

export interface RoleBindingRouteContext extends ControlPlaneContext {
  readonly authorizer: Authorizer
}

const PRINCIPAL = /^User:(u|sa|pool|group)-[A-Za-z0-9_-]+$/

export const RoleBinding = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('RoleBinding'),
  id: Type.String(),
  metadata: ObjectMeta,
  principal: Type.String(),
  role_name: Type.String(),
  crn_pattern: Type.String(),
})

const RoleBindingList = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('RoleBindingList'),
  metadata: ListMeta,
  data: Type.Array(RoleBinding),
})

const CreateBody = Type.Object(
  {
    ...EchoedEnvelope,
    principal: Type.String({
      minLength: 1,
      maxLength: 255,
      description: '`User:u-…`, `User:sa-…`, `User:pool-…` or `User:group-…`.',
    }),
    role_name: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'A predefined role (docs/access-control.md).',
    }),
    crn_pattern: Type.String({
      minLength: 1,
      maxLength: 1024,
      description:
        'The resources: a CRN of this organization; a trailing `*` on the last name makes it a prefix.',
    }),
  },
  { additionalProperties: false },
)

const ListRoleBindingsQuery = Type.Object({
  ...ListQuery.properties,
  crn_pattern: Type.String({
    minLength: 1,
    maxLength: 1024,
    description: 'Bindings on this CRN pattern and on everything beneath it.',
  }),
  principal: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Only this principal’s.' }),
  ),
  role_name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only this role’s.' })),
})

const ExplainBody = Type.Object(
  {
    principals: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), {
      minItems: 1,
      maxItems: 100,
      description:
        'Every principal the caller would hold, e.g. `["User:sa-abc123"]` or an identity pool and a group.',
    }),
    operation: Type.String({ description: `One of: ${OPERATIONS.join(', ')}.` }),
    resource_crn: Type.String({
      minLength: 1,
      maxLength: 1024,
      description:
        'The resource, e.g. `crn://confluent.cloud/organization=…/environment=…/cloud-cluster=lkc-…/kafka=lkc-…/topic=orders`.',
    }),
    host: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'The client address Kafka ACLs match on (default `*`-only rules apply).',
      }),
    ),
  },
  { additionalProperties: false },
)

const RuleAcl = Type.Object({
  cluster_id: Type.String(),
  resource_type: Type.String(),
  resource_name: Type.String(),
  pattern_type: Type.String(),
  principal: Type.String(),
  host: Type.String(),
  operation: Type.String(),
  permission: Type.String(),
})
const RuleRoleBinding = Type.Object({
  id: Type.String(),
  principal: Type.String(),
  role_name: Type.String(),
  crn_pattern: Type.String(),
})

const Explanation = Type.Object({
  kind: Type.Literal('AccessExplanation'),
  decision: Type.Union([Type.Literal('ALLOWED'), Type.Literal('DENIED')]),
  reason: Type.String({ description: '`acl-allow`, `role-binding`, `acl-deny`, `no-rule` or `error`.' }),
  summary: Type.String(),
  denying_acls: Type.Array(RuleAcl),
  allowing_acls: Type.Array(RuleAcl),
  granting_role_bindings: Type.Array(RuleRoleBinding),
})

function invalid(message: string, pointer: string): GatewayError {
  return new GatewayError('GW_ROLE_BINDING_INVALID', message, { source: { pointer } })
}

/** The binding's pattern, checked against this organization and the role's levels. */
function validBinding(
  input: { principal: string; role_name: string; crn_pattern: string },
  organizationId: string,
): CrnPattern {
  if (!PRINCIPAL.test(input.principal)) {
    throw invalid(
      `principal must be User: followed by a user (u-…), service account (sa-…), identity pool (pool-…) or group mapping (group-…) id, not "${input.principal}".`,
      '/principal',
    )
  }
  const role = findRole(input.role_name)
  if (role === undefined) {
    throw invalid(
      `role_name "${input.role_name}" is not a predefined role; use one of ${PREDEFINED_ROLES.map((known) => known.name).join(', ')}.`,
      '/role_name',
    )
  }
  const pattern = parsePattern(input.crn_pattern, organizationId, '/crn_pattern')
  const level = pattern.segments.at(-1)!.type
  if (!role.bindableOn.includes(level)) {
    throw invalid(
      `${role.name} is bound on ${role.bindableOn.join(', ')} resources, not on ${level}; change crn_pattern accordingly.`,
      '/crn_pattern',
    )
  }
  return pattern
}

function parsePattern(text: string, organizationId: string, pointer: string): CrnPattern {
  const pattern = parseCrnPattern(text)
  if ('error' in pattern) throw invalid(`crn_pattern: ${pattern.error}`, pointer)
  const organization = pattern.segments[0]!
  if (organization.name !== organizationId || (pattern.isPrefix && pattern.segments.length === 1)) {
    throw invalid(
      `crn_pattern names organization "${organization.name}${pattern.isPrefix && pattern.segments.length === 1 ? '*' : ''}"; this gateway's is ${organizationId}.`,
      pointer,
    )
  }
  return pattern
}

export function registerRoleBindingRoutes(app: FastifyInstance, context: RoleBindingRouteContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const store = context.identities

  const render = (request: FastifyRequest) => {
    const origin = originOf(request, context)
    const organizationCrn = formatCrn(accessOf(request).paths.organization())
    return (binding: RoleBindingRecord) => ({
      api_version: 'iam/v2' as const,
      kind: 'RoleBinding' as const,
      id: binding.id,
      metadata: objectMeta(
        `${origin}/iam/v2/role-bindings/${encodeURIComponent(binding.id)}`,
        // The binding belongs to the organization; its pattern may hold a "*", so it is not part of the name.
        `${organizationCrn}/role-binding=${binding.id}`,
        binding,
      ),
      principal: binding.principal,
      role_name: binding.roleName,
      crn_pattern: binding.crnPattern,
    })
  }

  /**
   * The stored binding, once the caller may do `operation` on its pattern. A missing binding is
   * reported as such only to those who may do it on the whole organization.
   */
  async function authorizedBinding(request: FastifyRequest, id: string, operation: Operation) {
    const access = accessOf(request)
    const binding = await fromStore(() => store.getRoleBinding(id))
    const organization = access.paths.organization()
    if (binding === undefined) {
      await access.require({ resource: organization, operation })
      throw notFound('Role binding', id)
    }
    const pattern = parseCrnPattern(binding.crnPattern)
    if ('error' in pattern) {
      await access.require({ resource: organization, operation })
    } else {
      await access.requireOnPattern(pattern, binding.crnPattern, operation)
    }
    return binding
  }

  routes.get(
    '/iam/v2/role-bindings',
    {
      schema: {
        operationId: 'listIamV2RoleBindings',
        querystring: ListRoleBindingsQuery,
        response: { 200: RoleBindingList },
      },
    },
    async (request) => {
      const access = accessOf(request)
      const { crn_pattern: crnPattern, principal, role_name: roleName } = request.query
      const pattern = parsePattern(crnPattern, access.paths.organizationId, '/crn_pattern')
      await access.requireOnPattern(pattern, crnPattern, 'DescribeAccess')
      const page = await fromStore(() =>
        store.listRoleBindings(pageRequestOf(request.query), {
          crnPattern,
          ...(principal === undefined ? {} : { principal }),
          ...(roleName === undefined ? {} : { roleName }),
        }),
      )
      return listEnvelope(
        request,
        context,
        { apiVersion: 'iam/v2', kind: 'RoleBindingList' },
        page,
        render(request),
      )
    },
  )

  routes.post(
    '/iam/v2/role-bindings',
    { schema: { operationId: 'createIamV2RoleBinding', body: CreateBody, response: { 201: RoleBinding } } },
    async (request, reply) => {
      const access = accessOf(request)
      const pattern = validBinding(request.body, access.paths.organizationId)
      await access.requireOnPattern(pattern, request.body.crn_pattern, 'AlterAccess')
      const binding = await fromStore(() =>
        store.createRoleBinding(
          {
            principal: request.body.principal,
            roleName: request.body.role_name,
            crnPattern: request.body.crn_pattern,
          },
          actorOf(request),
        ),
      )
      await context.authorizer.reloadRoleBindings()
      const rendered = render(request)(binding)
      return reply.code(201).header('location', rendered.metadata.self).send(rendered)
    },
  )

  routes.get(
    '/iam/v2/role-bindings/:id',
    { schema: { operationId: 'getIamV2RoleBinding', params: IdParams, response: { 200: RoleBinding } } },
    async (request) => render(request)(await authorizedBinding(request, request.params.id, 'DescribeAccess')),
  )

  routes.delete(
    '/iam/v2/role-bindings/:id',
    { schema: { operationId: 'deleteIamV2RoleBinding', params: IdParams, response: { 200: RoleBinding } } },
    async (request) => {
      await authorizedBinding(request, request.params.id, 'AlterAccess')
      const deleted = await fromStore(() => store.deleteRoleBinding(request.params.id, actorOf(request)))
      if (deleted === undefined) throw notFound('Role binding', request.params.id)
      await context.authorizer.reloadRoleBindings()
      return render(request)(deleted)
    },
  )

  routes.post(
    '/iam/v2/access::explain',
    { schema: { operationId: 'explainAccess', body: ExplainBody, response: { 200: Explanation } } },
    async (request) => {
      const access = accessOf(request)
      const { principals, resource_crn: resourceCrn, host } = request.body
      const operation = request.body.operation as Operation
      if (!OPERATIONS.includes(operation)) {
        throw invalid(`operation must be one of ${OPERATIONS.join(', ')}.`, '/operation')
      }
      const pattern = parsePattern(resourceCrn, access.paths.organizationId, '/resource_crn')
      if (pattern.isPrefix) throw invalid('resource_crn names one resource: no "*".', '/resource_crn')
      const resource = pattern.segments
      await access.require({ resource, operation: 'DescribeAccess' })
      const explanation = await context.authorizer.explain(
        { principals, host: host ?? '' },
        { resource, operation },
      )
      const verdict = explanation.verdict
      const aclOf = (acl: (typeof explanation.denyingAcls)[number]) => ({
        cluster_id: resource.find((segment) => segment.type === 'kafka')?.name ?? '',
        resource_type: acl.resourceType,
        resource_name: acl.resourceName,
        pattern_type: acl.patternType,
        principal: acl.principal,
        host: acl.host,
        operation: acl.operation,
        permission: acl.permission,
      })
      const summaries: Record<typeof verdict.reason, string> = {
        'acl-deny': 'Denied: a Kafka ACL denies it, whatever else allows it.',
        'acl-allow': 'Allowed by a Kafka ACL.',
        'role-binding': 'Allowed by a role binding.',
        'no-rule': 'Denied: no ACL and no role binding allows it.',
        error: 'Denied: the rules could not be read (the cluster or the store is unavailable).',
      }
      return {
        kind: 'AccessExplanation' as const,
        decision: verdict.allowed ? ('ALLOWED' as const) : ('DENIED' as const),
        reason: verdict.reason,
        summary: `${summaries[verdict.reason]} ${operation} on ${formatCrn(resource)} for ${principals.join(', ')}.`,
        denying_acls: explanation.denyingAcls.map(aclOf),
        allowing_acls: explanation.allowingAcls.map(aclOf),
        granting_role_bindings: explanation.grantingRoleBindings.map((binding) => ({
          id: binding.id,
          principal: binding.principal,
          role_name: binding.roleName,
          crn_pattern: binding.crnPattern,
        })),
      }
    },
  )
}
