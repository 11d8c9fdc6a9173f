// SQLite store (better-sqlite3). WAL journal, synchronous=FULL (a committed event survives power loss),
// busy timeout for other processes on the same file, foreign keys on. SQLite's default WAL auto-checkpoint (1,000
// pages) is kept: measured, larger intervals did not raise durable WIP events/s, and a WAL that keeps growing is
// slower to fsync than one reused from its start after each checkpoint.
// better-sqlite3 is synchronous and one connection is shared, so work is queued: one unit at a time, even when the
// callback awaits between statements.
// Group commit: the commit's fsync is most of a durable transaction's cost, so the write transactions that are
// waiting when the connection comes free run together between one BEGIN IMMEDIATE and one COMMIT, each inside its
// own SAVEPOINT (a failing one rolls back alone). Each caller's promise settles only after that COMMIT, so nothing
// is acknowledged before it is on disk. One caller alone still gets a plain transaction.
import fs from 'node:fs'
import Database from 'better-sqlite3'
import type { AppliedMigration, MesStore, RunResult, SqlValue, Tx } from './store'
import { listMigrations, migrate } from './migrate'
import { ConcurrentUpdateError, ConstraintError, StoreError } from '../errors'
import { duplicateOf, keyOfSqliteMessage } from './keys'

export interface SqliteStoreOptions {
  /** Milliseconds to wait for a lock held by another process before failing; default 5000. */
  busyTimeoutMs?: number
  /** Statement cache size; default 200. */
  statementCache?: number
  /** Most write transactions committed together (group commit); default 64. 1 commits each on its own. */
  maxGroup?: number
  /** Called with every statement SQLite runs, its values filled in (better-sqlite3's `verbose`): tracing, tests. */
  verbose?: (sql: string) => void
}

interface PendingTransaction {
  fn: (tx: Tx) => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

type Outcome = { ok: true, value: unknown } | { ok: false, error: unknown }

export class SqliteStore implements MesStore {
  readonly dialect = 'sqlite' as const
  private readonly db: Database.Database
  private readonly statements = new Map<string, Database.Statement>()
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false
  private readonly cacheSize: number
  private readonly maxGroup: number
  /** Write transactions waiting for the next group commit. */
  private pending: PendingTransaction[] = []
  private groupQueued = false
  /** Transaction control, prepared once (db.exec would parse the text on every transaction). */
  private readonly control: Record<'beginImmediate' | 'beginDeferred' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', Database.Statement>
  private readonly tx: Tx

