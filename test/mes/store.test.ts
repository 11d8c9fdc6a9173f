import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { forEachStore, sampleOrder, ERP } from './stores'
import { LATEST_VERSION, MIGRATIONS, renderSql } from '../../mes/store/migrations/index'
import { numberPlaceholders, PostgresStore } from '../../mes/store/postgres-store'
import { SqliteStore } from '../../mes/store/sqlite-store'
import { StoreError } from '../../mes/errors'

forEachStore('MES store', (ctx) => {
  it('applies the migrations on open and records them in schema_migrations', async () => {
    const { store } = ctx()
    const applied = await store.migrations()
    assert.deepEqual(applied.map((m) => m.version), MIGRATIONS.map((m) => m.version))
    assert.equal(applied.at(-1)!.version, LATEST_VERSION)
  })

  it('reopens an existing database without applying anything twice, keeping the data', async () => {
    const { store, kind, mes } = ctx()
    await mes.workOrders.create(sampleOrder(), ERP)
    const again = await kind.reopen()
    try {
      assert.deepEqual((await again.migrations()).map((m) => m.appliedAt), (await store.migrations()).map((m) => m.appliedAt))
      const row = await again.read((tx) => tx.get('SELECT status FROM work_orders WHERE order_number = ?', ['1000']))
      assert.deepEqual(row, { status: 'created' })
    } finally {
      await again.close()
    }
  })

  it('commits a transaction that resolves and rolls back one that rejects', async () => {
    const { store } = ctx()
    await store.transaction(async (tx) => {
      await tx.run(`INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (2, 0, 'a')`)
    })
    await assert.rejects(store.transaction(async (tx) => {
      await tx.run(`INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (3, 0, 'b')`)
      throw new Error('nope')
    }), /nope/)
    const ids = await store.read(async (tx) => (await tx.all<{ id: number }>('SELECT id FROM audit_chain_head ORDER BY id')).map((r) => Number(r.id)))
    assert.deepEqual(ids, [1, 2])
  })

  it('keeps concurrent transactions apart', async () => {
    const { store } = ctx()
    await store.transaction(async (tx) => { await tx.run(`INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (9, 0, 'c')`) })
    await Promise.all(Array.from({ length: 25 }, async () => await store.transaction(async (tx) => {
      const r = await tx.get<{ last_seq: number }>('SELECT last_seq FROM audit_chain_head WHERE id = 9' + tx.forUpdate)
      await new Promise((resolve) => setImmediate(resolve))
      await tx.run('UPDATE audit_chain_head SET last_seq = ? WHERE id = 9', [Number(r!.last_seq) + 1])
    })))
    const r = await store.read((tx) => tx.get<{ last_seq: number }>('SELECT last_seq FROM audit_chain_head WHERE id = 9'))
    assert.equal(Number(r!.last_seq), 25, 'no lost update')
  })
})

