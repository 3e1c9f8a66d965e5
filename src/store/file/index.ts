/**
 * @module store/file
 *
 * The store ports over files in the data directory.
 */
export { DataDirectory } from './data-directory.ts'
