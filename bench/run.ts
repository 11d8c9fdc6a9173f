// `npm run bench`: runs every bench/*.bench.js, shows progress, prints one table, writes the figures as JSON to
// bench/results/<timestamp>.json. Each benchmark measures its own baseline in the same run, and runs in a process of
// its own (same Node flags), so that what one leaves behind (the MES one seeds 12,000 orders; every one warms the
// JIT for the code it runs) does not weigh on the next.
import { fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Benchmark, BenchResult } from './bench-result'

type Row = BenchResult & { benchmark: string }

/** In the child: runs one benchmark file and sends its rows to the parent. */
async function runOne (file: string, label: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bench = (require(path.join(__dirname, file)) as { benchmark: Benchmark }).benchmark
  process.stderr.write(`${label} ${bench.title}\n`)
  const results = await bench.run((line) => process.stderr.write(`      ${line}\n`))
  // A benchmark may leave a timer or socket of its client libraries behind: the child ends once its rows are sent.
  process.send!(results.map((r) => ({ ...r, benchmark: bench.title })), () => process.exit(0))
}

function inChild (file: string, label: string): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--one', file, label], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    let rows: Row[] | undefined
    child.on('message', (m) => { rows = m as Row[] })
    child.on('error', reject)
    child.on('exit', (code) => {
      if (rows !== undefined) resolve(rows)
      else reject(new Error(`benchmark ${file} ended (exit code ${code}) without results`))
    })
  })
}

async function main (): Promise<void> {
  if (process.argv[2] === '--one') return await runOne(process.argv[3]!, process.argv[4] ?? '')
  const only = process.argv[2]
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.js') && (!only || f.includes(only))).sort()
  const all: Row[] = []
  for (const [i, file] of files.entries()) all.push(...await inChild(file, `[${i + 1}/${files.length}]`))

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
