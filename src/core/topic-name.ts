/**
 * @module core/topic-name
 *
 * Kafka's own rules for topic names, checked before a request reaches the brokers so that the
 * caller gets the same answer whatever the broker version.
 */

export const MAX_TOPIC_NAME_LENGTH = 249
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/

/** Returns why `name` is not a legal Kafka topic name, or undefined when it is. */
export function explainInvalidTopicName(name: string): string | undefined {
  if (name.length === 0) return 'Topic name is empty.'
  if (name === '.' || name === '..') return `Topic name cannot be "${name}".`
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is ${name.length} characters long; the maximum is ${MAX_TOPIC_NAME_LENGTH}.`
  }
  if (!LEGAL_TOPIC_NAME.test(name)) {
    return 'Topic name may contain only ASCII letters, digits, ".", "_" and "-".'
  }
  return undefined
}
