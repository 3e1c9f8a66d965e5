/**
 * @module http/routes/kafka-v3/records/json-stream
 *
 * Splits a byte stream of concatenated JSON objects (`{…}{…}` or one per line) into the objects'
 * bytes as they complete, without waiting for the end of the stream. The bytes are views of the
 * chunks read, not copies. Only brackets, strings and
 * escapes are tracked here; `JSON.parse` judges each object's syntax afterwards.
 *
 * This runs over every byte a producer sends, so string contents (nearly all of a record's bytes)
 * are skipped with `Buffer.indexOf`, which is native, rather than byte by byte in JavaScript; and
 * the objects of one chunk are handed over together, so that the caller does not pay one promise
 * per record.
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

const EMPTY = Buffer.alloc(0)
/** No object in progress. */
const NONE = -1
/** The object in progress began in an earlier chunk. */
const CARRIED = -2

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
}

/** What one chunk completed: its objects in order, and the problem that stopped the stream, if any. */
export interface SplitChunk {
  readonly objects: Buffer[]
  readonly error?: JsonStreamError
}

/**
 * Incremental splitter: feed it chunks with `push`, then call `end`.
 *
 * After a chunk reports an error the stream is broken; further chunks report the same error.
 */
export class JsonObjectSplitter {
  readonly #maxObjectBytes: number
  /**
   * The unfinished object's bytes from earlier chunks (empty between objects). Only an object that
   * straddles chunks is copied, when it completes: the chunk itself is never joined to them.
   */
  #carried: Buffer = EMPTY
  #depth = 0
  #isInString = false
  #error: JsonStreamError | undefined

  constructor(maxObjectBytes: number) {
    this.#maxObjectBytes = maxObjectBytes
  }

  push(chunk: Buffer | string): SplitChunk {
    if (this.#error) return { objects: [], error: this.#error }
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    const carried = this.#carried
    /** The byte at `index` of this chunk, reading back into the carried bytes below 0. */
    const byteAt = (index: number) => (index >= 0 ? bytes[index] : carried[carried.length + index])
    const objects: Buffer[] = []
    // Where the object in progress starts in this chunk; CARRIED when it began in an earlier one.
    let start = this.#depth === 0 ? NONE : CARRIED
    let index = 0
    while (index < bytes.length) {
      if (this.#isInString) {
        const quote = bytes.indexOf(QUOTE, index)
        if (quote === -1) {
          index = bytes.length
          break
        }
        // A quote ends the string unless an odd number of backslashes escapes it. The string's
        // opening quote stops the walk back, so it never leaves the unfinished object.
        let backslashes = 0
        while (byteAt(quote - 1 - backslashes) === BACKSLASH) backslashes++
        if (backslashes % 2 === 0) this.#isInString = false
        index = quote + 1
        continue
      }
      const byte = bytes[index]!
      if (this.#depth === 0) {
        if (!isWhitespace(byte)) {
          if (byte !== OPEN_BRACE) {
            this.#error = new JsonStreamError(
              `Unexpected character ${JSON.stringify(String.fromCharCode(byte))} at top level: each record must be a JSON object.`,
            )
            return { objects, error: this.#error }
          }
          start = index
          this.#depth = 1
        }
      } else if (byte === QUOTE) this.#isInString = true
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.#depth++
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        this.#depth--
        if (this.#depth === 0) {
          objects.push(
            start === CARRIED
              ? Buffer.concat([carried, bytes.subarray(0, index + 1)])
              : bytes.subarray(start, index + 1),
          )
          start = NONE
        }
      }
      index++
    }
    // Keep only the unfinished object.
    if (start === NONE) this.#carried = EMPTY
    else {
      this.#carried = start === CARRIED ? Buffer.concat([carried, bytes]) : bytes.subarray(start)
      if (this.#carried.length > this.#maxObjectBytes) {
        this.#error = new JsonStreamError(
          `A record is larger than the ${this.#maxObjectBytes} bytes allowed for one JSON record.`,
        )
        return { objects, error: this.#error }
      }
    }
    return { objects }
  }

  /** @throws JsonStreamError when the stream ended inside an object (or had failed before). */
  end(): void {
    if (this.#error) throw this.#error
    if (this.#depth !== 0) throw new JsonStreamError('The stream ended in the middle of a JSON object.')
  }
}

/**
 * Yields the bytes of the top-level JSON objects of `source`, in order, in groups: the objects that
 * each chunk of `source` completes (a group is never empty).
 *
 * @throws JsonStreamError when something other than an object starts at top level, when one
 *   object exceeds `maxObjectBytes`, or when the stream ends inside an object; the objects before
 *   the problem are yielded first.
 */
export async function* splitJsonObjects(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxObjectBytes: number,
): AsyncGenerator<Buffer[]> {
  const splitter = new JsonObjectSplitter(maxObjectBytes)
  for await (const chunk of source) {
    const { objects, error } = splitter.push(chunk)
    if (objects.length > 0) yield objects
    if (error) throw error
  }
  splitter.end()
}
