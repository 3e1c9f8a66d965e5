/**
 * @module http/routes/kafka-v3/records/json-stream
 *
 * Splits a byte stream of concatenated JSON objects (`{…}{…}` or one per line) into the objects'
 * texts as they complete, without waiting for the end of the stream. Only brackets, strings and
 * escapes are tracked here; `JSON.parse` judges each object's syntax afterwards.
 */

export class JsonStreamError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'JsonStreamError'
  }
}

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
}

/**
 * Yields the text of each top-level JSON object of `source`, in order.
 *
 * @throws JsonStreamError when something other than an object starts at top level, when one
 *   object exceeds `maxObjectBytes`, or when the stream ends inside an object.
 */
export async function* splitJsonObjects(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxObjectBytes: number,
): AsyncGenerator<string> {
  let pending: Buffer = Buffer.alloc(0)
  let depth = 0
  let isInString = false
  let isEscaped = false
  let scanned = 0
  let start = -1

  for await (const chunk of source) {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, Buffer.from(chunk)])
    for (let index = scanned; index < pending.length; index++) {
      const byte = pending[index]!
      if (depth === 0) {
        if (isWhitespace(byte)) continue
        if (byte !== OPEN_BRACE) {
          throw new JsonStreamError(
            `Unexpected character ${JSON.stringify(String.fromCharCode(byte))} at top level: each record must be a JSON object.`,
          )
        }
        start = index
        depth = 1
        continue
      }
      if (isInString) {
        if (isEscaped) isEscaped = false
        else if (byte === BACKSLASH) isEscaped = true
        else if (byte === QUOTE) isInString = false
        continue
      }
      if (byte === QUOTE) isInString = true
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--
        if (depth === 0) {
          yield pending.toString('utf8', start, index + 1)
          start = -1
        }
      }
    }
    // Keep only the unfinished object, and remember how far it has been scanned.
    if (start === -1) {
      pending = Buffer.alloc(0)
      scanned = 0
    } else {
      pending = pending.subarray(start)
      scanned = pending.length
      start = 0
      if (pending.length > maxObjectBytes) {
        throw new JsonStreamError(
          `A record is larger than the ${maxObjectBytes} bytes allowed for one JSON record.`,
        )
      }
    }
  }
  if (depth !== 0) throw new JsonStreamError('The stream ended in the middle of a JSON object.')
}
