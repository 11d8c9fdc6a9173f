// SQLite store (better-sqlite3). WAL journal, synchronous=FULL (a committed event survives power loss),
// busy timeout for other processes on the same file, foreign keys on. SQLite's default WAL auto-checkpoint (1,000
// pages) is kept: measured, larger intervals did not raise durable WIP events/s, and a WAL that keeps growing is
// slower to fsync than one reused from its start after each checkpoint.
// better-sqlite3 is synchronous and one connection is shared, so transactions are queued: one at a time,
// from BEGIN IMMEDIATE to COMMIT, even when the callback awaits between statements.
import Database from 'better-sqlite3'
import type { AppliedMigration, MesStore, RunResult, SqlValue, Tx } from './store'
import { listMigrations, migrate } from './migrate'
import { StoreError } from '../errors'

export interface SqliteStoreOptions {
  /** Milliseconds to wait for a lock held by another process before failing; default 5000. */
  busyTimeoutMs?: number
  /** Statement cache size; default 200. */
  statementCache?: number
}

export class SqliteStore implements MesStore {
  readonly dialect = 'sqlite' as const
  private readonly db: Database.Database
  private readonly statements = new Map<string, Database.Statement>()
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false
  private readonly cacheSize: number
  /** Transaction control, prepared once (db.exec would parse the text on every transaction). */
  private readonly control: Record<'beginImmediate' | 'beginDeferred' | 'commit' | 'rollback', Database.Statement>
  private readonly tx: Tx

  private constructor (readonly file: string, opts: SqliteStoreOptions) {
    this.cacheSize = opts.statementCache ?? 200
    try {
      this.db = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000 })
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('synchronous = FULL')
      this.db.pragma('foreign_keys = ON')
      this.control = {
        beginImmediate: this.db.prepare('BEGIN IMMEDIATE'),
        beginDeferred: this.db.prepare('BEGIN DEFERRED'),
        commit: this.db.prepare('COMMIT'),
        rollback: this.db.prepare('ROLLBACK')
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

  private statement (sql: string): Database.Statement {
    let s = this.statements.get(sql)
    if (s === undefined) {
      s = this.db.prepare(sql)
      if (this.statements.size >= this.cacheSize) {
        const first = this.statements.keys().next().value
        if (first !== undefined) this.statements.delete(first)
      }
      this.statements.set(sql, s)
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
    return {
      dialect: 'sqlite',
      forUpdate: '',
      forUpdateSkipLocked: '',
      all: async <T>(sql: string, p?: readonly SqlValue[]) => this.statement(sql).all(...params(p)) as T[],
      get: async <T>(sql: string, p?: readonly SqlValue[]) => {
        const s = this.statement(sql)
        if (!s.reader) { s.run(...params(p)); return undefined }
        return s.get(...params(p)) as T | undefined
      },
      run: async (sql: string, p?: readonly SqlValue[]): Promise<RunResult> => {
        const s = this.statement(sql)
        if (s.reader) { s.all(...params(p)); return { changes: 0 } }
        return { changes: s.run(...params(p)).changes }
      }
    }
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('store is closed', this.file))
    const result = this.queue.then(work, work)
    this.queue = result.catch(() => undefined)
    return result
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      this.control.beginImmediate.run()
      try {
        const result = await fn(this.tx)
        this.control.commit.run()
        return result
      } catch (err) {
        if (this.db.inTransaction) this.control.rollback.run()
        throw err
      }
    })
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
    await this.queue
    this.closed = true
    this.statements.clear()
    this.db.close()
  }
}
