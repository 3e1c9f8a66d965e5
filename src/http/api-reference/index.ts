/**
 * @module http/api-reference
 *
 * What the API reference says about each operation beyond its schemas: its area, a one-line
 * summary, a paragraph in our own words and curl examples, keyed by the route's `operationId`.
 * The route files stay about behaviour; this is the one place for prose and examples.
 *
 * `annotateOpenApiDocument` adds all of it to `/openapi.json` (tags, `summary`, `description` and
 * `x-codeSamples`, the extension documentation renderers show as code samples), and
 * `scripts/generate-docs.ts` renders that document as `docs/api-reference.md`.
 *
 * Contract, enforced by `test/http/api-reference.test.ts`: every operation in `/openapi.json` has an
 * entry here with at least one example, every entry names a served operation, and every example
 * runs against the app over the fake Kafka cluster and gets the documented success status.
 */
import { cmkV2Operations } from './cmk-v2.ts'
import { auditOperations, healthOperations } from './health.ts'
import { iamV2Operations } from './iam-v2.ts'
import { orgV2Operations } from './org-v2.ts'
import { kafkaV3Operations } from './kafka-v3.ts'
import { ssoOperations } from './sso.ts'
import type { ApiArea, OperationReference } from './types.ts'

export type { ApiArea, CurlExample, OperationReference } from './types.ts'

/** The sections of the reference, in order; each operation's `area` names one of them. */
export const apiAreas: readonly ApiArea[] = [
  {
    name: 'Clusters',
    description: 'The Kafka clusters behind the gateway. A cluster’s id is the one Kafka itself reports.',
  },
  {
    name: 'Topics',
    description: 'Create, inspect, grow and delete topics.',
  },
  {
    name: 'Records',
    description:
      'Produce records, either as a stream of JSON objects answered by a stream of delivery reports, ' +
      'or as one batch answered all at once.',
  },
  {
    name: 'Partitions',
    description: 'Partitions, their offsets and replicas, and replica moves in progress.',
  },
  {
    name: 'Topic configs',
    description: 'Per-topic configuration: read every value in force, override some, revert overrides.',
  },
  {
    name: 'Brokers',
    description: 'The brokers of a cluster.',
  },
  {
    name: 'Broker configs',
    description:
      'Broker configuration, per broker (`brokers/{broker_id}/configs`) or as cluster-wide dynamic ' +
      'defaults (`broker-configs`).',
  },
  {
    name: 'ACLs',
    description: 'Kafka’s access control lists, as the brokers enforce them.',
  },
  {
    name: 'Consumer groups',
    description: 'Consumer groups, their members and assignments, and how far behind they are.',
  },
  {
    name: 'Organization',
    description: 'The one organization of this deployment; its id is part of every resource name.',
  },
  {
    name: 'Environments',
    description:
      'Groups of Kafka clusters, such as one per stage. Clusters of the configuration file join `default`.',
  },
  {
    name: 'Kafka clusters',
    description:
      'The clusters behind the gateway, in Confluent’s cluster-management shape; register more without a restart.',
  },
  {
    name: 'Service accounts',
    description: 'The identities applications act as. They own API keys and receive access.',
  },
  {
    name: 'Users',
    description: 'People, created when they first sign in to the console.',
  },
  {
    name: 'Identity providers',
    description:
      'OAuth/OIDC providers whose access tokens workloads may present, and their identity pools: groups of ' +
      'identities chosen by a filter on token claims, each a principal (`User:pool-…`) that receives access.',
  },
  {
    name: 'Certificate authorities',
    description:
      'Mutual TLS: the certificate authorities whose client certificates the HTTPS listener accepts, with ' +
      'their revocation lists, and certificate identity pools: groups of certificates chosen by a filter on ' +
      'their attributes, each a principal (`User:pool-…`) that receives access.',
  },
  {
    name: 'SSO',
    description:
      'People who sign in to the console through the organization’s identity provider: group mappings ' +
      '(groups of people, each a principal `User:group-…` that receives access) and invitations (who may ' +
      'sign in while just-in-time provisioning is off).',
  },
  {
    name: 'Role bindings',
    description:
      'Who may do what: predefined roles bound to principals on resource-name (CRN) patterns, and ' +
      'explanations of single decisions. Kafka ACLs (under ACLs) take part in the same decisions.',
  },
  {
    name: 'API keys',
    description:
      'Credentials for HTTP Basic authentication (`key:secret`), owned by a service account or a user and ' +
      'scoped to one Kafka cluster or to the management API.',
  },
  {
    name: 'Audit',
    description:
      'The audit trail read back from its Kafka topic: who was authenticated and what was allowed or denied. A Gatehouse addition.',
  },
  {
    name: 'Health',
    description: 'Probes for orchestrators; they need no credentials.',
  },
]

export const operationReferences: Readonly<Record<string, OperationReference>> = {
  ...kafkaV3Operations,
  ...orgV2Operations,
  ...cmkV2Operations,
  ...iamV2Operations,
  ...ssoOperations,
  ...healthOperations,
  ...auditOperations,
}

interface OpenApiOperation {
  operationId?: string
  tags?: string[]
  summary?: string
  description?: string
  'x-codeSamples'?: { lang: string; label: string; source: string }[]
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options'])

/**
 * Adds each operation's area (as its tag), summary, description and examples to an OpenAPI
 * document generated from the routes, and the areas as the document's tags. Operations without an
 * entry are left as they are (the reference test reports them).
 */
export function annotateOpenApiDocument<Document extends { paths?: object; tags?: unknown }>(
  document: Document,
): Document {
  const paths = (document.paths ?? {}) as Record<string, Record<string, OpenApiOperation>>
  for (const item of Object.values(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method) || operation.operationId === undefined) continue
      const reference = operationReferences[operation.operationId]
      if (reference === undefined) continue
      operation.tags = [reference.area]
      operation.summary = reference.summary
      operation.description = reference.description
      operation['x-codeSamples'] = reference.examples.map((example) => ({
        lang: 'Shell',
        label: example.title,
        source: example.command,
      }))
    }
  }
  return { ...document, tags: apiAreas.map((area) => ({ name: area.name, description: area.description })) }
}
