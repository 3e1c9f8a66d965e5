/**
 * @module http/schemas/common
 *
 * Shapes shared by every Kafka REST v3 resource: `kind`, `metadata`, relationships and the error
 * body. Written from the field lists of Confluent's API; Confluent's own schema files are only used
 * by tests, as an oracle.
 */
import Type, { type TSchema } from 'typebox'

export const Relationship = Type.Object({ related: Type.String() })

export const ResourceMetadata = Type.Object({
  self: Type.String(),
  resource_name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
})

export const CollectionMetadata = Type.Object({
  self: Type.String(),
  next: Type.Union([Type.String(), Type.Null()]),
})

/** A Kafka REST collection: `{kind: "<Item>List", metadata: {self, next}, data: [...]}`. */
export function collectionOf<Kind extends string, Item extends TSchema>(kind: Kind, item: Item) {
  return Type.Object({ kind: Type.Literal(kind), metadata: CollectionMetadata, data: Type.Array(item) })
}

export const KafkaRestError = Type.Object({
  error_code: Type.Integer(),
  message: Type.Union([Type.String(), Type.Null()]),
})

export const clusterIdParam = Type.String({
  minLength: 1,
  maxLength: 255,
  description: 'The Kafka cluster’s own id, as `GET /kafka/v3/clusters` lists it.',
})

export const brokerIdParam = Type.Integer({
  minimum: 0,
  maximum: 2_147_483_647,
  description: 'The broker’s `node.id`.',
})

export const ClusterIdParams = Type.Object({ cluster_id: clusterIdParam })

export const BrokerParams = Type.Object({ cluster_id: clusterIdParam, broker_id: brokerIdParam })

// Successes without a body, declared so that /openapi.json states the status really sent. Typed as
// void so that handlers keep calling `reply.send()` with nothing.
export const NoContent = Type.Unsafe<void>(Type.Null({ description: 'Done; the response has no body.' }))
export const CreatedWithoutBody = Type.Unsafe<void>(
  Type.Null({ description: 'Created; the response has no body.' }),
)
