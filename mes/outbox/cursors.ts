// Feeders' durable cursors (outbox_cursors: name → the last id enqueued for). A cursor only moves forward, so a
// feeder that restarts from an older copy of its position cannot make the outbox walk back (its enqueues are
// idempotent anyway).
import type { MesStore, Tx } from '../store/store'
import { num } from '../store/store'
import type { OutboxCursors } from './types'
import { ValidationError } from '../../core/errors'

export async function setCursor (tx: Tx, name: string, lastId: number, at: string): Promise<number> {
  await tx.run(`INSERT INTO outbox_cursors (name, last_id, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET
      last_id = CASE WHEN excluded.last_id > outbox_cursors.last_id THEN excluded.last_id ELSE outbox_cursors.last_id END,
      updated_at = excluded.updated_at`, [name, lastId, at])
  return num((await tx.get('SELECT last_id FROM outbox_cursors WHERE name = ?', [name]))?.last_id)
}

export function cursorsOver (store: MesStore, now: () => Date): OutboxCursors {
  return {
    get: async (name) => num((await store.read((tx) => tx.get('SELECT last_id FROM outbox_cursors WHERE name = ?', [name])))?.last_id),
    set: async (name, lastId) => {
      if (!Number.isSafeInteger(lastId) || lastId < 0) throw new ValidationError(`outbox cursor ${name}`, [{ path: 'lastId', message: `${lastId} is not an id` }])
      return await store.transaction((tx) => setCursor(tx, name, lastId, now().toISOString()))
    }
  }
}
