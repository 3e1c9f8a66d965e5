/**
 * @module store/file/data-directory
 *
 * The data directory: the gateway's own small state as files, written atomically (temp file, fsync,
 * rename) with owner-only permissions.
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { BootstrapCredentialRecord, BootstrapCredentialStore, StoreHealth } from '../port.ts'

const BOOTSTRAP_CREDENTIAL_FILE = 'bootstrap-credential.json'

function isRecord(value: unknown): value is BootstrapCredentialRecord {
  const candidate = value as BootstrapCredentialRecord
  return (
    typeof candidate?.keyId === 'string' &&
    typeof candidate.secretHash?.salt === 'string' &&
    typeof candidate.secretHash.hash === 'string' &&
    typeof candidate.createdAt === 'string'
  )
}

export class DataDirectory implements BootstrapCredentialStore, StoreHealth {
  readonly path: string

  private constructor(path: string) {
    this.path = path
  }

  /** Creates the directory (mode 0700) when missing and checks that it is writable. */
  static async open(path: string): Promise<DataDirectory> {
    const absolute = resolve(path)
    await mkdir(absolute, { recursive: true, mode: 0o700 })
    const directory = new DataDirectory(absolute)
    await directory.checkReady()
    return directory
  }

  async checkReady(): Promise<void> {
    await access(this.path, constants.R_OK | constants.W_OK)
  }

  async readBootstrapCredential(): Promise<BootstrapCredentialRecord | undefined> {
    const file = join(this.path, BOOTSTRAP_CREDENTIAL_FILE)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    const parsed: unknown = JSON.parse(text)
    if (!isRecord(parsed))
      throw new Error(`${file} is not a bootstrap credential record; remove it to generate a new one.`)
    return parsed
  }

  async writeBootstrapCredential(record: BootstrapCredentialRecord): Promise<void> {
    await this.#writeAtomically(BOOTSTRAP_CREDENTIAL_FILE, JSON.stringify(record, null, 2) + '\n')
  }

  async #writeAtomically(name: string, content: string): Promise<void> {
    const target = join(this.path, name)
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`
    const handle = await open(temporary, 'wx', 0o600)
    try {
      await handle.writeFile(content, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      await chmod(temporary, 0o600)
      await rename(temporary, target)
    } catch (error) {
      await rm(temporary, { force: true })
      throw error
    }
  }
}
