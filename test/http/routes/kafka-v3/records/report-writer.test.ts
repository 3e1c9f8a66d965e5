import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { OrderedReportWriter } from '../../../../../src/http/routes/kafka-v3/records/report-writer.ts'

function collector(highWaterMark = 16_384) {
  const writes: string[] = []
  const out = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString())
      callback()
    },
  })
  return { out, writes }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('ordered report writer', () => {
  it('writes reports in reservation order whatever order they settle in, ready ones in one write', async () => {
    // Given
    const { out, writes } = collector()
    const writer = new OrderedReportWriter(out, () => false)
    const [a, b, c] = [writer.reserve(), writer.reserve(), writer.reserve()]
    // When
    writer.settle(c, 'c\r\n')
    writer.settle(b, 'b\r\n')
    await tick()
    // Then
    assert.deepEqual(writes, [])
    assert.equal(writer.pending, 3)
    writer.settle(a, 'a\r\n')
    await writer.drained(0)
    await tick()
    assert.deepEqual(writes, ['a\r\nb\r\nc\r\n'])
  })

  it('holds reports back while the output is full, and drops them once the client is gone', async () => {
    // Given
    let isGone = false
    const writes: string[] = []
    const out = new Writable({ highWaterMark: 1, write: (chunk: Buffer) => writes.push(chunk.toString()) })
    const writer = new OrderedReportWriter(out, () => isGone)
    // When
    writer.settle(writer.reserve(), 'first\r\n')
    await tick()
    writer.settle(writer.reserve(), 'second\r\n')
    await tick()
    // Then: the first write never completes, so the second waits
    assert.deepEqual(writes, ['first\r\n'])
    assert.equal(writer.pending, 1)
    isGone = true
    writer.wake()
    await writer.drained(0)
    assert.deepEqual(writes, ['first\r\n'])
  })
})
