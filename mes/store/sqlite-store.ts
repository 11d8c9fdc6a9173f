// SQLite store (better-sqlite3). WAL journal, synchronous=FULL (a committed event survives power loss),
// busy timeout for other processes on the same file, foreign keys on.
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

  private constructor (readonly file: string, opts: SqliteStoreOptions) {
    this.cacheSize = opts.statementCache ?? 200
    try {
      this.db = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000 })
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('synchronous = FULL')
      this.db.pragma('foreign_keys = ON')
    } catch (err) {
      throw new StoreError(`cannot open SQLite database: ${(err as Error).message}`, file,
        'check that the directory exists and is writable')
    }
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

  private makeTx (): Tx {
    const params = (p?: readonly SqlValue[]): SqlValue[] => (p ?? []).map((v) => (v === undefined ? null : v))
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
      this.db.exec('BEGIN IMMEDIATE')
      try {
        const result = await fn(this.makeTx())
        this.db.exec('COMMIT')
        return result
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK')
        throw err
      }
    })
  }

  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      this.db.exec('BEGIN DEFERRED')
      try {
        return await fn(this.makeTx())
      } finally {
        if (this.db.inTransaction) this.db.exec('ROLLBACK')
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
