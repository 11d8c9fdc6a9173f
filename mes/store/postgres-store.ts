// PostgreSQL store (pg Pool). Each transaction takes one pooled connection from BEGIN to COMMIT; row locks
// (`FOR UPDATE`) order concurrent writers. Placeholders are written `?` and numbered here.
import { redactUrl } from '../config'
import { Pool, type PoolClient, type PoolConfig } from 'pg'
import type { AppliedMigration, MesStore, RunResult, SqlValue, Tx } from './store'
import { listMigrations, migrate } from './migrate'
import { ConcurrentUpdateError, ConstraintError, StoreError } from '../errors'
import { duplicateOf, keyOfConstraint, valuesOfDetail } from './keys'

export interface PostgresStoreOptions {
  /** Connection string, e.g. postgres://user@host:5432/db */
  connectionString: string
  /** Schema to use (created if missing); default: the server's search_path (usually `public`). */
  schema?: string
  /** Pool size; default 10. */
  max?: number
  /** Milliseconds to wait for a connection; default 5000. */
  connectionTimeoutMillis?: number
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** `?` placeholders to `$1..$n`, leaving string literals alone. */
export function numberPlaceholders (sql: string): string {
  let n = 0
  let out = ''
  let inString = false
  for (const ch of sql) {
    if (ch === "'") inString = !inString
    out += ch === '?' && !inString ? `$${++n}` : ch
  }
  return out
}

export class PostgresStore implements MesStore {
  readonly dialect = 'postgres' as const
  private readonly pool: Pool
  private readonly sqlCache = new Map<string, { name: string, text: string }>()
  private statementCounter = 0
  private closed = false

  private constructor (private readonly source: string, config: PoolConfig) {
    this.pool = new Pool(config)
    // An idle client losing its server must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined)
  }

  static async open (opts: PostgresStoreOptions): Promise<PostgresStore> {
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
      throw new StoreError(`invalid schema name ${JSON.stringify(opts.schema)}`, 'postgres', 'use lower-case letters, digits, _')
    }
    const source = redactUrl(opts.connectionString)
    const config: PoolConfig = {
      connectionString: opts.connectionString,
      max: opts.max ?? 10,
      connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 5000
    }
    if (opts.schema !== undefined) config.options = `-c search_path=${opts.schema}`
    const store = new PostgresStore(source, config)
    try {
      if (opts.schema !== undefined) {
        const c = await store.connect()
        try { await c.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`) } finally { c.release() }
      }
      await migrate((fn) => store.transaction(fn), source, () => new Date().toISOString())
    } catch (err) {
      await store.close()
      throw err
    }
    return store
  }

  private async connect (): Promise<PoolClient> {
    if (this.closed) throw new StoreError('store is closed', this.source)
    try {
      return await this.pool.connect()
    } catch (err) {
      throw new StoreError(`cannot connect to PostgreSQL: ${(err as Error).message}`, this.source,
        'check that the server is running and the URL, user and database are right')
    }
  }

  /**
   * The numbered SQL and a statement name: pg prepares a named statement once per connection and then only binds
   * and executes it, which saves a parse and plan per call on the hot paths (WIP events, dispatch lists).
   */
  private sql (text: string): { name: string, text: string } {
    let s = this.sqlCache.get(text)
    if (s === undefined) {
      s = { name: `mes_${++this.statementCounter}`, text: numberPlaceholders(text) }
      // Names stay unique even if the cache is cleared: a connection keeps the statements it prepared.
      if (this.sqlCache.size > 500) this.sqlCache.clear()
      this.sqlCache.set(text, s)
    }
    return s
  }

  private makeTx (client: PoolClient): Tx {
    const query = async (text: string, p?: readonly SqlValue[], rowMode?: 'array') => {
      const s = this.sql(text)
      const values = (p ?? []).map((v) => (v === undefined ? null : v))
      try {
        // Statements with long generated IN lists are one-offs: not worth a prepared statement on every connection.
        const config = values.length <= 32 ? { name: s.name, text: s.text, values } : { text: s.text, values }
        return rowMode === undefined ? await client.query(config) : await client.query({ ...config, rowMode })
      } catch (err) {
        throw this.errorOf(err, text, p)
      }
    }
    return {
      dialect: 'postgres',
      forUpdate: ' FOR UPDATE',
      forUpdateSkipLocked: ' FOR UPDATE SKIP LOCKED',
      all: async <T>(text: string, p?: readonly SqlValue[]) => (await query(text, p)).rows as T[],
      rows: async (text: string, p?: readonly SqlValue[]) => (await query(text, p, 'array')).rows as unknown[][],
      get: async <T>(text: string, p?: readonly SqlValue[]) => (await query(text, p)).rows[0] as T | undefined,
      run: async (text: string, p?: readonly SqlValue[]): Promise<RunResult> => ({ changes: (await query(text, p)).rowCount ?? 0 })
    }
  }

  /**
   * PostgreSQL's refusals (SQLSTATE) as typed errors, so that no service looks at them: a unique key of ours
   * (DuplicateError), other integrity constraints (class 23), a serialization failure or deadlock.
   */
  private errorOf (err: unknown, sql: string, params: readonly SqlValue[] | undefined): unknown {
    const e = err as { code?: unknown, constraint?: unknown, detail?: unknown, message?: unknown }
    if (typeof e.code !== 'string') return err
    const message = String(e.message)
    if (e.code === '23505') {
      const key = keyOfConstraint(e.constraint)
      if (key !== undefined) return duplicateOf(key, sql, params, valuesOfDetail(e.detail))
    }
    if (e.code.startsWith('23')) return new ConstraintError(message, this.source)
    if (e.code === '40001' || e.code === '40P01') return new ConcurrentUpdateError(message, this.source)
    return err
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.connect()
    let broken = false
    try {
      await client.query('BEGIN')
      try {
        const result = await fn(this.makeTx(client))
        await client.query('COMMIT')
        return result
      } catch (err) {
        try { await client.query('ROLLBACK') } catch { broken = true }
        throw err
      }
    } finally {
      client.release(broken)
    }
  }

  /**
   * Reads in one snapshot: a summary made of several queries (WIP: running from the jobs, done from the events) must
   * not see an event committed between two of them, which READ COMMITTED outside a transaction allows.
   */
  async read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.connect()
    let broken = false
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      const result = await fn(this.makeTx(client))
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch(() => { broken = true })
      throw err
    } finally {
      client.release(broken)
    }
  }

  migrations (): Promise<AppliedMigration[]> {
    return this.read(listMigrations)
  }

  /** Drops the schema given at open (tests). */
  async dropSchema (schema: string): Promise<void> {
    if (!SCHEMA_NAME.test(schema)) throw new StoreError(`invalid schema name ${schema}`, this.source)
    const c = await this.connect()
    try { await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) } finally { c.release() }
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.pool.end()
  }
}
