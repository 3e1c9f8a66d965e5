/**
 * @module test/support/console-sign-in
 *
 * Signs a person in to the console without a browser: follows the redirects between the gateway
 * and the test identity provider with `fetch`, keeping each side's cookies, and submits the
 * provider's login form. The gateway side is a function, so it works with `app.inject` and with a
 * real gateway process alike.
 */

export interface GatewayResponse {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
}

/** Sends a GET to the gateway (path and query) with the given headers. */
export type GatewayGet = (pathAndQuery: string, headers: Record<string, string>) => Promise<GatewayResponse>

/** Cookies of one site, by name (paths and expiry ignored: the flows here are short). */
export class CookieJar {
  readonly #cookies = new Map<string, string>()
  store(setCookie: string | readonly string[] | undefined): void {
    for (const line of typeof setCookie === 'string' ? [setCookie] : (setCookie ?? [])) {
      const [pair] = line.split(';')
      const at = pair!.indexOf('=')
      const name = pair!.slice(0, at).trim()
      const value = pair!.slice(at + 1).trim()
      if (value === '' || /max-age=0/i.test(line)) this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
  }
  get(name: string): string | undefined {
    return this.#cookies.get(name)
  }
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

function setCookiesOf(response: Response): string[] {
  return response.headers.getSetCookie()
}

export interface SignInOutcome {
  /** The gateway's answer to the callback (a 303 to the console on success, a page otherwise). */
  readonly callback: GatewayResponse
  /** The session cookie's value, when sign-in succeeded. */
  readonly sessionId: string | undefined
  readonly gatewayCookies: CookieJar
}

/**
 * Runs the whole sign-in. `consoleOrigin` is where the provider redirects back to; requests to it
 * go to `gateway`. `providerCookies` carries the provider's own session between sign-ins.
 */
export async function signInToConsole(options: {
  readonly gateway: GatewayGet
  readonly consoleOrigin: string
  readonly username: string
  readonly providerCookies?: CookieJar
}): Promise<SignInOutcome> {
  const gatewayCookies = new CookieJar()
  const providerCookies = options.providerCookies ?? new CookieJar()
  const start = await options.gateway('/console/auth/sign-in', {})
  if (start.status !== 303) throw new Error(`sign-in did not redirect: ${start.status} ${start.body}`)
  gatewayCookies.store(start.headers['set-cookie'])
  let location = String(start.headers['location'])
  for (let hop = 0; hop < 10; hop++) {
    if (location.startsWith(options.consoleOrigin)) {
      const url = new URL(location)
      const callback = await options.gateway(`${url.pathname}${url.search}`, {
        cookie: gatewayCookies.header(),
      })
      gatewayCookies.store(callback.headers['set-cookie'])
      return { callback, sessionId: gatewayCookies.get('gatehouse_session'), gatewayCookies }
    }
    const response = await fetch(location, {
      redirect: 'manual',
      headers: { cookie: providerCookies.header() },
    })
    providerCookies.store(setCookiesOf(response))
    if (response.status >= 300 && response.status < 400) {
      location = new URL(response.headers.get('location')!, location).toString()
      continue
    }
    const page = await response.text()
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1]
    if (action === undefined)
      throw new Error(`unexpected provider page (${response.status}): ${page.slice(0, 300)}`)
    const submitted = await fetch(new URL(action, location), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: providerCookies.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: options.username }).toString(),
    })
    providerCookies.store(setCookiesOf(submitted))
    if (submitted.status < 300 || submitted.status >= 400)
      throw new Error(
        `login was not accepted (${submitted.status}): ${(await submitted.text()).slice(0, 300)}`,
      )
    location = new URL(submitted.headers.get('location')!, location).toString()
  }
  throw new Error('too many redirects during sign-in')
}
