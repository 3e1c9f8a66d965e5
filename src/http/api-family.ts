/**
 * @module http/api-family
 *
 * Which API family a path belongs to. The answer decides both the error body (`errors` array or
 * Kafka REST's `error_code`) and which API keys may call it, so it is decided here once.
 */

/** Confluent's management APIs (`/iam/v2`, `/org/v2`, `/cmk/v2`), as opposed to Kafka REST and our own. */
export function isControlPlanePath(path: string): boolean {
  return /^\/(iam|org|cmk)\//.test(path)
}
