/**
 * @module http/routes/iam-v2/invitations
 *
 * `/iam/v2/invitations`: who may sign in to the console while just-in-time provisioning is off.
 * Gatehouse sends no email: an invitation is accepted when a person with that email first signs in
 * through the console's identity provider, which then creates their user.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { GatewayError } from '../../../core/index.ts'
import type { InvitationRecord } from '../../../store/index.ts'
import {
  CRN_ROOT,
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
  organizationIdOf,
  originOf,
  pageRequestOf,
  type ControlPlaneContext,
} from '../control-plane/common.ts'
import { NoContent } from '../../schemas/common.ts'
import { userCrn, userUrl } from './users.ts'
import { serviceAccountCrn, serviceAccountUrl } from './service-accounts.ts'

/** How long an invitation stays valid: Confluent's invitations expire too. */
export const INVITATION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000

/** A pragmatic email check: one `@`, something on both sides, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+$/

const ObjectReference = Type.Object({
  id: Type.String(),
  related: Type.String(),
  resource_name: Type.String(),
})

export const Invitation = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('Invitation'),
  id: Type.String(),
  metadata: ObjectMeta,
  email: Type.String(),
  auth_type: Type.String(),
  status: Type.String(),
  accepted_at: Type.Union([Type.String(), Type.Null()]),
  expires_at: Type.String(),
  user: Type.Optional(ObjectReference),
  creator: Type.Optional(ObjectReference),
})

const InvitationList = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('InvitationList'),
  metadata: ListMeta,
  data: Type.Array(Invitation),
})

const CreateBody = Type.Object(
  {
    ...EchoedEnvelope,
    email: Type.String({ minLength: 1, maxLength: 320, description: 'The email the person signs in with.' }),
    auth_type: Type.Optional(
      Type.String({ description: 'Only `AUTH_TYPE_SSO` (the default): people sign in through SSO.' }),
    ),
  },
  { additionalProperties: false },
)

function invalid(message: string, pointer: string): GatewayError {
  return new GatewayError('GW_INVITATION_INVALID', message, { source: { pointer } })
}

export function registerInvitationRoutes(app: FastifyInstance, context: ControlPlaneContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const store = context.identities.sso

  const renderer = async (request: FastifyRequest) => {
    const origin = originOf(request, context)
    const organizationId = await organizationIdOf(context)
    const reference = (principal: string) => {
      const id = principal.replace(/^User:/, '')
      if (id.startsWith('u-'))
        return { id, related: userUrl(origin, id), resource_name: userCrn(organizationId, id) }
      if (id.startsWith('sa-'))
        return {
          id,
          related: serviceAccountUrl(origin, id),
          resource_name: serviceAccountCrn(organizationId, id),
        }
      return undefined
    }
    return (invitation: InvitationRecord) => {
      const user = invitation.userId === undefined ? undefined : reference(`User:${invitation.userId}`)
      const creator = reference(invitation.creator)
      return {
        api_version: 'iam/v2' as const,
        kind: 'Invitation' as const,
        id: invitation.id,
        metadata: objectMeta(
          `${origin}/iam/v2/invitations/${encodeURIComponent(invitation.id)}`,
          `${CRN_ROOT}/organization=${organizationId}/invitation=${invitation.id}`,
          invitation,
        ),
        email: invitation.email,
        auth_type: invitation.authType,
        status: invitation.status,
        accepted_at: invitation.acceptedAt?.toISOString() ?? null,
        expires_at: invitation.expiresAt.toISOString(),
        ...(user ? { user } : {}),
        ...(creator ? { creator } : {}),
      }
    }
  }

  routes.get(
    '/iam/v2/invitations',
    {
      schema: {
        operationId: 'listIamV2Invitations',
        querystring: ListQuery,
        response: { 200: InvitationList },
      },
    },
    async (request) => {
      const page = await fromStore(() => store.listInvitations(pageRequestOf(request.query)))
      const render = await renderer(request)
      return listEnvelope(request, context, { apiVersion: 'iam/v2', kind: 'InvitationList' }, page, render)
    },
  )

  routes.post(
    '/iam/v2/invitations',
    { schema: { operationId: 'createIamV2Invitation', body: CreateBody, response: { 201: Invitation } } },
    async (request, reply) => {
      const email = request.body.email.trim()
      if (!EMAIL.test(email)) throw invalid(`email "${email}" is not an email address.`, '/email')
      const authType = request.body.auth_type ?? 'AUTH_TYPE_SSO'
      if (authType !== 'AUTH_TYPE_SSO')
        throw invalid(
          `auth_type must be AUTH_TYPE_SSO: Gatehouse has no passwords, people sign in through SSO.`,
          '/auth_type',
        )
      const existing = await fromStore(() => context.identities.findUserByEmail(email))
      if (existing)
        throw invalid(`${email} is already a user (${existing.id}); they need no invitation.`, '/email')
      const invitation = await fromStore(() =>
        store.createInvitation(
          { email, authType, expiresAt: new Date(Date.now() + INVITATION_LIFETIME_MS) },
          actorOf(request),
        ),
      )
      const rendered = (await renderer(request))(invitation)
      return reply.code(201).header('location', rendered.metadata.self).send(rendered)
    },
  )

  routes.get(
    '/iam/v2/invitations/:id',
    { schema: { operationId: 'getIamV2Invitation', params: IdParams, response: { 200: Invitation } } },
    async (request) => {
      const invitation = await fromStore(() => store.getInvitation(request.params.id))
      if (!invitation) throw notFound('Invitation', request.params.id)
      return (await renderer(request))(invitation)
    },
  )

  routes.delete(
    '/iam/v2/invitations/:id',
    { schema: { operationId: 'deleteIamV2Invitation', params: IdParams, response: { 204: NoContent } } },
    async (request, reply) => {
      const deleted = await fromStore(() => store.deleteInvitation(request.params.id, actorOf(request)))
      if (!deleted) throw notFound('Invitation', request.params.id)
      return reply.code(204).send()
    },
  )
}
