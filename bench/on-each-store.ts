// The MES benchmarks' common course: SQLite always, PostgreSQL when HUB_BENCH_PG_URL (or HUB_TEST_PG_URL) names a
// database. A PostgreSQL that is not configured or fails gives a row that says so, with the password masked.
import type { BenchResult } from './bench-result'

/** A row for a store that was not measured, with the reason in its name (the table has no other column for it). */
function notRun (name: string, reason: string): BenchResult {
  return { name: `${name}: not run (${reason})`, unit: '', value: 0, baseline: 0, baselineName: '-', ratio: 0 }
}

export async function onEachStore (what: string, progress: (line: string) => void, sqlite: () => Promise<BenchResult[]>,
  postgres: (url: string) => Promise<BenchResult[]>): Promise<BenchResult[]> {
  const results = await sqlite()
  const pgUrl = process.env.HUB_BENCH_PG_URL ?? process.env.HUB_TEST_PG_URL
  if (pgUrl === undefined || pgUrl === '') {
    progress('PostgreSQL: not run (set HUB_BENCH_PG_URL or HUB_TEST_PG_URL)')
    results.push(notRun(`PostgreSQL ${what}`, 'HUB_BENCH_PG_URL / HUB_TEST_PG_URL not set'))
    return results
  }
  try {
    results.push(...await postgres(pgUrl))
  } catch (err) {
    const reason = (err as Error).message.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@').split('\n')[0]!
    progress(`PostgreSQL: failed: ${reason}`)
    results.push(notRun(`PostgreSQL ${what}`, reason.slice(0, 120)))
  }
  return results
}
