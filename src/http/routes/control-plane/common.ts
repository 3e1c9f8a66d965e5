/**
 * @module http/routes/control-plane/common
 *
 * What the `/iam/v2` and `/org/v2` routes share: object and list envelopes, paging parameters,
 * resource names, and turning store failures into registry errors.
 */
import type { FastifyRequest } from 'fastify'
import Type from 'typebox'
import { GatewayError, type Action } from '../../../core/index.ts'
import { accessOf } from '../../plugins/authorize.ts'
import {
  InvalidPageTokenError,
  StoreConflictError,
  StoreReferenceError,
  StoreSecretError,
  type IdentityStore,
  type Page,
  type PageRequest,
} from '../../../store/index.ts'

export interface ControlPlaneContext {
  readonly identities: IdentityStore
  /** Scheme and host for links; undefined takes them from each request. */
  readonly publicUrl: string | undefined
}

/** Confluent's resource names; the authority is Confluent's so that patterns copied from its docs match. */
export const CRN_ROOT = 'crn://confluent.cloud'

export function originOf(request: FastifyRequest, context: ControlPlaneContext): string {
  return context.publicUrl ?? `${request.protocol}://${request.host}`
}

export const ListQuery = Type.Object({
  page_size: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'Items per page (1–100).' }),
  page_token: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'From `metadata.next` of the previous page.' }),
  ),
})

export const ObjectMeta = Type.Object({
  self: Type.String(),
  resource_name: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
})

export const ListMeta = Type.Object({
  first: Type.String(),
  next: Type.Optional(Type.String()),
})

/** Read-only envelope fields a client may echo back in a body; they are ignored. */
export const EchoedEnvelope = {
  api_version: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String()),
}

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }) })

export function objectMeta(
  self: string,
  resourceName: string,
  record: { createdAt: Date; updatedAt: Date },
): Type.Static<typeof ObjectMeta> {
  return {
    self,
    resource_name: resourceName,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  }
}

export function pageRequestOf(query: Type.Static<typeof ListQuery>): PageRequest {
  return { pageSize: query.page_size, pageToken: query.page_token }
}

/**
 * The page without the items the caller may not see. Pages may then hold fewer than `page_size`
 * items; `next` still leads on, so a client that follows it sees everything it may.
 */
export async function visiblePage<T>(
  request: FastifyRequest,
  page: Page<T>,
  toAction: (item: T) => Promise<Action> | Action,
  listing: Action,
): Promise<Page<T>> {
  const items = await accessOf(request).filter(page.items, toAction, listing)
  return page.nextPageToken === undefined ? { items } : { items, nextPageToken: page.nextPageToken }
}

/** The list envelope, with `next` pointing at the same URL and the next page's token. */
export function listEnvelope<T, Item, Version extends string, Kind extends string>(
  request: FastifyRequest,
  context: ControlPlaneContext,
  envelope: { apiVersion: Version; kind: Kind },
  page: Page<T>,
  render: (item: T) => Item,
) {
  const url = new URL(request.url, originOf(request, context))
  url.searchParams.delete('page_token')
  const first = url.toString()
  let next: string | undefined
  if (page.nextPageToken !== undefined) {
    url.searchParams.set('page_token', page.nextPageToken)
    next = url.toString()
  }
  return {
    api_version: envelope.apiVersion,
    kind: envelope.kind,
    metadata: { first, ...(next === undefined ? {} : { next }) },
    data: page.items.map(render),
  }
}

/**
 * Runs a store call and translates its failures: conflicts → 409, missing references and secrets
 * that cannot be encrypted → 422,
 * foreign page tokens → 400, anything else (the database is down) → 503, failing closed.
 */
export async function fromStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (error instanceof GatewayError) throw error
    if (error instanceof StoreConflictError) {
      throw new GatewayError('GW_RESOURCE_CONFLICT', error.message, {
        cause: error,
        source: { pointer: error.field },
      })
    }
    if (error instanceof StoreReferenceError) {
      throw new GatewayError('GW_HTTP_INVALID_FIELD', error.message, {
        cause: error,
        source: { pointer: error.field },
      })
    }
    if (error instanceof StoreSecretError) {
      throw new GatewayError('GW_STORE_ENCRYPTION_KEY_REQUIRED', error.message, { cause: error })
    }
    if (error instanceof InvalidPageTokenError) {
      throw new GatewayError('GW_INVALID_PAGE_TOKEN', error.message, {
        cause: error,
        source: { parameter: 'page_token' },
      })
    }
    throw new GatewayError('GW_STORE_UNAVAILABLE', undefined, { cause: error })
  }
}

const organizationIds = new WeakMap<IdentityStore, Promise<string>>()

/** The organization's id, read once per store (it never changes). */
export async function organizationIdOf(context: ControlPlaneContext): Promise<string> {
  let id = organizationIds.get(context.identities)
  if (!id) {
    id = fromStore(async () => (await context.identities.getOrganization()).id)
    id.catch(() => organizationIds.delete(context.identities))
    organizationIds.set(context.identities, id)
  }
  return id
}

export function notFound(what: string, id: string): GatewayError {
  return new GatewayError('GW_RESOURCE_NOT_FOUND', `${what} ${id} was not found.`)
}

/** Who made a change, for the audit record. */
export function actorOf(request: FastifyRequest) {
  const principal = request.principal
  if (!principal) throw new GatewayError('GW_AUTHN_REQUIRED')
  return { principal: principal.name, credentialId: principal.credentialId }
}
