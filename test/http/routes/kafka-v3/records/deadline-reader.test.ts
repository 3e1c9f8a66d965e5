import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import {
  READ_EXPIRED,
  readWithDeadline,
} from '../../../../../src/http/routes/kafka-v3/records/deadline-reader.ts'

/** The garbage collector, made callable for this test without a command-line flag. */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

/** An iterator whose values arrive when the test pushes them. */
function manualIterator<T>() {
  const waiting: ((result: IteratorResult<T>) => void)[] = []
  const iterator: AsyncIterator<T> = {
    next: () => new Promise((resolve) => waiting.push(resolve)),
  }
  return {
    iterator,
    push: (value: T) => waiting.shift()!({ value, done: false }),
    end: () => waiting.shift()!({ value: undefined, done: true }),
  }
}

describe('reading with a deadline', () => {
  it('hands over the values and the end while time remains', async () => {
    // Given
    const source = manualIterator<string>()
    const reader = readWithDeadline(source.iterator, 60_000)
    // When
    const first = reader.read()
    source.push('a')
    const second = reader.read()
    source.end()
    // Then
    assert.deepEqual(await first, { value: 'a', done: false })
    assert.deepEqual(await second, { value: undefined, done: true })
    reader.cancel()
  })

  it('settles the read in progress, and every later one, as expired once the deadline passes', async () => {
    // Given a source that never answers
    const source = manualIterator<string>()
    const reader = readWithDeadline(source.iterator, 20)
    // When / Then
    assert.equal(await reader.read(), READ_EXPIRED)
    assert.equal(await reader.read(), READ_EXPIRED)
  })

  it('keeps no value it has handed over reachable while the deadline is still ahead', async () => {
    // Given a reader with an hour to go, and values watched for collection
    const gc = collectGarbage()
    const source = manualIterator<{ payload: string }>()
    const reader = readWithDeadline(source.iterator, 3_600_000)
    const handedOver: WeakRef<object>[] = []
    try {
      // When many values are read and dropped (in a function of their own, so that no frame of
      // this test holds the last one)
      const readAndDrop = async () => {
        for (let index = 0; index < 100; index++) {
          const read = reader.read()
          const value = { payload: `record ${index}` }
          handedOver.push(new WeakRef(value))
          source.push(value)
          assert.notEqual(await read, READ_EXPIRED)
        }
      }
      await readAndDrop()
      await new Promise((resolve) => setImmediate(resolve))
      gc()
      // Then the garbage collector could take every one of them (a race against one long-lived
      // deadline promise would keep all of them until the deadline)
      const kept = handedOver.filter((ref) => ref.deref() !== undefined).length
      assert.equal(kept, 0, `${kept} of 100 values are still reachable`)
    } finally {
      reader.cancel()
    }
  })
})
