/**
 * @module http/api-reference/iam-v2
 *
 * Reference entries for the identity operations (`/iam/v2`). `$KEY`/`$SECRET` are a management
 * (or the bootstrap) API key; `$SERVICE_ACCOUNT_ID`, `$USER_ID` and `$API_KEY_ID` are ids the
 * reader got from a list or a create (`$IDENTITY_PROVIDER_ID` and `$IDENTITY_POOL_ID` too). The story: a service account `orders-service` owns a key for
 * the cluster `$CLUSTER_ID` in environment `$ENVIRONMENT_ID`.
 */
import { CURL, shellVariable, withBody } from './curl.ts'
import type { OperationReference } from './types.ts'

const IAM = 'http://localhost:8082/iam/v2'

export const iamV2Operations: Record<string, OperationReference> = {
  // Service accounts
  listIamV2ServiceAccounts: {
    area: 'Service accounts',
    summary: 'List service accounts',
    description:
      'Lists the service accounts of the organization, oldest first, a page at a time (`page_size` ' +
      'up to 100; follow `metadata.next` for the rest). `display_name` keeps only accounts with that ' +
      'name; repeat it to ask for several.',
    examples: [
      { title: 'List service accounts', command: `${CURL} '${IAM}/service-accounts?page_size=50'` },
      {
        title: 'Find one by its name',
        command: `${CURL} '${IAM}/service-accounts?display_name=orders-service'`,
      },
    ],
  },
  createIamV2ServiceAccount: {
    area: 'Service accounts',
    summary: 'Create a service account',
    description:
      'Creates the identity an application acts as; it gets an `sa-` id. `display_name` is ' +
      'required and unique in the organization (a second one is refused with 409). The account can ' +
      'do nothing until it owns an API key and is granted access.',
    examples: [
      {
        title: 'Create a service account for the payments application',
        command: withBody(
          'POST',
          `${IAM}/service-accounts`,
          '{"display_name":"payments-service","description":"Writes payment events"}',
        ),
      },
    ],
  },
  getIamV2ServiceAccount: {
    area: 'Service accounts',
    summary: 'Get a service account',
    description: 'Reads one service account by its `sa-` id.',
    examples: [
      { title: 'Get a service account', command: `${CURL} ${IAM}/service-accounts/$SERVICE_ACCOUNT_ID` },
    ],
  },
  updateIamV2ServiceAccount: {
    area: 'Service accounts',
    summary: 'Rename or describe a service account',
    description:
      'Changes `display_name` (still unique) or `description`; fields left out keep their values. ' +
      'The id, and so every key and grant of the account, stays the same.',
    examples: [
      {
        title: 'Change the description',
        command: withBody(
          'PATCH',
          `${IAM}/service-accounts/$SERVICE_ACCOUNT_ID`,
          '{"description":"Reads orders and writes invoices"}',
        ),
      },
    ],
  },
  deleteIamV2ServiceAccount: {
    area: 'Service accounts',
    summary: 'Delete a service account',
    description:
      'Deletes the account and every API key it owns, in one step: its keys stop working at once ' +
      'on every gateway instance.',
    examples: [
      {
        title: 'Delete a service account',
        command: `${CURL} -X DELETE ${IAM}/service-accounts/$SERVICE_ACCOUNT_ID`,
      },
    ],
  },

  // Users
  listIamV2Users: {
    area: 'Users',
    summary: 'List users',
    description:
      'Lists the people known to the organization. Users are not created through this API: an ' +
      'account appears when its person first signs in.',
    examples: [{ title: 'List users', command: `${CURL} ${IAM}/users` }],
  },
  getIamV2User: {
    area: 'Users',
    summary: 'Get a user',
    description: 'Reads one user by its `u-` id.',
    examples: [{ title: 'Get a user', command: `${CURL} ${IAM}/users/$USER_ID` }],
  },
  updateIamV2User: {
    area: 'Users',
    summary: 'Change a user’s full name',
    description: 'Only `full_name` can change; the email comes from the identity provider.',
    examples: [
      {
        title: 'Set the full name',
        command: withBody('PATCH', `${IAM}/users/$USER_ID`, '{"full_name":"Ada Lovelace"}'),
      },
    ],
  },
  deleteIamV2User: {
    area: 'Users',
    summary: 'Delete a user',
    description: 'Deletes the user and every API key the user owns.',
    examples: [{ title: 'Delete a user', command: `${CURL} -X DELETE ${IAM}/users/$USER_ID` }],
  },

  // API keys
  listIamV2ApiKeys: {
    area: 'API keys',
    summary: 'List API keys',
    description:
      'Lists API keys, never their secrets. `spec.owner` keeps the keys of one service account or ' +
      'user; `spec.resource` keeps the keys of one Kafka cluster.',
    examples: [
      {
        title: 'List the keys of a service account',
        command: `${CURL} '${IAM}/api-keys?spec.owner=$SERVICE_ACCOUNT_ID'`,
      },
      { title: 'List the keys of a cluster', command: `${CURL} '${IAM}/api-keys?spec.resource=$CLUSTER_ID'` },
    ],
  },
  createIamV2ApiKey: {
    area: 'API keys',
    summary: 'Create an API key',
    description:
      'Creates a key for a service account (`sa-`) or a user (`u-`). With `spec.resource` naming a ' +
      'Kafka cluster the key opens that cluster’s `/kafka/v3` paths only; without it, it opens the ' +
      'management API only. The answer is 202 and is the only one that ever contains ' +
      '`spec.secret`: store it now, Gatehouse keeps only a salted hash.',
    examples: [
      {
        title: 'A key for one Kafka cluster',
        command: withBody(
          'POST',
          `${IAM}/api-keys`,
          '{"spec":{"display_name":"orders-producer","owner":{"id":"' +
            shellVariable('SERVICE_ACCOUNT_ID') +
            '"},' +
            '"resource":{"id":"' +
            shellVariable('CLUSTER_ID') +
            '","environment":"' +
            shellVariable('ENVIRONMENT_ID') +
            '"}}}',
        ),
      },
      {
        title: 'A key for the management API',
        command: withBody(
          'POST',
          `${IAM}/api-keys`,
          '{"spec":{"display_name":"orders-admin","owner":{"id":"' +
            shellVariable('SERVICE_ACCOUNT_ID') +
            '"}}}',
        ),
      },
    ],
  },
  getIamV2ApiKey: {
    area: 'API keys',
    summary: 'Get an API key',
    description: 'Reads one key by its id (the public half of the credential); never its secret.',
    examples: [{ title: 'Get an API key', command: `${CURL} ${IAM}/api-keys/$API_KEY_ID` }],
  },
  updateIamV2ApiKey: {
    area: 'API keys',
    summary: 'Rename or describe an API key',
    description:
      'Changes `spec.display_name` or `spec.description`. Owner, resource and secret never change: ' +
      'to rotate, create a new key and delete the old one.',
    examples: [
      {
        title: 'Describe a key',
        command: withBody(
          'PATCH',
          `${IAM}/api-keys/$API_KEY_ID`,
          '{"spec":{"description":"Used by orders v2"}}',
        ),
      },
    ],
  },
  deleteIamV2ApiKey: {
    area: 'API keys',
    summary: 'Delete an API key',
    description:
      'Revokes the key: requests with it fail from this answer on, on this instance, and on every ' +
      'other instance sharing the PostgreSQL store within `authentication.apiKeyCacheTtlMs`.',
    examples: [{ title: 'Delete an API key', command: `${CURL} -X DELETE ${IAM}/api-keys/$API_KEY_ID` }],
  },

  // Identity providers and pools
  listIamV2IdentityProviders: {
    area: 'Identity providers',
    summary: 'List identity providers',
    description:
      'Lists the OAuth/OIDC providers of the organization, oldest first, a page at a time (`page_size` up ' +
      'to 100; follow `metadata.next`). Needs Describe on every provider (OrganizationAdmin or Operator).',
    examples: [{ title: 'List identity providers', command: `${CURL} ${IAM}/identity-providers` }],
  },
  createIamV2IdentityProvider: {
    area: 'Identity providers',
    summary: 'Register an identity provider',
    description:
      'Registers a provider by its `issuer` (an https URL, unique in the organization: a second one is ' +
      'refused with 409) and the `jwks_uri` where it publishes its signing keys. Without `jwks_uri`, the ' +
      'gateway reads it from the issuer’s OIDC discovery document. `identity_claim` (default ' +
      '`claims.sub`) names callers in audit records. `audience` is a Gatehouse extension: tokens must then ' +
      'carry it in `aud`. The provider gets an `op-` id; tokens are accepted only through its pools.',
    examples: [
      {
        title: 'Register a provider with its JWKS URI',
        command: withBody(
          'POST',
          `${IAM}/identity-providers`,
          '{"display_name":"Corporate Entra ID","description":"Workloads of the corporate tenant","issuer":"https://login.example.com/tenant-1/v2.0","jwks_uri":"https://login.example.com/tenant-1/discovery/v2.0/keys"}',
        ),
      },
    ],
  },
  getIamV2IdentityProvider: {
    area: 'Identity providers',
    summary: 'Get an identity provider',
    description: 'Reads one provider by its `op-` id.',
    examples: [
      {
        title: 'Get an identity provider',
        command: `${CURL} ${IAM}/identity-providers/$IDENTITY_PROVIDER_ID`,
      },
    ],
  },
  updateIamV2IdentityProvider: {
    area: 'Identity providers',
    summary: 'Change an identity provider',
    description:
      'Changes the given fields; the others keep their values. A new `issuer` keeps the old `jwks_uri` ' +
      'unless that is given too. `"audience": null` removes the audience. Pools and their grants stay.',
    examples: [
      {
        title: 'Point the provider at rotated key storage',
        command: withBody(
          'PATCH',
          `${IAM}/identity-providers/$IDENTITY_PROVIDER_ID`,
          '{"jwks_uri":"https://login.example.com/tenant-1/discovery/v2.1/keys"}',
        ),
      },
    ],
  },
  deleteIamV2IdentityProvider: {
    area: 'Identity providers',
    summary: 'Delete an identity provider',
    description:
      'Deletes the provider with all its identity pools and their role bindings, in one step: the pools’ ' +
      'access ends at once on this instance and on the others as soon as they hear of the change.',
    examples: [
      {
        title: 'Delete an identity provider',
        command: `${CURL} -X DELETE ${IAM}/identity-providers/$IDENTITY_PROVIDER_ID`,
      },
    ],
  },
  refreshIamV2JsonWebKeySet: {
    area: 'Identity providers',
    summary: 'Fetch a provider’s signing keys now',
    description:
      'Fetches the provider’s JWKS at once instead of waiting for the next refresh, e.g. after the ' +
      'provider rotated its keys. `status.jwks_status` reports the outcome: `REFRESHED`, ' +
      '`INVALID_JWKS_URI` or `ERROR_FETCHING_JWKS`.',
    examples: [
      {
        title: 'Refresh the keys',
        command: withBody(
          'PATCH',
          `${IAM}/identity-providers/$IDENTITY_PROVIDER_ID/jwks`,
          '{"spec":{"jwks_status":"REFRESHED"}}',
        ),
      },
    ],
  },
  listIamV2IdentityPools: {
    area: 'Identity providers',
    summary: 'List the identity pools of a provider',
    description: 'Lists a provider’s pools, oldest first, a page at a time.',
    examples: [
      {
        title: 'List the pools',
        command: `${CURL} ${IAM}/identity-providers/$IDENTITY_PROVIDER_ID/identity-pools`,
      },
    ],
  },
  createIamV2IdentityPool: {
    area: 'Identity providers',
    summary: 'Create an identity pool',
    description:
      'Creates a pool of the provider’s identities: tokens whose claims satisfy `filter` (at most 300 ' +
      'characters, e.g. `claims.aud == "kafka"`) may act as the pool. The pool gets a `pool-` id, which is ' +
      'also its `principal`: grant it roles as `User:pool-…`. `identity_claim` defaults to `claims.sub`.',
    examples: [
      {
        title: 'A pool for the payment services',
        command: withBody(
          'POST',
          `${IAM}/identity-providers/$IDENTITY_PROVIDER_ID/identity-pools`,
          '{"display_name":"payments","description":"Payment services","identity_claim":"claims.sub","filter":"claims.aud == \\"payments\\""}',
        ),
      },
    ],
  },
  matchIamV2IdentityPools: {
    area: 'Identity providers',
    summary: 'Dry-run the pool filters',
    description:
      'A Gatehouse extension. Evaluates every pool filter of the provider against a token (`token`) or ' +
      'against claims (`claims`), exactly one of them, and answers per pool whether it matched and, when ' +
      'not, which conditions failed or could not be evaluated. Also says which pools auto pool mapping ' +
      'selects and, with `identity_pool_id`, what that `Confluent-Identity-Pool-Id` value would select. A ' +
      'token is verified as authentication would, and the outcome is in `token_verification`; an expired ' +
      'or unverifiable token still has its filters evaluated. The token is never returned or logged. ' +
      'Needs Describe on the provider and its pools.',
    examples: [
      {
        title: 'Which pools would these claims act as?',
        command: withBody(
          'POST',
          `${IAM}/identity-providers/$IDENTITY_PROVIDER_ID/identity-pools:match`,
          '{"claims":{"sub":"svc-payments","aud":"payments","scp":["kafka.write"]}}',
        ),
      },
      {
        title: 'Why is this token refused?',
        command: withBody(
          'POST',
          `${IAM}/identity-providers/$IDENTITY_PROVIDER_ID/identity-pools:match`,
          `{"token":"${shellVariable('TOKEN')}","identity_pool_id":"${shellVariable('IDENTITY_POOL_ID')}"}`,
        ),
      },
    ],
  },
  getIamV2IdentityPool: {
    area: 'Identity providers',
    summary: 'Get an identity pool',
    description: 'Reads one pool of a provider by its `pool-` id.',
    examples: [
      {
        title: 'Get a pool',
        command: `${CURL} ${IAM}/identity-providers/$IDENTITY_PROVIDER_ID/identity-pools/$IDENTITY_POOL_ID`,
      },
    ],
  },
  updateIamV2IdentityPool: {
    area: 'Identity providers',
    summary: 'Change an identity pool',
    description:
      'Changes the given fields; the others keep their values. The pool stays under its provider, and ' +
      'its grants stay.',
    examples: [
      {
        title: 'Narrow the filter',
        command: withBody(
          'PATCH',
          `${IAM}/identity-providers/$IDENTITY_PROVIDER_ID/identity-pools/$IDENTITY_POOL_ID`,
          '{"filter":"claims.aud == \\"payments\\" && claims.sub != \\"legacy-batch\\""}',
        ),
      },
    ],
  },
  deleteIamV2IdentityPool: {
    area: 'Identity providers',
    summary: 'Delete an identity pool',
    description:
      'Deletes the pool and its role bindings: tokens stop acting as the pool at once on this instance, ' +
      'and on the others as soon as they hear of the change.',
    examples: [
      {
        title: 'Delete a pool',
        command: `${CURL} -X DELETE ${IAM}/identity-providers/$IDENTITY_PROVIDER_ID/identity-pools/$IDENTITY_POOL_ID`,
      },
    ],
  },

  // Certificate authorities and certificate identity pools (mTLS)
  listIamV2CertificateAuthorities: {
    area: 'Certificate authorities',
    summary: 'List certificate authorities',
    description: 'Lists the registered certificate authorities, oldest first, a page at a time.',
    examples: [{ title: 'List the authorities', command: `${CURL} ${IAM}/certificate-authorities` }],
  },
  createIamV2CertificateAuthority: {
    area: 'Certificate authorities',
    summary: 'Register a certificate authority',
    description:
      'Registers the CA certificates (1 to 4, as PEM text or base64 of it, as Confluent’s CLI sends) that sign ' +
      'client certificates. From the moment this answers, the HTTPS listener accepts certificates that chain ' +
      'to them, once a certificate identity pool matches. Give a CRL as `crl_chain` (PEM or base64) or ' +
      '`crl_url` (fetched and refreshed); `require_crl_on_client_certificate` refuses certificates without a ' +
      'current CRL of their issuer. The example expects `CERTIFICATE_CHAIN_BASE64=$(cat issuing-ca.pem ' +
      'root-ca.pem | base64 -w0)` and `CRL_BASE64=$(base64 -w0 issuing-ca.crl.pem)`.',
    examples: [
      {
        title: 'Register the issuing CA and its root, with their CRL',
        command: withBody(
          'POST',
          `${IAM}/certificate-authorities`,
          `{"display_name":"corporate-pki","description":"Issuing CA for services","certificate_chain":"'"$CERTIFICATE_CHAIN_BASE64"'","certificate_chain_filename":"chain.pem","crl_chain":"'"$CRL_BASE64"'"}`,
        ),
      },
    ],
  },
  getIamV2CertificateAuthority: {
    area: 'Certificate authorities',
    summary: 'Get a certificate authority',
    description:
      'Reads one authority: the SHA-1 fingerprints, expiration dates and serial numbers of its chain, and where ' +
      'its CRL comes from (`crl_source`) and when it was last updated.',
    examples: [
      {
        title: 'Get an authority',
        command: `${CURL} ${IAM}/certificate-authorities/$CERTIFICATE_AUTHORITY_ID`,
      },
    ],
  },
  updateIamV2CertificateAuthority: {
    area: 'Certificate authorities',
    summary: 'Change a certificate authority',
    description:
      'Changes the given fields. Uploading a new `crl_chain` revokes its certificates from the next request on; ' +
      'giving `crl_chain` clears `crl_url` and the other way round, and `null` removes either.',
    examples: [
      {
        title: 'Upload a new CRL',
        command: withBody(
          'PUT',
          `${IAM}/certificate-authorities/$CERTIFICATE_AUTHORITY_ID`,
          `{"crl_chain":"'"$CRL_BASE64"'"}`,
        ),
      },
    ],
  },
  deleteIamV2CertificateAuthority: {
    area: 'Certificate authorities',
    summary: 'Delete a certificate authority',
    description:
      'Deletes the authority, its certificate identity pools and their role bindings, and answers with the ' +
      'deleted authority. Its certificates are refused from the next request on, even on open connections.',
    examples: [
      {
        title: 'Delete an authority',
        command: `${CURL} -X DELETE ${IAM}/certificate-authorities/$CERTIFICATE_AUTHORITY_ID`,
      },
    ],
  },
  listIamV2CertificateIdentityPools: {
    area: 'Certificate authorities',
    summary: 'List the certificate identity pools of an authority',
    description: 'Lists an authority’s pools, oldest first, a page at a time.',
    examples: [
      {
        title: 'List the pools',
        command: `${CURL} ${IAM}/certificate-authorities/$CERTIFICATE_AUTHORITY_ID/identity-pools`,
      },
    ],
  },
  createIamV2CertificateIdentityPool: {
    area: 'Certificate authorities',
    summary: 'Create a certificate identity pool',
    description:
      'Creates a pool of the authority’s certificates: those whose attributes satisfy `filter` (at most 300 ' +
      'characters; subject attributes `CN`, `O`, `OU`, `C`, `L`, `ST`, `DC`, `UID`, `emailAddress`, and ' +
      '`subject`, `issuer`, `san.dns`/`san.uri`/`san.email`/`san.ip`, `serial`). `external_identifier` names ' +
      'the subject attribute recorded in audit records. Grant the pool roles as `User:pool-…`.',
    examples: [
      {
        title: 'A pool for the order services',
        command: withBody(
          'POST',
          `${IAM}/certificate-authorities/$CERTIFICATE_AUTHORITY_ID/identity-pools`,
          '{"display_name":"orders","description":"Order services","external_identifier":"CN","filter":"CN.startsWith(\\"orders-\\") && O == \\"Acme\\""}',
        ),
      },
    ],
  },
  getIamV2CertificateIdentityPool: {
    area: 'Certificate authorities',
    summary: 'Get a certificate identity pool',
    description: 'Reads one pool of an authority by its `pool-` id.',
    examples: [
      {
        title: 'Get a pool',
        command: `${CURL} ${IAM}/certificate-authorities/$CERTIFICATE_AUTHORITY_ID/identity-pools/$CERTIFICATE_POOL_ID`,
      },
    ],
  },
  updateIamV2CertificateIdentityPool: {
    area: 'Certificate authorities',
    summary: 'Change a certificate identity pool',
    description: 'Changes the given fields; the new filter decides from the next request on.',
    examples: [
      {
        title: 'Also accept certificates by SPIFFE id',
        command: withBody(
          'PUT',
          `${IAM}/certificate-authorities/$CERTIFICATE_AUTHORITY_ID/identity-pools/$CERTIFICATE_POOL_ID`,
          '{"filter":"CN.startsWith(\\"orders-\\") || \\"spiffe://acme/orders\\" in san.uri"}',
        ),
      },
    ],
  },
  deleteIamV2CertificateIdentityPool: {
    area: 'Certificate authorities',
    summary: 'Delete a certificate identity pool',
    description: 'Deletes the pool and its role bindings, and answers with the deleted pool.',
    examples: [
      {
        title: 'Delete a pool',
        command: `${CURL} -X DELETE ${IAM}/certificate-authorities/$CERTIFICATE_AUTHORITY_ID/identity-pools/$CERTIFICATE_POOL_ID`,
      },
    ],
  },

  // Role bindings and explanations
  listIamV2RoleBindings: {
    area: 'Role bindings',
    summary: 'List role bindings',
    description:
      '`crn_pattern` is required: the bindings on that pattern and on everything beneath it (the ' +
      'organization CRN lists them all). `principal` and `role_name` narrow the list to exact matches. ' +
      'Needs DescribeAccess on the pattern.',
    examples: [
      {
        title: 'Every binding in the organization',
        command: `${CURL} 'http://localhost:8082/iam/v2/role-bindings?crn_pattern=crn://confluent.cloud/organization='$ORGANIZATION_ID`,
      },
      {
        title: 'What one service account holds',
        command: `${CURL} 'http://localhost:8082/iam/v2/role-bindings?crn_pattern=crn://confluent.cloud/organization='$ORGANIZATION_ID'&principal=User:'$SERVICE_ACCOUNT_ID`,
      },
    ],
  },
  createIamV2RoleBinding: {
    area: 'Role bindings',
    summary: 'Grant a role',
    description:
      'Binds a predefined role (docs/access-control.md) to a principal on the resources a CRN pattern ' +
      'covers: the named resource and everything beneath it; a trailing `*` on the last name makes it a ' +
      'prefix. Applies before the answer on this instance, and on the others within ' +
      '`authorization.roleBindingRefreshIntervalMs` (at once with PostgreSQL notifications). Needs ' +
      'AlterAccess on the pattern; the same binding twice is refused with 409.',
    examples: [
      {
        title: 'Let orders-service produce to every topic starting with orders-',
        command: withBody(
          'POST',
          `${IAM}/role-bindings`,
          `{"principal":"User:${shellVariable('SERVICE_ACCOUNT_ID')}","role_name":"DeveloperWrite","crn_pattern":"crn://confluent.cloud/organization=${shellVariable('ORGANIZATION_ID')}/environment=${shellVariable('ENVIRONMENT_ID')}/cloud-cluster=${shellVariable('CLUSTER_ID')}/kafka=${shellVariable('CLUSTER_ID')}/topic=orders-*"}`,
        ),
      },
    ],
  },
  getIamV2RoleBinding: {
    area: 'Role bindings',
    summary: 'Get a role binding',
    description: 'Reads one binding by its `rb-` id. Needs DescribeAccess on its pattern.',
    examples: [{ title: 'Get a role binding', command: `${CURL} ${IAM}/role-bindings/$ROLE_BINDING_ID` }],
  },
  deleteIamV2RoleBinding: {
    area: 'Role bindings',
    summary: 'Revoke a role',
    description:
      'Deletes the binding and answers with it. Requests that needed it are refused from this answer on. ' +
      'Needs AlterAccess on its pattern.',
    examples: [
      { title: 'Revoke a role', command: `${CURL} -X DELETE ${IAM}/role-bindings/$ROLE_BINDING_ID` },
    ],
  },
  explainAccess: {
    area: 'Role bindings',
    summary: 'Explain a decision',
    description:
      'Tells why the given principals may or may not do an operation on a resource: the decision, the ' +
      'reason, and every Kafka ACL (denying and allowing) and role binding that took part. A Gatehouse ' +
      'extension; needs DescribeAccess on the resource. `host` is the client address ACLs match on.',
    examples: [
      {
        title: 'May orders-service read the topic orders?',
        command: withBody(
          'POST',
          `${IAM}/access:explain`,
          `{"principals":["User:${shellVariable('SERVICE_ACCOUNT_ID')}"],"operation":"Read","resource_crn":"crn://confluent.cloud/organization=${shellVariable('ORGANIZATION_ID')}/environment=${shellVariable('ENVIRONMENT_ID')}/cloud-cluster=${shellVariable('CLUSTER_ID')}/kafka=${shellVariable('CLUSTER_ID')}/topic=orders"}`,
        ),
      },
    ],
  },
}
