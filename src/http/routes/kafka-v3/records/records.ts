/**
 * @module http/routes/kafka-v3/records/records
 *
 * Produce: `POST …/topics/{topic_name}/records`, a stream of JSON records answered by a stream of
 * delivery reports (one per record, in order, each followed by `\r\n`, HTTP 200 throughout), and
 * `POST …/records:batch`, a JSON batch answered with 207 `successes` and `failures`.
 *
 * A record's failure (bad data, unknown partition, too large) is reported in its own place; the
 * records around it are unaffected. A malformed stream gets one in-band error and ends.
 */
import type { Readable } from 'node:stream'
import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { GatewayError, explainInvalidTopicName } from '../../../../core/index.ts'
import { toGatewayError } from '../../../plugins/error-handler.ts'
import { TopicParams } from '../../../schemas/kafka-v3.ts'
import type { KafkaV3RouteContext } from '../context.ts'
import { READ_EXPIRED, readWithDeadline } from './deadline-reader.ts'
import { JsonStreamError, splitJsonObjects } from './json-stream.ts'
import {
  createDeliveryReportFormatter,
  decodePlainProduceRecord,
  decodeProduceRecord,
  deliveryReport,
  type DecodedRecord,
} from './record-codec.ts'
import type { ProduceReceipt, ProducedKafkaRecord } from '../../../../kafka/index.ts'
import { OrderedReportWriter, type ReportSlot } from './report-writer.ts'

/** Records of one stream being produced at once; reading pauses beyond this. */
const MAX_IN_FLIGHT_PER_STREAM = 4_000
const BATCH_ENTRY_ID = /^[0-9a-zA-Z_-]{1,80}$/
/** How long a client still sending after its stream's time is up may take to see the response's end. */
const CLOSE_GRACE_MS = 1_000

function failureReport(error: unknown): { error_code: number; message: string } {
  const gatewayError = toGatewayError(error)
  return { error_code: gatewayError.definition.errorCode, message: gatewayError.message }
}

function failureLine(error: unknown): string {
  return JSON.stringify(failureReport(error)) + '\r\n'
}

function parseRecord(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new GatewayError(
      'GW_PRODUCE_STREAM_MALFORMED',
      `Bad Request: Error processing message: ${(error as Error).message}`,
    )
  }
}

// A record's fields are checked by record-codec.ts, which reports a bad field in the record's own
// place instead of failing the whole request; the schema only documents them.
const recordFields = {
  partition_id: Type.Optional(
    Type.Unknown({ description: 'Integer. The partition; by default chosen from the key, or in turn.' }),
  ),
  headers: Type.Optional(Type.Unknown({ description: 'List of `{name, value}`, the value base64-encoded.' })),
  key: Type.Optional(
    Type.Unknown({ description: '`{type, data}` with type `BINARY` (base64 data), `JSON` or `STRING`.' }),
  ),
  value: Type.Optional(Type.Unknown({ description: '`{type, data}`, as for the key.' })),
  timestamp: Type.Optional(
    Type.Unknown({ description: 'ISO-8601 date-time with a zone; the time of the write by default.' }),
  ),
}
const BatchEntry = Type.Object(
  {
    id: Type.Unknown({ description: 'The entry’s id within the batch: 1–80 letters, digits, `-` or `_`.' }),
    ...recordFields,
  },
  { additionalProperties: false },
)
const BatchRequest = Type.Object(
  {
    entries: Type.Union([Type.Array(BatchEntry), Type.Null()], {
      description: 'The records, each with a distinct `id`; `produce.batchMaxEntries` at most.',
    }),
  },
  { additionalProperties: false },
)

const DataSize = Type.Object({ type: Type.String(), size: Type.Integer() })
const deliveryFields = {
  cluster_id: Type.String(),
  topic_name: Type.String(),
  partition_id: Type.Integer(),
  offset: Type.Integer(),
  timestamp: Type.String(),
  key: Type.Optional(DataSize),
  value: Type.Optional(DataSize),
}
// The reply is a stream of these objects, one per line; typed as the stream the handler sends.
const DeliveryReportStream = Type.Unsafe<Readable>(
  Type.Object(
    { error_code: Type.Integer(), ...deliveryFields },
    { description: 'One report per record, in request order, each on its own line.' },
  ),
)
const BatchReport = Type.Object(
  {
    successes: Type.Array(Type.Object({ id: Type.String(), ...deliveryFields })),
    failures: Type.Array(
      Type.Object({ id: Type.String(), error_code: Type.Integer(), message: Type.String() }),
    ),
  },
  { description: 'Every entry, as written (`successes`) or refused (`failures`).' },
)

