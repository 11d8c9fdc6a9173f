// Trace: a generated genealogy of 1,000,000 lots and 5,000,000 links (bench/trace/genealogy.ts, written inside the
// store), then the backward trace of a finished serial and the forward trace of a raw lot that reaches 10,000
// finished serials, through mes.materials.trace (a visited set, the nodes joined to their lots and serials, every
// link, depths, graph and flat list), beside a plain recursive query on the same tables in the same run (UNION ALL,
// no visited set, no limits, the reached (kind, id) rows only) through the same store. Medians of many runs. SQLite
// always; PostgreSQL when HUB_BENCH_PG_URL or HUB_TEST_PG_URL names a database.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Client } from 'pg'
import { createMes, type Mes } from '../mes/index'
import type { MesStore } from '../mes/store/store'
import { SqliteStore } from '../mes/store/sqlite-store'
import { PostgresStore } from '../mes/store/postgres-store'
import type { TraceQuery } from '../mes/materials/types'
import type { Benchmark, BenchResult } from './bench-result'
import { onEachStore } from './on-each-store'
import { median, secondsSince, timeMs } from './stats'
import { BACKWARD_SERIAL, DEFINITIONS, GENERATED, generate, HOT_BLOCKS, HOT_LOT, SERIALS_PER_BLOCK } from './trace/genealogy'

const RUNS = { backward: 201, forward: 31 }
const WARMUP = 5
const TARGET_MS = { backward: 10, forward: 100 }
const FORWARD_FINISHED = HOT_BLOCKS * SERIALS_PER_BLOCK

interface Target {
  name: 'SQLite' | 'PostgreSQL'
  open (): Promise<MesStore>
  cleanup (): Promise<void>
}

function sqliteTarget (): Target {
  const dir = fs.mkdtempSync(path.join(process.env.HUB_BENCH_DIR ?? os.tmpdir(), 'trace-bench-'))
  return {
    name: 'SQLite',
    open: async () => await SqliteStore.open(path.join(dir, 'mes.sqlite')),
    cleanup: async () => { fs.rmSync(dir, { recursive: true, force: true }) }
  }
}

function postgresTarget (url: string): Target {
  const schema = `trace_bench_${process.pid}`
  return {
    name: 'PostgreSQL',
    open: async () => await PostgresStore.open({ connectionString: url, schema }),
    async cleanup () {
      const c = new Client({ connectionString: url })
      await c.connect()
      try { await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) } finally { await c.end() }
    }
  }
}

/** The plain query: every path walked (a node reached twice is two rows), nothing joined, no limit. */
function plainSql (direction: TraceQuery['direction']): string {
  const [near, far] = direction === 'backward' ? ['to', 'from'] : ['from', 'to']
  return `WITH RECURSIVE reach (kind, id) AS (
      SELECT CAST(? AS TEXT), CAST(? AS TEXT)
      UNION ALL
      SELECT l.${far}_kind, l.${far}_id FROM genealogy_links l JOIN reach r ON l.${near}_id = r.id AND l.${near}_kind = r.kind
    ) SELECT kind, id FROM reach`
}

