// Access-token payloads shaped like those of real identity providers (values invented), shared by
// the filter tests.

/** Okta custom authorization server, client-credentials token: `scp` is an array, `ver` a number. */
export const oktaClaims = {
  ver: 1,
  jti: 'AT.q1w2e3r4t5y6',
  iss: 'https://dev-123456.okta.com/oauth2/default',
  aud: 'api://kafka',
  iat: 1764300000,
  exp: 1764303600,
  cid: '0oa8orders4Ks7d5x',
  uid: '00u1alice9Jq2m4',
  scp: ['kafka.write', 'kafka.read'],
  sub: 'orders-service',
  groups: ['kafka-producers', 'Everyone'],
}

/** Microsoft Entra ID v1.0 app-only token: `appid`, `roles`, `ver` "1.0", no `scp`. */
export const entraV1Claims = {
  aud: 'api://kafka-gateway',
  iss: 'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/',
  iat: 1764300000,
  nbf: 1764300000,
  exp: 1764303900,
  aio: 'E2RgYJh8',
  appid: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
  appidacr: '1',
  idp: 'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/',
  oid: 'b9a1c7d0-3f52-4f0e-9a4c-2c1f9d0e8a11',
  roles: ['Kafka.Produce', 'Kafka.Consume'],
  sub: 'b9a1c7d0-3f52-4f0e-9a4c-2c1f9d0e8a11',
  tid: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  ver: '1.0',
}

/** Microsoft Entra ID v2.0 delegated token: `azp`, `scp` space-separated, `ver` "2.0". */
export const entraV2Claims = {
  aud: '5f0e7b4a-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
  iss: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0',
  iat: 1764300000,
  nbf: 1764300000,
  exp: 1764304200,
  azp: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
  azpacr: '0',
  name: 'Alice Example',
  oid: '00000000-0000-0000-66f3-3332eca7ea81',
  preferred_username: 'alice@contoso.com',
  scp: 'Kafka.Read Kafka.Write',
  roles: ['Kafka.Admin'],
  sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
  tid: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  ver: '2.0',
}

/** Keycloak client-credentials token: nested `realm_access.roles`, `scope` space-separated. */
export const keycloakClaims = {
  exp: 1764300300,
  iat: 1764300000,
  jti: 'b1c3e5f7-2a4b-4c6d-8e0f-123456789abc',
  iss: 'https://sso.example.com/realms/prod',
  aud: ['kafka-gateway', 'account'],
  sub: '6f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8',
  typ: 'Bearer',
  azp: 'billing-service',
  acr: '1',
  realm_access: { roles: ['offline_access', 'kafka-admin', 'uma_authorization'] },
  resource_access: { 'kafka-gateway': { roles: ['producer'] }, account: { roles: ['view-profile'] } },
  scope: 'openid profile email kafka',
  email_verified: false,
  clientHost: '10.0.4.17',
  preferred_username: 'service-account-billing-service',
}
