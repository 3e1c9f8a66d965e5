/**
 * @module http/api-reference/types
 *
 * The shape of one operation's entry in the API reference.
 */

/**
 * One `curl` command, written as a reader would type it. The test parses and runs it, so it must
 * stay within what `test/support/curl-command.ts` understands: one `curl` with `-s`, `-i`, `-N`,
 * `-u`, `-X`, `-H`, `-d` or `--data-binary` (`@-` with a quoted heredoc for stdin), and a URL on
 * `http://localhost:8082`. `$KEY`, `$SECRET`, `$CLUSTER_ID` and `$CONSUMER_ID` are the reader’s
 * own values; topic, group and config names are concrete.
 */
export interface CurlExample {
  /** What the example shows, in a few words ("Create a topic with three partitions"). */
  readonly title: string
  readonly command: string
}

export interface OperationReference {
  /** The section of the reference, one of `apiAreas`; also the operation's OpenAPI tag. */
  readonly area: string
  /** One line, imperative: "List the topics of a cluster". */
  readonly summary: string
  /** One paragraph in our own words: what it does, and what to know before calling it. */
  readonly description: string
  readonly examples: readonly [CurlExample, ...CurlExample[]]
}

export interface ApiArea {
  readonly name: string
  readonly description: string
}
