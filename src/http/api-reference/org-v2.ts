/**
 * @module http/api-reference/org-v2
 *
 * Reference entries for the organization and its environments (`/org/v2`). `$KEY`/`$SECRET` are a
 * management (or the bootstrap) API key; `$ORGANIZATION_ID` and `$ENVIRONMENT_ID` come from the
 * lists.
 */
import { CURL, withBody } from './curl.ts'
import type { OperationReference } from './types.ts'

const ORG = 'http://localhost:8082/org/v2'

export const orgV2Operations: Record<string, OperationReference> = {
  listOrgV2Organizations: {
    area: 'Organization',
    summary: 'List organizations',
    description:
      'A deployment of Gatehouse is one organization, created at its first start; the list holds ' +
      'just that one. Its id appears in every resource name (`crn://…/organization=…`).',
    examples: [{ title: 'Find the organization id', command: `${CURL} ${ORG}/organizations` }],
  },
  getOrgV2Organization: {
    area: 'Organization',
    summary: 'Get the organization',
    description: 'Reads the organization by its id; any other id is 404.',
    examples: [{ title: 'Get the organization', command: `${CURL} ${ORG}/organizations/$ORGANIZATION_ID` }],
  },
  updateOrgV2Organization: {
    area: 'Organization',
    summary: 'Rename the organization or switch just-in-time sign-up',
    description:
      'Changes `display_name` (1–31 characters) or `jit_enabled`: while it is true (the default), a ' +
      'person who signs in to the console through SSO for the first time gets a user account.',
    examples: [
      {
        title: 'Rename the organization',
        command: withBody(
          'PATCH',
          `${ORG}/organizations/$ORGANIZATION_ID`,
          '{"display_name":"Payments Platform"}',
        ),
      },
    ],
  },

  listOrgV2Environments: {
    area: 'Environments',
    summary: 'List environments',
    description:
      'Lists the environments, oldest first; the first is `default`, where the clusters of the ' +
      'configuration file are registered.',
    examples: [{ title: 'List environments', command: `${CURL} ${ORG}/environments` }],
  },
  createOrgV2Environment: {
    area: 'Environments',
    summary: 'Create an environment',
    description:
      'Creates an environment (`env-` id) to group clusters, for example per stage. ' +
      '`stream_governance_config` is accepted for compatibility and ignored.',
    examples: [
      {
        title: 'Create a staging environment',
        command: withBody('POST', `${ORG}/environments`, '{"display_name":"staging"}'),
      },
    ],
  },
  getOrgV2Environment: {
    area: 'Environments',
    summary: 'Get an environment',
    description: 'Reads one environment by its `env-` id.',
    examples: [{ title: 'Get an environment', command: `${CURL} ${ORG}/environments/$ENVIRONMENT_ID` }],
  },
  updateOrgV2Environment: {
    area: 'Environments',
    summary: 'Rename an environment',
    description: 'Changes `display_name`; the id stays the same.',
    examples: [
      {
        title: 'Rename an environment',
        command: withBody(
          'PATCH',
          `${ORG}/environments/$ENVIRONMENT_ID`,
          '{"display_name":"pre-production"}',
        ),
      },
    ],
  },
  deleteOrgV2Environment: {
    area: 'Environments',
    summary: 'Delete an environment',
    description:
      'Deletes an empty environment. The default environment, and one that still holds clusters, ' +
      'cannot be deleted (409).',
    examples: [
      { title: 'Delete an environment', command: `${CURL} -X DELETE ${ORG}/environments/$ENVIRONMENT_ID` },
    ],
  },
}
