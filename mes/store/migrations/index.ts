// Versioned, forward-only migrations, applied in order when a store opens; each is recorded in
// `schema_migrations`. The SQL is dialect-neutral except for tokens replaced per dialect:
//   {{REAL}}    REAL (SQLite) | DOUBLE PRECISION (PostgreSQL)
//   {{AUTOID}}  INTEGER PRIMARY KEY AUTOINCREMENT | INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY
// A migration whose change only one dialect needs gives its statements per dialect (possibly none for the other).
// Never edit a released migration; add the next version instead.
import type { Dialect } from '../store'
import type { Migration } from './migration'
import { migration001 } from './001-initial'
import { migration002 } from './002-wip-write-path'
import { migration003 } from './003-signature-failures'
import { migration004 } from './004-materials'
import { migration005 } from './005-process-values'
import { migration006 } from './006-material-event-ids'
import { migration007 } from './007-link-actuals'
import { migration008 } from './008-outbox'
import { migration009 } from './009-inbox'
import { migration010 } from './010-material-ids'
import { migration011 } from './011-lot-expiry'
import { migration012 } from './012-holds'
import { migration013 } from './013-quality'
import { migration014 } from './014-logistics'
import { migration015 } from './015-staging-attempts'

export type { Migration } from './migration'

// One a line, in version order, so that migrations added on two branches merge without a conflict.
export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration008,
  migration009,
  migration010,
  migration011,
  migration012,
  migration013,
  migration014,
  migration015
]

/** The statements of a migration for one dialect, tokens not yet replaced. */
export function statementsFor (m: Migration, dialect: Dialect): readonly string[] {
  return isPerDialect(m.statements) ? m.statements[dialect] : m.statements
}

function isPerDialect (s: Migration['statements']): s is Readonly<Record<Dialect, readonly string[]>> {
  return !Array.isArray(s)
}

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version

const TOKENS: Record<Dialect, Record<string, string>> = {
  sqlite: { REAL: 'REAL', AUTOID: 'INTEGER PRIMARY KEY AUTOINCREMENT' },
  postgres: { REAL: 'DOUBLE PRECISION', AUTOID: 'INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY' }
}

export function renderSql (sql: string, dialect: Dialect): string {
  return sql.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const value = TOKENS[dialect][name]
    if (value === undefined) throw new Error(`migration SQL uses unknown token ${whole}`)
    return value
  })
}

export const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`
