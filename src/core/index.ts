/**
 * @module core
 *
 * The domain vocabulary every layer shares. It imports nothing from the project and no package.
 */
export * from './errors.ts'
export * from './topic-name.ts'
export * from './principal.ts'
export * from './acl.ts'
export * from './authorization.ts'
export * from './audit.ts'