async function measure (t: Target, mes: Mes, store: MesStore, query: TraceQuery, progress: (line: string) => void): Promise<BenchResult> {
  const direction = query.direction
  const start: [string, string] = query.lotId !== undefined ? ['lot', query.lotId] : ['serial', query.serial!]
  const plain = async (): Promise<Array<Record<string, unknown>>> => await store.read(async (tx) => await tx.all(plainSql(direction), start))
  const traced = await mes.materials.trace(query)
  const plainRows = await plain()
  // The two answer the same question: the plain rows, made a set, are the traced nodes.
  const plainSet = new Set(plainRows.map((r) => `${String(r.kind)}:${String(r.id)}`))
  if (plainSet.size !== traced.nodes.length) throw new Error(`${direction} trace has ${traced.nodes.length} nodes, the plain query ${plainSet.size}`)
  const finished = traced.nodes.filter((n) => n.kind === 'serial').length
  if (direction === 'forward' && finished !== FORWARD_FINISHED) throw new Error(`forward trace of ${HOT_LOT} reaches ${finished} finished serials, expected ${FORWARD_FINISHED}`)
  for (let i = 0; i < WARMUP; i++) { await mes.materials.trace(query); await plain() }
  const runs = RUNS[direction]
  const times: number[] = []
  const plainTimes: number[] = []
  for (let i = 0; i < runs; i++) {
    times.push(await timeMs(async () => await mes.materials.trace(query)))
    plainTimes.push(await timeMs(plain))
  }
  const value = median(times)
  const baseline = median(plainTimes)
  const what = direction === 'backward' ? `backward trace of serial ${start[1]}` : `forward trace of lot ${start[1]}`
  progress(`${t.name}: ${what}: ${traced.nodes.length.toLocaleString('en-US')} nodes (${finished.toLocaleString('en-US')} finished serials), ` +
    `${traced.edges.length.toLocaleString('en-US')} links; median ${value.toFixed(2)} ms over ${runs} runs, plain query ` +
    `${baseline.toFixed(2)} ms (${plainRows.length.toLocaleString('en-US')} rows)`)
  return {
    name: `${t.name} ${what} (${traced.nodes.length.toLocaleString('en-US')} nodes, ${traced.edges.length.toLocaleString('en-US')} links)`,
    unit: 'ms', value, baseline, baselineName: 'plain recursive query, UNION ALL', ratio: baseline / value,
    target: `< ${TARGET_MS[direction]} ms`, met: value < TARGET_MS[direction]
  }
}

async function runTarget (t: Target, progress: (line: string) => void): Promise<BenchResult[]> {
  const store = await t.open()
  const mes = createMes(store)
  try {
    for (const d of DEFINITIONS) await mes.materials.define(d, 'bench')
    progress(`${t.name}: generating ${GENERATED.lots.toLocaleString('en-US')} lots, ${GENERATED.serials.toLocaleString('en-US')} serials, ` +
      `${GENERATED.links.toLocaleString('en-US')} links inside the store`)
    const t0 = process.hrtime.bigint()
    await generate(store, progress)
    // PostgreSQL's autovacuum would analyze the new rows in a while; the benchmark does not wait for it.
    if (store.dialect === 'postgres') await store.transaction(async (tx) => { await tx.run('ANALYZE') })
    const counts = await store.read(async (tx) => await tx.get<{ lots: unknown, links: unknown }>(
      'SELECT (SELECT COUNT(*) FROM material_lots) AS lots, (SELECT COUNT(*) FROM genealogy_links) AS links'))
    if (Number(counts?.lots) !== GENERATED.lots || Number(counts?.links) !== GENERATED.links) {
      throw new Error(`generated ${String(counts?.lots)} lots and ${String(counts?.links)} links, expected ${GENERATED.lots} and ${GENERATED.links}`)
    }
    const generation = secondsSince(t0)
    progress(`${t.name}: generation took ${generation.toFixed(1)} s`)
    return [
      await measure(t, mes, store, { direction: 'backward', serial: BACKWARD_SERIAL }, progress),
      await measure(t, mes, store, { direction: 'forward', lotId: HOT_LOT }, progress),
      { name: `${t.name} genealogy generation (${GENERATED.lots.toLocaleString('en-US')} lots, ${GENERATED.links.toLocaleString('en-US')} links)`,
        unit: 's', value: generation, baseline: generation, baselineName: 'same (no baseline)', ratio: 1 }
    ]
  } finally {
    await mes.close()
    await t.cleanup()
  }
}

export const benchmark: Benchmark = {
  title: `Trace: backward and forward over ${GENERATED.lots.toLocaleString('en-US')} lots and ${GENERATED.links.toLocaleString('en-US')} links (SQLite, PostgreSQL)`,
  async run (progress) {
    return await onEachStore('trace', progress, async () => await runTarget(sqliteTarget(), progress),
      async (url) => await runTarget(postgresTarget(url), progress))
  }
}
