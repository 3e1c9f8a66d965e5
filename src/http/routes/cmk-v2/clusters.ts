/**
 * @module http/routes/cmk-v2/clusters
 *
 * `/cmk/v2/clusters`: the Kafka clusters behind the gateway, in Confluent's cluster-management
 * shape. Clusters of the configuration file appear here once they have answered; more are
 * registered here by giving their brokers and, optionally, the SASL user the gateway connects as.
 * Registration connects first and takes the id the brokers report, so an unreachable cluster or
 * wrong credentials are refused at once instead of being stored.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { GatewayError } from '../../../core/index.ts'
import type { ClusterConnection, KafkaClusterDirectory } from '../../../kafka/index.ts'
import type { KafkaClusterRecord } from '../../../store/index.ts'
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
  organizationIdOf,
  originOf,
  pageRequestOf,
  type ControlPlaneContext,
  visiblePage,
} from '../control-plane/common.ts'
import { environmentCrn } from '../org-v2/environments.ts'
import { NoContent } from '../../schemas/common.ts'
import { accessOf } from '../../plugins/authorize.ts'

export interface ClusterRouteContext extends ControlPlaneContext {
  readonly clusters: KafkaClusterDirectory
}

const DisplayName = Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' })
const SaslMechanism = Type.Union([
  Type.Literal('PLAIN'),
  Type.Literal('SCRAM-SHA-256'),
  Type.Literal('SCRAM-SHA-512'),
])

const EnvironmentReference = Type.Object({
  id: Type.String(),
  related: Type.String(),
  resource_name: Type.String(),
})

const Cluster = Type.Object({
  api_version: Type.Literal('cmk/v2'),
  kind: Type.Literal('Cluster'),
  id: Type.String(),
  metadata: ObjectMeta,
  spec: Type.Object({
    display_name: Type.String(),
    /** Where the gateway reaches the brokers; only known for clusters registered here. */
    kafka_bootstrap_endpoint: Type.Optional(Type.String()),
    http_endpoint: Type.String(),
    config: Type.Object({ kind: Type.Literal('SelfManaged') }),
    environment: EnvironmentReference,
    kafka_sasl: Type.Optional(Type.Object({ mechanism: SaslMechanism, username: Type.String() })),
    source: Type.Union([Type.Literal('CONFIGURATION'), Type.Literal('API')]),
  }),
  status: Type.Object({ phase: Type.Literal('PROVISIONED') }),
})

const ClusterList = Type.Object({
  api_version: Type.Literal('cmk/v2'),
  kind: Type.Literal('ClusterList'),
  metadata: ListMeta,
  data: Type.Array(Cluster),
})

