// Client input the MES HTTP API must refuse with a 4xx and a reason, never a 500: times that do not exist, duplicate
// items in an ERP update, paths that are not valid percent-encoding, bodies full of bad items. A real HTTP server
// over a real Mes on the stores of HUB_TEST_STORES, with the stand-in login of test/support/mes-api.ts.
import assert from 'node:assert/strict'
import { forEachStore, sampleOrder } from '../stores'
import { client, serve, type Served } from '../../support/mes-api'
import { MAX_PROBLEMS } from '../../../mes/validation'

const LEAP_SECOND = '2016-12-31T23:59:60Z'

forEachStore('MES HTTP API: client input', (ctx) => {
  let api: Served
  const erp = () => client(api.root, { 'x-test-user': 'erp.adapter', 'x-test-scope': '*' })
  beforeEach(async () => { api = await serve(ctx().mes) })
  afterEach(async () => { await api.close() })

  it('refuses a leap-second time (23:59:60) in a work order, an ERP update and a job event with 400, and the job still works', async () => {
    const created = await erp().post('/work-orders', sampleOrder('2000', { dueDate: LEAP_SECOND }))
    assert.equal(created.status, 400, created.text)
    assert.equal(created.body.error.code, 'VALIDATION_FAILED')
    assert.deepEqual(created.body.error.problems.map((p: { path: string }) => p.path), ['/dueDate'])
    assert.match(created.body.error.problems[0].message, /date-time that exists.*no leap second/)
    assert.equal((await erp().get('/work-orders/2000')).status, 404, 'nothing was stored')

    assert.equal((await erp().post('/work-orders', sampleOrder('2000'))).status, 201)
    const update = await erp().patch('/work-orders/2000', { plannedStart: LEAP_SECOND })
    assert.equal(update.status, 400, update.text)
    assert.deepEqual(update.body.error.problems.map((p: { path: string }) => p.path), ['/plannedStart'])

    await erp().post('/work-orders/2000/release')
    const job = await erp().post('/work-centers/WC-CUT/dispatch', { workUnit: 'SAW-01' })
    assert.equal(job.status, 201, job.text)
    const events = `/jobs/${job.body.jobId as string}/events`
    const start = await erp().post(events, { event: 'start', at: LEAP_SECOND })
    assert.equal(start.status, 400, start.text)
    assert.deepEqual(start.body.error.problems.map((p: { path: string }) => p.path), ['/at'])
    // The job was not started with a time that breaks it: it starts, reports and completes as usual.
    assert.equal((await erp().post(events, { event: 'start', at: '2016-12-31T23:59:59Z' })).status, 200)
    assert.equal((await erp().post(events, { event: 'report', good: 10 })).status, 200)
    const done = await erp().post(events, { event: 'complete', good: 90 })
    assert.equal(done.status, 200, done.text)
    assert.equal(done.body.job.state, 'Ended')
  })

  it('refuses an ERP update with duplicate material items (without operations) with 400, and keeps the materials', async () => {
    assert.equal((await erp().post('/work-orders', sampleOrder('2100'))).status, 201)
    const dup = await erp().patch('/work-orders/2100', {
      materials: [
        { item: 1, material: 'RM-TUBE-30', quantity: 400, unit: 'M', operationSequence: 10 },
        { item: 1, material: 'RM-WIRE', quantity: 5, unit: 'KG', operationSequence: 20 }
      ]
    })
    assert.equal(dup.status, 400, dup.text)
    assert.equal(dup.body.error.code, 'VALIDATION_FAILED')
    assert.deepEqual(dup.body.error.problems, [{ path: '/materials/1/item', message: 'duplicate item 1' }])
    const order = await erp().get('/work-orders/2100')
    assert.deepEqual(order.body.materials.map((m: { item: number, material: string }) => `${m.item} ${m.material}`), ['1 RM-TUBE-30', '2 RM-WIRE'])
  })

  it('answers a path segment that is not valid percent-encoding with 400 HTTP_BAD_PATH, on every kind of route', async () => {
    for (const [method, path] of [['GET', '/work-orders/%E0%A4%A'], ['PATCH', '/work-orders/%'], ['POST', '/jobs/%zz/events'],
      ['GET', '/confirmations/%C0%AF'], ['POST', '/work-orders/1/operations/%FF/dispatch'], ['GET', '/wip/orders/%E0%A4%A']]) {
      const r = await erp().call(method!, path!, method === 'GET' ? undefined : { event: 'start', workUnit: 'X' })
      assert.equal(r.status, 400, `${method} ${path}: ${r.text}`)
      assert.equal(r.body.error.code, 'HTTP_BAD_PATH')
      assert.match(r.body.error.hint, /percent-encode/)
    }
  })

  it(`lists at most ${MAX_PROBLEMS} problems of a body full of bad items, and says how many there were`, async () => {
    const r = await erp().post('/work-orders', sampleOrder('2200', { operations: new Array(999).fill(1) }))
    assert.equal(r.status, 400, r.text.slice(0, 300))
    assert.equal(r.body.error.problems.length, MAX_PROBLEMS)
    assert.deepEqual(r.body.error.problems[0], { path: '/operations/0', message: 'must be object' })
    assert.match(r.body.error.hint, /^999 problems in all; the first 100 are listed$/)
    const huge = await erp().post('/work-orders', sampleOrder('2200', { operations: new Array(400_000).fill(1) }))
    assert.equal(huge.status, 400)
    assert.deepEqual(huge.body.error.problems, [{ path: '/operations', message: 'must NOT have more than 999 items' }])
    assert.match(huge.body.error.hint, /more than 100000 values, so only its first problem is listed/)
  })

  it('answers odd but well-formed input with a 4xx, never a 500', async () => {
    assert.equal((await erp().post('/work-orders', sampleOrder('2300'))).status, 201)
    await erp().post('/work-orders/2300/release')
    const job = (await erp().post('/work-centers/WC-CUT/dispatch', { workUnit: 'SAW-01' })).body.jobId as string
    const tries: Array<[string, string, unknown]> = [
      ['POST', '/work-orders', []], ['POST', '/work-orders', [sampleOrder('2301')]], ['POST', '/work-orders', {}],
      ['POST', '/work-orders', sampleOrder('2302', { quantity: 1e308, operations: [{ sequence: 1, workCenter: 'A', runTimePerUnit: 1e308 }] })],
      ['POST', '/work-orders', sampleOrder('2303', { dueDate: '2025-02-30T00:00:00Z' })],
      ['POST', '/work-orders', sampleOrder('2304', { materials: [{ item: 1, material: 'X', quantity: 1, unit: 'KG', operationSequence: 99 }] })],
      ['PATCH', '/work-orders/2300', {}], ['PATCH', '/work-orders/2300', { operations: [] }], ['PATCH', '/work-orders/nope', { priority: 1 }],
      ['PATCH', '/work-orders/2300', { materials: [{ item: 1, material: 'X', quantity: 1, unit: 'KG', operationSequence: 99 }] }],
      ['POST', `/jobs/${job}/events`, { event: 'report', good: -1 }], ['POST', `/jobs/${job}/events`, { event: 'report', good: 1e308 }],
      ['POST', `/jobs/${job}/events`, { event: 'start', jobId: 'other' }], ['POST', `/jobs/${job}/events`, []],
      ['POST', `/jobs/${job}/events`, { event: 'complete', signature: { user: 'x', password: 'y', meaning: 'z' } }],
      ['POST', '/jobs/nope/events', { event: 'start' }], ['POST', '/work-orders/2300/hold', { why: '' }],
      ['POST', '/work-orders/2300/operations/0/dispatch', { workUnit: 'A' }], ['POST', '/work-orders/2300/operations/99999999999999999999/dispatch', { workUnit: 'A' }],
      ['GET', '/work-orders?limit=1e3', undefined], ['GET', '/work-orders?limit=99999999999999999999', undefined], ['GET', '/work-orders?status[a]=1', undefined],
      ['GET', '/jobs?after=&state=', undefined], ['GET', '/audit?fromSeq=-1', undefined], ['GET', '/confirmations?after=1.5', undefined],
      ['POST', '/confirmations/nope/ack', {}], ['POST', '/confirmations/nope/failure', { message: 'x' }]
    ]
    for (const [method, path, body] of tries) {
      const r = await erp().call(method, path, body)
      assert.ok(r.status >= 200 && r.status < 500, `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}: ${r.status} ${r.text.slice(0, 300)}`)
    }
  })
}, { verifyCredentials: () => false })
