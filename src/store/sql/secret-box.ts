/**
 * @module store/sql/secret-box
 *
 * Seals the few secrets the store must be able to read back (a Kafka cluster's SASL password,
 * which the gateway presents to the brokers) with AES-256-GCM. Secrets that are only ever
 * compared, such as API key secrets, are hashed instead and never come here.
 *
 * Sealed form: `v1.<iv>.<tag>.<ciphertext>`, each part base64url. The key id is not stored: one
 * deployment has one key, and a wrong key fails authentication of the ciphertext, never silently.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const VERSION = 'v1'
const KEY_BYTES = 32
const IV_BYTES = 12

/** The configured encryption key is not 32 bytes of base64. */
export class InvalidEncryptionKeyError extends Error {
  constructor(source: string) {
    super(
      `The store encryption key (${source}) must be 32 random bytes in base64, for example the output of ` +
        '`openssl rand -base64 32`.',
    )
    this.name = 'InvalidEncryptionKeyError'
  }
}

/** A sealed value that this key cannot open: another deployment's key, or tampered data. */
export class SecretUnsealError extends Error {
  constructor() {
    super('A stored secret cannot be decrypted with the configured store.encryptionKey.')
    this.name = 'SecretUnsealError'
  }
}

export class SecretBox {
  readonly #key: Buffer

  private constructor(key: Buffer) {
    this.#key = key
  }

  /** @throws InvalidEncryptionKeyError when `base64Key` does not decode to 32 bytes. */
  static fromBase64(base64Key: string, source = 'store.encryptionKey'): SecretBox {
    const key = Buffer.from(base64Key.trim(), 'base64')
    if (key.length !== KEY_BYTES) throw new InvalidEncryptionKeyError(source)
    return new SecretBox(key)
  }

  /** A box with a fresh random key, for a store that lives in memory. */
  static random(): SecretBox {
    return new SecretBox(randomBytes(KEY_BYTES))
  }

  /**
   * The key kept in `directory` (the data directory of the embedded store), created on first use
   * and readable by the owner only.
   */
  static async inDirectory(directory: string): Promise<SecretBox> {
    const path = join(directory, 'encryption.key')
    try {
      return SecretBox.fromBase64(await readFile(path, 'utf8'), path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    const key = randomBytes(KEY_BYTES).toString('base64')
    // 'wx': two starts racing cannot both write; the data directory lock already rules that out.
    await writeFile(path, key + '\n', { mode: 0o600, flag: 'wx' })
    return SecretBox.fromBase64(key, path)
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return [VERSION, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.')
  }

  /** @throws SecretUnsealError for a value sealed with another key, or altered. */
  open(sealed: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.')
    if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined)
      throw new SecretUnsealError()
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8')
    } catch {
      throw new SecretUnsealError()
    }
  }
}
