import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseCurlCommand } from './curl-command.ts'

const variables = { KEY: 'k', SECRET: 's', CLUSTER_ID: 'c1' }

describe('documented curl commands, read as curl would', () => {
  it('reads credentials, method, headers and an inline body, expanding variables outside single quotes', () => {
    const request = parseCurlCommand(
      `curl -s -u "$KEY:$SECRET" -X PUT -H 'Content-Type: application/json' \\\n  http://localhost:8082/kafka/v3/clusters/$CLUSTER_ID/x \\\n  -d '{"value":"$NOT_EXPANDED"}'`,
      variables,
    )
    assert.deepEqual(request, {
      method: 'PUT',
      url: '/kafka/v3/clusters/c1/x',
      headers: {
        authorization: `Basic ${Buffer.from('k:s').toString('base64')}`,
        'content-type': 'application/json',
      },
      body: '{"value":"$NOT_EXPANDED"}',
    })
  })

  it('feeds a quoted heredoc to --data-binary @- and defaults to POST with a form type, as curl does', () => {
    const request = parseCurlCommand(
      'curl -u "$KEY:$SECRET" http://localhost:8082/r --data-binary @- <<\'EOF\'\n{"a":1}\n{"b":2}\nEOF',
      variables,
    )
    assert.equal(request.method, 'POST')
    assert.equal(request.body, '{"a":1}\n{"b":2}\n')
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded')
  })

  it('keeps a single-quoted variable literal, so the URL is wrong just as in a shell', () => {
    assert.equal(
      parseCurlCommand("curl 'http://localhost:8082/c/$CLUSTER_ID'", variables).url,
      '/c/$CLUSTER_ID',
    )
  })

  it('refuses what it cannot run faithfully', () => {
    assert.throws(
      () => parseCurlCommand('curl -k http://localhost:8082/', variables),
      /Unsupported curl option -k/,
    )
    assert.throws(() => parseCurlCommand('curl http://localhost:8082/$OTHER', variables), /\$OTHER/)
    assert.throws(() => parseCurlCommand('curl http://localhost:8082/a?b=1&c=2', variables), /Quote/)
    assert.throws(() => parseCurlCommand('curl http://example.com/', variables), /localhost:8082/)
    assert.throws(() => parseCurlCommand('curl -d @records.json http://localhost:8082/', variables), /inline/)
    assert.throws(() =>
      parseCurlCommand('curl http://localhost:8082/\ncurl http://localhost:8082/', variables),
    )
  })
})
