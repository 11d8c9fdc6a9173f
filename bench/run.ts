// `npm run bench`: runs every bench/*.bench.js, shows progress, prints one table, writes the figures as JSON to
// bench/results/<timestamp>.json. Each benchmark measures its own baseline in the same run.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Benchmark, BenchResult } from './bench-result'

async function main (): Promise<void> {
  const only = process.argv[2]
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.js') && (!only || f.includes(only))).sort()
  const all: Array<BenchResult & { benchmark: string }> = []
  for (const [i, file] of files.entries()) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bench = (require(path.join(__dirname, file)) as { benchmark: Benchmark }).benchmark
    process.stderr.write(`[${i + 1}/${files.length}] ${bench.title}\n`)
    const results = await bench.run((line) => process.stderr.write(`      ${line}\n`))
    all.push(...results.map((r) => ({ ...r, benchmark: bench.title })))
  }

  const fmt = (n: number): string => n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)
  const rows = all.map((r) => [r.name, `${fmt(r.value)} ${r.unit}`, `${fmt(r.baseline)} ${r.unit} (${r.baselineName})`,
    r.ratio.toFixed(3), r.target ? `${r.target} ${r.met ? 'met' : 'NOT MET'}` : ''])
  const head = ['measure', 'hub', 'baseline', 'ratio', 'target']
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)))
  const line = (cells: string[]): string => cells.map((x, c) => x.padEnd(widths[c])).join('  ')
  process.stdout.write('\n' + line(head) + '\n' + widths.map((w) => '-'.repeat(w)).join('  ') + '\n' + rows.map(line).join('\n') + '\n')

  const outDir = path.resolve(__dirname, '..', '..', 'bench', 'results')
  fs.mkdirSync(outDir, { recursive: true })
  const out = path.join(outDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  fs.writeFileSync(out, JSON.stringify({ node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results: all }, null, 2) + '\n')
  process.stdout.write(`\nfigures written to ${path.relative(process.cwd(), out)}\n`)
  if (all.some((r) => r.met === false)) process.exitCode = 1
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
