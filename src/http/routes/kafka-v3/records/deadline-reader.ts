/**
 * @module http/routes/kafka-v3/records/deadline-reader
 *
 * Reads an async iterator until a deadline. Once the deadline passes, the read in progress (and any
 * later one) settles with `READ_EXPIRED`, whatever the iterator does.
 *
 * `Promise.race([iterator.next(), deadline])` would do the same but leaks: every race leaves a
 * reaction on the deadline promise, which keeps that race's result (here, a chunk of records)
 * reachable until the deadline, an hour by default. A produce stream then held every record it had
 * read, and the garbage collector copied them again and again.
 */

export const READ_EXPIRED: unique symbol = Symbol('read expired')

export interface DeadlineReader<T> {
  /** The iterator's next result, or `READ_EXPIRED` once the deadline has passed. */
  read(): Promise<IteratorResult<T> | typeof READ_EXPIRED>
  /** Stops the clock; call it once reading is over. */
  cancel(): void
}

export function readWithDeadline<T>(iterator: AsyncIterator<T>, timeoutMs: number): DeadlineReader<T> {
  let isExpired = false
  /** Settles the read in progress as expired; only that read is ever held here. */
  let expireCurrentRead: (() => void) | undefined
  const timer = setTimeout(() => {
    isExpired = true
    expireCurrentRead?.()
  }, timeoutMs)
  return {
    read() {
      if (isExpired) return Promise.resolve(READ_EXPIRED)
      return new Promise((resolve, reject) => {
        expireCurrentRead = () => resolve(READ_EXPIRED)
        iterator.next().then(
          (result) => {
            expireCurrentRead = undefined
            resolve(result)
          },
          (error: Error) => {
            expireCurrentRead = undefined
            reject(error)
          },
        )
      })
    },
    cancel() {
      clearTimeout(timer)
      expireCurrentRead = undefined
    },
  }
}
