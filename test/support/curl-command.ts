/**
 * @module test/support/curl-command
 *
 * Reads a documented `curl` command as curl would run it, so that a test can send the same request
 * through `inject()`. It understands the small subset the examples use and throws on anything else,
 * so an example cannot drift into something the test silently misreads:
 *
 * - one `curl` command, lines joined by a trailing `\`;
 * - `-s`, `-i`, `-N` (output only), `-u USER:PASSWORD`, `-X METHOD`, `-H 'Name: value'`,
 *   `-d DATA`, `--data-binary DATA` and `--data-binary @-` fed by a quoted heredoc (`<<'EOF'`);
 * - single quotes (literal), double quotes and bare words (both expand `$NAME` from `variables`);
 * - a URL on `http://localhost:8082`.
 */

export interface CurlRequest {
  readonly method: string
  /** Path and query, as `inject()` takes them. */
  readonly url: string
  readonly headers: Record<string, string>
  readonly body?: string
}

const BASE_URL = 'http://localhost:8082'

function expand(text: string, variables: Readonly<Record<string, string>>): string {
  return text.replace(/\$([A-Z_][A-Z0-9_]*)/g, (_match, name: string) => {
    const value = variables[name]
    if (value === undefined) throw new Error(`The example uses $${name}, which the test does not provide.`)
    return value
  })
}

/** Splits a shell command line into words, applying quotes and variable expansion. */
function splitWords(line: string, variables: Readonly<Record<string, string>>): string[] {
  const words: string[] = []
  let word: string | undefined
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!
    if (char === ' ' || char === '\t') {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (char === "'") {
      const end = line.indexOf("'", index + 1)
      if (end < 0) throw new Error(`Unterminated single quote in: ${line}`)
      word = (word ?? '') + line.slice(index + 1, end)
      index = end
    } else if (char === '"') {
      const end = line.indexOf('"', index + 1)
      if (end < 0) throw new Error(`Unterminated double quote in: ${line}`)
      word = (word ?? '') + expand(line.slice(index + 1, end), variables)
      index = end
    } else if (/[$A-Za-z0-9_./:@=,{}-]/.test(char)) {
      const match = /^[^\s'"]+/.exec(line.slice(index))![0]
      // Unquoted, these would be pipes, redirections, globs or escapes: quote them in the example.
      if (/[|;&<>()`\\*?[\]]/.test(match)) throw new Error(`Quote ${match} in: ${line}`)
      word = (word ?? '') + expand(match, variables)
      index += match.length - 1
    } else {
      throw new Error(`Unsupported shell syntax ${JSON.stringify(char)} in: ${line}`)
    }
  }
  if (word !== undefined) words.push(word)
  return words
}

/**
 * Parses one documented curl command.
 *
 * @throws Error naming the construct when the command leaves the supported subset.
 */
export function parseCurlCommand(command: string, variables: Readonly<Record<string, string>>): CurlRequest {
  const [firstLine = '', ...rest] = command.replace(/\\\n\s*/g, ' ').split('\n')
  let line = firstLine
  let stdin: string | undefined
  const heredoc = /\s<<'([A-Z]+)'\s*$/.exec(line)
  if (heredoc) {
    const end = rest.indexOf(heredoc[1]!)
    if (end !== rest.length - 1) throw new Error(`The heredoc must end the example, on its own line.`)
    stdin = rest.slice(0, end).join('\n') + '\n'
    line = line.slice(0, heredoc.index)
  } else if (rest.length > 0) {
    throw new Error(`An example is one command; found more lines: ${rest.join(' / ')}`)
  }

  const words = splitWords(line, variables)
  if (words.shift() !== 'curl') throw new Error(`An example must start with curl: ${line}`)
  let method: string | undefined
  let url: string | undefined
  let body: string | undefined
  const headers: Record<string, string> = {}
  const next = (option: string) => {
    const value = words.shift()
    if (value === undefined) throw new Error(`${option} needs a value`)
    return value
  }
  while (words.length > 0) {
    const word = words.shift()!
    if (word === '-s' || word === '-i' || word === '-N') continue
    if (word === '-u') headers['authorization'] = `Basic ${Buffer.from(next(word)).toString('base64')}`
    else if (word === '-X') method = next(word)
    else if (word === '-H') {
      const header = next(word)
      const colon = header.indexOf(':')
      if (colon < 1) throw new Error(`Malformed header: ${header}`)
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim()
    } else if (word === '-d' || word === '--data-binary') {
      const data = next(word)
      if (data === '@-') {
        if (stdin === undefined) throw new Error(`${word} @- needs a heredoc`)
        body = stdin
      } else if (data.startsWith('@')) {
        throw new Error(`${word} ${data}: examples carry their data inline or in a heredoc`)
      } else {
        body = data
      }
    } else if (word.startsWith('-')) {
      throw new Error(`Unsupported curl option ${word}`)
    } else if (url === undefined) {
      url = word
    } else {
      throw new Error(`Two URLs: ${url} and ${word}`)
    }
  }
  if (url === undefined || !url.startsWith(`${BASE_URL}/`))
    throw new Error(`The URL must be on ${BASE_URL}: ${url}`)
  // As curl does: -d means POST, and a form content type unless a header says otherwise.
  if (body !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded'
  return {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    url: url.slice(BASE_URL.length),
    headers,
    body,
  }
}
