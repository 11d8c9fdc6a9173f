// The outbox worker against a real HTTP receiver on a free port (standing in for an adapter's endpoint): the send
// function posts the neutral payload and turns the receiver's answer into an outcome (2xx sent with its reference,
// 5xx or no answer retryable, 4xx refused for good), as an adapter's does.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { forEachStore, type Ctx } from '../stores'
import { OutboxSendError } from '../../../mes/errors'
import type { OutboxMessage, OutboxMessageInput } from '../../../mes/service'

interface Receiver {
  url: string
  /** Idempotency keys in the order they arrived. */
  got: string[]
  /** What the next requests are answered: 'ok', 'down' (503), 'refuse' (400), or a gate held until released. */
  mode: 'ok' | 'down' | 'refuse' | 'hold'
  release: () => void
  held: Promise<void>
  close: () => Promise<void>
}

async function receiver (): Promise<Receiver> {
  let releaseHeld = (): void => undefined
  let announceHeld = (): void => undefined
  const r: Receiver = {
    url: '', got: [], mode: 'ok',
    release: () => releaseHeld(),
    held: new Promise<void>((resolve) => { announceHeld = resolve }),
    close: async () => undefined
  }
  const gate = new Promise<void>((resolve) => { releaseHeld = resolve })
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'])
      const answer = (): void => {
        if (r.mode === 'down') { res.writeHead(503).end('SAP system down'); return }
        if (r.mode === 'refuse') { res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":{"value":"Plant XXXX does not exist"}}}'); return }
        r.got.push(key)
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ reference: `DOC-${r.got.length}`, echo: JSON.parse(body) as unknown }))
      }
      if (r.mode === 'hold') { announceHeld(); void gate.then(() => { r.mode = 'ok'; answer() }) } else answer()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/post`
  r.close = async () => { server.closeAllConnections(); await new Promise<void>((resolve) => server.close(() => resolve())) }
  return r
}

/** The send function an adapter gives its worker. */
const sender = (r: Receiver) => async (m: OutboxMessage): Promise<{ reference?: string }> => {
  let res: Response
  try {
    res = await fetch(r.url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': m.idempotencyKey }, body: JSON.stringify(m.payload) })
  } catch (err) {
    throw new OutboxSendError(`receiver not reached: ${(err as Error).message}`, true)
  }
  const text = await res.text()
  if (res.status >= 500) throw new OutboxSendError(`HTTP ${res.status}: ${text}`, true)
  if (res.status >= 400) throw new OutboxSendError(`HTTP ${res.status}: ${text}`, false)
  return { reference: (JSON.parse(text) as { reference: string }).reference }
}

const msg = (key: string, orderingKey: string): OutboxMessageInput =>
  ({ destination: 'sap', type: 'goods-movement', orderingKey, idempotencyKey: key, payload: { key } })

forEachStore('outbox worker', (ctx) => {
  let r: Receiver
  beforeEach(async () => { r = await receiver() })
  afterEach(async () => { await r.close() })

  const worker = (c: Ctx, owner = 'hub-1') => c.mes.outbox.worker({ destination: 'sap', owner, send: sender(r), leaseMs: 60_000, idleMs: 5 })

  it('sends what is due, one message per order at a time and in order, and records the receiver\'s references', async () => {
    const c = ctx()
    await c.mes.outbox.enqueueAll([msg('a1', 'A'), msg('a2', 'A'), msg('b1', 'B'), msg('a3', 'A')])
    const w = worker(c)
    assert.deepEqual(await w.runOnce(), { sent: 2, failed: 0, lost: 0 })
    assert.deepEqual(await w.runOnce(), { sent: 1, failed: 0, lost: 0 })
    assert.deepEqual(await w.runOnce(), { sent: 1, failed: 0, lost: 0 })
    assert.deepEqual(await w.runOnce(), { sent: 0, failed: 0, lost: 0 })
    assert.deepEqual(r.got.filter((k) => k.startsWith('a')), ['a1', 'a2', 'a3'])
    const sent = await c.mes.outbox.list({ status: 'sent' })
    assert.equal(sent.length, 4)
    assert.deepEqual(new Set(sent.map((m) => m.reference)), new Set(['DOC-1', 'DOC-2', 'DOC-3', 'DOC-4']))
  })

  it('keeps a message through a receiver outage and sends it when the receiver is back; a refusal becomes a dead letter', async () => {
    const c = ctx()
    const { message } = await c.mes.outbox.enqueue(msg('o1', 'A'))
    const w = worker(c)
    r.mode = 'down'
    assert.deepEqual(await w.runOnce(), { sent: 0, failed: 1, lost: 0 })
    const waiting = await c.mes.outbox.get(message.id)
    assert.equal(waiting.status, 'pending')
    assert.match(waiting.lastError ?? '', /HTTP 503: SAP system down/)
    r.mode = 'ok'
    c.clock.t = Date.parse(waiting.nextAttemptAt)
    assert.deepEqual(await w.runOnce(), { sent: 1, failed: 0, lost: 0 })
    assert.deepEqual(r.got, ['o1'])

    const refused = await c.mes.outbox.enqueue(msg('o2', 'A'))
    r.mode = 'refuse'
    await w.runOnce()
    const dead = await c.mes.outbox.get(refused.message.id)
    assert.equal(dead.status, 'dead')
    assert.match(dead.lastError ?? '', /Plant XXXX does not exist/)
  })

  it('sends, from a second worker, a message whose first worker crashed after claiming it', async () => {
    const c = ctx()
    const { message } = await c.mes.outbox.enqueue(msg('k1', 'A'))
    // hub-a claims and dies before sending (nothing reports back).
    await c.mes.outbox.claim('sap', 'hub-a', { leaseMs: 60_000 })
    const b = worker(c, 'hub-b')
    assert.deepEqual(await b.runOnce(), { sent: 0, failed: 0, lost: 0 }, 'still leased')
    c.clock.t += 60_000
    assert.deepEqual(await b.runOnce(), { sent: 1, failed: 0, lost: 0 })
    const sent = await c.mes.outbox.get(message.id)
    assert.equal(sent.status, 'sent')
    assert.equal(sent.attempts, 2)
    assert.deepEqual(r.got, ['k1'])
  })

  it('runs until stopped, and stop() waits for the send in flight to be recorded', async () => {
    const c = ctx()
    const w = worker(c)
    r.mode = 'hold'
    const { message } = await c.mes.outbox.enqueue(msg('s1', 'A'))
    w.start()
    await r.held
    let stopped = false
    const stopping = w.stop().then(() => { stopped = true })
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(stopped, false, 'the send is still in flight')
    r.release()
    await stopping
    assert.equal((await c.mes.outbox.get(message.id)).status, 'sent')
    await c.mes.outbox.enqueue(msg('s2', 'A'))
    // A worker still running would have claimed s2 within a few of its 5 ms idle rounds.
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.deepEqual(r.got, ['s1'], 'nothing is sent after stop()')
    assert.equal((await c.mes.outbox.list({ status: 'pending' })).length, 1)
  })
})
