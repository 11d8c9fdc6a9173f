// Two hub instances on one database claim from the same outbox at the same time (two stores, two MES cores): no
// message is ever held by both, and no ordering key has two messages out at once. On PostgreSQL this is
// FOR UPDATE SKIP LOCKED with the ordering rule; on SQLite, serialized write transactions.
import assert from 'node:assert/strict'
import { forEachStore } from '../stores'
import { createMes } from '../../../mes/index'
import type { OutboxMessage } from '../../../mes/service'

forEachStore('outbox claims from two hub instances', (ctx) => {
  it('never gives one message to both claimers, nor two messages of one key at once', async () => {
    const c = ctx()
    const second = await c.kind.reopen()
    try {
      const other = createMes(second, { now: c.clock.now })
      const messages = Array.from({ length: 60 }, (_, i) => ({
        destination: 'sap', type: 'confirmation', orderingKey: `order-${i % 12}`, idempotencyKey: `m${i}`, payload: { i }
      }))
      await c.mes.outbox.enqueueAll(messages)
      const heldBy = new Map<number, string>()
      const sentOrder = new Map<string, number[]>()
      const take = async (name: string, outbox: typeof c.mes.outbox): Promise<number> => {
        const claimed: OutboxMessage[] = await outbox.claim('sap', name, { limit: 4 })
        for (const m of claimed) {
          assert.equal(heldBy.get(m.id), undefined, `message ${m.id} claimed by ${heldBy.get(m.id)} and ${name}`)
          heldBy.set(m.id, name)
        }
        const keys = [...heldBy.entries()].filter(([, by]) => by !== 'done').map(([id]) => messages[id - 1]!.orderingKey)
        assert.equal(new Set(keys).size, keys.length, `two messages of one key out at once: ${keys.join(', ')}`)
        for (const m of claimed) {
          await outbox.sent(m.id, name)
          heldBy.set(m.id, 'done')
          sentOrder.set(m.orderingKey, [...(sentOrder.get(m.orderingKey) ?? []), m.id])
        }
        return claimed.length
      }
      for (let round = 0; round < 40; round++) {
        const [a, b] = await Promise.all([take('hub-a', c.mes.outbox), take('hub-b', other.outbox)])
        if (a + b === 0) break
      }
      assert.equal((await c.mes.outbox.list({ status: 'sent', limit: 1000 })).length, 60)
      for (const [key, order] of sentOrder) assert.deepEqual(order, [...order].sort((x, y) => x - y), `key ${key} sent in order`)
      assert.equal((await c.mes.audit.verify()).ok, true)
    } finally {
      await second.close()
    }
  })
})
