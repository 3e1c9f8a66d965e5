/**
 * @module core/principal
 *
 * Who is calling: what authentication produced and authorization consumes.
 */

/** How a caller proved who they are. */
export type AuthenticationMethod = 'bootstrap_credential'

export interface Principal {
  /** Kafka-style principal, e.g. `User:sa-bootstrap`. */
  readonly name: string
  readonly method: AuthenticationMethod
  /** Identifier of the credential that was used (an API key id): safe to log, never a secret. */
  readonly credentialId: string
}