const CreateBody = Type.Object(
  {
    ...EchoedEnvelope,
    spec: Type.Object(
      {
        display_name: DisplayName,
        environment: Type.Object(
          {
            id: Type.String({ minLength: 1, maxLength: 255 }),
            related: Type.Optional(Type.String()),
            resource_name: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        kafka_bootstrap_endpoint: Type.String({
          minLength: 1,
          maxLength: 2048,
          description:
            '`host:port`, or several separated by commas; an optional `PLAINTEXT://` or `SASL_PLAINTEXT://` prefix.',
        }),
        kafka_sasl: Type.Optional(
          Type.Object(
            {
              mechanism: Type.Optional(SaslMechanism),
              username: Type.String({ minLength: 1, maxLength: 255 }),
              password: Type.String({ minLength: 1, maxLength: 1024 }),
            },
            {
              additionalProperties: false,
              description:
                'The Kafka user the gateway connects as (a super user). The password is stored encrypted.',
            },
          ),
        ),
        // Confluent's cluster types describe hosted capacity; accepted so its clients can send them.
        config: Type.Optional(Type.Object({ kind: Type.Optional(Type.String()) })),
        availability: Type.Optional(Type.String()),
        cloud: Type.Optional(Type.String()),
        region: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)

const UpdateBody = Type.Object(
  {
    ...EchoedEnvelope,
    spec: Type.Object(
      {
        display_name: Type.Optional(DisplayName),
        environment: Type.Optional(Type.Object({ id: Type.String() })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)

const EnvironmentQuery = Type.Object({
  environment: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Only clusters of this environment (`env-…`).',
    }),
  ),
})
const ListClustersQuery = Type.Object({ ...ListQuery.properties, ...EnvironmentQuery.properties })

const HOST_PORT = /^[^\s,:/]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/

/** Reads `kafka_bootstrap_endpoint` into broker addresses, refusing what the gateway cannot use. */
export function parseBootstrapEndpoint(endpoint: string, hasSasl: boolean): string[] {
  const invalid = (message: string) =>
    new GatewayError('GW_HTTP_INVALID_FIELD', message, {
      source: { pointer: '/spec/kafka_bootstrap_endpoint' },
    })
  const scheme = /^([A-Za-z_]+):\/\//.exec(endpoint)?.[1]?.toUpperCase()
  const addresses = endpoint.slice(scheme === undefined ? 0 : scheme.length + 3)
  if (scheme === 'SSL' || scheme === 'SASL_SSL')
    throw invalid(`${scheme} is not supported yet: the gateway connects to brokers without TLS.`)
  if (scheme !== undefined && scheme !== 'PLAINTEXT' && scheme !== 'SASL_PLAINTEXT')
    throw invalid(`Unknown listener protocol ${scheme}; use PLAINTEXT:// or SASL_PLAINTEXT://, or none.`)
  if (scheme === 'SASL_PLAINTEXT' && !hasSasl) throw invalid('SASL_PLAINTEXT needs spec.kafka_sasl.')
  if (scheme === 'PLAINTEXT' && hasSasl)
    throw invalid('PLAINTEXT takes no spec.kafka_sasl; use SASL_PLAINTEXT://.')
  const servers = addresses.split(',').map((address) => address.trim())
  const bad = servers.find(
    (server) => !HOST_PORT.test(server) || Number(server.slice(server.lastIndexOf(':') + 1)) > 65535,
  )
  if (bad !== undefined) throw invalid(`"${bad}" is not a host:port pair.`)
  return servers
}

async function renderer(request: FastifyRequest, context: ClusterRouteContext) {
  const origin = originOf(request, context)
  const organizationId = await organizationIdOf(context)
  return (cluster: KafkaClusterRecord) => {
    const environmentResource = environmentCrn(organizationId, cluster.environmentId)
    return {
      api_version: 'cmk/v2' as const,
      kind: 'Cluster' as const,
      id: cluster.id,
      metadata: objectMeta(
        `${origin}/cmk/v2/clusters/${encodeURIComponent(cluster.id)}`,
        `${environmentResource}/cloud-cluster=${cluster.id}`,
        cluster,
      ),
      spec: {
        display_name: cluster.displayName,
        ...(cluster.connection
          ? {
              kafka_bootstrap_endpoint: `${cluster.connection.sasl ? 'SASL_PLAINTEXT' : 'PLAINTEXT'}://${cluster.connection.bootstrapServers.join(',')}`,
            }
          : {}),
        http_endpoint: origin,
        config: { kind: 'SelfManaged' as const },
        environment: {
          id: cluster.environmentId,
          related: `${origin}/org/v2/environments/${encodeURIComponent(cluster.environmentId)}`,
          resource_name: environmentResource,
        },
        ...(cluster.connection?.sasl ? { kafka_sasl: { ...cluster.connection.sasl } } : {}),
        source: cluster.source === 'api' ? ('API' as const) : ('CONFIGURATION' as const),
      },
      status: { phase: 'PROVISIONED' as const },
    }
  }
}

export function registerClusterManagementRoutes(app: FastifyInstance, context: ClusterRouteContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const store = context.identities

  const findCluster = async (id: string, environment: string | undefined) => {
    const cluster = await fromStore(() => store.getKafkaCluster(id))
    // Confluent scopes the lookup to an environment; naming another one finds nothing.
    if (!cluster || (environment !== undefined && cluster.environmentId !== environment))
      throw notFound('Kafka cluster', id)
    return cluster
  }

  routes.get(
    '/cmk/v2/clusters',
    {
      schema: {
        operationId: 'listCmkV2Clusters',
        querystring: ListClustersQuery,
        response: { 200: ClusterList },
      },
    },
    async (request) => {
      const environment = request.query.environment
      const paths = accessOf(request).paths
      const page = await visiblePage(
        request,
        await fromStore(() =>
          store.listKafkaClusters(
            pageRequestOf(request.query),
            environment === undefined ? {} : { environmentId: environment },
          ),
        ),
        (cluster) => ({
          resource: [
            ...paths.environment(cluster.environmentId),
            { type: 'cloud-cluster', name: cluster.id },
          ],
          operation: 'Describe',
        }),
        { resource: paths.environment(environment ?? '*'), operation: 'Describe' },
      )
      const render = await renderer(request, context)
      return listEnvelope(request, context, { apiVersion: 'cmk/v2', kind: 'ClusterList' }, page, render)
    },
  )

  routes.post(
    '/cmk/v2/clusters',
    { schema: { operationId: 'createCmkV2Cluster', body: CreateBody, response: { 202: Cluster } } },
    async (request, reply) => {
      const { spec } = request.body
      const sasl = spec.kafka_sasl
      const connection: ClusterConnection = {
        bootstrapServers: parseBootstrapEndpoint(spec.kafka_bootstrap_endpoint, sasl !== undefined),
        ...(sasl
          ? {
              sasl: {
                mechanism: sasl.mechanism ?? 'PLAIN',
                username: sasl.username,
                password: sasl.password,
              },
            }
          : {}),
      }
      // Checked before connecting, so a typo in the environment costs no connection attempt.
      if (!(await fromStore(() => store.getEnvironment(spec.environment.id)))) {
        throw new GatewayError(
          'GW_HTTP_INVALID_FIELD',
          `Environment ${spec.environment.id} does not exist.`,
          {
            source: { pointer: '/spec/environment/id' },
          },
        )
      }

      let probe: Awaited<ReturnType<KafkaClusterDirectory['probe']>>
      try {
        probe = await context.clusters.probe(connection)
      } catch (error) {
        const cause = error instanceof GatewayError ? error : undefined
        const isCredentialProblem = cause?.code === 'GW_KAFKA_AUTHENTICATION_FAILED'
        throw new GatewayError(
          'GW_CLUSTER_CONNECTION_FAILED',
          `Could not connect to ${connection.bootstrapServers.join(',')}: ${cause?.message ?? 'unknown error'}`,
          {
            cause: error,
            source: { pointer: isCredentialProblem ? '/spec/kafka_sasl' : '/spec/kafka_bootstrap_endpoint' },
          },
        )
      }
      let cluster: KafkaClusterRecord
      try {
        cluster = await fromStore(() =>
          store.registerKafkaCluster(
            {
              id: probe.description.clusterId,
              environmentId: spec.environment.id,
              displayName: spec.display_name,
              source: 'api',
              connection,
            },
            actorOf(request),
          ),
        )
      } catch (error) {
        await probe.discard()
        if (error instanceof GatewayError && error.code === 'GW_RESOURCE_CONFLICT') {
          throw new GatewayError(
            'GW_RESOURCE_CONFLICT',
            `The brokers at ${connection.bootstrapServers.join(',')} belong to cluster ` +
              `${probe.description.clusterId}, which is already registered.`,
            { cause: error, source: { pointer: '/spec/kafka_bootstrap_endpoint' } },
          )
        }
        throw error
      }
      probe.adopt()
      request.log.info(
        { clusterId: cluster.id, environmentId: cluster.environmentId },
        'Kafka cluster registered',
      )
      const rendered = (await renderer(request, context))(cluster)
      return reply.code(202).header('location', rendered.metadata.self).send(rendered)
    },
  )

  routes.get(
    '/cmk/v2/clusters/:id',
    {
      schema: {
        operationId: 'getCmkV2Cluster',
        params: IdParams,
        querystring: EnvironmentQuery,
        response: { 200: Cluster },
      },
    },
    async (request) => {
      const cluster = await findCluster(request.params.id, request.query.environment)
      return (await renderer(request, context))(cluster)
    },
  )

  routes.patch(
    '/cmk/v2/clusters/:id',
    {
      schema: {
        operationId: 'updateCmkV2Cluster',
        params: IdParams,
        querystring: EnvironmentQuery,
        body: UpdateBody,
        response: { 200: Cluster },
      },
    },
    async (request) => {
      const { spec } = request.body
      const current = await findCluster(request.params.id, request.query.environment)
      if (spec.environment !== undefined && spec.environment.id !== current.environmentId) {
        throw new GatewayError('GW_HTTP_INVALID_FIELD', 'A cluster cannot move to another environment.', {
          source: { pointer: '/spec/environment/id' },
        })
      }
      const changes = spec.display_name === undefined ? {} : { displayName: spec.display_name }
      const cluster = await fromStore(() => store.updateKafkaCluster(current.id, changes, actorOf(request)))
      if (!cluster) throw notFound('Kafka cluster', request.params.id)
      return (await renderer(request, context))(cluster)
    },
  )

  routes.delete(
    '/cmk/v2/clusters/:id',
    {
      schema: {
        operationId: 'deleteCmkV2Cluster',
        params: IdParams,
        querystring: EnvironmentQuery,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const cluster = await findCluster(request.params.id, request.query.environment)
      const deleted = await fromStore(() => store.deleteKafkaCluster(cluster.id, actorOf(request)))
      if (!deleted) throw notFound('Kafka cluster', request.params.id)
      await context.clusters.forget(cluster.id)
      request.log.info({ clusterId: cluster.id }, 'Kafka cluster unregistered')
      return reply.code(204).send()
    },
  )
}
