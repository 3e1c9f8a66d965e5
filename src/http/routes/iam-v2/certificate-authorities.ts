/**
 * @module http/routes/iam-v2/certificate-authorities
 *
 * `/iam/v2/certificate-authorities`: the authorities whose client certificates Gatehouse accepts
 * on its TLS listener (mTLS), with their revocation lists. Confluent offers mTLS on the Kafka
 * protocol only; Gatehouse offers it on HTTP. Adding or deleting an authority changes what the
 * listener accepts before the response is sent (no restart); deleting one deletes its certificate
 * identity pools and their role bindings, and answers with the deleted object as Confluent does.
 */
import type { X509Certificate } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import {
  checkFetchableUrl,
  describeChain,
  parseCertificateChain,
  pemTextOf,
  PemInputError,
  readRevocationLists,
} from '../../../authn/index.ts'
import type { Authorizer } from '../../../authz/index.ts'
import { GatewayError } from '../../../core/index.ts'
import type { CertificateAuthorityRecord } from '../../../store/index.ts'
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
import type { CertificateAuthorityServices } from './certificate-authority-services.ts'
import { Description, DisplayName } from './identity-providers.ts'

export interface CertificateAuthorityRouteContext extends ControlPlaneContext {
  readonly authorizer: Authorizer
  readonly services: CertificateAuthorityServices
}

const CertificateChain = Type.String({
  minLength: 1,
  maxLength: 65_536,
  description:
    'PEM (or base64 of PEM) of 1 to 4 CA certificates: the root and/or intermediates that sign client certificates.',
})
const CertificateChainFilename = Type.String({
  minLength: 1,
  maxLength: 255,
  description: 'The name of the file the chain came from, e.g. `ca.pem` (kept for display).',
})
const CrlChain = Type.String({
  minLength: 1,
  maxLength: 1_048_576,
  description: 'PEM `X509 CRL` blocks, each signed by a certificate of the chain. Not with `crl_url`.',
})
const CrlUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'An https URL the CRL (DER or PEM) is fetched from, and refreshed. Not with `crl_chain`.',
})
const RequireCrl = Type.Boolean({
  description:
    'Refuse client certificates for which no current CRL of their issuer is known (default false).',
})

export const CertificateAuthority = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('CertificateAuthority'),
  id: Type.String(),
  metadata: ObjectMeta,
  display_name: Type.String(),
  description: Type.String(),
  fingerprints: Type.Array(Type.String(), { description: 'SHA-1 of each certificate of the chain, in hex.' }),
  expiration_dates: Type.Array(Type.String({ format: 'date-time' })),
  serial_numbers: Type.Array(Type.String()),
  certificate_chain_filename: Type.String(),
  crl_source: Type.Optional(
    Type.String({ description: '`LOCAL` (crl_chain) or `URL` (crl_url); absent without a CRL.' }),
  ),
  crl_url: Type.Optional(Type.String()),
  crl_updated_at: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'When the CRL was uploaded, or last fetched by this instance.',
    }),
  ),
  require_crl_on_client_certificate: Type.Boolean(),
  state: Type.String(),
})

const CertificateAuthorityList = Type.Object({
  api_version: Type.Literal('iam/v2'),
  kind: Type.Literal('CertificateAuthorityList'),
  metadata: ListMeta,
  data: Type.Array(CertificateAuthority),
})

const CreateBody = Type.Object(
  {
    ...EchoedEnvelope,
    display_name: DisplayName,
    description: Type.Optional(Description),
    certificate_chain: CertificateChain,
    certificate_chain_filename: CertificateChainFilename,
    crl_chain: Type.Optional(CrlChain),
    crl_url: Type.Optional(CrlUrl),
    require_crl_on_client_certificate: Type.Optional(RequireCrl),
  },
  { additionalProperties: false },
)

const UpdateBody = Type.Object(
  {
    ...EchoedEnvelope,
    display_name: Type.Optional(DisplayName),
    description: Type.Optional(Description),
    certificate_chain: Type.Optional(CertificateChain),
    certificate_chain_filename: Type.Optional(CertificateChainFilename),
    crl_chain: Type.Optional(Type.Union([CrlChain, Type.Null()], { description: 'null removes it.' })),
    crl_url: Type.Optional(Type.Union([CrlUrl, Type.Null()], { description: 'null removes it.' })),
    require_crl_on_client_certificate: Type.Optional(RequireCrl),
  },
  { additionalProperties: false },
)

function invalid(message: string, pointer: string): GatewayError {
  return new GatewayError('GW_CERTIFICATE_AUTHORITY_INVALID', message, { source: { pointer } })
}

export function certificateAuthorityUrl(origin: string, id: string): string {
  return `${origin}/iam/v2/certificate-authorities/${encodeURIComponent(id)}`
}

