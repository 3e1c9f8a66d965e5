/**
 * The console end to end, in a real browser: Debian's chromium driven by playwright-core, the real
 * gateway process (`node src/main.ts`) in front of the test Kafka broker, and a real OpenID
 * provider (oidc-provider) issuing signed ID tokens.
 *
 * Ada (group `engineering`) signs in: JIT creates her user, a group mapping gives the group
 * CloudClusterAdmin on the cluster (and AccountAdmin, which creating service accounts needs), she
 * creates a topic, a service account, a role binding for it and an API key in the console; curl
 * then lists the topic with that key. Bob (group `sales`) sees no clusters and cannot create keys.
 * A cross-site form post with Bob's cookie is refused; after sign-out the cookie is refused.
 *
 * Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it). Screenshots go to
 * `CONSOLE_SCREENSHOT_DIR` (default `.cache/screenshots/console`).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { basicAuthorization, jsonOf, startGateway, type GatewayProcess } from '../support/gateway-process.ts'
import { kafkaEnvironment, testKafka } from '../support/kafka.ts'
import { startTestSignInProvider, type TestSignInProvider } from '../support/oidc-sign-in-provider.ts'
import { TestPki } from '../support/pki.ts'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const SCREENSHOTS = resolve(process.env['CONSOLE_SCREENSHOT_DIR'] ?? '.cache/screenshots/console')
const run = promisify(execFile)

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((done) => server.close(() => done()))
  return port
}

async function launch(): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'gatehouse-chromium-')), {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  })
  context.setDefaultTimeout(30_000)
  // The page's own errors make a failing step explainable.
  context.on('page', (page) => {
    page.on('pageerror', (error) => process.stderr.write(`[browser] ${error.message}\n`))
    page.on('console', (message) => {
      if (message.type() === 'error') process.stderr.write(`[browser console] ${message.text()}\n`)
    })
  })
  return context
}

async function signIn(page: Page, origin: string, username: string): Promise<void> {
  await page.goto(`${origin}/console/`)
  try {
    await page.getByRole('link', { name: 'Sign in with SSO' }).click({ timeout: 10_000 })
  } catch (error) {
    process.stderr.write(`[browser page] ${(await page.content()).slice(0, 3000)}\n`)
    throw error
  }
  await page.getByLabel('Username').fill(username)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByText(/^Signed in as .+ \(u-[a-z0-9]{6}\)$/).waitFor()
}

describe('web console in chromium, signed in through a real OpenID provider', { timeout: 300_000 }, () => {
  let provider: TestSignInProvider
  let gateway: GatewayProcess
  let origin: string
  let admin: string
  let clusterId: string
  let environmentId: string
  let organizationCrn: string
  let ada: BrowserContext
  let crossSite: Server | undefined

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: { authorization: admin, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`)
    return jsonOf(response)
  }

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`)
    mkdirSync(SCREENSHOTS, { recursive: true })
    const kafka = await testKafka()
    provider = await startTestSignInProvider()
    const port = await freePort()
    origin = `http://127.0.0.1:${port}`
    const client = provider.registerClient({
      clientId: 'gatehouse-console',
      redirectUris: [`${origin}/console/auth/callback`],
      postLogoutRedirectUris: [`${origin}/console/`],
    })
    provider.addPerson({
      username: 'ada',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      groups: ['engineering'],
    })
    provider.addPerson({ username: 'bob', email: 'bob@example.com', name: 'Bob Sales', groups: ['sales'] })
    provider.addPerson({
      username: 'grace',
      email: 'grace@example.com',
      name: 'Grace Hopper',
      groups: ['platform'],
    })
    const secretFile = join(mkdtempSync(join(tmpdir(), 'gatehouse-console-')), 'client-secret')
    writeFileSync(secretFile, `${client.clientSecret}\n`, { mode: 0o600 })
    gateway = await startGateway({
      env: {
        ...kafkaEnvironment(kafka),
        GATEHOUSE_SERVER_PORT: String(port),
        GATEHOUSE_CONSOLE_PUBLIC_URL: origin,
        GATEHOUSE_CONSOLE_OIDC_ISSUER: provider.issuer,
        GATEHOUSE_CONSOLE_OIDC_CLIENT_ID: client.clientId,
        GATEHOUSE_CONSOLE_OIDC_CLIENT_SECRET_FILE: secretFile,
        GATEHOUSE_CONSOLE_OIDC_SCOPES: 'openid,email,profile,groups',
        GATEHOUSE_AUTHENTICATION_ALLOW_LOOPBACK_HTTP_ISSUERS: 'true',
      },
    })
    const credential = gateway.credential()!
    admin = basicAuthorization(credential.key, credential.secret)
    const organization = (await call('GET', '/org/v2/organizations')).data[0]
    organizationCrn = `crn://confluent.cloud/organization=${organization.id}`
    const cluster = (await call('GET', '/cmk/v2/clusters')).data[0]
    clusterId = cluster.id
    environmentId = cluster.spec.environment.id
    const mapping = await call('POST', '/iam/v2/sso/group-mappings', {
      display_name: 'Engineering',
      description: 'Cluster admins',
      filter: '"engineering" in groups',
    })
    await call('POST', '/iam/v2/role-bindings', {
      principal: `User:${mapping.id}`,
      role_name: 'CloudClusterAdmin',
      crn_pattern: `${organizationCrn}/environment=${environmentId}/cloud-cluster=${clusterId}`,
    })
    await call('POST', '/iam/v2/role-bindings', {
      principal: `User:${mapping.id}`,
      role_name: 'AccountAdmin',
      crn_pattern: organizationCrn,
    })
    const platform = await call('POST', '/iam/v2/sso/group-mappings', {
      display_name: 'Platform',
      description: 'Organization admins',
      filter: '"platform" in groups',
    })
    await call('POST', '/iam/v2/role-bindings', {
      principal: `User:${platform.id}`,
      role_name: 'OrganizationAdmin',
      crn_pattern: organizationCrn,
    })
    ada = await launch()
  })

  after(async () => {
    await ada?.close()
    await gateway?.stop()
    await provider?.close()
    crossSite?.close()
  })

  it('JIT-creates Ada, whose group gets CloudClusterAdmin; she creates a service account and a key that curl uses', async () => {
    const page = await ada.newPage()
    await signIn(page, origin, 'ada')
    const users = (await call('GET', '/iam/v2/users')).data.filter(
      (user: { email: string }) => user.email === 'ada@example.com',
    )
    assert.equal(users.length, 1)
    assert.equal(users[0].auth_type, 'AUTH_TYPE_SSO')
    const [cookie] = (await ada.cookies(origin)).filter((candidate) => candidate.name === 'gatehouse_session')
    assert.ok(cookie, 'the session cookie is stored')
    assert.equal(cookie.httpOnly, true)
    assert.equal(cookie.secure, true)
    assert.equal(cookie.sameSite, 'Strict')

    await page.getByRole('cell', { name: clusterId, exact: true }).first().waitFor()
    await shot(page, '01-clusters')

    // A topic, from the cluster page.
    await page.getByRole('link', { name: 'Topics and groups' }).click()
    await page.getByLabel('Topic name').fill('orders')
    await page.getByRole('button', { name: 'Create topic' }).click()
    await page.getByRole('button', { name: 'Details of orders' }).click()
    await page.getByLabel('Value').fill('hello from the console')
    await page.getByRole('button', { name: 'Produce test record' }).click()
    await page.getByText(/Produced to partition \d+ at offset \d+/).waitFor()
    await shot(page, '02-topics')

    // A service account.
    await page.getByRole('link', { name: 'Service accounts' }).click()
    await page.getByLabel('Name', { exact: true }).fill('orders-app')
    await page.getByRole('button', { name: 'Create service account' }).click()
    await page.getByRole('cell', { name: 'orders-app', exact: true }).waitFor()
    const account = (await call('GET', '/iam/v2/service-accounts?display_name=orders-app')).data[0]
    await shot(page, '03-service-accounts')

    // Access for it, as a role binding made in the console (the organization's listing is not hers to see).
    await page.getByRole('link', { name: 'Role bindings' }).click()
    await page.getByRole('alert').first().waitFor()
    await page.getByLabel('Principal').fill(`User:${account.id}`)
    await page.getByLabel('Role', { exact: true }).fill('DeveloperRead')
    await page
      .getByLabel('CRN pattern')
      .fill(
        `${organizationCrn}/environment=${environmentId}/cloud-cluster=${clusterId}/kafka=${clusterId}/topic=*`,
      )
    await page.getByRole('button', { name: 'Create role binding' }).click()
    await page.getByText('Creating role binding: done.').waitFor()
    await shot(page, '04-role-bindings')

    // An API key for the service account on the cluster; the secret is shown once.
    await page.getByRole('link', { name: 'API keys' }).click()
    await page.getByLabel('Name', { exact: true }).fill('orders-app-key')
    await page.getByLabel('Owner', { exact: true }).fill(account.id)
    await page.getByLabel('Resource').selectOption(`${clusterId}|${environmentId}`)
    await page.getByRole('button', { name: 'Create API key' }).click()
    const secret = (await page.locator('#new-secret').textContent())!
    const key = (await page.locator('#new-key').textContent())!
    assert.match(key, /^[A-Z2-7]{16}$/)
    await page.getByRole('button', { name: 'Copy secret' }).click()
    await page.getByRole('button', { name: /Copied|Selected/ }).waitFor()
    await shot(page, '05-api-key-created')
    await page.getByRole('button', { name: 'I have stored it' }).click()
    assert.equal(await page.locator('#new-secret').count(), 0, 'the secret is gone once dismissed')

    const { stdout } = await run('curl', [
      '-s',
      '-u',
      `${key}:${secret}`,
      `${origin}/kafka/v3/clusters/${clusterId}/topics`,
    ])
    const topics = JSON.parse(stdout) as { data: { topic_name: string }[] }
    assert.ok(
      topics.data.some((topic) => topic.topic_name === 'orders'),
      stdout,
    )

    await page.getByRole('link', { name: 'Group mappings' }).click()
    await page.getByRole('heading', { name: 'Group mappings', level: 2 }).waitFor()
    await shot(page, '06-group-mappings')
    await page.setViewportSize({ width: 768, height: 1000 })
    await page.getByRole('link', { name: 'Clusters' }).click()
    await page.getByRole('cell', { name: clusterId, exact: true }).first().waitFor()
    await shot(page, '07-clusters-768px')
    // Keyboard: navigation links and form buttons work without a mouse.
    await page.getByRole('link', { name: 'Service accounts' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Service accounts', level: 1 }).waitFor()
    await page.getByLabel('Name', { exact: true }).focus()
    await page.keyboard.type('keyboard-app')
    await page.keyboard.press('Enter')
    await page.getByRole('cell', { name: 'keyboard-app', exact: true }).waitFor()

    // Sign out ends the session here and at the provider; the old cookie is refused.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'Yes, sign me out' }).click()
    await page.getByRole('link', { name: 'Sign in with SSO' }).waitFor()
    const refused = await fetch(`${origin}/kafka/v3/clusters`, {
      headers: { cookie: `gatehouse_session=${cookie.value}` },
    })
    assert.equal(refused.status, 401)
    assert.ok(provider.endedSessions >= 1)
  })

  it('Bob, outside the group, sees no clusters and cannot create keys; a cross-site form post is refused', async () => {
    const bob = await launch()
    try {
      const page = await bob.newPage()
      await signIn(page, origin, 'bob')
      await page.getByText('Nothing to show.').first().waitFor()
      assert.equal(await page.getByRole('cell', { name: clusterId, exact: true }).count(), 0)
      await shot(page, '08-clusters-outside-group')
      await page.getByRole('link', { name: 'API keys' }).click()
      // Listing keys is refused, and shown as the API says it.
      await page
        .getByText(/403 forbidden/)
        .first()
        .waitFor()
      const account = (await call('GET', '/iam/v2/service-accounts?display_name=orders-app')).data[0]
      await page.getByLabel('Name', { exact: true }).fill('bob-key')
      await page.getByLabel('Owner', { exact: true }).fill(account.id)
      await page.getByRole('button', { name: 'Create API key' }).click()
      const error = page.locator('#error')
      await error.waitFor()
      assert.match((await error.textContent())!, /403/)
      await shot(page, '09-api-key-refused')

      // Another origin posts a form to the API with Bob's cookie (same site, so the browser sends it).
      crossSite = createServer((_request, response) =>
        response
          .writeHead(200, { 'content-type': 'text/html' })
          .end(
            `<form id="f" method="post" action="${origin}/iam/v2/service-accounts" enctype="text/plain">` +
              `<input name='{"display_name":"pwned","description":"' value='"}'></form>` +
              `<script>document.getElementById('f').submit()</script>`,
          ),
      )
      await new Promise<void>((done) => crossSite!.listen(0, '127.0.0.1', done))
      const attacker = `http://127.0.0.1:${(crossSite.address() as AddressInfo).port}/`
      const response = await Promise.all([
        page.waitForResponse((candidate) => candidate.url() === `${origin}/iam/v2/service-accounts`),
        page.goto(attacker),
      ]).then(([answer]) => answer)
      assert.equal(response.status(), 403)
      assert.match(await response.text(), /csrf_rejected|another site/)
      const accounts = await call('GET', '/iam/v2/service-accounts?display_name=pwned')
      assert.equal(accounts.data.length, 0)
    } finally {
      await bob.close()
    }
  })

  it('Grace, an organization admin, registers a certificate authority and a pool, and reads the audit log', async () => {
    const grace = await launch()
    const pki = TestPki.create()
    try {
      const page = await grace.newPage()
      await signIn(page, origin, 'grace')
      await page.getByRole('link', { name: 'Certificate authorities' }).click()
      await page.getByText('No certificate authorities.').waitFor()
      // A bad chain is refused, and shown as the API words it.
      await page.getByLabel('Name', { exact: true }).fill('corporate-pki')
      await page.getByLabel('CA certificates (PEM, 1 to 4)').fill('not a certificate')
      await page.getByRole('button', { name: 'Register certificate authority' }).click()
      const error = page.locator('#error')
      await error.waitFor()
      assert.match((await error.textContent())!, /400 invalid_certificate_authority: certificate_chain/)
      await page.getByLabel('CA certificates (PEM, 1 to 4)').fill(pki.chainPem)
      await page.getByRole('button', { name: 'Register certificate authority' }).click()
      await page.getByRole('heading', { name: /^corporate-pki \(op-[a-z0-9]{6}\)$/ }).waitFor()
      await page.getByLabel('Pool name').fill('orders')
      await page.getByLabel('Filter', { exact: true }).fill('CN.startsWith("orders-")')
      await page.getByRole('button', { name: 'Add a pool to corporate-pki' }).click()
      await page.getByText('CN.startsWith("orders-")').waitFor()
      const authorities = await call('GET', '/iam/v2/certificate-authorities')
      assert.equal(authorities.data.length, 1)
      const pools = await call(
        'GET',
        `/iam/v2/certificate-authorities/${authorities.data[0].id}/identity-pools`,
      )
      assert.deepEqual(
        pools.data.map((pool: { display_name: string; external_identifier: string }) => [
          pool.display_name,
          pool.external_identifier,
        ]),
        [['orders', 'CN']],
      )
      await shot(page, '10-certificate-authorities')

      await page.getByRole('link', { name: 'Audit log' }).click()
      // The test broker's audit topic holds every test's records: ask for Grace's own.
      const userId = /\((u-[a-z0-9]{6})\)$/.exec((await page.locator('#who').textContent())!)![1]!
      await page.getByLabel('Principal').fill(`User:${userId}`)
      await page.getByLabel('Last minutes').fill('10')
      await page.getByRole('combobox').selectOption('ALLOWED')
      // Grace's own creation of the authority is among the decisions, once the audit trail has
      // written it to its topic (it does so in the background): ask again until it is there.
      const created = page.getByRole('cell', { name: 'POST /iam/v2/certificate-authorities', exact: true })
      const deadline = Date.now() + 30_000
      do {
        await page.getByRole('button', { name: 'Show records' }).click()
        await page.getByText('Reading the audit log: done.').waitFor()
        if ((await created.count()) > 0) break
        await new Promise((resolve) => setTimeout(resolve, 500))
      } while (Date.now() < deadline)
      assert.ok((await created.count()) > 0, (await page.locator('main').textContent())!.slice(0, 2000))
      await shot(page, '11-audit-log')
    } finally {
      await grace.close()
    }
  })
})
