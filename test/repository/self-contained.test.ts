// `npm ci && npm test` passes in a fresh clone with nothing beside it: no test of `npm test` reads a file outside the
// repository (the shared reference material beside it is for the system tests only; what a test needs is copied
// into test/fixtures with its provenance). Checked on the test sources, the way a reader would find such a path.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT } from '../support/child-hub'

const TEST_ROOT = path.join(PROJECT_ROOT, 'test')
/** The project's shared reference material (specifications, SAP samples) beside the repository. */
const SHARED_MATERIAL = new RegExp(['\\bshared', '(spec|samples)', ''].join('\\/'))

function sources (dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : sources(p)
    return e.name.endsWith('.ts') && !e.name.endsWith('.system.test.ts') ? [p] : []
  })
}

/** Relative paths in a string literal that climb out of the repository from the file's compiled place in dist/. */
function escapingPaths (file: string, text = fs.readFileSync(file, 'utf8')): string[] {
  const compiledDir = path.join(PROJECT_ROOT, 'dist', path.relative(PROJECT_ROOT, path.dirname(file)))
  const found: string[] = []
  for (const m of text.matchAll(/['"`]((?:\.\.\/)+[^'"`]*)['"`]/g)) {
    const target = path.resolve(compiledDir, m[1]!)
    if (!target.startsWith(PROJECT_ROOT + path.sep)) found.push(m[1]!)
  }
  if (SHARED_MATERIAL.test(text)) found.push('the shared reference material')
  return found
}

describe('the test suite in a fresh clone', function () {
  it('reads no file outside the repository (fixtures are copied into test/fixtures with their provenance)', function () {
    const files = sources(TEST_ROOT)
    assert.ok(files.length > 50, `found only ${files.length} test sources under ${TEST_ROOT}`)
    const offenders = files.map((f) => [path.relative(PROJECT_ROOT, f), escapingPaths(f)] as const).filter(([, p]) => p.length > 0)
    assert.deepEqual(offenders, [], 'these test files reach outside the repository')
  })

  it('the check finds a path that climbs out of the repository', function () {
    // What test/sparkplug/codec.test.ts had before the schema was copied into test/fixtures. The example is
    // put together here, so that this file holds no such path itself (it reads nothing outside the repository).
    const up = (n: number): string => '../'.repeat(n)
    const outside = `${up(4)}${['shared', 'spec', 'sparkplug-3.0', 'sparkplug_b.proto'].join('/')}`
    const codecTest = path.join(TEST_ROOT, 'sparkplug', 'codec.test.ts')
    assert.deepEqual(escapingPaths(codecTest, `const SPEC_PROTO = path.resolve(__dirname, '${outside}')\n`),
      [outside, 'the shared reference material'])
    const inside = `${up(3)}test/fixtures/sparkplug-3.0/sparkplug_b.proto`
    assert.deepEqual(escapingPaths(codecTest, `const SPEC_PROTO = path.resolve(__dirname, '${inside}')\n`), [])
  })
})