export function certificateAuthorityCrn(organizationId: string, id: string): string {
  return `${CRN_ROOT}/organization=${organizationId}/certificate-authority=${id}`
}

export function registerCertificateAuthorityRoutes(
  app: FastifyInstance,
  context: CertificateAuthorityRouteContext,
): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const store = context.identities

  /** The chain as normalized PEM text, once it holds 1 to 4 CA certificates. */
  function checkChain(input: string) {
    try {
      const text = pemTextOf(input)
      const certificates = parseCertificateChain(text)
      return { pem: certificates.map((certificate) => certificate.toString()).join(''), certificates }
    } catch (error) {
      if (error instanceof PemInputError)
        throw invalid(`certificate_chain ${error.message}`, '/certificate_chain')
      throw error
    }
  }

  function checkCrlChain(input: string, authorities: readonly X509Certificate[]): string {
    try {
      const text = pemTextOf(input)
      readRevocationLists(text, authorities)
      return text
    } catch (error) {
      if (error instanceof PemInputError) throw invalid(`crl_chain ${error.message}`, '/crl_chain')
      throw error
    }
  }

  async function checkCrlUrl(url: string, authorities: readonly X509Certificate[]): Promise<string> {
    try {
      checkFetchableUrl(url, context.services.allowLoopbackHttpCrlUrls)
      await context.services.fetchRevocationLists(url, authorities)
      return url
    } catch (error) {
      throw invalid(`crl_url cannot be used: ${(error as Error).message}`, '/crl_url')
    }
  }

  const renderer = async (request: FastifyRequest) => {
    const origin = originOf(request, context)
    const organizationId = await organizationIdOf(context)
    return (authority: CertificateAuthorityRecord) => {
      const chain = describeChain(parseCertificateChain(authority.certificateChain))
      const status = context.services.revocationStatus(authority.id)
      const crlUpdatedAt =
        authority.crlChain !== undefined
          ? authority.crlChainUpdatedAt
          : authority.crlUrl !== undefined
            ? status?.updatedAt
            : undefined
      return {
        api_version: 'iam/v2' as const,
        kind: 'CertificateAuthority' as const,
        id: authority.id,
        metadata: objectMeta(
          certificateAuthorityUrl(origin, authority.id),
          certificateAuthorityCrn(organizationId, authority.id),
          authority,
        ),
        display_name: authority.displayName,
        description: authority.description,
        fingerprints: [...chain.fingerprints],
        expiration_dates: chain.expirationDates.map((date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z')),
        serial_numbers: [...chain.serialNumbers],
        certificate_chain_filename: authority.certificateChainFilename,
        ...(authority.crlChain !== undefined ? { crl_source: 'LOCAL' } : {}),
        ...(authority.crlUrl !== undefined ? { crl_source: 'URL', crl_url: authority.crlUrl } : {}),
        ...(crlUpdatedAt === undefined ? {} : { crl_updated_at: crlUpdatedAt.toISOString() }),
        require_crl_on_client_certificate: authority.requireCrlOnClientCertificate,
        state: authority.state,
      }
    }
  }

  routes.get(
    '/iam/v2/certificate-authorities',
    {
      schema: {
        operationId: 'listIamV2CertificateAuthorities',
        querystring: ListQuery,
        response: { 200: CertificateAuthorityList },
      },
    },
    async (request) => {
      const page = await fromStore(() => store.listCertificateAuthorities(pageRequestOf(request.query)))
      const render = await renderer(request)
      return listEnvelope(
        request,
        context,
        { apiVersion: 'iam/v2', kind: 'CertificateAuthorityList' },
        page,
        render,
      )
    },
  )

  routes.post(
    '/iam/v2/certificate-authorities',
    {
      schema: {
        operationId: 'createIamV2CertificateAuthority',
        body: CreateBody,
        response: { 201: CertificateAuthority },
      },
    },
    async (request, reply) => {
      const body = request.body
      if (body.crl_chain !== undefined && body.crl_url !== undefined)
        throw invalid('Give crl_chain or crl_url, not both.', '/crl_url')
      const chain = checkChain(body.certificate_chain)
      const crlChain =
        body.crl_chain === undefined ? undefined : checkCrlChain(body.crl_chain, chain.certificates)
      const crlUrl =
        body.crl_url === undefined ? undefined : await checkCrlUrl(body.crl_url, chain.certificates)
      const requireCrl = body.require_crl_on_client_certificate ?? false
      if (requireCrl && crlChain === undefined && crlUrl === undefined)
        throw invalid(
          'require_crl_on_client_certificate needs a CRL: give crl_chain or crl_url too.',
          '/require_crl_on_client_certificate',
        )
      const authority = await fromStore(() =>
        store.createCertificateAuthority(
          {
            displayName: body.display_name,
            description: body.description ?? '',
            certificateChain: chain.pem,
            certificateChainFilename: body.certificate_chain_filename,
            crlChain,
            crlUrl,
            requireCrlOnClientCertificate: requireCrl,
          },
          actorOf(request),
        ),
      )
      // Clients of this authority can connect from the moment this answers.
      await context.services.reloadCertificateAuthorities()
      const rendered = (await renderer(request))(authority)
      return reply.code(201).header('location', rendered.metadata.self).send(rendered)
    },
  )

  routes.get(
    '/iam/v2/certificate-authorities/:id',
    {
      schema: {
        operationId: 'getIamV2CertificateAuthority',
        params: IdParams,
        response: { 200: CertificateAuthority },
      },
    },
    async (request) => {
      const authority = await fromStore(() => store.getCertificateAuthority(request.params.id))
      if (!authority) throw notFound('Certificate authority', request.params.id)
      return (await renderer(request))(authority)
    },
  )

  routes.put(
    '/iam/v2/certificate-authorities/:id',
    {
      schema: {
        operationId: 'updateIamV2CertificateAuthority',
        params: IdParams,
        body: UpdateBody,
        response: { 200: CertificateAuthority },
      },
    },
    async (request) => {
      const { id } = request.params
      const body = request.body
      const existing = await fromStore(() => store.getCertificateAuthority(id))
      if (!existing) throw notFound('Certificate authority', id)
      if (typeof body.crl_chain === 'string' && typeof body.crl_url === 'string')
        throw invalid('Give crl_chain or crl_url, not both.', '/crl_url')
      const chain = body.certificate_chain === undefined ? undefined : checkChain(body.certificate_chain)
      const authorities = chain?.certificates ?? parseCertificateChain(existing.certificateChain)
      const crlChain =
        typeof body.crl_chain === 'string' ? checkCrlChain(body.crl_chain, authorities) : body.crl_chain
      // A new chain must still sign the CRLs kept from before.
      if (
        chain &&
        body.crl_chain === undefined &&
        body.crl_url === undefined &&
        existing.crlChain !== undefined
      )
        checkCrlChain(existing.crlChain, authorities)
      const crlUrl =
        typeof body.crl_url === 'string' ? await checkCrlUrl(body.crl_url, authorities) : body.crl_url
      const requireCrl = body.require_crl_on_client_certificate ?? existing.requireCrlOnClientCertificate
      // After the update: setting one CRL source clears the other, null clears one.
      const keepsChain =
        typeof crlChain === 'string' ||
        (crlChain === undefined && existing.crlChain !== undefined && typeof crlUrl !== 'string')
      const keepsUrl =
        typeof crlUrl === 'string' ||
        (crlUrl === undefined && existing.crlUrl !== undefined && typeof crlChain !== 'string')
      if (requireCrl && !keepsChain && !keepsUrl)
        throw invalid(
          'require_crl_on_client_certificate needs a CRL: give crl_chain or crl_url too.',
          '/require_crl_on_client_certificate',
        )
      const changes = {
        ...(body.display_name === undefined ? {} : { displayName: body.display_name }),
        ...(body.description === undefined ? {} : { description: body.description }),
        ...(chain === undefined ? {} : { certificateChain: chain.pem }),
        ...(body.certificate_chain_filename === undefined
          ? {}
          : { certificateChainFilename: body.certificate_chain_filename }),
        ...(crlChain === undefined ? {} : { crlChain }),
        ...(crlUrl === undefined ? {} : { crlUrl }),
        ...(body.require_crl_on_client_certificate === undefined
          ? {}
          : { requireCrlOnClientCertificate: body.require_crl_on_client_certificate }),
      }
      const authority = await fromStore(() => store.updateCertificateAuthority(id, changes, actorOf(request)))
      if (!authority) throw notFound('Certificate authority', id)
      await context.services.reloadCertificateAuthorities()
      return (await renderer(request))(authority)
    },
  )

  routes.delete(
    '/iam/v2/certificate-authorities/:id',
    {
      schema: {
        operationId: 'deleteIamV2CertificateAuthority',
        params: IdParams,
        response: { 200: CertificateAuthority },
      },
    },
    async (request) => {
      const { id } = request.params
      const render = await renderer(request)
      const deleted = await fromStore(() => store.deleteCertificateAuthority(id, actorOf(request)))
      if (!deleted) throw notFound('Certificate authority', id)
      // Its certificates are refused, and its pools' bindings stop granting, before this answers.
      await context.services.reloadCertificateAuthorities()
      await context.authorizer.reloadRoleBindings()
      return render(deleted)
    },
  )
}
