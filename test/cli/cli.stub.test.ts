/**
 * The CLI against a small local HTTP stub that records what it is sent: OAuth client-credentials
 * login (token endpoint, cached token, identity pool header), pagination, and the commands of APIs
 * other branches are building (certificate authorities and pools, SSO group mappings), checked
 * against the request shapes of Confluent's specs. They run end to end once those APIs exist.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, dirname } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createCliHome, type CliHome, type CliRun } from './cli-process.ts'

interface Recorded {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: string
}

const show = (run: CliRun) => `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`
const CLIENT_SECRET = 'client secret/with+odd chars'

describe('gatehouse CLI against a stub API', () => {
  let server: Server
  let url = ''
  let cli: CliHome
  const requests: Recorded[] = []
  let tokensIssued = 0

  /** Answers by method and path; anything else is 404 in the control-plane error shape. */
  function answer(request: Recorded): { status: number; body?: unknown } {
    const route = `${request.method} ${request.path}`
    const authority = {
      api_version: 'iam/v2',
      kind: 'CertificateAuthority',
      id: 'op-1',
      display_name: 'corp-ca',
      description: 'the CA',
      crl_url: 'https://crl.example.com/ca.crl',
    }
    switch (route) {
      case 'POST /oauth/token':
        tokensIssued++
        return {
          status: 200,
          body: { access_token: `token-${tokensIssued}`, token_type: 'Bearer', expires_in: 3600 },
        }
      case 'GET /openapi.json':
        return { status: 200, body: { openapi: '3.0.3' } }
      case 'POST /iam/v2/certificate-authorities':
        return { status: 201, body: { ...authority, ...JSON.parse(request.body) } }
      case 'GET /iam/v2/certificate-authorities':
        // Two pages: the CLI follows `next`, on its own gateway.
        return request.query.get('page_token') === 'p2'
          ? {
              status: 200,
              body: { kind: 'CertificateAuthorityList', metadata: {}, data: [{ ...authority, id: 'op-2' }] },
            }
          : {
              status: 200,
              body: {
                kind: 'CertificateAuthorityList',
                // Another origin (a public URL behind a proxy): the CLI stays on its own gateway.
                metadata: {
                  next: 'http://public.example.invalid/iam/v2/certificate-authorities?page_token=p2',
                },
                data: [authority],
              },
            }
      case 'GET /iam/v2/certificate-authorities/op-1':
        return { status: 200, body: authority }
      case 'PUT /iam/v2/certificate-authorities/op-1':
        return { status: 200, body: { ...authority, ...JSON.parse(request.body) } }
      case 'DELETE /iam/v2/certificate-authorities/op-1':
        return { status: 204 }
      case 'POST /iam/v2/certificate-authorities/op-1/identity-pools':
        return { status: 201, body: { id: 'pool-c1', ...JSON.parse(request.body) } }
      case 'GET /iam/v2/certificate-authorities/op-1/identity-pools/pool-c1':
        return {
          status: 200,
          body: {
            id: 'pool-c1',
            display_name: 'devices',
            description: 'kept',
            external_identifier: 'UID',
            filter: 'true',
            state: 'ENABLED',
            principal: 'User:pool-c1',
          },
        }
      case 'PUT /iam/v2/certificate-authorities/op-1/identity-pools/pool-c1':
        return { status: 200, body: { id: 'pool-c1', ...JSON.parse(request.body) } }
      case 'POST /iam/v2/sso/group-mappings':
        return {
          status: 201,
          body: { id: 'group-1', principal: 'User:group-1', ...JSON.parse(request.body) },
        }
      case 'PATCH /iam/v2/sso/group-mappings/group-1':
        return { status: 200, body: { id: 'group-1', ...JSON.parse(request.body) } }
      case 'GET /iam/v2/sso/group-mappings':
        return {
          status: 200,
          body: { kind: 'GroupMappingList', metadata: {}, data: [{ id: 'group-1', display_name: 'admins' }] },
        }
      case 'DELETE /iam/v2/sso/group-mappings/group-1':
        return { status: 204 }
      default:
        return {
          status: 404,
          body: {
            errors: [{ status: '404', code: 'not_found', title: 'Not found', detail: `No route ${route}` }],
          },
        }
    }
  }

  before(async () => {
    server = createServer((incoming, response) => {
      let body = ''
      incoming.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      incoming.on('end', () => {
        const parsed = new URL(incoming.url!, 'http://stub')
        const request = {
          method: incoming.method!,
          path: parsed.pathname,
          query: parsed.searchParams,
          headers: incoming.headers,
          body,
        }
        requests.push(request)
        const { status, body: answerBody } = answer(request)
        response.writeHead(status, answerBody === undefined ? {} : { 'content-type': 'application/json' })
        response.end(answerBody === undefined ? undefined : JSON.stringify(answerBody))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    cli = createCliHome()
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const lastRequest = (method: string, path: string) => {
    const found = requests.filter((request) => request.method === method && request.path === path).at(-1)
    assert.ok(
      found,
      `no ${method} ${path} among ${requests.map((request) => `${request.method} ${request.path}`).join(', ')}`,
    )
    return found
  }

  it('logs in with OAuth client credentials (client_secret_basic, scope, pools) and reuses the token', async () => {
    // When
    const login = await cli.run(
      [
        'login',
        '--url',
        url,
        '--token-endpoint',
        `${url}/oauth/token`,
        '--client-id',
        'ci-job',
        '--scope',
        'kafka admin',
        '--identity-pool',
        'pool-a, pool-b',
      ],
      { stdin: `${CLIENT_SECRET}\n` },
    )
    assert.equal(login.code, 0, show(login))
    const second = await cli.run(['iam', 'group-mapping', 'list', '-o', 'json'])
    assert.equal(second.code, 0, show(second))
    // Then: one token, fetched as RFC 6749 §2.3.1 asks, and sent with the pools on every call
    assert.equal(tokensIssued, 1)
    const tokenRequest = lastRequest('POST', '/oauth/token')
    assert.equal(tokenRequest.headers['content-type'], 'application/x-www-form-urlencoded')
    const form = new URLSearchParams(tokenRequest.body)
    assert.equal(form.get('grant_type'), 'client_credentials')
    assert.equal(form.get('scope'), 'kafka admin')
    const basic = Buffer.from(tokenRequest.headers.authorization!.replace(/^Basic /, ''), 'base64').toString()
    const [id, secret] = basic.split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')))
    assert.deepEqual([id, secret], ['ci-job', CLIENT_SECRET])
    const listed = lastRequest('GET', '/iam/v2/sso/group-mappings')
    assert.equal(listed.headers.authorization, 'Bearer token-1')
    assert.equal(listed.headers['confluent-identity-pool-id'], 'pool-a,pool-b')
    const saved = JSON.parse(readFileSync(cli.configPath, 'utf8'))
    assert.equal(saved.contexts.default.credential.cachedToken.accessToken, 'token-1')
  })

  it('refuses a config file others may read', async () => {
    const before = readFileSync(cli.configPath, 'utf8')
    writeFileSync(cli.configPath, before, { mode: 0o644 })
    execFileSync('chmod', ['644', cli.configPath])
    const run = await cli.run(['context', 'list'])
    assert.equal(run.code, 1, show(run))
    assert.match(run.stderr, /others may read it.*chmod 600/)
    execFileSync('chmod', ['600', cli.configPath])
  })

  it('creates, lists (every page), updates and deletes certificate authorities', async () => {
    const chain = join(dirname(cli.configPath), 'ca-chain.pem')
    writeFileSync(chain, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    const created = await cli.run([
      'iam',
      'certificate-authority',
      'create',
      'corp-ca',
      '--certificate-chain-file',
      chain,
      '--crl-url',
      'https://crl.example.com/ca.crl',
      '-o',
      'json',
    ])
    assert.equal(created.code, 0, show(created))
    assert.deepEqual(JSON.parse(lastRequest('POST', '/iam/v2/certificate-authorities').body), {
      description: '',
      display_name: 'corp-ca',
      certificate_chain: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      certificate_chain_filename: 'ca-chain.pem',
      crl_url: 'https://crl.example.com/ca.crl',
    })
    const listed = await cli.run(['iam', 'certificate-authority', 'list', '-o', 'json'])
    assert.deepEqual(
      JSON.parse(listed.stdout).map((authority: { id: string }) => authority.id),
      ['op-1', 'op-2'],
    )
    const limited = await cli.run(['iam', 'certificate-authority', 'list', '--limit', '1', '-o', 'json'])
    assert.equal(JSON.parse(limited.stdout).length, 1)
    const table = await cli.run(['iam', 'certificate-authority', 'list'])
    assert.match(table.stdout, /^ID\s+Name\s+Fingerprints\s+State\n-+/)
    const updated = await cli.run([
      'iam',
      'certificate-authority',
      'update',
      'op-1',
      '--name',
      'renamed',
      '-o',
      'json',
    ])
    assert.equal(updated.code, 0, show(updated))
    // PUT replaces: the fields not changed are sent as they were read.
    assert.deepEqual(JSON.parse(lastRequest('PUT', '/iam/v2/certificate-authorities/op-1').body), {
      display_name: 'renamed',
      description: 'the CA',
      crl_url: 'https://crl.example.com/ca.crl',
    })
    const deleted = await cli.run(['iam', 'certificate-authority', 'delete', 'op-1'])
    assert.equal(deleted.code, 0, show(deleted))
    assert.equal(deleted.stdout, 'Deleted certificate authority "op-1".\n')
    const missingFile = await cli.run([
      'iam',
      'certificate-authority',
      'create',
      'x',
      '--certificate-chain-file',
      '/nonexistent.pem',
    ])
    assert.equal(missingFile.code, 2, show(missingFile))
    assert.match(missingFile.stderr, /cannot read \/nonexistent\.pem: ENOENT/)
  })

  it('creates and updates certificate identity pools under their authority', async () => {
    const created = await cli.run([
      'iam',
      'certificate-pool',
      'create',
      'devices',
      '--certificate-authority',
      'op-1',
      '--filter',
      "certificate.issuer.cn == 'corp'",
      '--external-identifier',
      'UID',
      '-o',
      'yaml',
    ])
    assert.equal(created.code, 0, show(created))
    assert.match(created.stdout, /^id: pool-c1$/m)
    assert.deepEqual(
      JSON.parse(lastRequest('POST', '/iam/v2/certificate-authorities/op-1/identity-pools').body),
      {
        description: '',
        display_name: 'devices',
        filter: "certificate.issuer.cn == 'corp'",
        external_identifier: 'UID',
      },
    )
    const updated = await cli.run([
      'iam',
      'certificate-pool',
      'update',
      'pool-c1',
      '--certificate-authority',
      'op-1',
      '--filter',
      'false',
    ])
    assert.equal(updated.code, 0, show(updated))
    assert.deepEqual(
      JSON.parse(lastRequest('PUT', '/iam/v2/certificate-authorities/op-1/identity-pools/pool-c1').body),
      {
        display_name: 'devices',
        description: 'kept',
        external_identifier: 'UID',
        filter: 'false',
      },
    )
    const withoutAuthority = await cli.run(['iam', 'certificate-pool', 'list'])
    assert.equal(withoutAuthority.code, 2, show(withoutAuthority))
    assert.match(withoutAuthority.stderr, /missing required flag --certificate-authority/)
  })

  it('creates, changes and deletes SSO group mappings', async () => {
    const created = await cli.run([
      'iam',
      'group-mapping',
      'create',
      'admins',
      '--filter',
      '"admins" in groups',
      '--description',
      'Admins group',
      '-o',
      'json',
    ])
    assert.equal(created.code, 0, show(created))
    assert.deepEqual(JSON.parse(lastRequest('POST', '/iam/v2/sso/group-mappings').body), {
      description: 'Admins group',
      display_name: 'admins',
      filter: '"admins" in groups',
    })
    const patched = await cli.run([
      'iam',
      'group-mapping',
      'update',
      'group-1',
      '--filter',
      '"ops" in groups',
    ])
    assert.equal(patched.code, 0, show(patched))
    assert.deepEqual(JSON.parse(lastRequest('PATCH', '/iam/v2/sso/group-mappings/group-1').body), {
      filter: '"ops" in groups',
    })
    const nothing = await cli.run(['iam', 'group-mapping', 'update', 'group-1'])
    assert.equal(nothing.code, 2, show(nothing))
    assert.match(nothing.stderr, /nothing to change/)
    const deleted = await cli.run(['iam', 'group-mapping', 'delete', 'group-1', '-o', 'json'])
    assert.deepEqual(JSON.parse(deleted.stdout), { id: 'group-1', deleted: true })
  })

  it('prints the API error message of a 404 and exits 4', async () => {
    const run = await cli.run(['iam', 'group-mapping', 'describe', 'group-9'])
    assert.equal(run.code, 4, show(run))
    assert.equal(run.stderr, 'Error: No route GET /iam/v2/sso/group-mappings/group-9 (HTTP 404)\n')
  })

  it('exits 1 with a clear message when the gateway cannot be reached', async () => {
    // A port that was just free: nothing listens there.
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const config = JSON.parse(readFileSync(cli.configPath, 'utf8'))
    config.contexts.down = {
      url: `http://127.0.0.1:${port}`,
      credential: { kind: 'api-key', key: 'K', secret: 'S' },
    }
    writeFileSync(cli.configPath, JSON.stringify(config), { mode: 0o600 })
    const run = await cli.run(['environment', 'list', '--context', 'down'])
    assert.equal(run.code, 1, show(run))
    assert.match(run.stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`))
  })
})

describe('gatehouse completion', () => {
  const cli = createCliHome()

  it('prints a bash script that bash accepts and that knows every command', async () => {
    const run = await cli.run(['completion', 'bash'])
    assert.equal(run.code, 0, show(run))
    const script = join(mkdtempSync(join(tmpdir(), 'gatehouse-completion-')), 'completion.bash')
    writeFileSync(script, run.stdout)
    execFileSync('bash', ['-n', script])
    for (const words of ['kafka topic produce', 'iam rbac role-binding', 'api-key create', 'audit list']) {
      assert.ok(run.stdout.includes(`"${words}`), words)
    }
    assert.match(run.stdout, /"kafka topic create"\|"kafka topic create "\*\) candidates="--partitions /)
    // Completing `gatehouse kafka to` offers `topic`.
    const offered = execFileSync(
      'bash',
      [
        '-c',
        `source ${script}; COMP_WORDS=(gatehouse kafka to); COMP_CWORD=2; _gatehouse_complete; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8' },
    )
    assert.equal(offered.trim(), 'topic')
  })

  it('prints a zsh script over bashcompinit, and refuses other shells with exit 2', async () => {
    const zsh = await cli.run(['completion', 'zsh'])
    assert.equal(zsh.code, 0, show(zsh))
    assert.match(zsh.stdout, /bashcompinit/)
    assert.match(zsh.stdout, /complete -F _gatehouse_complete gatehouse/)
    const fish = await cli.run(['completion', 'fish'])
    assert.equal(fish.code, 2, show(fish))
  })
})
