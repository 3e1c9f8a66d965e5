import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  JsonStreamError,
  splitJsonObjects,
} from '../../../../../src/http/routes/kafka-v3/records/json-stream.ts'

async function split(chunks: string[], max = 1_000): Promise<string[]> {
  const out: string[] = []
  for await (const objects of splitJsonObjects(chunks, max)) out.push(...objects.map(String))
  return out
}

describe('JSON object stream splitter', () => {
  it('splits concatenated and newline-separated objects', async () => {
    assert.deepEqual(await split(['{"a":1}{"b":2}\n {"c":3}\r\n']), ['{"a":1}', '{"b":2}', '{"c":3}'])
  })

  it('finds objects across any chunk boundary, one byte at a time', async () => {
    const text = '{"a":{"b":[1,2,{"c":"}"}]}} {"d":"\\"{"}'
    assert.deepEqual(await split([...text]), ['{"a":{"b":[1,2,{"c":"}"}]}}', '{"d":"\\"{"}'])
  })

  it('tells an escaped quote from a quote after escaped backslashes, across chunk boundaries', async () => {
    const text = String.raw`{"a":"\\"}{"b":"\\\"}"}{"c":"x\\\\"}`
    const expected = [String.raw`{"a":"\\"}`, String.raw`{"b":"\\\"}"}`, String.raw`{"c":"x\\\\"}`]
    assert.deepEqual(await split([text]), expected)
    for (let cut = 1; cut < text.length; cut++) {
      assert.deepEqual(await split([text.slice(0, cut), text.slice(cut)]), expected, `cut at ${cut}`)
    }
  })

  it('hands over the objects each chunk completes together', async () => {
    const groups: string[][] = []
    for await (const objects of splitJsonObjects(['{"a":1}{"b":', '2}{"c":3}', ' '], 100))
      groups.push(objects.map(String))
    assert.deepEqual(groups, [['{"a":1}'], ['{"b":2}', '{"c":3}']])
  })

  it('keeps multi-byte characters split between chunks intact', async () => {
    const bytes = Buffer.from('{"v":"żółw 🐢"}')
    const chunks = [bytes.subarray(0, 8), bytes.subarray(8, 9), bytes.subarray(9)]
    const out: string[] = []
    for await (const objects of splitJsonObjects(chunks, 100)) out.push(...objects.map(String))
    assert.deepEqual(out, ['{"v":"żółw 🐢"}'])
  })

  it('yields nothing for an empty or blank stream', async () => {
    assert.deepEqual(await split([]), [])
    assert.deepEqual(await split([' \n\t ']), [])
  })

  it('rejects non-objects at top level, after the objects before them', async () => {
    const out: string[] = []
    await assert.rejects(
      async () => {
        for await (const objects of splitJsonObjects(['{"a":1} [1]'], 100)) out.push(...objects.map(String))
      },
      (error: unknown) => error instanceof JsonStreamError && /Unexpected character "\["/.test(error.message),
    )
    assert.deepEqual(out, ['{"a":1}'])
  })

  it('rejects a stream that ends inside an object, and an object over the size limit', async () => {
    await assert.rejects(split(['{"a":']), /ended in the middle of a JSON object/)
    await assert.rejects(split(['{"a":"', 'x'.repeat(200), '"}'], 100), /larger than the 100 bytes/)
  })
})