/**
 * One streamed record: its place in the report stream, and the receipt Kafka's answer for it goes
 * to (one object per record, where a promise would cost a promise and two reactions).
 */
class StreamedRecord implements ReportSlot, ProduceReceipt {
  line: string | undefined = undefined
  decoded: DecodedRecord | undefined = undefined
  readonly #writer: OrderedReportWriter
  readonly #format: (decoded: DecodedRecord, produced: ProducedKafkaRecord) => string

  constructor(
    writer: OrderedReportWriter,
    format: (decoded: DecodedRecord, produced: ProducedKafkaRecord) => string,
  ) {
    this.#writer = writer
    this.#format = format
  }

  delivered(produced: ProducedKafkaRecord): void {
    this.#writer.settle(this, this.#format(this.decoded!, produced) + '\r\n')
  }

  failed(error: unknown): void {
    this.#writer.settle(this, failureLine(error))
  }
}

function checkBatch(entries: readonly { id: unknown }[] | null, maxEntries: number): void {
  const reject = (message: string) => {
    throw new GatewayError('GW_PRODUCE_INVALID_BATCH', message)
  }
  if (!entries || entries.length === 0) reject('Empty batch.')
  if (entries!.length > maxEntries)
    reject(`Too many entries in batch: ${entries!.length}; at most ${maxEntries} are allowed.`)
  const ids = new Set<string>()
  for (const entry of entries!) {
    if (typeof entry.id !== 'string' || !BATCH_ENTRY_ID.test(entry.id))
      reject('Batch entry identifier is not a valid string.')
    ids.add(entry.id as string)
  }
  if (ids.size !== entries!.length) reject('Batch entry IDs are not distinct.')
}