describe('MES store specifics', () => {
  it('SQLite runs in WAL mode with synchronous=FULL and foreign keys', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mes-sqlite-'))
    const file = path.join(dir, 'x.sqlite')
    const store = await SqliteStore.open(file)
    try {
      const r = await store.read(async (tx) => ({
        journal: await tx.get('PRAGMA journal_mode'),
        sync: await tx.get('PRAGMA synchronous'),
        fk: await tx.get('PRAGMA foreign_keys')
      }))
      assert.deepEqual(r, { journal: { journal_mode: 'wal' }, sync: { synchronous: 2 }, fk: { foreign_keys: 1 } })
    } finally {
      await store.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  /** A fresh SQLite store with a scratch table, and a second connection that sees only what is committed. */
  async function scratchSqlite (opts: { maxGroup?: number } = {}): Promise<{ store: SqliteStore, outside: Database.Database, done: () => Promise<void> }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mes-sqlite-'))
    const file = path.join(dir, 'x.sqlite')
    const store = await SqliteStore.open(file, opts)
    await store.transaction(async (tx) => { await tx.run('CREATE TABLE scratch (n INTEGER PRIMARY KEY)') })
    const outside = new Database(file, { readonly: true })
    return {
      store,
      outside,
      done: async () => { outside.close(); await store.close(); fs.rmSync(dir, { recursive: true, force: true }) }
    }
  }
  const committed = (db: Database.Database): number[] => (db.prepare('SELECT n FROM scratch ORDER BY n').all() as Array<{ n: number }>).map((r) => r.n)

  it('SQLite commits concurrent write transactions together (group commit), acknowledging none before the COMMIT', async () => {
    const { store, outside, done } = await scratchSqlite()
    try {
      const seenOutside: number[][] = []
      const results = await Promise.all(Array.from({ length: 10 }, async (_, i) => await store.transaction(async (tx) => {
        await tx.run('INSERT INTO scratch (n) VALUES (?)', [i])
        // Another connection sees none of the group until its single COMMIT.
        seenOutside.push(committed(outside))
        return i * 10
      })))
      assert.deepEqual(results, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90], 'each caller gets its own result, in order')
      assert.deepEqual(seenOutside, Array.from({ length: 10 }, () => []), 'one commit for the whole group')
      assert.deepEqual(committed(outside), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      // And with maxGroup 1 each transaction commits on its own: the next one sees the previous ones committed.
      const { store: single, outside: o2, done: done2 } = await scratchSqlite({ maxGroup: 1 })
      try {
        const seen: number[][] = []
        await Promise.all([0, 1, 2].map(async (i) => await single.transaction(async (tx) => {
          seen.push(committed(o2))
          await tx.run('INSERT INTO scratch (n) VALUES (?)', [i])
        })))
        assert.deepEqual(seen, [[], [0], [0, 1]])
      } finally {
        await done2()
      }
    } finally {
      await done()
    }
  })

  it('SQLite group commit: a failing transaction rolls back alone, and one that ends the whole transaction fails the work before it, reported', async () => {
    const { store, outside, done } = await scratchSqlite()
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, async (_, i) => await store.transaction(async (tx) => {
        await tx.run('INSERT INTO scratch (n) VALUES (?)', [i])
        if (i === 2) throw new Error('refused by a rule')
        // A duplicate key: SQLite fails the statement, not the transaction.
        if (i === 3) await tx.run('INSERT INTO scratch (n) VALUES (?)', [0])
        // Ends the database transaction under everyone's feet (as SQLite does itself on e.g. a full disk).
        if (i === 5) await tx.run('ROLLBACK')
        return i
      })))
      const status = outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : (o.reason as Error).message))
      assert.equal(status[2], 'refused by a rule')
      assert.match(status[3]!, /UNIQUE constraint failed/)
      for (const i of [0, 1, 4]) {
        assert.match(status[i]!, /transaction not committed: rolled back with a later transaction of the same group commit/, `transaction ${i}`)
        assert.ok((outcomes[i] as PromiseRejectedResult).reason instanceof StoreError)
      }
      assert.notEqual(status[5], 'ok')
      assert.deepEqual([status[6], status[7]], ['ok', 'ok'])
      assert.deepEqual(committed(outside), [6, 7], 'only what was acknowledged is stored')
      // The store goes on working.
      await store.transaction(async (tx) => { await tx.run('INSERT INTO scratch (n) VALUES (100)') })
      assert.deepEqual(committed(outside), [6, 7, 100])
    } finally {
      await done()
    }
  })

  it('SQLite group commit: a broken transaction-control statement fails the whole group, never leaves it waiting', async () => {
    const { store, outside, done } = await scratchSqlite()
    try {
      const outcomes = await Promise.allSettled([0, 1, 2].map(async (i) => await store.transaction(async (tx) => {
        await tx.run('INSERT INTO scratch (n) VALUES (?)', [i])
        // Releases the store's own savepoint: its RELEASE and ROLLBACK TO then fail.
        if (i === 1) await tx.run('RELEASE grouped')
        return i
      })))
      assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected', 'rejected'])
      for (const o of outcomes) assert.match(((o as PromiseRejectedResult).reason as Error).message, /transaction not committed/)
      assert.deepEqual(committed(outside), [])
      await store.transaction(async (tx) => { await tx.run('INSERT INTO scratch (n) VALUES (7)') })
      assert.deepEqual(committed(outside), [7], 'no half-open transaction left behind')
    } finally {
      await done()
    }
  })

  it('SQLite refuses a database written by a newer schema version', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mes-sqlite-'))
    const file = path.join(dir, 'x.sqlite')
    try {
      await (await SqliteStore.open(file)).close()
      const db = new Database(file)
      db.prepare(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 'x')`).run(LATEST_VERSION + 1)
      db.close()
      await assert.rejects(SqliteStore.open(file), (err: unknown) =>
        err instanceof StoreError && new RegExp(`schema is version ${LATEST_VERSION + 1}, this code knows up to ${LATEST_VERSION}`).test(err.message))
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('PostgreSQL that cannot be reached is a StoreError naming the server, without the password', async () => {
    await assert.rejects(PostgresStore.open({ connectionString: 'postgres://hub:s3cret@127.0.0.1:1/none', connectionTimeoutMillis: 1000 }),
      (err: unknown) => {
        assert.ok(err instanceof StoreError, String(err))
        assert.match(err.message, /cannot connect to PostgreSQL/)
        assert.match(err.message, /hub:\*\*\*@127\.0\.0\.1:1/)
        assert.doesNotMatch(err.message, /s3cret/)
        return true
      })
  })

  it('renders dialect tokens and numbers placeholders outside string literals', () => {
    assert.equal(renderSql('x {{REAL}}, id {{AUTOID}}', 'postgres'), 'x DOUBLE PRECISION, id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY')
    assert.equal(renderSql('x {{REAL}}', 'sqlite'), 'x REAL')
    assert.throws(() => renderSql('{{NOPE}}', 'sqlite'), /unknown token/)
    assert.equal(numberPlaceholders(`SELECT ? WHERE a = '?' AND b = ?`), `SELECT $1 WHERE a = '?' AND b = $2`)
  })
})
