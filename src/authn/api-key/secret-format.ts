/**
 * @module authn/api-key/secret-format
 *
 * How API keys and secrets look, and how secrets are hashed.
 *
 * - A key id is 16 characters of upper-case base32, like Confluent's; it identifies the key and is
 *   safe to log.
 * - A secret is `ghsk_` + 40 base62 characters of randomness (238 bits) + a 6-character base62
 *   CRC-32 of them. The prefix and checksum let secret scanners find leaked secrets with few false
 *   positives: `ghsk_[0-9A-Za-z]{46}` whose last six characters are the checksum of the forty before.
 * - Stored secrets are salted SHA-256. A slow password hash would buy nothing for 238 random bits
 *   and would cost every request; see docs/decisions/0002-secret-hashing.md.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'
import { crc32 } from 'node:zlib'

export const SECRET_PREFIX = 'ghsk_'
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const SECRET_BODY_LENGTH = 40
const CHECKSUM_LENGTH = 6

function randomString(alphabet: string, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)]
  return out
}

function base62Checksum(text: string): string {
  let value = crc32(text)
  let out = ''
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out
    value = Math.floor(value / 62)
  }
  return out
}

export function generateKeyId(): string {
  return randomString(BASE32, 16)
}

export function generateSecret(): string {
  const body = randomString(BASE62, SECRET_BODY_LENGTH)
  return SECRET_PREFIX + body + base62Checksum(body)
}

/** True when `secret` has our prefix, length and a correct checksum (a typo check, not a proof). */
export function hasValidSecretChecksum(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false
  const rest = secret.slice(SECRET_PREFIX.length)
  if (rest.length !== SECRET_BODY_LENGTH + CHECKSUM_LENGTH || !/^[0-9A-Za-z]+$/.test(rest)) return false
  return base62Checksum(rest.slice(0, SECRET_BODY_LENGTH)) === rest.slice(SECRET_BODY_LENGTH)
}

export interface SecretHash {
  /** base64url salt */
  readonly salt: string
  /** base64url SHA-256(salt || secret) */
  readonly hash: string
}

export function hashSecret(secret: string, salt: string = randomBytes(16).toString('base64url')): SecretHash {
  const hash = createHash('sha256')
    .update(Buffer.from(salt, 'base64url'))
    .update(secret, 'utf8')
    .digest('base64url')
  return { salt, hash }
}

/** Compares a presented secret with a stored hash in time independent of where they differ. */
export function secretMatches(secret: string, stored: SecretHash): boolean {
  const expected = Buffer.from(stored.hash, 'base64url')
  const actual = Buffer.from(hashSecret(secret, stored.salt).hash, 'base64url')
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}
