// The MES store: one async interface over SQLite (better-sqlite3) and PostgreSQL (pg).
// SQL is written once, dialect-neutral, with `?` placeholders; the PostgreSQL store numbers them ($1, $2, ...).
// The few dialect differences the services need (row locks) are exposed as strings on the transaction.
export type Dialect = 'sqlite' | 'postgres'
export type SqlValue = string | number | null

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number
}

/**
 * A unit of work: every statement runs on one connection, inside one database transaction. A statement the database
 * refuses rejects with the MES's typed error (DuplicateError for a key of mes/store/keys.ts, ConstraintError,
 * ConcurrentUpdateError), never with the driver's own.
 */
export interface Tx {
  readonly dialect: Dialect
  /** ` FOR UPDATE` on PostgreSQL, empty on SQLite (whose write transactions are already serialized). */
  readonly forUpdate: string
  /** ` FOR UPDATE SKIP LOCKED` on PostgreSQL (concurrent dispatchers take different rows), empty on SQLite. */
  readonly forUpdateSkipLocked: string
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>
  /** As `all`, each row an array of its columns in SELECT order: for large answers (an object per row costs). */
  rows (sql: string, params?: readonly SqlValue[]): Promise<unknown[][]>
  get<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>
  run (sql: string, params?: readonly SqlValue[]): Promise<RunResult>
}

export interface AppliedMigration {
  version: number
  name: string
  appliedAt: string
}

export interface MesStore {
  readonly dialect: Dialect
  /**
   * Runs `fn` in one write transaction: committed when the promise resolves, rolled back when it rejects.
   * Transactions are not nested; do not call `transaction` or `read` from inside `fn`.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
  /** Runs read-only statements (no write lock taken). */
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
  /** Migrations applied to this database, oldest first. */
  migrations (): Promise<AppliedMigration[]>
  close (): Promise<void>
}

export function num (v: unknown): number {
  if (v === null || v === undefined) return 0
  return typeof v === 'number' ? v : Number(v)
}

export function numOrNull (v: unknown): number | null {
  if (v === null || v === undefined) return null
  return typeof v === 'number' ? v : Number(v)
}

export function str (v: unknown): string {
  return v === null || v === undefined ? '' : String(v)
}

export function strOrNull (v: unknown): string | null {
  return v === null || v === undefined ? null : String(v)
}
