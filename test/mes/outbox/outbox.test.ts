// The outbox on the stores of HUB_TEST_STORES: a feeder enqueues (twice after a crash), a sender claims, reports
// sent or failed; ordering per key, backoff, dead letters resubmitted with a corrected payload or discarded; every
// change in the audit trail and announced.
import assert from 'node:assert/strict'
import { forEachStore, type Ctx } from '../stores'
import { OutboxLeaseError, OutboxStateError } from '../../../mes/errors'
import { ValidationError } from '../../../core/errors'
import type { OutboxChange, OutboxMessageInput } from '../../../mes/service'
import { frameOrder } from '../materials/fixture'

const msg = (key: string, orderingKey: string, payload: unknown = { key }): OutboxMessageInput =>
  ({ destination: 'sap', type: 'confirmation', orderingKey, idempotencyKey: key, payload, who: 'feeder:confirmations' })

const ids = (ms: Array<{ idempotencyKey: string }>): string[] => ms.map((m) => m.idempotencyKey)

/** Moves the test clock on by milliseconds. */
const later = (c: Ctx, ms: number): void => { c.clock.t += ms }

forEachStore('outbox', (ctx) => {
  it('enqueues a message once: the same idempotency key again returns the stored message and changes nothing', async () => {
    const { outbox, audit } = ctx().mes
    const first = await outbox.enqueue(msg('conf:1', '1000', { yield: 5 }))
    assert.equal(first.duplicate, false)
    assert.equal(first.message.status, 'pending')
    assert.deepEqual(first.message.payload, { yield: 5 })
    const again = await outbox.enqueue(msg('conf:1', '1000', { yield: 6 }))
    assert.equal(again.duplicate, true)
    assert.equal(again.message.id, first.message.id)
    assert.deepEqual((await outbox.get(first.message.id)).payload, { yield: 5 })
    assert.equal((await outbox.list()).length, 1)
    assert.deepEqual((await audit.forEntity('OutboxMessage', String(first.message.id))).map((r) => r.action), ['enqueue'])
  })

  it('refuses a message without its keys, naming the field, and stores nothing', async () => {
    const { outbox } = ctx().mes
    await assert.rejects(outbox.enqueue({ destination: 'sap', type: 'confirmation', orderingKey: '1000', payload: {} } as unknown as OutboxMessageInput),
      (err: unknown) => err instanceof ValidationError && /idempotencyKey/.test(err.message))
    assert.deepEqual(await outbox.list(), [])
  })

  it('claims only the oldest unsent message of each ordering key, and the next one once it is sent', async () => {
    const { outbox } = ctx().mes
    await outbox.enqueueAll([msg('a1', 'A'), msg('a2', 'A'), msg('b1', 'B'), msg('a3', 'A')])
    await outbox.enqueue({ ...msg('q1', 'A'), destination: 'qms' })
    const first = await outbox.claim('sap', 'hub-1')
    assert.deepEqual(ids(first), ['a1', 'b1'])
    assert.ok(first.every((m) => m.status === 'sending' && m.leaseOwner === 'hub-1' && m.attempts === 1))
    assert.deepEqual(await outbox.claim('sap', 'hub-1'), [], 'a2 waits while a1 is sending')
    assert.deepEqual(ids(await outbox.claim('qms', 'hub-1')), ['q1'], 'a key is ordered per destination')
    await outbox.sent(first[0]!.id, 'hub-1', { reference: '0000012345' })
    assert.deepEqual(ids(await outbox.claim('sap', 'hub-1')), ['a2'])
    const a1 = await outbox.get(first[0]!.id)
    assert.equal(a1.status, 'sent')
    assert.equal(a1.reference, '0000012345')
    assert.equal(a1.sentAt, ctx().clock.iso())
  })

  it('retries a retryable failure after an exponential backoff with a cap, then makes it a dead letter', async () => {
    const c = ctx()
    const { outbox } = c.mes
    const { message } = await outbox.enqueue(msg('c1', '1000'))
    const waits: number[] = []
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [claimed] = await outbox.claim('sap', 'hub-1')
      assert.equal(claimed?.id, message.id, `attempt ${attempt} claims it`)
      const after = await outbox.failed(message.id, 'hub-1', { error: 'HTTP 503 from SAP', retryable: true })
      assert.equal(after.status, 'pending')
      const wait = Date.parse(after.nextAttemptAt) - c.clock.t
      waits.push(wait)
      assert.deepEqual(await outbox.claim('sap', 'hub-1'), [], 'not due before its backoff')
      later(c, wait)
    }
    // base 1 s doubled each attempt, capped at 3 s (the options of this suite); jitter 0.5 sits in the middle.
    assert.deepEqual(waits, [1000, 2000, 3000])
    await outbox.claim('sap', 'hub-1')
    const dead = await outbox.failed(message.id, 'hub-1', { error: 'HTTP 503 from SAP', retryable: true })
    assert.equal(dead.status, 'dead')
    assert.equal(dead.attempts, 4)
    assert.equal(dead.lastError, 'HTTP 503 from SAP')
  })

  it('makes a refused message a dead letter that blocks its key, until it is resubmitted with a corrected payload and sent', async () => {
    const { outbox, audit } = ctx().mes
    await outbox.enqueueAll([msg('m1', '1000', { plant: 'XXXX' }), msg('m2', '1000'), msg('n1', '2000')])
    const [m1] = await outbox.claim('sap', 'hub-1', { limit: 1 })
    const dead = await outbox.failed(m1!.id, 'hub-1', { error: 'E M7 001: plant XXXX does not exist', retryable: false })
    assert.equal(dead.status, 'dead')
    assert.deepEqual(ids(await outbox.deadLetters()), ['m1'])
    assert.deepEqual(ids(await outbox.claim('sap', 'hub-1')), ['n1'], 'm2 waits behind the dead m1; order 2000 goes on')
    await assert.rejects(outbox.resubmit((await outbox.list({ orderingKey: '1000' }))[1]!.id, { who: 'sup.sue', why: 'x' }),
      (err: unknown) => err instanceof OutboxStateError && /it is pending/.test(err.message))
    const again = await outbox.resubmit(m1!.id, { payload: { plant: '1010' }, who: 'sup.sue', why: 'plant corrected' })
    assert.equal(again.status, 'pending')
    assert.equal(again.attempts, 0)
    assert.deepEqual(await outbox.history(m1!.id), [{ payload: { plant: 'XXXX' }, replacedBy: 'sup.sue', replacedAt: ctx().clock.iso(), why: 'plant corrected' }])
    const [retried] = await outbox.claim('sap', 'hub-1')
    assert.deepEqual(retried?.payload, { plant: '1010' })
    await outbox.sent(retried!.id, 'hub-1', { reference: '4900000001' })
    assert.deepEqual(ids(await outbox.claim('sap', 'hub-1')), ['m2'])
    assert.deepEqual((await audit.forEntity('OutboxMessage', String(m1!.id))).map((r) => [r.action, r.who]), [
      ['enqueue', 'feeder:confirmations'], ['claim', 'hub-1'], ['dead-letter', 'hub-1'], ['resubmit', 'sup.sue'], ['claim', 'hub-1'], ['sent', 'hub-1']
    ])
    const resubmit = (await audit.forEntity('OutboxMessage', String(m1!.id)))[3]!
    assert.equal(resubmit.why, 'plant corrected')
    assert.match(resubmit.oldValue ?? '', /XXXX/)
    assert.match(resubmit.newValue ?? '', /1010/)
    assert.equal((await audit.verify()).ok, true)
  })

  it('discards a dead letter with a reason, which frees its key; a sent message cannot be discarded', async () => {
    const { outbox } = ctx().mes
    await outbox.enqueueAll([msg('d1', '1000'), msg('d2', '1000')])
    const [d1] = await outbox.claim('sap', 'hub-1')
    await outbox.failed(d1!.id, 'hub-1', { error: 'order locked', retryable: false })
    const gone = await outbox.discard(d1!.id, 'sup.sue', 'posted by hand in CO11N')
    assert.equal(gone.status, 'discarded')
    const [d2] = await outbox.claim('sap', 'hub-1')
    assert.equal(d2?.idempotencyKey, 'd2')
    await outbox.sent(d2!.id, 'hub-1')
    await assert.rejects(outbox.discard(d2!.id, 'sup.sue', 'no'), OutboxStateError)
  })

  it('claims a message again when its sender crashed and its lease ran out; the late sender\'s failure is refused', async () => {
    const c = ctx()
    const { outbox } = c.mes
    const { message } = await outbox.enqueue(msg('l1', '1000'))
    await outbox.claim('sap', 'hub-a', { leaseMs: 30_000 })
    assert.deepEqual(await outbox.claim('sap', 'hub-b'), [], 'leased to hub-a')
    later(c, 30_000)
    const [taken] = await outbox.claim('sap', 'hub-b')
    assert.equal(taken?.id, message.id)
    assert.equal(taken?.attempts, 2)
    await assert.rejects(outbox.failed(message.id, 'hub-a', { error: 'timeout', retryable: true }), OutboxLeaseError)
    // hub-a's send did reach SAP: its report is kept (a resend would post it twice), and hub-b's is then a no-op.
    const sent = await outbox.sent(message.id, 'hub-a', { reference: 'A' })
    assert.equal(sent.status, 'sent')
    assert.equal((await outbox.sent(message.id, 'hub-b', { reference: 'B' })).reference, 'A')
    const last = (await c.mes.audit.forEntity('OutboxMessage', String(message.id))).at(-1)!
    assert.match(last.newValue ?? '', /"leaseLost":true/)
  })

  it('records a late sender\'s success even after the next holder made the message a dead letter; not of one never claimed', async () => {
    const c = ctx()
    const { outbox } = c.mes
    const { message } = await outbox.enqueue(msg('l2', '1000'))
    await outbox.claim('sap', 'hub-a', { leaseMs: 1000 })
    later(c, 1000)
    await outbox.claim('sap', 'hub-b')
    await outbox.failed(message.id, 'hub-b', { error: 'E: document already posted', retryable: false })
    const sent = await outbox.sent(message.id, 'hub-a', { reference: '4711' })
    assert.deepEqual([sent.status, sent.reference], ['sent', '4711'])
    assert.deepEqual(await outbox.deadLetters(), [])
    const never = await outbox.enqueue(msg('l3', '2000'))
    await assert.rejects(outbox.sent(never.message.id, 'hub-a'), OutboxLeaseError)
  })

  it('announces each committed change, and only those', async () => {
    const { outbox } = ctx().mes
    const seen: OutboxChange[] = []
    outbox.onChange((c) => seen.push(c))
    const { message } = await outbox.enqueue(msg('e1', '1000'))
    await outbox.enqueue(msg('e1', '1000'))
    await outbox.claim('sap', 'hub-1')
    await outbox.failed(message.id, 'hub-1', { error: 'down', retryable: true })
    await assert.rejects(outbox.sent(message.id + 99, 'hub-1'))
    assert.deepEqual(seen.map((c) => [c.kind, c.message.status, c.who]), [
      ['enqueued', 'pending', 'feeder:confirmations'], ['claimed', 'sending', 'hub-1'], ['retry', 'pending', 'hub-1']
    ])
  })

  it('keeps feeders\' cursors, moved forward only, and with the messages they enqueue', async () => {
    const { outbox } = ctx().mes
    assert.equal(await outbox.cursors.get('goods-movements'), 0)
    assert.equal(await outbox.cursors.set('goods-movements', 5), 5)
    assert.equal(await outbox.cursors.set('goods-movements', 3), 5)
    await outbox.enqueueAll([msg('g7', '1000'), msg('g9', '1000')], { cursor: { name: 'goods-movements', lastId: 9 } })
    assert.equal(await outbox.cursors.get('goods-movements'), 9)
    await assert.rejects(outbox.enqueueAll([msg('g10', '1000'), { ...msg('g11', '1000'), destination: '' }], { cursor: { name: 'goods-movements', lastId: 11 } }),
      ValidationError)
    assert.equal(await outbox.cursors.get('goods-movements'), 9)
    assert.equal((await outbox.list()).length, 2)
  })

  it('walks the material actuals by id for a goods-movement feeder', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 120 })
    await c.mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', count: 2 })
    const all = await c.mes.materials.actualsAfter(0)
    assert.deepEqual(all.map((a) => a.direction), ['consumed', 'produced', 'produced'])
    const page = await c.mes.materials.actualsAfter(all[0]!.id, 1)
    assert.deepEqual(page.map((a) => a.id), [all[1]!.id])
    assert.deepEqual(await c.mes.materials.actualsAfter(all[2]!.id), [])
  })
}, { outbox: { backoff: { baseMs: 1000, maxMs: 3000, jitter: 0.2 }, maxAttempts: 4, random: () => 0.5 } })
