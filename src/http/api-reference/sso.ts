/**
 * @module http/api-reference/sso
 *
 * Reference entries for people who sign in with SSO: group mappings (`/iam/v2/sso/group-mappings`)
 * and invitations (`/iam/v2/invitations`). `$GROUP_MAPPING_ID` and `$INVITATION_ID` are ids the
 * reader got from a list or a create.
 */
import { CURL, withBody } from './curl.ts'
import type { OperationReference } from './types.ts'

const IAM = 'http://localhost:8082/iam/v2'

export const ssoOperations: Record<string, OperationReference> = {
  listIamV2SsoGroupMappings: {
    area: 'SSO',
    summary: 'List group mappings',
    description: 'Lists the group mappings, oldest first, a page at a time (`page_size` up to 100).',
    examples: [{ title: 'List group mappings', command: `${CURL} ${IAM}/sso/group-mappings` }],
  },
  createIamV2SsoGroupMapping: {
    area: 'SSO',
    summary: 'Create a group mapping',
    description:
      'Maps identity-provider groups to a principal of their own (`User:group-…`, the `principal` field) ' +
      'that role bindings can name. `filter` is a CEL condition of at most 300 characters on `groups` ' +
      '(the groups claim of the ID token, a list of strings) and `claims`. Bindings of the mapping apply ' +
      'to people signed in to the console whose groups match, from their next sign-in or session refresh; ' +
      'never to API keys.',
    examples: [
      {
        title: 'Map the engineering group',
        command: withBody(
          'POST',
          `${IAM}/sso/group-mappings`,
          '{"display_name":"Engineering","description":"Cluster admins","filter":"\\"engineering\\" in groups"}',
        ),
      },
    ],
  },
  getIamV2SsoGroupMapping: {
    area: 'SSO',
    summary: 'Get a group mapping',
    description: 'Reads one group mapping by its `group-` id.',
    examples: [
      { title: 'Get a group mapping', command: `${CURL} ${IAM}/sso/group-mappings/$GROUP_MAPPING_ID` },
    ],
  },
  updateIamV2SsoGroupMapping: {
    area: 'SSO',
    summary: 'Change a group mapping',
    description:
      'Changes `display_name`, `description` or `filter`; a new filter decides at each session’s next refresh.',
    examples: [
      {
        title: 'Add a second group',
        command: withBody(
          'PATCH',
          `${IAM}/sso/group-mappings/$GROUP_MAPPING_ID`,
          '{"filter":"\\"engineering\\" in groups || \\"sre\\" in groups"}',
        ),
      },
    ],
  },
  deleteIamV2SsoGroupMapping: {
    area: 'SSO',
    summary: 'Delete a group mapping',
    description: 'Deletes the mapping and its role bindings; signed-in people lose what it granted at once.',
    examples: [
      {
        title: 'Delete a group mapping',
        command: `${CURL} -X DELETE ${IAM}/sso/group-mappings/$GROUP_MAPPING_ID`,
      },
    ],
  },
  listIamV2Invitations: {
    area: 'SSO',
    summary: 'List invitations',
    description: 'Lists the invitations, pending and accepted, oldest first.',
    examples: [{ title: 'List invitations', command: `${CURL} ${IAM}/invitations` }],
  },
  createIamV2Invitation: {
    area: 'SSO',
    summary: 'Invite a person',
    description:
      'Lets the person with this email sign in to the console while just-in-time provisioning is off ' +
      '(`jit_enabled: false` on the organization). Gatehouse sends no email: the invitation is accepted, ' +
      'and the user created, when they first sign in. It expires after 30 days.',
    examples: [
      {
        title: 'Invite Grace',
        command: withBody('POST', `${IAM}/invitations`, '{"email":"grace@example.com"}'),
      },
    ],
  },
  getIamV2Invitation: {
    area: 'SSO',
    summary: 'Get an invitation',
    description: 'Reads one invitation by its `i-` id; `status` says whether it was accepted.',
    examples: [{ title: 'Get an invitation', command: `${CURL} ${IAM}/invitations/$INVITATION_ID` }],
  },
  deleteIamV2Invitation: {
    area: 'SSO',
    summary: 'Withdraw an invitation',
    description: 'Deletes the invitation; a user it already created stays.',
    examples: [
      { title: 'Withdraw an invitation', command: `${CURL} -X DELETE ${IAM}/invitations/$INVITATION_ID` },
    ],
  },
}