  private constructor (readonly file: string, opts: SqliteStoreOptions) {
    this.cacheSize = opts.statementCache ?? 200
    this.maxGroup = Math.max(1, opts.maxGroup ?? 64)
    try {
      // Production data, readable by the hub's user only: SQLite gives its -wal and -shm files the mode of this one.
      if (file !== ':memory:') fs.closeSync(fs.openSync(file, 'a', 0o600))
      const verbose = opts.verbose
      this.db = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000, ...(verbose !== undefined ? { verbose: (sql?: unknown) => verbose(String(sql)) } : {}) })
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('synchronous = FULL')
      this.db.pragma('foreign_keys = ON')
      this.control = {
        beginImmediate: this.db.prepare('BEGIN IMMEDIATE'),
        beginDeferred: this.db.prepare('BEGIN DEFERRED'),
        commit: this.db.prepare('COMMIT'),
        rollback: this.db.prepare('ROLLBACK'),
        savepoint: this.db.prepare('SAVEPOINT grouped'),
        release: this.db.prepare('RELEASE grouped'),
        rollbackTo: this.db.prepare('ROLLBACK TO grouped')
      }
    } catch (err) {
      throw new StoreError(`cannot open SQLite database: ${(err as Error).message}`, file,
        'check that the directory exists and is writable')
    }
    this.tx = this.makeTx()
  }

  /** Opens (creating if needed) the database file and applies pending migrations. */
  static async open (file: string, opts: SqliteStoreOptions = {}): Promise<SqliteStore> {
    const store = new SqliteStore(file, opts)
    try {
      await migrate((fn) => store.transaction(fn), file, () => new Date().toISOString())
    } catch (err) {
      await store.close()
      throw err
    }
    return store
  }

  private statement (sql: string, raw = false): Database.Statement {
    // A raw statement (rows as arrays) is a statement of its own: better-sqlite3's raw mode is a state of the statement.
    const cacheKey = raw ? `\u0000raw\u0000${sql}` : sql
    let s = this.statements.get(cacheKey)
    if (s === undefined) {
      s = this.db.prepare(sql)
      if (raw) s.raw(true)
      if (this.statements.size >= this.cacheSize) {
        const first = this.statements.keys().next().value
        if (first !== undefined) this.statements.delete(first)
      }
      this.statements.set(cacheKey, s)
    }
    return s
  }

  /** One Tx object serves every transaction: transactions are queued, so only one is ever open. */
  private makeTx (): Tx {
    const none: SqlValue[] = []
    // `undefined` would be a bind error in better-sqlite3; callers may pass it for an absent optional value.
    const params = (p?: readonly SqlValue[]): SqlValue[] => {
      if (p === undefined) return none
      for (let i = 0; i < p.length; i++) {
        if (p[i] === undefined) return p.map((v) => (v === undefined ? null : v))
      }
      return p as SqlValue[]
    }
    // A refused statement becomes the MES's typed error here, so that no service looks at SQLite's error codes.
    const refused = (err: unknown, sql: string, p?: readonly SqlValue[]): unknown => this.errorOf(err, sql, p)
    return {
      dialect: 'sqlite',
      forUpdate: '',
      forUpdateSkipLocked: '',
      all: async <T>(sql: string, p?: readonly SqlValue[]) => {
        try { return this.statement(sql).all(...params(p)) as T[] } catch (err) { throw refused(err, sql, p) }
      },
      rows: async (sql: string, p?: readonly SqlValue[]) => {
        try { return this.statement(sql, true).all(...params(p)) as unknown[][] } catch (err) { throw refused(err, sql, p) }
      },
      get: async <T>(sql: string, p?: readonly SqlValue[]) => {
        try {
          const s = this.statement(sql)
          if (!s.reader) { s.run(...params(p)); return undefined }
          return s.get(...params(p)) as T | undefined
        } catch (err) { throw refused(err, sql, p) }
      },
      run: async (sql: string, p?: readonly SqlValue[]): Promise<RunResult> => {
        try {
          const s = this.statement(sql)
          if (s.reader) { s.all(...params(p)); return { changes: 0 } }
          return { changes: s.run(...params(p)).changes }
        } catch (err) { throw refused(err, sql, p) }
      }
    }
  }

  /** SQLite's refusals as typed errors: a unique key of ours (DuplicateError), other constraints, a lock held too long. */
  private errorOf (err: unknown, sql: string, params: readonly SqlValue[] | undefined): unknown {
    const code = (err as { code?: unknown }).code
    if (typeof code !== 'string') return err
    const message = (err as Error).message
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      const key = keyOfSqliteMessage(message)
      if (key !== undefined) return duplicateOf(key, sql, params)
    }
    if (code.startsWith('SQLITE_CONSTRAINT')) return new ConstraintError(message, this.file)
    if (code.startsWith('SQLITE_BUSY')) return new ConcurrentUpdateError(`${message} (another process holds the database)`, this.file)
    return err
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('store is closed', this.file))
    const result = this.queue.then(work, work)
    this.queue = result.catch(() => undefined)
    return result
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('store is closed', this.file))
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (value: unknown) => void, reject })
      if (!this.groupQueued) {
        this.groupQueued = true
        void this.enqueue(() => this.commitGroup())
      }
    })
  }

  /** Runs the waiting write transactions (up to maxGroup) under one COMMIT, then settles their promises. */
  private async commitGroup (): Promise<void> {
    // One turn of the event loop, so that callers woken by the previous commit can join this one.
    await new Promise<void>((resolve) => setImmediate(resolve))
    const group = this.pending.splice(0, this.maxGroup)
    this.groupQueued = this.pending.length > 0
    if (this.groupQueued) void this.enqueue(() => this.commitGroup())
    let outcomes: Outcome[]
    try {
      outcomes = group.length === 1 ? [await this.runAlone(group[0]!)] : await this.runGrouped(group)
    } catch (error) {
      // A transaction-control statement failed (SAVEPOINT, RELEASE, ROLLBACK...): nothing of the group is committed,
      // and every caller hears so rather than waiting for ever; no half-open transaction is left for the next group.
      try { if (this.db.inTransaction) this.control.rollback.run() } catch { /* the connection reports it next time */ }
      const why = new StoreError(`transaction not committed: ${(error as Error).message}`, this.file, 'nothing of it was stored; retry it')
      outcomes = group.map(() => ({ ok: false, error: why }))
    }
    for (const [i, o] of outcomes.entries()) {
      if (o.ok) group[i]!.resolve(o.value)
      else group[i]!.reject(o.error)
    }
  }

  private async runAlone (t: PendingTransaction): Promise<Outcome> {
    try {
      this.control.beginImmediate.run()
      const value = await t.fn(this.tx)
      this.control.commit.run()
      return { ok: true, value }
    } catch (error) {
      if (this.db.inTransaction) this.control.rollback.run()
      // A statement's refusal is already typed; BEGIN or COMMIT may meet another process's lock (SQLITE_BUSY).
      return { ok: false, error: this.errorOf(error, '', undefined) }
    }
  }

  private async runGrouped (group: PendingTransaction[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = []
    // Indexes of transactions whose work is in the open database transaction, not yet committed.
    let open: number[] = []
    const failOpen = (cause: unknown, what: string): void => {
      for (const i of open) {
        outcomes[i] = { ok: false, error: new StoreError(`transaction not committed: ${what}: ${(cause as Error).message}`, this.file,
          'nothing of it was stored; retry it') }
      }
      open = []
    }
    for (const [i, t] of group.entries()) {
      try {
        if (!this.db.inTransaction) this.control.beginImmediate.run()
      } catch (error) {
        outcomes[i] = { ok: false, error: this.errorOf(error, '', undefined) }
        continue
      }
      this.control.savepoint.run()
      try {
        const value = await t.fn(this.tx)
        this.control.release.run()
        outcomes[i] = { ok: true, value }
        open.push(i)
      } catch (error) {
        outcomes[i] = { ok: false, error }
        if (this.db.inTransaction) {
          this.control.rollbackTo.run()
          this.control.release.run()
        } else {
          // SQLite rolled back the whole transaction (e.g. disk full): the group's earlier work went with it.
          failOpen(error, 'rolled back with a later transaction of the same group commit')
        }
      }
    }
    if (this.db.inTransaction) {
      try {
        this.control.commit.run()
      } catch (error) {
        if (this.db.inTransaction) this.control.rollback.run()
        failOpen(error, 'COMMIT failed')
      }
    }
    return outcomes
  }

  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      this.control.beginDeferred.run()
      try {
        return await fn(this.tx)
      } finally {
        if (this.db.inTransaction) this.control.rollback.run()
      }
    })
  }

  migrations (): Promise<AppliedMigration[]> {
    return this.read(listMigrations)
  }

  async close (): Promise<void> {
    if (this.closed) return
    // Work queued while waiting (a group commit queues the next group) is waited for too.
    let last: Promise<unknown>
    do {
      last = this.queue
      await last
    } while (last !== this.queue)
    this.closed = true
    this.statements.clear()
    this.db.close()
  }
}
