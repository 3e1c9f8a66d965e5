/**
 * @module http/api-reference/curl
 *
 * The pieces every example command is built from, so that all examples authenticate, send JSON
 * and lay out their lines the same way.
 */

/** `curl` with the reader's API key; `$KEY`/`$SECRET` are theirs. */
export const CURL = 'curl -s -u "$KEY:$SECRET"'
export const JSON_BODY = "-H 'Content-Type: application/json'"

/** A command with a JSON body, laid out over lines as the README does. */
export const withBody = (method: string, url: string, body: string) =>
  `${CURL} -X ${method} ${JSON_BODY} \\\n  ${url} \\\n  -d '${body}'`

/** A shell variable inside a single-quoted body: close the quote, expand it double-quoted, reopen. */
export const shellVariable = (name: string) => `'"$${name}"'`
