/**
 * @module authn/identity-provider-management
 *
 * The OIDC-side functions the identity-provider API needs (see the contract in
 * http/routes/iam-v2/identity-provider-services.ts): OIDC discovery, and two placeholders that
 * stand in until the token verifier (`authn/oidc`, branch oidc-verification) and the CEL filter
 * compiler (`authn/filters`, branch cel-filters) are merged. Each placeholder says in its name and
 * its doc what it does not do yet.
 */

/** Bigger discovery or JWKS documents are refused rather than read into memory. */
const MAX_DOCUMENT_BYTES = 1_048_576
const DEFAULT_TIMEOUT_MS = 5_000

/** Confluent's limit on a pool's filter, repeated here so that the placeholder stands alone. */
const FILTER_MAX_LENGTH = 300

/**
 * PLACEHOLDER until branch cel-filters merges: accepts any filter that is not blank and at most 300
 * characters long. It does not parse the expression, so a syntax error is only found when the
 * real compiler replaces this function. Never throws.
 */
export function compileIdentityPoolFilterPlaceholder(
  source: string,
): { readonly ok: true } | { readonly ok: false; readonly message: string } {
  if (source.trim() === '') {
    return {
      ok: false,
      message: 'the filter is empty (an empty filter would match no token); write e.g. "true".',
    }
  }
  if (source.length > FILTER_MAX_LENGTH) {
    return {
      ok: false,
      message: `it is ${source.length} characters long; at most ${FILTER_MAX_LENGTH} are allowed.`,
    }
  }
  return { ok: true }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'no answer in time'
    // fetch() says only "fetch failed"; the reason (ECONNREFUSED, a TLS error, ...) is its cause.
    const cause = error.cause as { code?: unknown; message?: unknown } | undefined
    if (typeof cause?.code === 'string') return cause.code
    return typeof cause?.message === 'string' ? cause.message : error.message
  }
  return String(error)
}

/** A document could not be read: no answer (`unreachable`) or an answer that is not usable JSON. */
class DocumentFetchError extends Error {
  readonly isUnreachable: boolean
  constructor(message: string, isUnreachable: boolean, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DocumentFetchError'
    this.isUnreachable = isUnreachable
  }
}

/** GETs a JSON document; rejects with a message fit for the caller (no internals, no secrets). */
async function fetchJsonDocument(url: string, timeoutMs: number): Promise<unknown> {
  let response: Response
  try {
    // Redirects are refused: the document must be where the issuer says it is.
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    throw new DocumentFetchError(`${url} could not be fetched (${reasonOf(error)}).`, true, { cause: error })
  }
  if (!response.ok) {
    await response.body?.cancel()
    throw new DocumentFetchError(`${url} answered HTTP ${response.status}.`, true)
  }
  if (Number(response.headers.get('content-length') ?? 0) > MAX_DOCUMENT_BYTES) {
    await response.body?.cancel()
    throw new DocumentFetchError(`${url} returned more than ${MAX_DOCUMENT_BYTES} bytes.`, false)
  }
  const text = await response.text()
  if (text.length > MAX_DOCUMENT_BYTES)
    throw new DocumentFetchError(`${url} returned more than ${MAX_DOCUMENT_BYTES} bytes.`, false)
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new DocumentFetchError(`${url} did not return JSON.`, false)
  }
}

/**
 * OIDC discovery (OpenID Connect Discovery 1.0 §4): reads `<issuer>/.well-known/openid-configuration`
 * and resolves to its `jwks_uri`. Rejects with an `Error` saying why when the document cannot be
 * fetched, is not JSON, names another issuer (§4.3 requires them to be identical) or has no
 * `jwks_uri`. The URI is returned unchecked: the caller applies its own URL rules.
 */
export async function discoverJwksUri(
  issuer: string,
  options: { readonly timeoutMs?: number } = {},
): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`
  const document = await fetchJsonDocument(url, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  if (typeof document !== 'object' || document === null) throw new Error(`${url} is not a JSON object.`)
  const { issuer: named, jwks_uri: jwksUri } = document as { issuer?: unknown; jwks_uri?: unknown }
  if (named !== issuer) {
    throw new Error(`${url} names the issuer ${JSON.stringify(named)}, not "${issuer}".`)
  }
  if (typeof jwksUri !== 'string' || jwksUri === '') throw new Error(`${url} has no jwks_uri.`)
  return jwksUri
}

/**
 * PLACEHOLDER until branch oidc-verification merges: there is no key cache yet to refresh, so this
 * only fetches the provider's JWKS once and reports whether it is usable: `REFRESHED` (a JSON
 * object with a `keys` array), `INVALID_JWKS_URI` (anything else), `ERROR_FETCHING_JWKS` (no
 * answer or an HTTP error). Never rejects.
 */
export async function fetchJwksOncePlaceholder(
  provider: { readonly jwksUri: string },
  options: { readonly timeoutMs?: number; readonly now?: () => Date } = {},
): Promise<{ status: 'REFRESHED' | 'INVALID_JWKS_URI' | 'ERROR_FETCHING_JWKS'; lastRefreshAt?: Date }> {
  let document: unknown
  try {
    document = await fetchJsonDocument(provider.jwksUri, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  } catch (error) {
    const isUnreachable = !(error instanceof DocumentFetchError) || error.isUnreachable
    return { status: isUnreachable ? 'ERROR_FETCHING_JWKS' : 'INVALID_JWKS_URI' }
  }
  const keys = (document as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys)) return { status: 'INVALID_JWKS_URI' }
  return { status: 'REFRESHED', lastRefreshAt: (options.now ?? (() => new Date()))() }
}
