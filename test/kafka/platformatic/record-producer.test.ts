import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { murmur2 } from '@platformatic/kafka'
import { RecordProducer, type PartitionWriter } from '../../../src/kafka/platformatic/record-producer.ts'

interface SentMessage {
  readonly topic: string
  readonly partition: number
  readonly value: Buffer | string | null
}

/** A stand-in for Kafka that records each appended batch and acknowledges it with the partition's next offset. */
function recordingWriter() {
  const sends: SentMessage[][] = []
  const nextOffset = new Map<string, bigint>()
  const writer: PartitionWriter = {
    append: async (topic, partition, entries) => {
      sends.push(entries.map(({ record }) => ({ topic, partition, value: record.value })))
      const key = `${topic}:${partition}`
      const offset = nextOffset.get(key) ?? 0n
      nextOffset.set(key, offset + BigInt(entries.length))
      return offset
    },
    close: async () => undefined,
  }
  return { writer, sends }
}

const record = (value: string) => ({ key: null, value: Buffer.from(value), headers: [] })
const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('record producer', () => {
  it('sends one batch per partition and gives each record its offset within it', async () => {
    // Given
    const { writer, sends } = recordingWriter()
    const records = new RecordProducer({ writer, partitionCount: async () => 2 })
    // When
    const produced = await Promise.all(
      [0, 1, 0, 1].map((partitionId, n) => records.produce('t', { ...record(`r${n}`), partitionId })),
    )
    // Then
    assert.deepEqual(
      produced.map(({ partitionId, offset }) => [partitionId, offset]),
      [
        [0, 0n],
        [1, 0n],
        [0, 1n],
        [1, 1n],
      ],
    )
    assert.deepEqual(
      sends.map((messages) => messages.map((message) => message.value?.toString())),
      [
        ['r0', 'r2'],
        ['r1', 'r3'],
      ],
    )
  })

  it('keeps a round’s keyless records on one partition, the next round on the next (sticky, as Kafka’s Java client)', async () => {
    // Given a topic of 3 partitions
    const { writer, sends } = recordingWriter()
    const records = new RecordProducer({ writer, partitionCount: async () => 3 })
    // When three rounds of keyless records go out, and keyed ones among them
    const rounds: number[][] = []
    for (let round = 0; round < 3; round++) {
      const produced = await Promise.all(
        ['a', 'b', 'c', 'd'].map((value) => records.produce('t', record(`${round}${value}`))),
      )
      rounds.push(produced.map(({ partitionId }) => partitionId))
    }
    const keyed = await records.produce('t', { ...record('k'), key: Buffer.from('orders-1') })
    // Then each round's records went to one partition, in one batch, and the rounds took turns
    assert.deepEqual(rounds, [
      [0, 0, 0, 0],
      [1, 1, 1, 1],
      [2, 2, 2, 2],
    ])
    assert.deepEqual(
      sends.slice(0, 3).map((messages) => messages.length),
      [4, 4, 4],
    )
    // while a keyed record still goes where murmur2 puts its key
    assert.equal(keyed.partitionId, (murmur2(Buffer.from('orders-1')) & 0x7fffffff) % 3)
  })

  it('keeps the order of a partition when an earlier round waits for another topic’s metadata', async () => {
    // Given a topic whose partition count takes a while to learn
    const { writer, sends } = recordingWriter()
    let release = () => {}
    const slowCount = new Promise<number>((resolve) => (release = () => resolve(1)))
    const records = new RecordProducer({
      writer,
      partitionCount: (topic) => (topic === 'slow' ? slowCount : Promise.resolve(1)),
    })
    // When a round holds both topics and the next round (full enough not to wait for the first)
    // only the quick one
    const first = [records.produce('quick', record('1')), records.produce('slow', record('x'))]
    await tick()
    const second = Array.from({ length: 1_000 }, (_, n) => records.produce('quick', record(`2.${n}`)))
    await tick()
    release()
    await Promise.all([...first, ...second])
    // Then the quick topic's records went out in the order they came
    const quick = sends.flat().filter((message) => message.topic === 'quick')
    assert.deepEqual(
      quick.map((message) => message.value?.toString()),
      ['1', ...Array.from({ length: 1_000 }, (_, n) => `2.${n}`)],
    )
    assert.equal((await second[0]!).offset, 1n)
  })

  it('sends a lone record at once, and under load lets records gather into fuller rounds', async () => {
    // Given a Kafka that answers only when told to
    const sends: number[] = []
    const answers: (() => void)[] = []
    const writer: PartitionWriter = {
      append: (_topic, _partition, entries) => {
        sends.push(entries.length)
        return new Promise((resolve) => answers.push(() => resolve(0n)))
      },
      close: async () => undefined,
    }
    const records = new RecordProducer({ writer, partitionCount: async () => 1 })
    const produceMany = (count: number) =>
      Array.from({ length: count }, (_, n) => records.produce('t', record(String(n))))
    // When one record comes to an idle producer, it goes out in the next turn
    const lone = records.produce('t', record('lone'))
    await tick()
    assert.deepEqual(sends, [1])
    // While it is out, the next few wait for it, then go out together
    const few = produceMany(10)
    await tick()
    assert.deepEqual(sends, [1])
    answers.shift()!()
    await lone
    await tick()
    await tick()
    assert.deepEqual(sends, [1, 10])
    // A full round does not wait for the one out
    const many = produceMany(1_000)
    await tick()
    await tick()
    assert.deepEqual(sends, [1, 10, 1_000])
    for (const answer of answers.splice(0)) answer()
    await Promise.all([...few, ...many])
  })
})
