// The order list reads its orders with their operations and materials in a fixed number of statements, however
// many orders it returns, and returns what reading each order on its own returns.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { forEachStore, sampleOrder, ERP, SUPERVISOR } from './stores'
import { SqliteStore } from '../../mes/store/sqlite-store'
import { createMes } from '../../mes/index'
import type { Mes } from '../../mes/service'

/** Orders 0001..n, every third released, with routings of one to three operations and zero to two materials. */
async function createOrders (mes: Mes, n: number, from = 1): Promise<string[]> {
  const numbers: string[] = []
  for (let i = from; i < from + n; i++) {
    const orderNumber = String(i).padStart(4, '0')
    const operations = [10, 20, 30].slice(0, 1 + (i % 3)).map((sequence) => ({ sequence, workCenter: `WC-${sequence}`, runTimePerUnit: i % 7 }))
    const materials = [1, 2].slice(0, i % 3).map((item) => ({ item, material: `RM-${item}`, quantity: i, unit: 'KG', operationSequence: 10 }))
    await mes.workOrders.create(sampleOrder(orderNumber, { operations, materials, priority: 1 + (i % 5) }), ERP)
    if (i % 3 === 0) await mes.workOrders.release(orderNumber, SUPERVISOR)
    numbers.push(orderNumber)
  }
  return numbers
}

forEachStore('work order list', (ctx) => {
  it('lists what reading each order returns, by order number, with status filter and paging', async () => {
    const { mes } = ctx()
    // Created out of order, so that the list's order is its own.
    const numbers = [...await createOrders(mes, 12, 13), ...await createOrders(mes, 12, 1)].sort()
    const each = async (ns: string[]): Promise<unknown[]> => await Promise.all(ns.map(async (n) => await mes.workOrders.get(n)))
    assert.deepEqual(await mes.workOrders.list(), await each(numbers))
    assert.deepEqual(await mes.workOrders.list({ limit: 5 }), await each(numbers.slice(0, 5)))
    assert.deepEqual(await mes.workOrders.list({ after: numbers[4], limit: 5 }), await each(numbers.slice(5, 10)))
    assert.deepEqual(await mes.workOrders.list({ after: numbers.at(-1) }), [])
    const released = numbers.filter((n) => Number(n) % 3 === 0)
    assert.deepEqual(await mes.workOrders.list({ status: 'released' }), await each(released))
    assert.deepEqual(await mes.workOrders.list({ status: ['released', 'created'], after: released[0], limit: 3 }),
      await each(numbers.filter((n) => n > released[0]!).slice(0, 3)))
    assert.deepEqual(await mes.workOrders.list({ status: 'completed' }), [])
    const [one, ...more] = await mes.workOrders.list({ after: '0003', limit: 1 })
    assert.deepEqual([one!.orderNumber, more], ['0004', []])
    assert.deepEqual(one!.operations.map((o) => o.sequence), [10, 20])
    assert.deepEqual(one!.materials, [{ item: 1, material: 'RM-1', quantity: 4, unit: 'KG', operationSequence: 10 }])
  })
})

describe('work order list on SQLite: statements per list', function () {
  let dir: string
  let store: SqliteStore
  let mes: Mes
  let statements: string[]
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isa95-order-list-'))
    statements = []
    store = await SqliteStore.open(path.join(dir, 'mes.sqlite'), { verbose: (sql) => statements.push(sql) })
    mes = createMes(store)
  })
  afterEach(async () => {
    await store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  async function statementsOfList (): Promise<{ count: number, orders: number }> {
    statements.length = 0
    const orders = (await mes.workOrders.list()).length
    return { count: statements.length, orders }
  }

  it('runs as many statements for 200 orders as for 5', async () => {
    await createOrders(mes, 5)
    const five = await statementsOfList()
    await createOrders(mes, 195, 6)
    const many = await statementsOfList()
    assert.deepEqual([five.orders, many.orders], [5, 200])
    assert.equal(many.count, five.count, 'statements for 200 orders as for 5')
    // BEGIN, the orders, their operations, their materials, ROLLBACK.
    assert.ok(five.count <= 5, `${five.count} statements: ${statements.join(' | ')}`)
  })
})
