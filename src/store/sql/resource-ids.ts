/**
 * @module store/sql/resource-ids
 *
 * Identifiers in Confluent's style: a type prefix and six lower-case letters or digits
 * (`env-a1b2c3`, `sa-x9y8z7`, `u-k2m4n6`). Six characters give 2·10⁹ values; the primary key
 * catches the rare collision and the caller retries with a new id.
 */
import { randomInt } from 'node:crypto'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * `op` names OAuth/OIDC identity providers and `pool` their identity pools, `group` SSO group
 * mappings and `i` invitations, as Confluent does.
 */
export type ResourceIdPrefix = 'env' | 'sa' | 'u' | 'rb' | 'op' | 'pool' | 'group' | 'i'

export function generateResourceId(prefix: ResourceIdPrefix): string {
  let suffix = ''
  for (let i = 0; i < 6; i++) suffix += ALPHABET[randomInt(ALPHABET.length)]
  return `${prefix}-${suffix}`
}
