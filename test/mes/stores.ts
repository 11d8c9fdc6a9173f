// Runs one test suite against the stores named by HUB_TEST_STORES: SQLite (temporary file, WAL) and PostgreSQL (a
// fresh schema per test in the database named by HUB_TEST_PG_URL). PostgreSQL unreachable FAILS the suite loudly.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Client } from 'pg'
import type { MesStore } from '../../mes/store/store'
import { SqliteStore } from '../../mes/store/sqlite-store'
import { PostgresStore } from '../../mes/store/postgres-store'
import { createMes, type Mes, type MesOptions } from '../../mes/index'
import type { MesConfig } from '../../mes/config'

export const PG_URL = process.env.HUB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5433/isa95_hub_test'

export interface StoreKind {
  name: 'sqlite' | 'postgres'
  open: () => Promise<MesStore>
  /** Opens a second store on the same database (reopen / second process). */
  reopen: () => Promise<MesStore>
  cleanup: () => Promise<void>
  /** Picks a fresh database (a new SQLite file, a new PostgreSQL schema) without opening it; `open` does this too. */
  prepare: () => void
  /** The hub's `mes` config section that names the prepared database (hub, child processes). */
  hubConfig: () => MesConfig
}

let schemaCounter = 0

export async function assertPostgresReachable (): Promise<void> {
  const c = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
  try {
    await c.connect()
    await c.query('SELECT 1')
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${PG_URL} (${(err as Error).message}).\n` +
      'The MES store tests need it. Start one, e.g.:\n' +
      '  su postgres -c "/usr/lib/postgresql/15/bin/initdb -D /tmp/pgdata -A trust"\n' +
      '  su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D /tmp/pgdata -o \'-p 5433 -k /tmp\' -l /tmp/pg.log start"\n' +
      '  su postgres -c "/usr/lib/postgresql/15/bin/createdb -h /tmp -p 5433 isa95_hub_test"\n' +
      'or set HUB_TEST_PG_URL to a database you can use.')
  } finally {
    await c.end().catch(() => undefined)
  }
}

function sqliteKind (): StoreKind {
  let dir = ''
  let file = ''
  const open = async (): Promise<MesStore> => await SqliteStore.open(file)
  const prepare = (): void => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mes-test-'))
    file = path.join(dir, 'mes.sqlite')
  }
  return {
    name: 'sqlite',
    open: async () => {
      prepare()
      return await open()
    },
    reopen: open,
    cleanup: async () => { if (dir) fs.rmSync(dir, { recursive: true, force: true }) },
    prepare,
    hubConfig: () => ({ store: 'sqlite', sqliteFile: file })
  }
}

function postgresKind (): StoreKind {
  let schema = ''
  const open = async (): Promise<MesStore> => await PostgresStore.open({ connectionString: PG_URL, schema, max: 8 })
  const prepare = (): void => { schema = `mes_test_${process.pid}_${++schemaCounter}` }
  return {
    name: 'postgres',
    open: async () => {
      prepare()
      return await open()
    },
    reopen: open,
    cleanup: async () => {
      const c = new Client({ connectionString: PG_URL })
      await c.connect()
      try { await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) } finally { await c.end() }
    },
    prepare,
    hubConfig: () => ({ store: 'postgres', postgresUrl: PG_URL, postgresSchema: schema })
  }
}

/** A fake clock for tests: starts at 2025-03-03T06:00:00Z, moves only when told. */
export class TestClock {
  t = Date.parse('2025-03-03T06:00:00.000Z')
  now = (): Date => new Date(this.t)
  iso = (): string => new Date(this.t).toISOString()
  advance (minutes: number): string { this.t += minutes * 60000; return this.iso() }
}

export interface Ctx {
  kind: StoreKind
  store: MesStore
  mes: Mes
  clock: TestClock
}

/**
 * Defines `describe(<title> [sqlite])` and `describe(<title> [postgres])`, each with a fresh store and a Mes core
 * per test. `ctx()` returns the current test's context.
 */
/**
 * Which stores the suites run on: HUB_TEST_STORES, a comma list of sqlite and postgres. `npm test` runs SQLite (no
 * server needed); `npm run test:system` (CI) runs the same suites on PostgreSQL, which then must be reachable.
 */
export function storeKinds (): Array<() => StoreKind> {
  const names = (process.env.HUB_TEST_STORES ?? 'sqlite').split(',').map((s) => s.trim()).filter(Boolean)
  return names.map((n) => {
    if (n === 'sqlite') return sqliteKind
    if (n === 'postgres') return postgresKind
    throw new Error(`HUB_TEST_STORES: unknown store '${n}' (expected sqlite, postgres)`)
  })
}

export function forEachStore (title: string, body: (ctx: () => Ctx) => void, opts: MesOptions = {}): void {
  for (const make of storeKinds()) {
    const kind = make()
    describe(`${title} [${kind.name}]`, function () {
      let current: Ctx | undefined
      if (kind.name === 'postgres') before(assertPostgresReachable)
      beforeEach(async () => {
        const clock = new TestClock()
        const store = await kind.open()
        current = { kind, store, clock, mes: createMes(store, { now: clock.now, ...opts }) }
      })
      afterEach(async () => {
        await current?.store.close()
        await kind.cleanup()
        current = undefined
      })
      body(() => {
        if (current === undefined) throw new Error('no test context (called outside a test?)')
        return current
      })
    })
  }
}

/** A three-operation order: 10 cutting (WC-CUT), 20 welding (WC-WELD, critical), 30 assembly (WC-ASSY). */
export function sampleOrder (orderNumber = '1000', over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderNumber,
    material: 'FG-4711',
    description: 'Frame, welded',
    quantity: 100,
    unit: 'PCE',
    plannedStart: '2025-03-03T06:00:00Z',
    dueDate: '2025-03-07T16:00:00Z',
    priority: 10,
    overlap: 'strict',
    erpVersion: '1',
    operations: [
      { sequence: 10, workCenter: 'WC-CUT', description: 'Cut tubes', setupTime: 30, runTimePerUnit: 1.5 },
      { sequence: 20, workCenter: 'WC-WELD', description: 'Weld frame', setupTime: 20, runTimePerUnit: 3, critical: true },
      { sequence: 30, workCenter: 'WC-ASSY', description: 'Assemble', setupTime: 10, runTimePerUnit: 2 }
    ],
    materials: [
      { item: 1, material: 'RM-TUBE-30', quantity: 400, unit: 'M', operationSequence: 10 },
      { item: 2, material: 'RM-WIRE', quantity: 5, unit: 'KG', operationSequence: 20 }
    ],
    ...over
  }
}

export const SUPERVISOR = { who: 'supervisor.sue' }
export const ERP = { who: 'erp:SAP-PRD' }
