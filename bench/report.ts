/**
 * @module bench/report
 *
 * docs/benchmarks.md is rewritten by bench/produce.ts; the other benchmarks each own a section
 * between two markers, replaced when present and appended otherwise.
 */
import { readFileSync, writeFileSync } from 'node:fs'

const REPORT = new URL('../docs/benchmarks.md', import.meta.url)

export function writeReportSection(name: string, lines: readonly string[]): void {
  const begin = `<!-- bench:${name} -->`
  const end = `<!-- /bench:${name} -->`
  const section = [begin, ...lines, end].join('\n')
  let report = ''
  try {
    report = readFileSync(REPORT, 'utf8')
  } catch {
    report = '# Benchmarks\n'
  }
  const start = report.indexOf(begin)
  const stop = report.indexOf(end)
  report =
    start >= 0 && stop > start
      ? report.slice(0, start) + section + report.slice(stop + end.length)
      : `${report.trimEnd()}\n\n${section}\n`
  writeFileSync(REPORT, report)
}
