// The QMS's number of a nonconformance, as the hub records it (Quality.setQmsReference) from the QMS's answer: the
// answer is another system's text, so an id the MES cannot take (over its 128 characters, with a line break) is
// neither a reason for the hub not to start (QmsFeeders.catchUp at start) nor copied raw into the log.
import assert from 'node:assert/strict'
import { forEachStore } from '../../mes/stores'
import { genericQmsConnector } from '../../../adapters/qms/generic/generic-qms-connector'
import { QMS_SECTION } from '../../../adapters/qms/config'
import { QMS_DESTINATION, qmsSender } from '../../../adapters/qms/qms-sender'
import { nonconformanceKey, QmsFeeders } from '../../../adapters/qms/qms-feeders'
import type { QmsMessages } from '../../../adapters/qms/qms-connector'
import { createLogger } from '../../../core/logger'
import { until } from '../../support/until'
import { nonconformance } from './fixtures'

forEachStore('the QMS\'s number of a nonconformance', (ctx) => {
  it('takes an id the MES cannot record without stopping the start, and logs it escaped', async () => {
    const c = ctx()
    const lines: string[] = []
    const log = createLogger('debug', 'qms', (line) => { lines.push(line) })
    const id = `QN-1\n2025-03-03T06:00:00.000Z ERROR [hub] forged ${'x'.repeat(200)}`
    // The QMS (another system) accepts the nonconformance and answers its own id.
    const qms = (async () => new Response(JSON.stringify({ id }), { status: 201, headers: { 'content-type': 'application/json' } })) as unknown as typeof globalThis.fetch
    const connector = genericQmsConnector({ config: { ...QMS_SECTION.defaults(process.cwd()), url: 'http://qms.test', timeoutMs: 2000 }, token: 't', fetch: qms })
    const feeders = new QmsFeeders({ quality: c.mes.quality, outbox: c.mes.outbox }, log)
    try {
      const nc = nonconformance()
      const payload: QmsMessages['nonconformance'] = { nonconformance: nc }
      const { message } = await c.mes.outbox.enqueue({ destination: QMS_DESTINATION, type: 'nonconformance', orderingKey: `nc:${nc.ncId}`, idempotencyKey: nonconformanceKey(nc), payload })
      const worker = c.mes.outbox.worker({ destination: QMS_DESTINATION, owner: 'hub-1', send: qmsSender(connector), leaseMs: 60_000, idleMs: 5 })
      assert.deepEqual(await worker.runOnce(), { sent: 1, failed: 0, lost: 0 })
      assert.equal((await c.mes.outbox.get(message.id)).status, 'sent')
      await until('the reference not recorded, logged', () => lines.some((l) => l.includes('QN-1')) || undefined)
      // At the next start: the hub starts.
      await feeders.catchUp()
      assert.ok(lines.length > 0)
      for (const l of lines) {
        assert.doesNotMatch(l, /\n/, 'one line per event')
        assert.ok(l.length < 1000, `a log line of ${l.length} characters`)
      }
    } finally {
      feeders.close()
    }
  })
})
