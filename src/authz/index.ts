/**
 * @module authz
 *
 * "May they": the decision point over Kafka ACLs and role bindings. Imports `core` only.
 */
export * from './acl-index.ts'
export * from './role-catalog.ts'
export * from './role-binding-index.ts'
export * from './authorizer.ts'
