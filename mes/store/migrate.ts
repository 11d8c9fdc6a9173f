// Applies pending migrations, one transaction per version. A database written by a newer version of the
// hub is refused rather than used: its schema is unknown to this code.
import type { AppliedMigration, Tx } from './store'
import { num, str } from './store'
import { CREATE_MIGRATIONS_TABLE, LATEST_VERSION, MIGRATIONS, renderSql, statementsFor } from './migrations/index'
import { StoreError } from '../errors'

type TxRunner = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>

export async function migrate (transaction: TxRunner, source: string, now: () => string): Promise<number[]> {
  const applied: number[] = []
  await transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(951400001)')
    await tx.run(CREATE_MIGRATIONS_TABLE)
  })
  for (const m of MIGRATIONS) {
    await transaction(async (tx) => {
      // Serializes concurrent openers (several hub processes on one PostgreSQL database).
      if (tx.dialect === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(951400001)')
      const done = await tx.get('SELECT version FROM schema_migrations WHERE version = ?', [m.version])
      if (done !== undefined) return
      for (const s of statementsFor(m, tx.dialect)) await tx.run(renderSql(s, tx.dialect))
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, now()])
      applied.push(m.version)
    })
  }
  const newest = await transaction(async (tx) =>
    num((await tx.get('SELECT MAX(version) AS v FROM schema_migrations'))?.v))
  if (newest > LATEST_VERSION) {
    throw new StoreError(`database schema is version ${newest}, this code knows up to ${LATEST_VERSION}`, source,
      'run the newer hub version, or restore a backup made for this version')
  }
  return applied
}

export async function listMigrations (tx: Tx): Promise<AppliedMigration[]> {
  const rows = await tx.all('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')
  return rows.map((r) => ({ version: num(r.version), name: str(r.name), appliedAt: str(r.applied_at) }))
}
