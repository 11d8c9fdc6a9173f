// The sender against the simulated SAP (real HTTP): an OData post whose answer is lost after SAP booked it is not
// posted again at once (the retry waits sap.outbound.settleMs), and the next attempt finds it by our key; IDoc-SOAP
// sent twice is one IDoc at SAP (its message id); a business refusal is final.
import assert from 'node:assert/strict'
import { startSapSimulator, type RunningSapSimulator } from '../../../../sim/sap/simulator'
import { SAP_SECTION, type SapConfig } from '../../../../adapters/sap/config'
import { sapSender } from '../../../../adapters/sap/outbound/sap-sender'
import { createODataClient } from '../../../../adapters/sap/odata/odata-client'
import { OutboxSendError } from '../../../../mes/errors'
import type { OutboxMessage } from '../../../../mes/service'
import { confirmation } from './fixtures'

function message (payload: unknown, type = 'confirmation'): OutboxMessage {
  return {
    id: 1, destination: 'sap', type, orderingKey: '1000001', idempotencyKey: 'k', payload, status: 'sending', attempts: 1,
    nextAttemptAt: '', leaseOwner: 'x', leaseUntil: null, lastError: null, reference: null, createdBy: 't', createdAt: '', sentAt: null, updatedAt: ''
  }
}

describe('sending to SAP', function () {
  this.timeout(30000)
  let sim: RunningSapSimulator
  let config: SapConfig

  beforeEach(async function () {
    sim = await startSapSimulator({ port: 0 })
    config = SAP_SECTION.defaults(process.cwd())
    config.outbound = { ...config.outbound, url: sim.url, username: 'HUB_RFC', receiverPartner: 'SIMCLNT100', receiverPort: 'SAPSIM', settleMs: 123_000 }
  })
  afterEach(async function () { await sim.close() })

  const c = confirmation({ orderNumber: '1000001', sequence: 10, yield: 5, final: false })

  it('waits the settle time after an OData post whose answer was lost, then finds what SAP booked instead of posting it again', async function () {
    config.outbound.confirmations = 'odata'
    // The connection drops after the request went out: SAP books it, the hub hears nothing.
    const dropping: typeof fetch = async (input, init) => {
      const r = await fetch(input, init)
      if (init?.method === 'POST') throw new TypeError('fetch failed', { cause: new Error('socket hang up') })
      return r
    }
    const lost = sapSender({ config, password: 'sap-sim', toSapUnit: (u) => u, odata: createODataClient({ baseUrl: sim.url, username: 'HUB_RFC', password: 'sap-sim', fetch: dropping }) })
    await assert.rejects(lost(message(c)), (err: unknown) => err instanceof OutboxSendError && err.retryable && err.retryAfterMs === 123_000 &&
      /looked up before it is posted again, in 123 s/.test(err.message))
    assert.equal(sim.received.confirmations.length, 1, 'SAP booked it')

    const send = sapSender({ config, password: 'sap-sim', toSapUnit: (u) => u, odata: createODataClient({ baseUrl: sim.url, username: 'HUB_RFC', password: 'sap-sim' }) })
    const r = await send(message(c))
    assert.match(r.reference!, /^\d+\/\d+$/)
    assert.equal(sim.received.confirmations.length, 1, 'found by our key, not posted again')
  })

  it('sends an IDoc-SOAP confirmation twice (a resend after a lost answer) as one IDoc at SAP', async function () {
    config.outbound.confirmations = 'idoc-soap'
    const send = sapSender({ config, password: 'sap-sim', toSapUnit: (u) => u, odata: createODataClient({ baseUrl: sim.url, username: 'HUB_RFC', password: 'sap-sim' }) })
    const first = await send(message(c))
    const again = await send(message(c))
    assert.equal(sim.received.idocs.length, 1)
    assert.equal(again.reference, first.reference)
  })

  it('makes an SAP business refusal final (a dead letter), with SAP\'s words', async function () {
    config.outbound.confirmations = 'odata'
    const send = sapSender({ config, password: 'sap-sim', toSapUnit: (u) => u, odata: createODataClient({ baseUrl: sim.url, username: 'HUB_RFC', password: 'sap-sim' }) })
    await assert.rejects(send(message(confirmation({ orderNumber: '4711' }))), (err: unknown) =>
      err instanceof OutboxSendError && !err.retryable && /Order 0*4711 does not exist \(RU\/100\)/.test(err.message))
  })
})
