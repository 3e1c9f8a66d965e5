/**
 * @module store/sql/data-directory-lock
 *
 * PGlite is a database inside one process: two gateways opening the same files would corrupt them.
 * A lock file holding the owner's pid keeps a second process out; a lock left by a process that no
 * longer runs (after kill -9 or a crash) is taken over.
 */
import { open, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const LOCK_FILE_NAME = 'gatehouse.lock'

/** The data directory is in use by another live process. */
export class DataDirectoryLockedError extends Error {
  readonly ownerPid: number
  constructor(directory: string, ownerPid: number) {
    super(
      `Another Gatehouse process (pid ${ownerPid}) is using the data directory ${directory}. ` +
        'Stop it first, or give each instance its own dataDir, or share a PostgreSQL database between ' +
        'instances with store.databaseUrl. If no such process runs, delete ' +
        `${join(directory, LOCK_FILE_NAME)}.`,
    )
    this.name = 'DataDirectoryLockedError'
    this.ownerPid = ownerPid
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it still holds the lock.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

export interface DataDirectoryLock {
  release(this: void): Promise<void>
}

/**
 * Takes the lock of `directory` for this process.
 *
 * @throws DataDirectoryLockedError when another live process holds it.
 */
/** Locks this process holds: the pid in the file cannot tell them apart from stale ones. */
const heldHere = new Set<string>()

export async function lockDataDirectory(directory: string): Promise<DataDirectoryLock> {
  const path = join(directory, LOCK_FILE_NAME)
  if (heldHere.has(path)) throw new DataDirectoryLockedError(directory, process.pid)
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600)
      await handle.writeFile(String(process.pid))
      await handle.sync()
      await handle.close()
      heldHere.add(path)
      return {
        release: async () => {
          heldHere.delete(path)
          await rm(path, { force: true })
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const owner = await readOwner(path)
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      throw new DataDirectoryLockedError(directory, owner)
    }
    // A stale lock: remove it and race for a fresh one; exclusive create decides the winner.
    await rm(path, { force: true })
  }
  const owner = (await readOwner(path)) ?? 0
  throw new DataDirectoryLockedError(directory, owner)
}

/** For tests: writes a lock as if `pid` held it. */
export async function writeLockFileForTest(directory: string, pid: number): Promise<void> {
  await writeFile(join(directory, LOCK_FILE_NAME), String(pid))
}
