// `npm run fuzz [-- --runs N] [--shrink] [--seed S] [name...]`: the long fuzz run. Runs each target's suite
// (test/fuzz/<target>.fuzz.test.ts, the ones whose name contains one of the given words; all without) in its own
// mocha process with N inputs per property (default 100,000), progress on stderr, and a summary per target.
// --no-seeds leaves the seeds of issue #8 out of the random properties, to look past the known findings.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const USAGE = 'usage: npm run fuzz -- [--runs N] [--shrink] [--seed S] [--no-seeds] [target name filter...]'

interface Options { runs: number, shrink: boolean, noSeeds: boolean, seed?: string, filters: string[] }

function parseArgs (argv: string[]): Options {
  const o: Options = { runs: 100_000, shrink: false, noSeeds: false, filters: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--runs') o.runs = Number(argv[++i])
    else if (a === '--shrink') o.shrink = true
    else if (a === '--no-seeds') o.noSeeds = true
    else if (a === '--seed') o.seed = argv[++i]
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0) } else if (a.startsWith('-')) { console.error(`unknown option ${a}\n${USAGE}`); process.exit(2) } else o.filters.push(a)
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) { console.error(`--runs must be a positive integer\n${USAGE}`); process.exit(2) }
  return o
}

interface PropertyReport { target: string, property: string, runs: number, ms: number, ok: boolean, error?: string }

function main (): void {
  const o = parseArgs(process.argv.slice(2))
  const dir = __dirname
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.fuzz.test.js')).sort()
    .filter((f) => o.filters.length === 0 || o.filters.some((w) => f.includes(w)))
  if (files.length === 0) { console.error(`no fuzz target matches ${o.filters.join(', ')} (targets: ${fs.readdirSync(dir).filter((f) => f.endsWith('.fuzz.test.js')).map((f) => f.replace('.fuzz.test.js', '')).join(', ')})`); process.exit(2) }
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-')), 'report.jsonl')
  const env = { ...process.env, FUZZ_RUNS: String(o.runs), FUZZ_PROGRESS: '1', FUZZ_REPORT: report, FUZZ_SHRINK: o.shrink ? '1' : '0', FUZZ_NO_EXAMPLES: o.noSeeds ? '1' : '0', ...(o.seed ? { FUZZ_SEED: o.seed } : {}) }
  const mocha = require.resolve('mocha/bin/mocha.js')
  const started = Date.now()
  const exits: Record<string, number | null> = {}
  for (const f of files) {
    const target = f.replace('.fuzz.test.js', '')
    console.error(`\n=== ${target}: ${o.runs.toLocaleString('en')} inputs per property`)
    const r = spawnSync(process.execPath, [mocha, '--no-config', '--timeout', '0', '--exit', path.join(dir, f)], { stdio: 'inherit', env })
    exits[target] = r.status
  }
  const lines = fs.existsSync(report) ? fs.readFileSync(report, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as PropertyReport) : []
  console.log('\nFuzz summary')
  console.log('| target | property | inputs | seconds | result |')
  console.log('| --- | --- | --- | --- | --- |')
  for (const l of lines) console.log(`| ${l.target} | ${l.property} | ${l.runs} | ${(l.ms / 1000).toFixed(1)} | ${l.ok ? 'ok' : 'FAILED: ' + (l.error ?? '').slice(0, 200)} |`)
  for (const [t, code] of Object.entries(exits)) if (code !== 0) console.log(`${t}: mocha exited ${code}`)
  console.log(`${lines.filter((l) => !l.ok).length} of ${lines.length} properties failed; ${((Date.now() - started) / 1000).toFixed(0)} s in all`)
  process.exit(Object.values(exits).every((c) => c === 0) ? 0 : 1)
}

main()
