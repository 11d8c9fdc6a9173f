// The MES over HTTP, as an integrator (or the SAP adapter) uses it: JSON in and out, the authenticated user as the
// actor, refusals with their reason and status, nothing changed by a refused request. The router-level suites run a
// real HTTP server over a real Mes on the stores of HUB_TEST_STORES (SQLite; PostgreSQL in test:system), with a
// stand-in login in front; mes-http-api-hub.test.ts runs the whole hub as a child process, through Node-RED's login.
import assert from 'node:assert/strict'
import path from 'node:path'
import { forEachStore, sampleOrder } from '../stores'
import { MES_API_PATH } from '../../../mes/http/mes-http-api'
import { client, serve, type Served } from '../../support/mes-api'

const credentials = (user: string, password: string): boolean => user === 'qa.quinn' && password === 'correct horse'

forEachStore('MES HTTP API', (ctx) => {
  let api: Served
  const as = (user: string, scope = '*') => client(api.root, { 'x-test-user': user, 'x-test-scope': scope })
  beforeEach(async () => { api = await serve(ctx().mes) })
  afterEach(async () => { await api.close() })

  it('drives an order from creation to ERP confirmation, each change recorded under the logged-in user', async () => {
    const erp = as('erp.adapter')
    const sue = as('supervisor.sue')
    const oscar = as('op.oscar')

    // ---- the ERP creates the order; a supervisor releases it
    const created = await erp.post('/work-orders', sampleOrder('1000'))
    assert.equal(created.status, 201, created.text)
    assert.equal(created.headers.get('location'), `${MES_API_PATH}/work-orders/1000`)
    assert.equal(created.body.status, 'created')
    assert.deepEqual(created.body.operations.map((o: { sequence: number }) => o.sequence), [10, 20, 30])
    assert.deepEqual((await erp.get('/work-orders/1000')).body, created.body)
    assert.deepEqual((await sue.get('/work-orders?status=created')).body.map((o: { orderNumber: string }) => o.orderNumber), ['1000'])
    assert.equal((await sue.post('/work-orders/1000/release', { why: 'material staged' })).body.status, 'released')
    assert.deepEqual((await sue.get('/work-orders?status=created')).body, [])

    const list = await sue.get('/work-centers/WC-CUT/dispatch-list?rule=earliest-due-date&limit=5')
    assert.equal(list.status, 200)
    assert.deepEqual(list.body.map((d: { orderNumber: string, sequence: number }) => `${d.orderNumber}/${d.sequence}`), ['1000/10'])

    // ---- operation 10: dispatch, start, partial report, pause/resume, hold/release, complete
    const dispatched = await sue.post('/work-centers/WC-CUT/dispatch', { workUnit: 'SAW-01' })
    assert.equal(dispatched.status, 201, dispatched.text)
    const jobId = dispatched.body.jobId as string
    assert.equal(jobId, '1000-10-1')
    assert.equal(dispatched.headers.get('location'), `${MES_API_PATH}/jobs/1000-10-1`)
    assert.equal(dispatched.body.state, 'AllowedToStart')
    const nothing = await sue.post('/work-centers/WC-CUT/dispatch', { workUnit: 'SAW-02' })
    assert.equal(nothing.status, 204, 'nothing else is ready at WC-CUT')
    assert.equal(nothing.text, '')

    const event = (body: Record<string, unknown>) => oscar.post(`/jobs/${jobId}/events`, body)
    let r = await event({ event: 'start' })
    assert.equal(r.status, 200, r.text)
    assert.equal(r.body.job.state, 'Running')
    assert.equal(r.body.orderStatus, 'in-progress')
    ctx().clock.advance(30)
    r = await event({ event: 'report', good: 40, scrap: 2, scrapReason: 'SCR-BURR', eventId: 'hmi-1' })
    assert.equal(r.body.job.goodQuantity, 40)
    assert.equal(r.body.duplicate, false)
    const firstKey = r.body.confirmationKey as string
    assert.match(firstKey, /^[0-9a-f]{40}$/)
    const again = await event({ event: 'report', good: 40, scrap: 2, scrapReason: 'SCR-BURR', eventId: 'hmi-1' })
    assert.equal(again.status, 200)
    assert.equal(again.body.duplicate, true, 'a retried HMI message is not applied twice')
    assert.equal(again.body.confirmationKey, firstKey)
    assert.equal(again.body.job.goodQuantity, 40)

    assert.deepEqual((await sue.get('/wip/work-centers/WC-CUT')).body,
      { scope: 'workCenter', id: 'WC-CUT', queued: { count: 0, quantity: 0 }, running: { count: 1, quantity: 58 }, done: { good: 40, scrap: 2, rework: 0 } })
    assert.equal((await sue.get('/wip/work-units/SAW-01')).body.running.count, 1)

    assert.equal((await event({ event: 'pause', why: 'blade change' })).body.job.state, 'Interrupted.Paused')
    ctx().clock.advance(10)
    assert.equal((await event({ event: 'resume' })).body.job.state, 'Running')
    // The order on hold: the job can be held too; while the order is held a paused job cannot resume.
    assert.equal((await sue.post('/work-orders/1000/hold', { why: 'customer query' })).body.status, 'held')
    assert.equal((await as('qa.quinn').post(`/jobs/${jobId}/events`, { event: 'hold', why: 'material check' })).body.job.state, 'Interrupted.Held')
    assert.equal((await as('qa.quinn').post(`/jobs/${jobId}/events`, { event: 'release' })).body.job.state, 'Interrupted.Paused')
    const held = await event({ event: 'resume' })
    assert.equal(held.status, 409)
    assert.equal(held.body.error.code, 'MES_WIP_REFUSED')
    assert.equal(held.body.error.rule, 'order-not-open')
    assert.match(held.body.error.message, /order is held/)
    assert.equal((await sue.post('/work-orders/1000/release')).body.status, 'in-progress', 'released from hold, back to where it was')
    assert.equal((await event({ event: 'resume' })).body.job.state, 'Running')
    ctx().clock.advance(20)
    r = await event({ event: 'complete', good: 58, final: true })
    assert.equal(r.body.job.state, 'Ended')
    assert.equal(r.body.operation.status, 'completed')
    assert.equal(r.body.job.runMinutes, 50)

    const response = await sue.get(`/jobs/${jobId}/response`)
    assert.deepEqual(response.body.events.map((e: { event: string, who: string }) => `${e.event} by ${e.who}`), [
      'start by op.oscar', 'report by op.oscar', 'pause by op.oscar', 'resume by op.oscar', 'hold by qa.quinn',
      'release by qa.quinn', 'resume by op.oscar', 'complete by op.oscar'])
    // Events come in pages (after= the last seq seen); the totals are always the whole job's.
    const pages: string[][] = []
    let after: number | undefined
    for (;;) {
      const page = await sue.get(`/jobs/${jobId}/response?limit=3${after === undefined ? '' : `&after=${after}`}`)
      assert.equal(page.status, 200)
      assert.equal(page.body.goodQuantity, response.body.goodQuantity)
      pages.push(page.body.events.map((e: { event: string }) => e.event))
      if (page.body.nextAfter === undefined) break
      assert.equal(page.body.nextAfter, page.body.events.at(-1).seq)
      after = page.body.nextAfter
    }
    assert.deepEqual(pages, [['start', 'report', 'pause'], ['resume', 'hold', 'release'], ['resume', 'complete']])
    assert.equal(response.body.nextAfter, undefined, 'a job of fewer events than the default page has no next page')
    assert.equal((await sue.get(`/jobs/${jobId}/response?limit=0`)).status, 400)

    // ---- operation 20 is critical: completing it needs an electronic signature
    const j2 = (await sue.post('/work-centers/WC-WELD/dispatch', { workUnit: 'ROBOT-1', rule: 'fifo' })).body.jobId as string
    await oscar.post(`/jobs/${j2}/events`, { event: 'start' })
    await oscar.post(`/jobs/${j2}/events`, { event: 'report', good: 95, rework: 3, reworkReason: 'RW-SEAM' })
    const unsigned = await oscar.post(`/jobs/${j2}/events`, { event: 'complete' })
    assert.equal(unsigned.status, 403)
    assert.equal(unsigned.body.error.code, 'MES_SIGNATURE_REQUIRED')
    assert.ok(unsigned.body.error.hint)
    const wrong = await oscar.post(`/jobs/${j2}/events`, { event: 'complete', signature: { user: 'qa.quinn', password: 'not it', meaning: 'approved' } })
    assert.equal(wrong.status, 403)
    assert.ok(!wrong.text.includes('not it'), 'a password is never echoed')
    assert.equal((await sue.get(`/jobs/${j2}`)).body.state, 'Running')
    r = await oscar.post(`/jobs/${j2}/events`, { event: 'complete', signature: { user: 'qa.quinn', password: 'correct horse', meaning: 'weld approved' } })
    assert.equal(r.status, 200, r.text)
    assert.equal(r.body.job.state, 'Ended')

    // ---- operation 30, dispatched by hand, completes the order
    const j3 = await sue.post('/work-orders/1000/operations/30/dispatch', { workUnit: 'BENCH-3', why: 'bench 3 is free' })
    assert.equal(j3.status, 201, j3.text)
    assert.equal(j3.headers.get('location'), `${MES_API_PATH}/jobs/${j3.body.jobId}`)
    await oscar.post(`/jobs/${j3.body.jobId}/events`, { event: 'start' })
    r = await oscar.post(`/jobs/${j3.body.jobId}/events`, { event: 'complete', good: 95 })
    assert.equal(r.body.orderStatus, 'completed')
    assert.equal((await sue.get('/work-orders/1000')).body.status, 'completed')
    assert.deepEqual((await sue.get('/wip/orders/1000')).body.done, { good: 95, scrap: 2, rework: 3 })
    assert.deepEqual((await sue.get('/jobs?orderNumber=1000&state=Ended')).body.map((j: { jobId: string }) => j.jobId), [jobId, j2, j3.body.jobId])
    assert.deepEqual((await sue.get('/jobs?workUnit=SAW-01&state=Running,Interrupted.Paused')).body, [])

    // ---- the ERP adapter reads the queued confirmations, acknowledges one and reports a failed send of another
    const pending = await erp.get('/confirmations')
    assert.deepEqual(pending.body.map((c: { sequence: number, yield: number, final: boolean, who: string }) => [c.sequence, c.yield, c.final, c.who]), [
      [10, 40, false, 'op.oscar'], [10, 58, true, 'op.oscar'], [20, 95, false, 'op.oscar'], [20, 0, true, 'op.oscar'], [30, 95, true, 'op.oscar']])
    assert.equal(pending.body[0].idempotencyKey, firstKey)
    const page = await erp.get(`/confirmations?limit=2&after=${pending.body[1].id}`)
    assert.deepEqual(page.body.map((c: { id: number }) => c.id), [pending.body[2].id, pending.body[3].id])
    const ack = await erp.post(`/confirmations/${firstKey}/ack`, { erpReference: 'CONF-0001' })
    assert.equal(ack.status, 200, ack.text)
    assert.equal(ack.body.status, 'acknowledged')
    assert.equal((await erp.post(`/confirmations/${firstKey}/ack`, { erpReference: 'CONF-9999' })).body.erpReference, 'CONF-0001')
    const failed = await erp.post(`/confirmations/${pending.body[1].idempotencyKey}/failure`, { message: 'ERP timeout' })
    assert.equal(failed.body.attempts, 1)
    assert.equal(failed.body.lastError, 'ERP timeout')
    assert.equal((await erp.get('/confirmations')).body.length, 4)
    assert.equal((await erp.get(`/confirmations/${firstKey}`)).body.erpReference, 'CONF-0001')
    assert.equal((await erp.get('/work-orders/1000/confirmations')).body.length, 5)

    // ---- lists page on
    const allJobs = ((await sue.get('/jobs')).body as Array<{ jobId: string }>).map((j) => j.jobId)
    assert.ok(allJobs.length >= 3, String(allJobs.length))
    const firstTwo = ((await sue.get('/jobs?limit=2')).body as Array<{ jobId: string }>).map((j) => j.jobId)
    assert.deepEqual(firstTwo, allJobs.slice(0, 2))
    assert.deepEqual(((await sue.get(`/jobs?after=${encodeURIComponent(firstTwo[1]!)}`)).body as Array<{ jobId: string }>).map((j) => j.jobId), allJobs.slice(2))
    assert.equal((await sue.get('/jobs?after=no-such-job')).status, 404)
    await sue.post('/work-orders', sampleOrder('0999'))
    const orders = ((await sue.get('/work-orders')).body as Array<{ orderNumber: string }>).map((o) => o.orderNumber)
    assert.deepEqual(orders.slice(0, 2), ['0999', '1000'])
    assert.deepEqual(((await sue.get('/work-orders?limit=1&after=0999')).body as Array<{ orderNumber: string }>).map((o) => o.orderNumber), ['1000'])

    // ---- the audit trail: who did what, and the chain verifies
    const audit = await sue.get('/audit?entity=WorkOrder&entityId=1000')
    assert.deepEqual(audit.body.map((a: { action: string, who: string }) => `${a.action} by ${a.who}`), [
      'create by erp.adapter', 'release by supervisor.sue', 'start by op.oscar', 'hold by supervisor.sue',
      'release by supervisor.sue', 'complete by op.oscar'])
    assert.equal(audit.body[1].why, 'material staged')
    // What the ERP did with a confirmation is a change too, recorded under who reported it (once for the two acks).
    const confirmationAudit = (await sue.get('/audit?entity=Confirmation')).body as Array<{ action: string, who: string, entityId: string }>
    assert.deepEqual(confirmationAudit.map((a) => [a.action, a.who, a.entityId]), [
      ['acknowledge', 'erp.adapter', firstKey], ['send-failed', 'erp.adapter', pending.body[1].idempotencyKey]])
    assert.ok((await sue.get('/audit?who=qa.quinn')).body.length >= 2)
    const verified = await sue.get('/audit/verify')
    assert.equal(verified.status, 200)
    assert.equal(verified.body.ok, true, verified.text)
    assert.ok(verified.body.count > 20)
    assert.deepEqual(api.logged.filter((l) => /ERROR|WARN/.test(l)), [])
  })

  it('refuses what the order or job state does not allow with 409 and the reason, and changes nothing', async () => {
    const sue = as('supervisor.sue')
    await sue.post('/work-orders', sampleOrder('2000'))
    const auditBefore = (await sue.get('/audit')).body.length

    const early = await sue.post('/work-orders/2000/hold')
    assert.equal(early.status, 409)
    assert.deepEqual(early.body.error, {
      code: 'MES_ORDER_STATUS', message: 'cannot hold order 2000: order is created, not released or in-progress', source: 'order 2000', state: 'created'
    })
    await sue.post('/work-orders/2000/release')
    const twice = await sue.post('/work-orders/2000/release')
    assert.equal(twice.status, 409)
    assert.equal(twice.body.error.state, 'released')

    const job = (await sue.post('/work-centers/WC-CUT/dispatch', { workUnit: 'SAW-01' })).body
    const before = (await sue.get(`/jobs/${job.jobId}`)).body
    const resume = await sue.post(`/jobs/${job.jobId}/events`, { event: 'resume' })
    assert.equal(resume.status, 409)
    assert.equal(resume.body.error.code, 'MES_ILLEGAL_TRANSITION')
    assert.equal(resume.body.error.state, 'AllowedToStart')
    assert.match(resume.body.error.message, /^cannot resume job 2000-10-1 of order 2000\/op 10: /)
    assert.equal(resume.body.error.source, 'job 2000-10-1')
    assert.deepEqual((await sue.get(`/jobs/${job.jobId}`)).body, before, 'the job is unchanged')

    await sue.post(`/jobs/${job.jobId}/events`, { event: 'start' })
    const over = await sue.post(`/jobs/${job.jobId}/events`, { event: 'report', good: 101 })
    assert.equal(over.status, 409)
    assert.equal(over.body.error.rule, 'over-report')
    const busy = await sue.post('/work-orders/2000/cancel', { why: 'customer cancelled' })
    assert.equal(busy.status, 409)
    assert.match(busy.body.error.message, /job 2000-10-1 \(Running\) must be ended or aborted first/)
    await sue.post(`/jobs/${job.jobId}/events`, { event: 'report', good: 30 })

    // ERP updates: the safe part applied, the unsafe refused whole with every reason.
    const refused = await sue.patch('/work-orders/2000', { quantity: 20, material: 'FG-0815', priority: 1 })
    assert.equal(refused.status, 409)
    assert.equal(refused.body.error.code, 'MES_UPDATE_REFUSED')
    assert.equal(refused.body.error.reasons.length, 3, refused.text)
    assert.ok(refused.body.error.reasons.some((x: string) => /material cannot change/.test(x)))
    assert.equal(refused.body.error.hint, 'send a corrected update, or settle the running work first')
    const order = (await sue.get('/work-orders/2000')).body
    assert.deepEqual([order.quantity, order.material, order.priority], [100, 'FG-4711', 10], 'nothing of a refused update is applied')
    const safe = await sue.patch('/work-orders/2000', { priority: 1, dueDate: '2025-03-06T16:00:00Z' })
    assert.equal(safe.status, 200, safe.text)
    assert.equal(safe.body.order.priority, 1)
    assert.deepEqual(safe.body.changes, ['dueDate: "2025-03-07T16:00:00Z" → "2025-03-06T16:00:00Z"', 'priority: 10 → 1'])
    const put = await sue.call('PUT', '/work-orders/2000', { priority: 2 })
    assert.equal(put.status, 405)
    assert.equal(put.headers.get('allow'), 'GET, PATCH')
    assert.match(put.body.error.hint, /PATCH/)

    const created = await sue.post('/work-orders', sampleOrder('2000'))
    assert.equal(created.status, 409)
    assert.equal(created.body.error.code, 'MES_DUPLICATE')

    // Audit: the start, two reports and the update; none of the refusals. The dispatch requested the staging of the
    // order's component (stagingTrigger 'dispatch', the default).
    const actions = (await sue.get('/audit')).body.slice(auditBefore).map((a: { entity: string, action: string }) => `${a.entity}:${a.action}`)
    assert.deepEqual(actions, ['WorkOrder:release', 'JobOrder:dispatch', 'StagingRequest:request', 'WorkOrder:start', 'JobOrder:start', 'JobOrder:report', 'WorkOrder:update'])
  })

  it('answers malformed requests with 400, 404, 405, 413 or 415 and a JSON error naming the problem', async () => {
    const sue = as('supervisor.sue')
    const bad = await sue.post('/work-orders', { ...sampleOrder('3000'), quantity: -5, material: undefined, colour: 'red' })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.code, 'VALIDATION_FAILED')
    assert.equal(bad.body.error.source, 'work order')
    assert.deepEqual(bad.body.error.problems.map((p: { path: string }) => p.path).sort(), ['/colour', '/material', '/quantity'])
    assert.equal((await sue.get('/work-orders/3000')).status, 404, 'nothing was created')

    const missing = await sue.get('/work-orders/9999')
    assert.equal(missing.status, 404)
    assert.deepEqual(missing.body.error, { code: 'MES_NOT_FOUND', message: 'work order 9999 not found', source: 'work order 9999' })
    assert.equal((await sue.post('/work-orders/9999/release')).status, 404)
    assert.equal((await sue.post('/jobs/9999-10-1/events', { event: 'start' })).body.error.code, 'MES_NOT_FOUND')
    assert.equal((await sue.get('/wip/orders/9999')).status, 404)
    assert.equal((await sue.post('/confirmations/feed/ack', {})).status, 404)

    const syntax = await sue.call('POST', '/work-orders', undefined, { raw: '{"orderNumber": "3000",' })
    assert.equal(syntax.status, 400)
    assert.equal(syntax.body.error.code, 'HTTP_MALFORMED_JSON')
    assert.match(syntax.body.error.message, /^request body is not valid JSON: /)
    const huge = await sue.call('POST', '/work-orders', undefined, { raw: JSON.stringify({ ...sampleOrder('3001'), description: 'x'.repeat(1100 * 1024) }) })
    assert.equal(huge.status, 413)
    assert.equal(huge.body.error.code, 'HTTP_BODY_TOO_LARGE')
    const form = await sue.call('POST', '/work-orders', undefined, { raw: 'orderNumber=3000', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    assert.equal(form.status, 415)
    assert.equal((await sue.call('POST', '/work-orders', undefined, { raw: '[]' })).status, 400)

    const query = await sue.get('/work-orders?stauts=released&limit=0')
    assert.equal(query.status, 400)
    assert.deepEqual(query.body.error.problems, [
      { path: '?limit', message: 'must be a whole number from 1 to 1000' }, { path: '?stauts', message: 'is not a known parameter' }])
    assert.equal((await sue.get('/work-orders?status=done')).status, 400)
    const rule = await sue.get('/work-centers/WC-CUT/dispatch-list?rule=shortest')
    assert.equal(rule.status, 400)
    assert.match(rule.body.error.problems[0].message, /critical-ratio/)
    assert.equal((await sue.post('/work-centers/WC-CUT/dispatch', { rule: 'fifo' })).body.error.problems[0].path, '/workUnit')
    assert.equal((await sue.post('/work-orders/3000/operations/ten/dispatch', { workUnit: 'SAW-01' })).status, 400)

    const slashed = await sue.post('/work-orders', sampleOrder('PO/2025/7'))
    assert.equal(slashed.headers.get('location'), `${MES_API_PATH}/work-orders/PO%2F2025%2F7`)
    assert.equal((await sue.get('/work-orders/PO%2F2025%2F7')).body.orderNumber, 'PO/2025/7', 'a / in an id is percent-encoded')

    const route = await sue.get('/work-order')
    assert.equal(route.status, 404)
    assert.equal(route.body.error.code, 'HTTP_NOT_FOUND')
    const del = await sue.call('DELETE', '/work-orders')
    assert.equal(del.status, 405)
    assert.equal(del.headers.get('allow'), 'GET, POST')
  })

  it('takes the actor from the login: a body cannot act as someone else, and read-only callers cannot change anything', async () => {
    await as('erp.adapter').post('/work-orders', sampleOrder('4000'))
    const sue = as('supervisor.sue')
    const other = await sue.post('/work-orders/4000/release', { who: 'boss' })
    assert.equal(other.status, 400)
    assert.deepEqual(other.body.error.problems, [{ path: '/who', message: 'names "boss", but the request is made by supervisor.sue' }])
    assert.equal((await sue.get('/work-orders/4000')).body.status, 'created')
    assert.equal((await sue.post('/work-orders/4000/release', { who: 'supervisor.sue' })).status, 200, 'naming oneself is fine')
    const job = (await sue.post('/work-centers/WC-CUT/dispatch', { workUnit: 'SAW-01' })).body.jobId as string
    assert.equal((await sue.post(`/jobs/${job}/events`, { event: 'start', who: 'op.oscar' })).status, 400)
    const elsewhere = await sue.post(`/jobs/${job}/events`, { event: 'start', jobId: '4000-20-1' })
    assert.equal(elsewhere.status, 400)
    assert.equal(elsewhere.body.error.problems[0].path, '/jobId')
    assert.equal((await sue.post(`/jobs/${job}/events`, { event: 'start', jobId: job })).body.job.state, 'Running')
    assert.equal((await sue.get(`/jobs/${job}/response`)).body.events[0].who, 'supervisor.sue')

    const anonymous = await client(api.root, {}).get('/work-orders')
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer')
    assert.equal(anonymous.body.error.code, 'HTTP_UNAUTHORIZED')
    assert.equal((await client(api.root, {}).get('/no-such-thing')).status, 401, 'unknown paths are not revealed either')

    const viewer = as('viewer.vic', 'read')
    assert.equal((await viewer.get('/work-orders/4000')).status, 200)
    assert.equal((await viewer.get('/audit/verify')).body.ok, true)
    const hold = await viewer.post('/work-orders/4000/hold')
    assert.equal(hold.status, 403)
    assert.equal(hold.body.error.code, 'HTTP_FORBIDDEN')
    assert.match(hold.body.error.message, /viewer\.vic does not have the mes\.write permission/)
    assert.equal((await viewer.post(`/jobs/${job}/events`, { event: 'pause' })).status, 403)
    assert.equal((await sue.get('/work-orders/4000')).body.status, 'in-progress')
    assert.equal((await as('robot', 'flows.read').get('/work-orders')).status, 403, 'a scope without mes.read reads nothing')
  })

  it('answers 503 when the store is gone', async () => {
    await ctx().mes.close()
    const r = await as('supervisor.sue').get('/work-orders')
    assert.equal(r.status, 503)
    assert.equal(r.body.error.code, 'MES_STORE')
    assert.match(r.body.error.message, /store is closed/)
  })
}, { verifyCredentials: credentials })
