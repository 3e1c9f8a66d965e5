/**
 * @module cli/commands/identity
 *
 * Environments, clusters, service accounts, API keys, identity providers and pools, certificate
 * authorities and their pools, SSO group mappings and role bindings: the `/org/v2`, `/cmk/v2` and
 * `/iam/v2` resources, with the verbs and flag names of Confluent's CLI where they fit.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { isJsonObject, type Json } from '../api-client.ts'
import { ApiError, CliError, EXIT_CODES, UsageError } from '../cli-error.ts'
import { booleanFlag, requiredArg, stringFlag, type CommandSpec, type Invocation } from '../command.ts'
import { valueAt } from '../output.ts'
import { LIMIT_FLAG, limitOf, resourceCommands } from './resource.ts'

const NAME_COLUMNS = [
  { heading: 'ID', path: 'id' },
  { heading: 'Name', path: 'display_name' },
]
const DESCRIPTION = { type: 'string', description: 'Free text.', field: 'description' } as const

function parentId(invocation: Invocation, flag: string): string {
  const value = stringFlag(invocation, flag)
  if (value === undefined) throw new UsageError(`missing required flag --${flag}`)
  return encodeURIComponent(value)
}

function readCertificateChain(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
}

/** The cluster a command acts on: `--cluster`, else the context's default (`kafka cluster use`). */
export function clusterOf(invocation: Invocation): string {
  const explicit = stringFlag(invocation, 'cluster')
  if (explicit !== undefined) return explicit
  const fallback = invocation.context().context.clusterId
  if (fallback === undefined) {
    throw new UsageError('no cluster: give --cluster ID, or choose one with "gatehouse kafka cluster use ID"')
  }
  return fallback
}

export const CLUSTER_FLAG = {
  type: 'string',
  description: 'The Kafka cluster id (default: the one chosen with "kafka cluster use").',
  placeholder: 'ID',
} as const

/** The CRN of the organization, or of a cluster or a resource in it, for role bindings. */
async function crnOf(invocation: Invocation): Promise<string> {
  const explicit = stringFlag(invocation, 'crn-pattern')
  if (explicit !== undefined) return explicit
  const api = invocation.api()
  const organizations = await api.list('/org/v2/organizations', {}, 1)
  const organizationId = valueAt(organizations[0], 'id')
  if (typeof organizationId !== 'string')
    throw new CliError('the gateway answered no organization', EXIT_CODES.failure)
  let crn = `crn://confluent.cloud/organization=${organizationId}`
  const clusterId = stringFlag(invocation, 'cluster')
  const environmentId = stringFlag(invocation, 'environment')
  if (clusterId !== undefined) {
    const cluster = await api.request('GET', `/cmk/v2/clusters/${encodeURIComponent(clusterId)}`)
    const environment = valueAt(cluster, 'spec.environment.id')
    if (typeof environment !== 'string') {
      throw new CliError(`the gateway answered no environment for cluster ${clusterId}`, EXIT_CODES.failure)
    }
    crn += `/environment=${environment}/cloud-cluster=${clusterId}`
    const resource = stringFlag(invocation, 'resource')
    if (resource !== undefined) {
      const match = /^(Topic|Group|TransactionalId|Cluster):(.+)$/i.exec(resource)
      if (!match)
        throw new UsageError(`--resource must look like Topic:NAME or Group:NAME, not "${resource}"`)
      const kind = match[1]!.toLowerCase()
      const name = match[2]!
      crn += `/kafka=${clusterId}`
      if (kind === 'cluster') return crn
      const segment = { topic: 'topic', group: 'group', transactionalid: 'transactional-id' }[kind]
      crn += `/${segment}=${name}${booleanFlag(invocation, 'prefix') ? '*' : ''}`
    }
  } else if (environmentId !== undefined) {
    crn += `/environment=${environmentId}`
  } else if (stringFlag(invocation, 'resource') !== undefined) {
    throw new UsageError('--resource needs --cluster')
  }
  return crn
}

