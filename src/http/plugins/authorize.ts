/**
 * @module http/plugins/authorize
 *
 * The enforcement point. Every route that needs credentials must have an entry in
 * `ROUTE_ACCESS` (by operationId) or the application refuses to start. Before the handler runs,
 * the route's actions are put to the authorizer for every principal the caller holds; a denial
 * (or an authorizer error) answers 403 in the API's own error shape, before anything is read, so a
 * 403 says nothing about whether the resource exists. Every decision is written to the audit trail.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Authorizer, Subject, Verdict } from '../../authz/index.ts'
import {
  AUDIT_EVENT_TYPES,
  GatewayError,
  formatCrn,
  resourceTypeOf,
  type Action,
  type AuditCredential,
  type AuditRecord,
  type AuditRequest,
  type AuditRule,
  type AuditTrail,
  type CertificateIdentity,
  type CrnPattern,
  type Operation,
  type Principal,
} from '../../core/index.ts'
import type { RoleBinding } from '../../authz/index.ts'
import type { AuthenticationOutcome } from './authenticate.ts'
import { ROUTE_ACCESS, type RouteAccess } from '../authorization/route-access.ts'
import type { ResourcePaths } from '../authorization/resource-paths.ts'

/** What handlers use to ask for more than their route's declared actions. */
export interface RequestAccess {
  readonly subject: Subject
  readonly paths: ResourcePaths
  /** Asks, audits, and throws `GW_AUTHZ_DENIED` unless every action is allowed. */
  require(...actions: Action[]): Promise<void>
  /** Asks and audits; true when at least one action is allowed. */
  allowsAny(actions: readonly Action[]): Promise<boolean>
  /** The items whose action is allowed, in order; audited as one decision on the listing. */
  filter<T>(
    items: readonly T[],
    toAction: (item: T) => Promise<Action> | Action,
    listing: Action,
  ): Promise<T[]>
  /** Which of `operations` are allowed on a resource, without auditing (for `authorized_operations`). */
  allowedOperations(resource: Action['resource'], operations: readonly Operation[]): Promise<Operation[]>
  /** Role bindings only: may the caller do `operation` on everything `pattern` covers? Audited. */
  requireOnPattern(pattern: CrnPattern, patternText: string, operation: Operation): Promise<RoleBinding>
  /** True when the caller holds this principal (its own API keys, for instance). */
  holds(principal: string): boolean
  /**
   * Records that the caller may do `action` because the resource is its own (its own API keys),
   * which needs no rule. The handler has checked `holds` first.
   */
  allowOwn(action: Action): void
  /** How many decisions this request has asked for so far. */
  readonly decisionCount: number
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set before the handler of every route that needs credentials. */
    access?: RequestAccess
  }
}

/** The authorization helpers of a request; every route that needs credentials has them. */
export function accessOf(request: FastifyRequest): RequestAccess {
  if (request.access === undefined) throw new Error('authorization did not run for this route')
  return request.access
}

export interface AuthorizationDependencies {
  readonly authorizer: Authorizer
  readonly paths: ResourcePaths
  readonly audit: AuditTrail
  /** `source` of audit events. */
  readonly auditSource: string
}

export function credentialOf(principal: Principal | undefined): AuditCredential {
  if (principal === undefined) return { kind: 'none' }
  if (principal.oauth !== undefined) {
    const { providerId, poolIds, subject } = principal.oauth
    return { kind: 'oauth', providerId, poolIds, ...(subject === undefined ? {} : { subject }) }
  }
  if (principal.certificate !== undefined) return certificateCredentialOf(principal.certificate)
  if (principal.session !== undefined)
    return { kind: 'session', id: principal.credentialId, userId: principal.session.userId }
  return { kind: 'api_key', id: principal.credentialId }
}

/** A verified client certificate as the audit trail names it. */
export function certificateCredentialOf(certificate: CertificateIdentity): AuditCredential {
  const { fingerprint, certificateAuthorityIds, poolIds, externalIdentifier } = certificate
  return {
    kind: 'certificate',
    fingerprint,
    certificateAuthorityIds,
    poolIds,
    ...(externalIdentifier === undefined ? {} : { externalIdentifier }),
  }
}

/** The CloudEvents `subject` of a record: which credential acted. */
function auditSubjectOf(credential: AuditCredential): string {
  switch (credential.kind) {
    case 'api_key':
      return `api-key:${credential.id}`
    case 'oauth':
      return `identity-provider:${credential.providerId}`
    case 'certificate':
    case 'refused_certificate':
      return credential.fingerprint === undefined
        ? 'credential:certificate'
        : `certificate:${credential.fingerprint}`
    case 'session':
      return `console-session:${credential.id}`
    default:
      return `credential:${credential.kind}`
  }
}

export function auditRequestOf(request: FastifyRequest): AuditRequest {
  return {
    requestId: request.id,
    method: request.method,
    path: request.url.split('?')[0]!,
    clientAddress: request.ip,
  }
}

/** The audit record of one authentication. */
export function authenticationRecord(
  request: FastifyRequest,
  outcome: AuthenticationOutcome,
  source: string,
): AuditRecord {
  const credential = outcome.credential
  return {
    specversion: '1.0',
    id: randomUUID(),
    source,
    type: AUDIT_EVENT_TYPES.authentication,
    time: new Date().toISOString(),
    subject: auditSubjectOf(credential),
    datacontenttype: 'application/json',
    data: {
      request: auditRequestOf(request),
      credential,
      principals: outcome.principal?.principals ?? [],
      decision: outcome.failure === undefined ? 'ALLOWED' : 'DENIED',
      ...(outcome.failure === undefined ? {} : { failure: outcome.failure }),
    },
  }
}

