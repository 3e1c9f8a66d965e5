import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { errorRegistry } from '../../src/core/index.ts'
import { listConfigLeaves } from '../../src/config/index.ts'
import { generatedDocs } from '../../scripts/generate-docs.ts'

describe('generated documentation', () => {
  for (const [path, render] of Object.entries(generatedDocs)) {
    it(`${path} matches its source (run \`npm run docs\` after changing it)`, async () => {
      assert.equal(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'), await render())
    })
  }

  it('documents every registry code and every configuration key', () => {
    const errors = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
    for (const code of Object.keys(errorRegistry)) assert.ok(errors.includes(`\`${code}\``), code)
    const configuration = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')
    for (const leaf of listConfigLeaves())
      assert.ok(configuration.includes(`\`${leaf.envName}\``), leaf.envName)
  })
})
