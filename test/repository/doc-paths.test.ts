// The README and docs/ name files and folders of the repository (`broker/deep-topics.ts`, `test/uns/`); when code moves,
// those names must move with it. Every backticked path under a top-level folder of the repository must exist.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT } from '../support/child-hub'

const DOCS = ['README.md', ...fs.readdirSync(path.join(PROJECT_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
const TOP = new Set(fs.readdirSync(PROJECT_ROOT, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules' && e.name !== 'dist').map((e) => e.name))

/** Backticked repository paths in a Markdown text: `dir/...` where dir is a top-level folder; globs and placeholders left out. */
export function namedPaths (text: string): string[] {
  const found = new Set<string>()
  for (const m of text.matchAll(/`([A-Za-z0-9_./-]+)`/g)) {
    const p = m[1]!.replace(/^\.\//, '').replace(/[.,:;]$/, '')
    const top = p.split('/')[0]!
    // A file (with an extension) or a folder (ending in /): `test/nosubscribe` is an MQTT topic, not a path.
    if (!p.includes('/') || !TOP.has(top) || /[*<>]/.test(p) || !/(\/|\.[a-z]{1,5})$/.test(p)) continue
    found.add(p)
  }
  return [...found]
}

describe('the README and docs/ name only files that exist', function () {
  for (const doc of DOCS) {
    it(`${doc}: every backticked path exists`, function () {
      const missing = namedPaths(fs.readFileSync(path.join(PROJECT_ROOT, doc), 'utf8')).filter((p) => !fs.existsSync(path.join(PROJECT_ROOT, p)))
      assert.deepEqual(missing, [], `${doc} names files that do not exist`)
    })
  }
})