const SCOPE_FLAGS = {
  'crn-pattern': {
    type: 'string',
    description: 'The resource-name pattern, written out (instead of the flags below).',
    placeholder: 'CRN',
  },
  environment: { type: 'string', description: 'On this environment.', placeholder: 'ID' },
  cluster: { type: 'string', description: 'On this Kafka cluster.', placeholder: 'ID' },
  resource: {
    type: 'string',
    description: 'On this resource of the cluster: Topic:NAME, Group:NAME, TransactionalId:NAME.',
    placeholder: 'TYPE:NAME',
  },
  prefix: { type: 'boolean', description: 'The resource name is a prefix (adds * to the pattern).' },
} as const

function warnSecretOnce(created: Json, invocation: Invocation): void {
  if (typeof valueAt(created, 'spec.secret') !== 'string') return
  invocation.io.stderr.write(
    'Warning: save the API secret now. It is shown only this once and cannot be retrieved again.\n',
  )
}

export function identityCommands(): CommandSpec[] {
  return [
    ...resourceCommands({
      group: ['environment'],
      noun: 'environment',
      collection: () => '/org/v2/environments',
      columns: NAME_COLUMNS,
      nameField: 'display_name',
      updateFlags: { name: { type: 'string', description: 'A new display name.', field: 'display_name' } },
    }),
    {
      path: ['kafka', 'cluster', 'list'],
      summary: 'List the Kafka clusters behind the gateway.',
      flags: {
        environment: {
          type: 'string',
          description: 'Only the clusters of this environment.',
          placeholder: 'ID',
        },
        limit: LIMIT_FLAG,
      },
      run: async (invocation) => {
        const items = await invocation
          .api()
          .list(
            '/cmk/v2/clusters',
            { environment: stringFlag(invocation, 'environment') },
            limitOf(invocation),
          )
        const current = invocation.context().context.clusterId
        const marked = items.map((item) =>
          isJsonObject(item) ? { ...item, current: item['id'] === current ? '*' : '' } : item,
        )
        return {
          kind: 'list',
          // The mark is for people; programs get the API's objects unchanged.
          items: invocation.output === 'human' ? marked : items,
          columns: [
            { heading: 'Current', path: 'current' },
            { heading: 'ID', path: 'id' },
            { heading: 'Name', path: 'spec.display_name' },
            { heading: 'Environment', path: 'spec.environment.id' },
            { heading: 'Bootstrap', path: 'spec.kafka_bootstrap_endpoint' },
            { heading: 'Status', path: 'status.phase' },
          ],
        }
      },
    },
    {
      path: ['kafka', 'cluster', 'describe'],
      summary: 'Show one Kafka cluster.',
      args: [{ name: 'id', description: 'The cluster id.', isOptional: true }],
      run: async (invocation) => {
        const id = invocation.args['id'] ?? clusterOf(invocation)
        const value = await invocation.api().request('GET', `/cmk/v2/clusters/${encodeURIComponent(id)}`)
        return { kind: 'object', value: value ?? null }
      },
    },
    {
      path: ['kafka', 'cluster', 'use'],
      summary: 'Make a cluster the default of the current context for kafka commands.',
      args: [{ name: 'id', description: 'The cluster id.' }],
      run: async (invocation) => {
        const id = requiredArg(invocation, 'id')
        // Checked first, so that a typo does not become the default. A cluster key may read the
        // Kafka API only, a management key the management API only.
        const api = invocation.api()
        await api.request('GET', `/kafka/v3/clusters/${encodeURIComponent(id)}`).catch((error: unknown) => {
          if (!(error instanceof ApiError && error.status === 401)) throw error
          return api.request('GET', `/cmk/v2/clusters/${encodeURIComponent(id)}`)
        })
        const { name, context } = invocation.context()
        const config = invocation.config.read()
        invocation.config.write({
          ...config,
          contexts: { ...config.contexts, [name]: { ...context, clusterId: id } },
        })
        return {
          kind: 'message',
          text: `Kafka commands of context "${name}" now use cluster "${id}".`,
          value: { cluster_id: id },
        }
      },
    },
    ...resourceCommands({
      group: ['iam', 'service-account'],
      noun: 'service account',
      collection: () => '/iam/v2/service-accounts',
      columns: [...NAME_COLUMNS, { heading: 'Description', path: 'description' }],
      nameField: 'display_name',
      createFlags: { description: DESCRIPTION },
      updateFlags: {
        name: { type: 'string', description: 'A new display name.', field: 'display_name' },
        description: DESCRIPTION,
      },
    }),
    ...resourceCommands({
      group: ['api-key'],
      noun: 'API key',
      collection: () => '/iam/v2/api-keys',
      columns: [
        { heading: 'Key', path: 'id' },
        { heading: 'Name', path: 'spec.display_name' },
        { heading: 'Owner', path: 'spec.owner.id' },
        { heading: 'Resource', path: 'spec.resource.id' },
        { heading: 'Created', path: 'metadata.created_at' },
      ],
      listFilters: {
        'service-account': {
          type: 'string',
          description: 'Only the keys of this service account (or user).',
          placeholder: 'ID',
          query: 'spec.owner',
        },
        resource: {
          type: 'string',
          description: 'Only the keys of this cluster.',
          placeholder: 'ID',
          query: 'spec.resource',
        },
      },
      createFlags: {
        'service-account': {
          type: 'string',
          required: true,
          description: 'The owner: a service account (or user) id.',
          placeholder: 'ID',
          field: 'spec.owner.id',
        },
        resource: {
          type: 'string',
          required: true,
          description: 'The cluster id the key opens, or "cloud" for the management API.',
          placeholder: 'ID',
          field: 'spec.resource',
          toValue: (text) => (text === 'cloud' ? null : { id: text }),
        },
        name: { type: 'string', description: 'A display name.', field: 'spec.display_name' },
        description: { ...DESCRIPTION, field: 'spec.description' },
      },
      updateFlags: {
        name: { type: 'string', description: 'A new display name.', field: 'spec.display_name' },
        description: { ...DESCRIPTION, field: 'spec.description' },
      },
      afterCreate: warnSecretOnce,
    }),
    ...resourceCommands({
      group: ['iam', 'provider'],
      noun: 'identity provider',
      collection: () => '/iam/v2/identity-providers',
      columns: [
        ...NAME_COLUMNS,
        { heading: 'Issuer', path: 'issuer' },
        { heading: 'JWKS URI', path: 'jwks_uri' },
      ],
      nameField: 'display_name',
      createFlags: {
        issuer: {
          type: 'string',
          required: true,
          description: 'The tokens\' "iss" (https URL).',
          placeholder: 'URL',
          field: 'issuer',
        },
        'jwks-uri': {
          type: 'string',
          description: 'Where its keys are (found by OIDC discovery if left out).',
          placeholder: 'URL',
          field: 'jwks_uri',
        },
        'identity-claim': {
          type: 'string',
          description: 'The claim naming the identity, e.g. claims.sub.',
          placeholder: 'CLAIM',
          field: 'identity_claim',
        },
        audience: {
          type: 'string',
          description: 'The "aud" tokens must carry.',
          placeholder: 'AUD',
          field: 'audience',
        },
        description: DESCRIPTION,
      },
      updateFlags: {
        name: { type: 'string', description: 'A new display name.', field: 'display_name' },
        issuer: { type: 'string', description: 'A new issuer.', placeholder: 'URL', field: 'issuer' },
        'jwks-uri': { type: 'string', description: 'A new JWKS URI.', placeholder: 'URL', field: 'jwks_uri' },
        'identity-claim': {
          type: 'string',
          description: 'A new identity claim.',
          placeholder: 'CLAIM',
          field: 'identity_claim',
        },
        description: DESCRIPTION,
      },
    }),
    ...resourceCommands({
      group: ['iam', 'pool'],
      noun: 'identity pool',
      collection: (invocation) =>
        `/iam/v2/identity-providers/${parentId(invocation, 'provider')}/identity-pools`,
      parentFlags: {
        provider: {
          type: 'string',
          required: true,
          description: 'The identity provider id.',
          placeholder: 'ID',
        },
      },
      columns: [
        ...NAME_COLUMNS,
        { heading: 'Identity claim', path: 'identity_claim' },
        { heading: 'Filter', path: 'filter' },
      ],
      nameField: 'display_name',
      createFlags: {
        filter: {
          type: 'string',
          required: true,
          description: "CEL over the token's claims.",
          placeholder: 'CEL',
          field: 'filter',
        },
        'identity-claim': {
          type: 'string',
          description: 'The claim naming the identity.',
          placeholder: 'CLAIM',
          field: 'identity_claim',
        },
        description: DESCRIPTION,
      },
      updateFlags: {
        name: { type: 'string', description: 'A new display name.', field: 'display_name' },
        filter: { type: 'string', description: 'A new filter.', placeholder: 'CEL', field: 'filter' },
        'identity-claim': {
          type: 'string',
          description: 'A new identity claim.',
          placeholder: 'CLAIM',
          field: 'identity_claim',
        },
        description: DESCRIPTION,
      },
    }),
    ...resourceCommands({
      group: ['iam', 'certificate-authority'],
      noun: 'certificate authority',
      collection: () => '/iam/v2/certificate-authorities',
      columns: [
        ...NAME_COLUMNS,
        { heading: 'Fingerprints', path: 'fingerprints' },
        { heading: 'State', path: 'state' },
      ],
      nameField: 'display_name',
      createDefaults: { description: '' },
      createFlags: {
        'certificate-chain-file': {
          type: 'string',
          required: true,
          description: 'A PEM file with the CA certificate chain.',
          placeholder: 'PATH',
          field: 'certificate_chain',
          toValue: readCertificateChain,
          // The file name travels with the chain, as the API expects both.
          alsoSets: (path) => ({ certificate_chain_filename: basename(path) }),
        },
        'crl-url': {
          type: 'string',
          description: 'Where its revocation list is.',
          placeholder: 'URL',
          field: 'crl_url',
        },
        description: DESCRIPTION,
      },
      updateMethod: 'PUT',
      keptOnUpdate: ['display_name', 'description', 'crl_url'],
      updateFlags: {
        name: { type: 'string', description: 'A new display name.', field: 'display_name' },
        'certificate-chain-file': {
          type: 'string',
          description: 'A new PEM certificate chain.',
          placeholder: 'PATH',
          field: 'certificate_chain',
          toValue: readCertificateChain,
          // The file name travels with the chain, as the API expects both.
          alsoSets: (path) => ({ certificate_chain_filename: basename(path) }),
        },
        'crl-url': {
          type: 'string',
          description: 'A new revocation list URL.',
          placeholder: 'URL',
          field: 'crl_url',
        },
        description: DESCRIPTION,
      },
    }),
    ...resourceCommands({
      group: ['iam', 'certificate-pool'],
      noun: 'certificate identity pool',
      collection: (invocation) =>
        `/iam/v2/certificate-authorities/${parentId(invocation, 'certificate-authority')}/identity-pools`,
      parentFlags: {
        'certificate-authority': {
          type: 'string',
          required: true,
          description: 'The certificate authority id.',
          placeholder: 'ID',
        },
      },
      columns: [
        ...NAME_COLUMNS,
        { heading: 'External identifier', path: 'external_identifier' },
        { heading: 'Filter', path: 'filter' },
      ],
      nameField: 'display_name',
      createDefaults: { description: '' },
      createFlags: {
        filter: {
          type: 'string',
          required: true,
          description: 'CEL over the client certificate.',
          placeholder: 'CEL',
          field: 'filter',
        },
        'external-identifier': {
          type: 'string',
          required: true,
          description: 'The certificate field naming the identity, e.g. UID or CN.',
          placeholder: 'FIELD',
          field: 'external_identifier',
        },
        description: DESCRIPTION,
      },
      updateMethod: 'PUT',
      keptOnUpdate: ['display_name', 'description', 'external_identifier', 'filter'],
      updateFlags: {
        name: { type: 'string', description: 'A new display name.', field: 'display_name' },
        filter: { type: 'string', description: 'A new filter.', placeholder: 'CEL', field: 'filter' },
        'external-identifier': {
          type: 'string',
          description: 'A new identifier field.',
          placeholder: 'FIELD',
          field: 'external_identifier',
        },
        description: DESCRIPTION,
      },
    }),
    ...resourceCommands({
      group: ['iam', 'group-mapping'],
      noun: 'group mapping',
      collection: () => '/iam/v2/sso/group-mappings',
      columns: [
        ...NAME_COLUMNS,
        { heading: 'Filter', path: 'filter' },
        { heading: 'Principal', path: 'principal' },
      ],
      nameField: 'display_name',
      createDefaults: { description: '' },
      createFlags: {
        filter: {
          type: 'string',
          required: true,
          description: 'CEL over the SSO groups claim.',
          placeholder: 'CEL',
          field: 'filter',
        },
        description: DESCRIPTION,
      },
      updateFlags: {
        name: { type: 'string', description: 'A new display name.', field: 'display_name' },
        filter: { type: 'string', description: 'A new filter.', placeholder: 'CEL', field: 'filter' },
        description: DESCRIPTION,
      },
    }),
    {
      path: ['iam', 'rbac', 'role-binding', 'list'],
      summary: 'List the role bindings on a resource-name pattern (the organization by default).',
      flags: {
        principal: {
          type: 'string',
          description: 'Only the bindings of this principal (User:sa-…).',
          placeholder: 'PRINCIPAL',
        },
        role: { type: 'string', description: 'Only the bindings of this role.', placeholder: 'ROLE' },
        ...SCOPE_FLAGS,
        limit: LIMIT_FLAG,
      },
      run: async (invocation) => {
        const crnPattern = await crnOf(invocation)
        const items = await invocation.api().list(
          '/iam/v2/role-bindings',
          {
            crn_pattern: crnPattern,
            principal: stringFlag(invocation, 'principal'),
            role_name: stringFlag(invocation, 'role'),
          },
          limitOf(invocation),
        )
        return {
          kind: 'list',
          items,
          columns: [
            { heading: 'ID', path: 'id' },
            { heading: 'Principal', path: 'principal' },
            { heading: 'Role', path: 'role_name' },
            { heading: 'CRN pattern', path: 'crn_pattern' },
          ],
        }
      },
    },
    {
      path: ['iam', 'rbac', 'role-binding', 'describe'],
      summary: 'Show one role binding.',
      args: [{ name: 'id', description: 'The role binding id.' }],
      run: async (invocation) => ({
        kind: 'object',
        value:
          (await invocation
            .api()
            .request('GET', `/iam/v2/role-bindings/${encodeURIComponent(requiredArg(invocation, 'id'))}`)) ??
          null,
      }),
    },
    {
      path: ['iam', 'rbac', 'role-binding', 'create'],
      summary: 'Grant a role to a principal on a resource-name pattern.',
      flags: {
        principal: {
          type: 'string',
          required: true,
          description: 'Who: User:sa-…, User:u-… or User:pool-….',
          placeholder: 'PRINCIPAL',
        },
        role: {
          type: 'string',
          required: true,
          description: 'The role, e.g. DeveloperWrite or CloudClusterAdmin.',
          placeholder: 'ROLE',
        },
        ...SCOPE_FLAGS,
      },
      examples: [
        'gatehouse iam rbac role-binding create --principal User:sa-abc123 --role DeveloperWrite --cluster lkc-1 --resource Topic:orders --prefix',
      ],
      run: async (invocation) => {
        const body = {
          principal: stringFlag(invocation, 'principal')!,
          role_name: stringFlag(invocation, 'role')!,
          crn_pattern: await crnOf(invocation),
        }
        const created = await invocation.api().request('POST', '/iam/v2/role-bindings', { body })
        return { kind: 'object', value: created ?? null }
      },
    },
    {
      path: ['iam', 'rbac', 'role-binding', 'delete'],
      summary: 'Delete a role binding.',
      args: [{ name: 'id', description: 'The role binding id.' }],
      run: async (invocation) => {
        const id = requiredArg(invocation, 'id')
        await invocation.api().request('DELETE', `/iam/v2/role-bindings/${encodeURIComponent(id)}`)
        return { kind: 'message', text: `Deleted role binding "${id}".`, value: { id, deleted: true } }
      },
    },
  ]
}
