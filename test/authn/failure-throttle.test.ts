import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AuthenticationFailureThrottle } from '../../src/authn/index.ts'

describe('authentication failure throttle', () => {
  it('lets failures under the threshold through, then doubles the delay up to the maximum', () => {
    const throttle = new AuthenticationFailureThrottle({
      threshold: 3,
      windowMs: 60_000,
      baseDelayMs: 100,
      maxDelayMs: 500,
      now: () => 0,
    })
    const delays = Array.from({ length: 7 }, () => throttle.recordFailure('10.0.0.1'))
    assert.deepEqual(delays, [0, 0, 0, 100, 200, 400, 500])
  })

  it('counts each source on its own and starts over after the window', () => {
    let now = 0
    const throttle = new AuthenticationFailureThrottle({
      threshold: 1,
      windowMs: 1_000,
      baseDelayMs: 100,
      maxDelayMs: 1_000,
      now: () => now,
    })
    assert.equal(throttle.recordFailure('a'), 0)
    assert.equal(throttle.recordFailure('a'), 100)
    assert.equal(throttle.recordFailure('b'), 0)
    now = 1_000
    assert.equal(throttle.recordFailure('a'), 0)
  })

  it('remembers a bounded number of sources', () => {
    const throttle = new AuthenticationFailureThrottle({
      threshold: 1,
      windowMs: 60_000,
      baseDelayMs: 100,
      maxDelayMs: 1_000,
      maxTrackedSources: 2,
    })
    for (const source of ['a', 'b', 'c', 'd']) throttle.recordFailure(source)
    assert.equal(throttle.trackedSources, 2)
  })

  it('refuses negative settings', () => {
    assert.throws(
      () => new AuthenticationFailureThrottle({ threshold: -1, windowMs: 1, baseDelayMs: 1, maxDelayMs: 1 }),
      TypeError,
    )
  })
})
