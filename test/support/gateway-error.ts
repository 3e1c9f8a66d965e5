/**
 * @module test/support/gateway-error
 *
 * The `GatewayError` a call was expected to fail with, for tests that go on to check its code,
 * status or wording.
 */
import assert from 'node:assert/strict'
import { GatewayError } from '../../src/core/index.ts'

/** Waits for `promise` to reject and returns its reason; fails the test if it resolves or rejects with anything else. */
export async function gatewayErrorOf(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => assert.fail('expected the call to fail'),
    (reason: unknown) => reason,
  )
  assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`)
  return error
}
