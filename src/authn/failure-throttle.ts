/**
 * @module authn/failure-throttle
 *
 * Slows down guessing: each source (a client address) may fail authentication `threshold` times
 * per window without delay; every further failure in that window is answered after a delay that
 * doubles each time, up to `maxDelayMs`. Successful requests are never delayed, so a client that
 * once mistyped its secret is not punished for long.
 */

export interface FailureThrottleOptions {
  /** Failures per window that go unpunished. */
  readonly threshold: number
  readonly windowMs: number
  /** Delay of the first failure over the threshold; each next one doubles it. */
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /** Sources remembered at most; the longest-unseen is forgotten first. */
  readonly maxTrackedSources?: number
  readonly now?: () => number
}

interface Window {
  readonly startedAt: number
  failures: number
}

export class AuthenticationFailureThrottle {
  readonly #options: Required<FailureThrottleOptions>
  readonly #windows = new Map<string, Window>()

  constructor(options: FailureThrottleOptions) {
    for (const name of ['threshold', 'windowMs', 'baseDelayMs', 'maxDelayMs'] as const) {
      if (!(options[name] >= 0)) throw new TypeError(`${name} must be 0 or more.`)
    }
    this.#options = { maxTrackedSources: 10_000, now: Date.now, ...options }
  }

  /**
   * Counts a failure of `source`.
   *
   * @returns how long to wait before answering it, in milliseconds (0 while under the threshold).
   */
  recordFailure(source: string): number {
    const now = this.#options.now()
    let window = this.#windows.get(source)
    if (!window || now - window.startedAt >= this.#options.windowMs) {
      window = { startedAt: now, failures: 0 }
    }
    this.#windows.delete(source)
    if (this.#windows.size >= this.#options.maxTrackedSources) {
      this.#windows.delete(this.#windows.keys().next().value!)
    }
    this.#windows.set(source, window)
    window.failures++
    const excess = window.failures - this.#options.threshold
    if (excess <= 0) return 0
    return Math.min(this.#options.baseDelayMs * 2 ** Math.min(excess - 1, 30), this.#options.maxDelayMs)
  }

  /** Sources currently tracked (for tests and metrics). */
  get trackedSources(): number {
    return this.#windows.size
  }
}
