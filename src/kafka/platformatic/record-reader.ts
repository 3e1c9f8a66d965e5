/**
 * @module kafka/platformatic/record-reader
 *
 * Reads a bounded range of a topic without joining a consumer group: offsets for the start time
 * and the high watermarks come from ListOffsets, then plain Fetch requests read each partition up
 * to its watermark. Nothing is committed and no group is left behind on the cluster.
 */
import { Consumer, ListOffsetTimestamps, type Admin, type RecordsBatch } from '@platformatic/kafka'
import { GatewayError } from '../../core/index.ts'
import type { KafkaReadRange, KafkaReadRecord, KafkaReadResult } from '../port.ts'
import type { KafkaConnectionSettings } from './cluster-client.ts'
import { toGatewayError } from './error-mapping.ts'

/** How long one Fetch waits on the broker when a partition has nothing yet (it should not happen). */
const FETCH_MAX_WAIT_MS = 100
const FETCH_MAX_BYTES_PER_PARTITION = 1024 * 1024

interface PartitionRange {
  readonly partitionId: number
  next: bigint
  readonly end: bigint
}

function recordsOf(batches: readonly RecordsBatch[], range: PartitionRange): KafkaReadRecord[] {
  const records: KafkaReadRecord[] = []
  for (const batch of batches) {
    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta)
      // A batch starts where it was written, which may be before the offset asked for.
      if (offset < range.next || offset >= range.end) continue
      records.push({
        partitionId: range.partitionId,
        offset,
        timestamp: new Date(Number(batch.firstTimestamp + record.timestampDelta)),
        key: record.key ?? null,
        value: record.value ?? null,
      })
    }
  }
  return records
}

/** See `KafkaClusterClient.readRecords` for the contract. */
export async function readTopicRange(
  settings: KafkaConnectionSettings,
  admin: Admin,
  topic: string,
  range: KafkaReadRange,
): Promise<KafkaReadResult> {
  const deadline = Date.now() + range.timeoutMs
  const consumer = new Consumer({
    clientId: settings.clientId,
    // Required by the library's constructor; never joined, since only `fetch` is called.
    groupId: `${settings.clientId}-reader`,
    bootstrapBrokers: [...settings.bootstrapServers],
    ...(settings.sasl ? { sasl: { ...settings.sasl } } : {}),
    connectTimeout: settings.connectTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    timeout: settings.requestTimeoutMs,
    retries: 1,
  })
  try {
    const metadata = await consumer.metadata({ topics: [topic] })
    const described = metadata.topics.get(topic)
    if (!described) throw new GatewayError('GW_KAFKA_UNKNOWN_TOPIC')
    const partitionIds = described.partitions.map((_, index) => index)
    const offsetsAt = async (timestamp: bigint) => {
      const [answer] = await admin.listOffsets({
        topics: [
          { name: topic, partitions: partitionIds.map((partitionIndex) => ({ partitionIndex, timestamp })) },
        ],
      })
      return new Map(
        (answer?.partitions ?? []).map((partition) => [partition.partitionIndex, partition.offset]),
      )
    }
    // The watermarks first: records written while we read are not part of this answer.
    const ends = await offsetsAt(ListOffsetTimestamps.LATEST)
    const starts = await offsetsAt(BigInt(range.since.getTime()))
    const pending: PartitionRange[] = partitionIds
      .map((partitionId) => {
        const end = ends.get(partitionId) ?? 0n
        const start = starts.get(partitionId) ?? -1n
        // -1: no record at or after the time, so nothing to read in this partition.
        return { partitionId, next: start < 0n ? end : start, end }
      })
      .filter((partition) => partition.next < partition.end)

    const records: KafkaReadRecord[] = []
    let isComplete = true
    while (pending.length > 0) {
      if (records.length >= range.maxRecords || Date.now() >= deadline) {
        isComplete = false
        break
      }
      // One Fetch per partition leader, all leaders at once.
      const byLeader = new Map<number, PartitionRange[]>()
      for (const partition of pending) {
        const leader = described.partitions[partition.partitionId]?.leader ?? -1
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition])
      }
      const responses = await Promise.all(
        [...byLeader].map(([leader, partitions]) =>
          consumer.fetch({
            node: leader,
            maxWaitTime: FETCH_MAX_WAIT_MS,
            minBytes: 1,
            topics: [
              {
                topicId: described.id,
                partitions: partitions.map((partition) => ({
                  partition: partition.partitionId,
                  currentLeaderEpoch: -1,
                  fetchOffset: partition.next,
                  lastFetchedEpoch: -1,
                  partitionMaxBytes: FETCH_MAX_BYTES_PER_PARTITION,
                })),
              },
            ],
          }),
        ),
      )
      const answers = responses.flatMap((response) => response.responses.flatMap((each) => each.partitions))
      for (const answered of answers) {
        const partition = pending.find((candidate) => candidate.partitionId === answered.partitionIndex)
        if (!partition) continue
        if (answered.errorCode !== 0) {
          throw new GatewayError(
            'GW_KAFKA_ERROR',
            `Reading ${topic} failed with Kafka error ${answered.errorCode}.`,
          )
        }
        const batches = answered.records ?? []
        records.push(...recordsOf(batches, partition))
        const last = batches.at(-1)
        // Past the last batch seen (compacted gaps included). An empty answer is asked again; the
        // deadline bounds that.
        if (last !== undefined) partition.next = last.firstOffset + BigInt(last.lastOffsetDelta) + 1n
      }
      for (let index = pending.length - 1; index >= 0; index--) {
        if (pending[index]!.next >= pending[index]!.end) pending.splice(index, 1)
      }
    }
    records.sort(
      (a, b) =>
        a.timestamp.getTime() - b.timestamp.getTime() ||
        a.partitionId - b.partitionId ||
        (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0),
    )
    if (records.length > range.maxRecords) {
      records.length = range.maxRecords
      isComplete = false
    }
    return { records, isComplete }
  } catch (error) {
    throw error instanceof GatewayError ? error : toGatewayError(error, { topicName: topic })
  } finally {
    await consumer.close(true).catch(() => undefined)
  }
}