function auditRuleOf(verdict: Verdict): AuditRule | undefined {
  const rule = verdict.rule
  if (rule === undefined) return undefined
  if (rule.kind === 'acl') return { kind: 'acl', clusterId: rule.clusterId, ...rule.acl }
  return {
    kind: 'role_binding',
    id: rule.binding.id,
    principal: rule.binding.principal,
    roleName: rule.binding.roleName,
    crnPattern: rule.binding.crnPattern,
  }
}

function routeAccessOf(request: FastifyRequest): RouteAccess | undefined {
  const operationId = request.routeOptions.schema?.operationId
  return operationId === undefined ? undefined : ROUTE_ACCESS[operationId]
}

export function installAuthorization(app: FastifyInstance, deps: AuthorizationDependencies): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.isPublic === true) return
    const operationId = route.schema?.operationId
    if (operationId === undefined || ROUTE_ACCESS[operationId] === undefined) {
      throw new TypeError(
        `Route ${[route.method].flat().join(',')} ${route.url} declares no access rule: give it an operationId with an entry in ROUTE_ACCESS (http/authorization/route-access.ts).`,
      )
    }
  })

  const recordDecision = (request: FastifyRequest, subject: Subject, verdict: Verdict, extra = {}): void => {
    deps.audit.record({
      specversion: '1.0',
      id: randomUUID(),
      source: deps.auditSource,
      type: AUDIT_EVENT_TYPES.authorization,
      time: new Date().toISOString(),
      subject: formatCrn(verdict.action.resource),
      datacontenttype: 'application/json',
      data: {
        request: auditRequestOf(request),
        credential: credentialOf(request.principal),
        principals: subject.principals,
        operation: verdict.action.operation,
        resourceType: resourceTypeOf(verdict.action.resource),
        resource: formatCrn(verdict.action.resource),
        decision: verdict.allowed ? 'ALLOWED' : 'DENIED',
        reason: verdict.reason,
        ...(auditRuleOf(verdict) === undefined ? {} : { rule: auditRuleOf(verdict)! }),
        ...extra,
      },
    })
    if (verdict.reason === 'error') {
      request.log.error(
        { error: verdict.error, operation: verdict.action.operation },
        'authorization failed: denying',
      )
    }
  }

  const denied = (): GatewayError => new GatewayError('GW_AUTHZ_DENIED')

  app.addHook('preHandler', async (request) => {
    const principal = request.principal
    const access = routeAccessOf(request)
    if (principal === undefined || access === undefined) return
    const subject: Subject = { principals: principal.principals, host: request.ip }
    let decisions = 0
    const ask = async (actions: readonly Action[]): Promise<Verdict[]> => {
      decisions++
      const verdicts = await deps.authorizer.authorize(subject, actions)
      for (const verdict of verdicts) recordDecision(request, subject, verdict)
      return verdicts
    }
    const requestAccess: RequestAccess = {
      subject,
      paths: deps.paths,
      require: async (...actions) => {
        const verdicts = await ask(actions)
        if (!verdicts.every((verdict) => verdict.allowed)) throw denied()
      },
      allowsAny: async (actions) => (await ask(actions)).some((verdict) => verdict.allowed),
      filter: async (items, toAction, listing) => {
        decisions++
        const actions = await Promise.all(items.map(async (item) => toAction(item)))
        const verdicts = await deps.authorizer.authorize(subject, actions)
        const shown = items.filter((_item, index) => verdicts[index]!.allowed)
        recordDecision(
          request,
          subject,
          { action: listing, allowed: true, reason: 'no-rule' },
          { listed: { shown: shown.length, hidden: items.length - shown.length } },
        )
        return shown
      },
      allowedOperations: async (resource, operations) => {
        const verdicts = await deps.authorizer.authorize(
          subject,
          operations.map((operation) => ({ resource, operation })),
        )
        return operations.filter((_operation, index) => verdicts[index]!.allowed)
      },
      requireOnPattern: async (pattern, patternText, operation) => {
        decisions++
        const binding = deps.authorizer.authorizePattern(subject, pattern, operation)
        const action: Action = { resource: pattern.segments, operation }
        recordDecision(
          request,
          subject,
          binding === undefined
            ? { action, allowed: false, reason: 'no-rule' }
            : { action, allowed: true, reason: 'role-binding', rule: { kind: 'role-binding', binding } },
          { pattern: patternText },
        )
        if (binding === undefined) throw denied()
        return binding
      },
      holds: (name) => subject.principals.includes(name),
      allowOwn: (action) => {
        decisions++
        recordDecision(
          request,
          subject,
          { action, allowed: true, reason: 'no-rule' },
          { reason: 'own-resource' },
        )
      },
      get decisionCount() {
        return decisions
      },
    }
    request.access = requestAccess

    switch (access.kind) {
      case 'authenticated':
      case 'in-handler':
        return
      case 'all-of':
        return requestAccess.require(...(await access.actions(request, deps.paths)))
      case 'any-of':
        if (!(await requestAccess.allowsAny(await access.actions(request, deps.paths)))) throw denied()
        return
    }
  })

  // A handler that was to decide but answers success without asking anything: fail closed.
  app.addHook('onSend', async (request, reply, payload) => {
    const access = routeAccessOf(request)
    if (access?.kind !== 'in-handler' || reply.statusCode >= 400) return payload
    if ((request.access?.decisionCount ?? 0) === 0) {
      throw new Error(`route ${request.routeOptions.url} answered without an authorization decision`)
    }
    return payload
  })
}
