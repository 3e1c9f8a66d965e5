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

export const ClusterIdParams = Type.Object({ cluster_id: Type.String({ minLength: 1, maxLength: 255 }) })

export const BrokerParams = Type.Object({
  cluster_id: Type.String({ minLength: 1, maxLength: 255 }),
  broker_id: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
})
