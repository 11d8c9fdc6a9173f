// MES: (a) the dispatch list (best 100) of a work center with 10,000 open operations, per dispatching rule, beside
// the bare SELECT of that work center's open operations (no ordering) on the same store; (b) durable WIP events per
// second through the WIP service (one transaction per event: job, operation, event, audit record, confirmation),
// beside a bare single-row INSERT per transaction with the same durability (SQLite: WAL, synchronous=FULL) on the
// same machine: from one producer that waits for each acknowledgement (bound by one fsync per event), and from 16
// work units reporting at once, each waiting for its own acknowledgements (the plant's case; SQLite commits them in
// groups). SQLite always; PostgreSQL when HUB_BENCH_PG_URL or HUB_TEST_PG_URL names a database.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { Client, Pool } from 'pg'
import { createMes, type Mes } from '../mes/index'
import type { MesStore } from '../mes/store/store'
import { SqliteStore } from '../mes/store/sqlite-store'
import { PostgresStore } from '../mes/store/postgres-store'
import { DISPATCH_RULES } from '../mes/model/types'
import type { Benchmark, BenchResult } from './bench-result'
import { onEachStore } from './on-each-store'
import { median, secondsSince, timeMs } from './stats'

const OPEN_OPERATIONS = 10_000
const NOISE_OPERATIONS = 2_000
const WORK_CENTER = 'PRESSL1'
const LIST_LIMIT = 100
const LIST_RUNS = 101
const WIP_EVENTS = { sqlite: 2_000, postgres: 1_000 }
/** Work units reporting at the same time in the concurrent WIP measure. */
const WIP_PRODUCERS = 16
/** Rates are the median of this many rounds, so that one burst of other work on the machine does not decide the figure. */
const WIP_ROUNDS = 3
const ACTOR = { who: 'bench' }

interface Target {
  name: 'SQLite' | 'PostgreSQL'
  open (): Promise<MesStore>
  /** The bare SELECT of the work center's open operations, on the same database with the raw driver. */
  bareSelect (): Promise<() => Promise<number>>
  /**
   * Single-row INSERTs with the store's durability, on the same machine/server: `producers` 1, one per transaction;
   * more, what that many producers at once can get at best (SQLite: `producers` rows per commit, as a group commit
   * of all of them would; PostgreSQL: that many producers on a pool of 10 connections, one autocommit INSERT each).
   */
  bareInsert (n: number, producers: number): Promise<number>
  cleanup (): Promise<void>
}

const BARE_SELECT = `SELECT * FROM operations WHERE work_center = ? AND status IN ('pending', 'in-progress')`

function sqliteTarget (): Target {
  const dir = fs.mkdtempSync(path.join(process.env.HUB_BENCH_DIR ?? os.tmpdir(), 'mes-bench-'))
  const file = path.join(dir, 'mes.sqlite')
  let raw: Database.Database | undefined
  return {
    name: 'SQLite',
    open: () => SqliteStore.open(file),
    async bareSelect () {
      raw = new Database(file, { readonly: true })
      const stmt = raw.prepare(BARE_SELECT)
      return async () => stmt.all(WORK_CENTER).length
    },
    async bareInsert (n, producers) {
      const db = new Database(path.join(dir, 'bare.sqlite'))
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = FULL')
      db.exec('CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, payload TEXT NOT NULL)')
      const insert = db.prepare('INSERT INTO events (job_id, payload) VALUES (?, ?)')
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < n; i += producers) {
        db.exec('BEGIN IMMEDIATE')
        for (let k = i; k < Math.min(n, i + producers); k++) insert.run(`job-${k % producers}`, JSON.stringify({ event: 'report', good: 1, seq: k }))
        db.exec('COMMIT')
      }
      const s = secondsSince(t0)
      db.close()
      return n / s
    },
    async cleanup () {
      raw?.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

function postgresTarget (url: string): Target {
  const schema = `mes_bench_${process.pid}`
  const client = async (): Promise<Client> => {
    const c = new Client({ connectionString: url, options: `-c search_path=${schema}` })
    await c.connect()
    return c
  }
  let raw: Client | undefined
  return {
    name: 'PostgreSQL',
    open: () => PostgresStore.open({ connectionString: url, schema }),
    async bareSelect () {
      raw = await client()
      const sql = BARE_SELECT.replace('?', '$1')
      return async () => (await raw!.query({ name: 'bare-select', text: sql, values: [WORK_CENTER] })).rowCount ?? 0
    },
    async bareInsert (n, producers) {
      const pool = new Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 10 })
      try {
        await pool.query('CREATE TABLE IF NOT EXISTS bare_events (id BIGSERIAL PRIMARY KEY, job_id TEXT NOT NULL, payload TEXT NOT NULL)')
        const perProducer = Math.ceil(n / producers)
        const t0 = process.hrtime.bigint()
        await Promise.all(Array.from({ length: producers }, async (_, p) => {
          for (let i = 0; i < perProducer; i++) {
            await pool.query({ name: 'bare-insert', text: 'INSERT INTO bare_events (job_id, payload) VALUES ($1, $2)', values: [`job-${p}`, JSON.stringify({ event: 'report', good: 1, seq: i })] })
          }
        }))
        return perProducer * producers / secondsSince(t0)
      } finally {
        await pool.end()
      }
    },
    async cleanup () {
      await raw?.end()
      const c = new Client({ connectionString: url })
      await c.connect()
      try { await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) } finally { await c.end() }
    }
  }
}