export function registerRecordRoutes(app: FastifyInstance, context: KafkaV3RouteContext): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.post(
    '/kafka/v3/clusters/:cluster_id/topics/:topic_name/records::batch',
    {
      schema: {
        operationId: 'produceRecordsBatch',
        params: TopicParams,
        body: BatchRequest,
        response: { 207: BatchReport },
      },
    },
    async (request, reply) => {
      const { cluster_id: clusterId, topic_name: topicName } = request.params
      checkBatch(request.body.entries, context.produce.batchMaxEntries)
      const client = await context.clusters.resolve(clusterId)
      const allowedExtra = new Set(['id'])
      const outcomes = await Promise.all(
        request.body.entries!.map(async (entry) => {
          const id = entry.id as string
          try {
            const topicProblem = explainInvalidTopicName(topicName)
            if (topicProblem !== undefined) throw new GatewayError('GW_KAFKA_UNKNOWN_TOPIC')
            const decoded = decodeProduceRecord(entry, allowedExtra)
            const { error_code, ...report } = deliveryReport(
              clusterId,
              topicName,
              decoded,
              await client.produce(topicName, decoded.record),
            )
            return { success: { id, ...report } }
          } catch (error) {
            return { failure: { id, ...failureReport(error) } }
          }
        }),
      )
      return reply.code(207).send({
        successes: outcomes.flatMap((outcome) => (outcome.success ? [outcome.success] : [])),
        failures: outcomes.flatMap((outcome) => (outcome.failure ? [outcome.failure] : [])),
      })
    },
  )

  // The streaming route reads its body itself, so it lives in a scope where JSON is not pre-parsed.
  void app.register(async (scope) => {
    scope.removeContentTypeParser('application/json')
    scope.addContentTypeParser('application/json', (_request, payload, done) => done(null, payload))

    scope.withTypeProvider<TypeBoxTypeProvider>().post(
      '/kafka/v3/clusters/:cluster_id/topics/:topic_name/records',
      // The body is a stream of records (not validated by Fastify, see above); the response is
      // a stream of reports, which Fastify sends as it is, so the schemas only document them.
      {
        schema: {
          operationId: 'produceRecord',
          params: TopicParams,
          response: { 200: DeliveryReportStream },
        },
      },
      async (request, reply) => {
        const { cluster_id: clusterId, topic_name: topicName } = request.params
        const client = await context.clusters.resolve(clusterId)
        const body = request.body as Readable | undefined
        if (!body) throw new GatewayError('GW_HTTP_EMPTY_BODY')
        const objects = splitJsonObjects(body, context.produce.maxRecordJsonBytes)

        // A stream may stay open only so long: once the deadline passes, nothing more is read.
        const reader = readWithDeadline(objects, context.produce.streamMaxDurationMs)
        const socket = request.raw.socket
        const closeConnectionAfterResponse = () => {
          // The client may still be sending; once the response is complete, close the connection
          // rather than read and discard its body for ever. The grace period lets the end reach it.
          reply.raw.once('finish', () => {
            if (request.raw.complete) return
            socket.end()
            setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref()
          })
        }

        // Confluent answers an empty stream with 422 rather than an empty 200, so the status waits
        // for the first record.
        let first: IteratorResult<Buffer[]> | typeof READ_EXPIRED | undefined
        let streamError: unknown
        try {
          first = await reader.read()
        } catch (error) {
          reader.cancel()
          if (!(error instanceof JsonStreamError)) throw error
          streamError = error
        }
        if (first === READ_EXPIRED) {
          void objects.return(undefined)
          closeConnectionAfterResponse()
          throw new GatewayError('GW_PRODUCE_STREAM_TOO_LONG')
        }
        if (first?.done) {
          reader.cancel()
          throw new GatewayError('GW_HTTP_EMPTY_BODY')
        }

        // Reports stay strings down to the socket, which encodes them in place: a PassThrough of bytes
        // would make a Buffer of every write first.
        const out = new PassThrough({ decodeStrings: false, encoding: 'utf8' })
        void reply.code(200).type('application/json').send(out)
        // The request side is destroyed as soon as its body has been read; only the response
        // tells whether the client is still there.
        const isGone = () => reply.raw.destroyed

        const writer = new OrderedReportWriter(out, isGone)
        reply.raw.once('close', () => writer.wake())
        const endWith = (error: unknown) => {
          const reason =
            error instanceof JsonStreamError
              ? new GatewayError('GW_PRODUCE_STREAM_MALFORMED', `Bad Request: ${error.message}`)
              : error
          writer.settle(writer.reserve(), failureLine(reason))
        }
        const formatReport = createDeliveryReportFormatter(clusterId, topicName)
        const isTopicNameValid = explainInvalidTopicName(topicName) === undefined
        // One record: its slot is settled exactly once, whatever happens.
        const produceInto = (plain: DecodedRecord | undefined, parsed: unknown) => {
          const record = writer.reserve(new StreamedRecord(writer, formatReport))
          try {
            if (!isTopicNameValid) throw new GatewayError('GW_KAFKA_UNKNOWN_TOPIC')
            record.decoded = plain ?? decodeProduceRecord(parsed)
            client.produceTo(topicName, record.decoded.record, record)
          } catch (error) {
            record.failed(error)
          }
        }

        if (streamError !== undefined) {
          endWith(streamError)
        } else {
          try {
            let group: Buffer[] | undefined = first?.value
            reading: while (group !== undefined) {
              for (const bytes of group) {
                // Most records take the direct path; any other is parsed as JSON first.
                const plain = decodePlainProduceRecord(bytes)
                let parsed: unknown
                if (plain === undefined) {
                  try {
                    parsed = parseRecord(bytes.toString())
                  } catch (error) {
                    endWith(error)
                    break reading
                  }
                }
                produceInto(plain, parsed)
              }
              if (writer.pending >= MAX_IN_FLIGHT_PER_STREAM)
                await writer.drained(MAX_IN_FLIGHT_PER_STREAM / 2)
              const next = await reader.read()
              if (next === READ_EXPIRED) {
                endWith(new GatewayError('GW_PRODUCE_STREAM_TOO_LONG'))
                closeConnectionAfterResponse()
                break
              }
              group = next.done ? undefined : next.value
            }
          } catch (error) {
            // A client that hung up needs no report; anything else ends the stream with one.
            if (!isGone()) endWith(error)
          } finally {
            reader.cancel()
            void objects.return(undefined)
          }
        }
        await writer.drained(0)
        out.end()
        return reply
      },
    )
  })
}
