/**
 * @module test/support/authorization
 *
 * A real `Authorizer` for component tests, with role bindings kept in memory (a fake above the
 * store port) and ACLs read from the test's Kafka clusters.
 */
import {
  Authorizer,
  type AclSource,
  type RoleBinding,
  type RoleBindingSource,
} from '../../src/authz/index.ts'
import type { ResourceDirectory } from '../../src/http/authorization/resource-paths.ts'

export const TEST_ORGANIZATION_ID = '5b6c1e0a-1d3f-4a51-9c1b-0c2d7e8f9a10'
export const TEST_ENVIRONMENT_ID = 'env-test01'
/** The principal of the static test key (test/support/static-key.ts). */
export const TEST_PRINCIPAL = 'User:sa-test01'

export const ORGANIZATION_CRN = `crn://confluent.cloud/organization=${TEST_ORGANIZATION_ID}`

/** Role bindings in memory; `add` and `remove` notify like the store does. */
export class MemoryRoleBindings implements RoleBindingSource {
  readonly #bindings: RoleBinding[] = []
  readonly #listeners = new Set<() => void>()
  #nextId = 1

  add(principal: string, roleName: string, crnPattern: string): RoleBinding {
    const binding = { id: `rb-test${this.#nextId++}`, principal, roleName, crnPattern }
    this.#bindings.push(binding)
    for (const listener of this.#listeners) listener()
    return binding
  }

  remove(id: string): void {
    const index = this.#bindings.findIndex((binding) => binding.id === id)
    if (index !== -1) this.#bindings.splice(index, 1)
    for (const listener of this.#listeners) listener()
  }

  async listAllRoleBindings(): Promise<readonly RoleBinding[]> {
    return [...this.#bindings]
  }

  onRoleBindingsChanged(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

/** Every registered cluster sits in the test environment. */
export const testResourceDirectory: ResourceDirectory = {
  organizationId: TEST_ORGANIZATION_ID,
  environmentOfCluster: async () => TEST_ENVIRONMENT_ID,
}

/**
 * A started authorizer in which `adminPrincipal` (unless null) is OrganizationAdmin, as the
 * bootstrap service account is in a real deployment.
 */
export async function startTestAuthorizer(
  acls: AclSource,
  options: { adminPrincipal?: string | null; roleBindings?: RoleBindingSource; organizationId?: string } = {},
): Promise<{ authorizer: Authorizer; roleBindings: RoleBindingSource }> {
  let roleBindings = options.roleBindings
  if (roleBindings === undefined) {
    const memory = new MemoryRoleBindings()
    const admin = options.adminPrincipal === undefined ? TEST_PRINCIPAL : options.adminPrincipal
    const organization = `crn://confluent.cloud/organization=${options.organizationId ?? TEST_ORGANIZATION_ID}`
    if (admin !== null) memory.add(admin, 'OrganizationAdmin', organization)
    roleBindings = memory
  }
  const authorizer = new Authorizer({
    roleBindings,
    acls,
    aclRefreshIntervalMs: 1_000,
    aclMaxStalenessMs: 60_000,
    roleBindingRefreshIntervalMs: 60_000,
  })
  await authorizer.start()
  return { authorizer, roleBindings }
}