/** A deterministic pseudo-random sequence, so every run seeds the same plant. */
function lcg (seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
}

/** 10,000 released single-operation orders on the work center, 2,000 on another one, through the services. */
async function seed (mes: Mes, progress: (line: string) => void, parallel: number): Promise<void> {
  const rnd = lcg(42)
  const now = Date.now()
  const total = OPEN_OPERATIONS + NOISE_OPERATIONS
  const orders = Array.from({ length: total }, (_, i) => ({
    orderNumber: `B${String(i).padStart(6, '0')}`,
    material: `MAT-${Math.floor(rnd() * 500)}`,
    quantity: 10 + Math.floor(rnd() * 990),
    unit: 'PCE',
    dueDate: new Date(now + (rnd() * 60 - 10) * 86400000).toISOString(),
    priority: 1 + Math.floor(rnd() * 999),
    operations: [{ sequence: 10, workCenter: i < OPEN_OPERATIONS ? WORK_CENTER : 'ASSYA', setupTime: Math.floor(rnd() * 60), runTimePerUnit: 0.1 + rnd() * 3 }]
  }))
  let next = 0
  let done = 0
  const worker = async (): Promise<void> => {
    while (next < orders.length) {
      const o = orders[next++]!
      await mes.workOrders.create(o, ACTOR)
      await mes.workOrders.release(o.orderNumber, ACTOR)
      if (++done % 2000 === 0) progress(`  seeded ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} orders`)
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
}

async function dispatchList (t: Target, mes: Mes, progress: (line: string) => void): Promise<BenchResult[]> {
  const bare = await t.bareSelect()
  const rows = await bare()
  if (rows !== OPEN_OPERATIONS) throw new Error(`expected ${OPEN_OPERATIONS} open operations at ${WORK_CENTER}, found ${rows}`)
  const bareTimes: number[] = []
  for (let i = 0; i < 5; i++) await bare()
  for (let i = 0; i < LIST_RUNS; i++) bareTimes.push(await timeMs(bare))
  const baseline = median(bareTimes)
  progress(`${t.name}: bare SELECT of ${rows.toLocaleString('en-US')} open operations: median ${baseline.toFixed(2)} ms`)
  const results: BenchResult[] = []
  for (const rule of DISPATCH_RULES) {
    const run = async (): Promise<void> => {
      const list = await mes.dispatch.list(WORK_CENTER, { rule, limit: LIST_LIMIT })
      if (list.length !== LIST_LIMIT) throw new Error(`dispatch list by ${rule} has ${list.length} items, expected ${LIST_LIMIT}`)
    }
    for (let i = 0; i < 5; i++) await run()
    const times: number[] = []
    for (let i = 0; i < LIST_RUNS; i++) times.push(await timeMs(run))
    const value = median(times)
    progress(`${t.name}: dispatch list by ${rule}: median ${value.toFixed(2)} ms`)
    results.push({
      name: `${t.name} dispatch list ${rule} (best ${LIST_LIMIT} of ${OPEN_OPERATIONS.toLocaleString('en-US')})`,
      unit: 'ms', value, baseline, baselineName: 'bare SELECT, no ORDER BY', ratio: baseline / value,
      target: '< 10 ms', met: value < 10
    })
  }
  return results
}

async function wipRate (t: Target, mes: Mes, progress: (line: string) => void): Promise<BenchResult[]> {
  const n = t.name === 'SQLite' ? WIP_EVENTS.sqlite : WIP_EVENTS.postgres
  // One running job per work unit (a work unit runs one job at a time).
  const jobs: string[] = []
  for (let u = 1; u <= WIP_PRODUCERS; u++) {
    const orderNumber = `WIP-BENCH-${u}`
    await mes.workOrders.create({ orderNumber, material: 'BOLT-M8', quantity: 1e9, unit: 'PCE', dueDate: '2030-01-01T00:00:00Z',
      operations: [{ sequence: 10, workCenter: 'WC-WIP', runTimePerUnit: 0.01 }] }, ACTOR)
    await mes.workOrders.release(orderNumber, ACTOR)
    const job = (await mes.dispatch.dispatchNext('WC-WIP', `UNIT-${u}`, ACTOR))!
    await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'plc' })
    for (let i = 0; i < 10; i++) await mes.wip.apply({ jobId: job.jobId, event: 'report', who: 'plc', good: 1, eventId: `warm-${i}` })
    jobs.push(job.jobId)
  }
  const report = async (jobId: string, eventId: string): Promise<void> => {
    await mes.wip.apply({ jobId, event: 'report', who: 'plc', good: 1, eventId })
  }
  progress(`${t.name}: ${WIP_ROUNDS} rounds of ${n.toLocaleString('en-US')} report events from one producer, each committed durably before the next`)
  const sequential: number[] = []
  for (let round = 0; round < WIP_ROUNDS; round++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) await report(jobs[0]!, `s-${round}-${i}`)
    sequential.push(n / secondsSince(t0))
  }
  progress(`${t.name}: ${WIP_ROUNDS} rounds of ${n.toLocaleString('en-US')} report events from ${WIP_PRODUCERS} work units at once, each waiting for its acknowledgements`)
  const concurrent: number[] = []
  const perProducer = Math.ceil(n / WIP_PRODUCERS)
  for (let round = 0; round < WIP_ROUNDS; round++) {
    const t0 = process.hrtime.bigint()
    await Promise.all(jobs.map(async (jobId) => { for (let i = 0; i < perProducer; i++) await report(jobId, `c-${round}-${i}`) }))
    concurrent.push(perProducer * WIP_PRODUCERS / secondsSince(t0))
  }
  // Nothing lost, nothing twice: every job holds exactly the good quantity reported to it.
  for (const [i, jobId] of jobs.entries()) {
    const want = 10 + WIP_ROUNDS * perProducer + (i === 0 ? WIP_ROUNDS * n : 0)
    const stored = await mes.wip.getJob(jobId)
    if (stored.goodQuantity !== want) throw new Error(`expected ${want} good on ${jobId}, the job has ${stored.goodQuantity}`)
  }
  const fmt = (xs: number[]): string => xs.map((r) => Math.round(r).toLocaleString('en-US')).join(', ')
  progress(`${t.name}: one producer ${fmt(sequential)} WIP events/s; ${WIP_PRODUCERS} at once ${fmt(concurrent)} WIP events/s`)
  const bare = async (producers: number): Promise<number> => {
    const rates: number[] = []
    for (let round = 0; round < WIP_ROUNDS; round++) rates.push(await t.bareInsert(n, producers))
    progress(`${t.name}: bare INSERT, ${producers === 1 ? 'one producer' : `${producers} producers`}: ${fmt(rates)}/s`)
    return median(rates)
  }
  const bareOne = await bare(1)
  const bareMany = await bare(WIP_PRODUCERS)
  const durability = t.name === 'SQLite' ? 'WAL, sync=FULL' : 'autocommit'
  const one = median(sequential)
  const many = median(concurrent)
  return [
    { name: `${t.name} durable WIP events/s, one producer awaiting each`, unit: 'events/s', value: one, baseline: bareOne,
      baselineName: `bare INSERT per commit, ${durability}`, ratio: one / bareOne },
    { name: `${t.name} durable WIP events/s, ${WIP_PRODUCERS} work units at once`, unit: 'events/s', value: many, baseline: bareMany,
      baselineName: t.name === 'SQLite' ? `bare INSERTs, ${WIP_PRODUCERS} per commit, ${durability}` : `bare INSERTs, ${WIP_PRODUCERS} producers, pool of 10`,
      ratio: many / bareMany, ...(t.name === 'SQLite' ? { target: '>= 2000 events/s', met: many >= 2000 } : {}) }
  ]
}

async function runTarget (t: Target, progress: (line: string) => void): Promise<BenchResult[]> {
  const store = await t.open()
  const mes = createMes(store)
  try {
    progress(`${t.name}: seeding ${OPEN_OPERATIONS.toLocaleString('en-US')} open operations at ${WORK_CENTER} (+${NOISE_OPERATIONS.toLocaleString('en-US')} elsewhere) through the work-order service`)
    await seed(mes, progress, t.name === 'SQLite' ? 1 : 8)
    const list = await dispatchList(t, mes, progress)
    const wip = await wipRate(t, mes, progress)
    return [...list, ...wip]
  } finally {
    await mes.close()
    await t.cleanup()
  }
}

export const benchmark: Benchmark = {
  title: `MES: dispatch list of ${OPEN_OPERATIONS.toLocaleString('en-US')} open operations, durable WIP events/s (SQLite, PostgreSQL)`,
  async run (progress) {
    return await onEachStore('dispatch list and WIP events/s', progress, async () => await runTarget(sqliteTarget(), progress),
      async (url) => await runTarget(postgresTarget(url), progress))
  }
}
