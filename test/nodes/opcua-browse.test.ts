// The `opcua browse` node and its editor routes in a real Node-RED runtime (node-red-node-test-helper), browsing a
// real node-opcua server that the plant model binds (the collector's test machine), through the hub's browser
// (adapters/opcua/browse.ts) as the hub hands it to its nodes.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import browseNode = require('../../nodes/opcua-browse/opcua-browse')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { parsePlantModel } from '../../plant/load-plant-model'
import { opcUaBrowser, type OpcUaBrowser } from '../../adapters/opcua/browse'
import { OpcUaMachine, freePort } from '../adapters/opcua/collector/opcua-machine'
import { Sink as NodeSink } from '../support/node-sink'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as unknown

helper.init(require.resolve('node-red'))

const PRESS = 'acme/dallas/press-shop/line-1/press-1'
const UNBOUND = 'acme/dallas/press-shop/line-1/press-2'

const model = (endpoint: string) => parsePlantModel(`version: 1
enterprise: { id: acme, name: ACME }
sites:
  - id: dallas
    name: Dallas
    areas:
      - id: press-shop
        name: Press shop
        workCenters:
          - id: line-1
            name: Line 1
            kind: ProductionLine
            workUnits:
              - { id: press-1, name: Press 1, kind: WorkCell, opcua: { endpoint: '${endpoint}', nodeId: 'ns=1;s=Press' } }
              - { id: press-2, name: Press 2, kind: WorkCell }
`, 'test plant')

type Msg = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

describe('opcua browse node in a real Node-RED runtime, on a bound node-opcua server', function () {
  let dir: string
  let machine: OpcUaMachine
  let browser: OpcUaBrowser

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-opcua-browse-'))
    machine = await OpcUaMachine.start(await freePort(), dir)
    const m = model(machine.endpoint)
    browser = opcUaBrowser({ model: m, dataDir: dir, timeoutMs: 5000 })
    helper.settings({ [HUB_SERVICES_SETTING]: { model: m, uns: {} as never, opcua: browser } })
    await new Promise<void>((resolve) => helper.startServer(resolve))
  })
  after(async function () {
    await helper.unload()
    await new Promise<void>((resolve) => helper.stopServer(resolve))
    await browser.close()
    await machine.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  afterEach(async function () { await helper.unload() })

  const flow = [
    { id: 'b', type: 'opcua browse', equipment: PRESS, nodeId: '', wires: [['out']] },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: ['b'], wires: [['errs']] },
    { id: 'errs', type: 'helper' }
  ]

  it('lists the variables under the binding\'s node with data types and values, and browses into a given node id', async function () {
    await helper.load([browseNode, catchNode] as never, flow)
    const out = new NodeSink(helper.getNode('out'))
    helper.getNode('b').receive({ payload: '' })
    const first = await out.next() as Msg
    assert.equal(first.nodeId, 'ns=1;s=Press')
    assert.equal(first.topic, PRESS)
    const byName = new Map((first.payload as Msg[]).map((c) => [c.browseName, c]))
    assert.deepEqual([...byName.keys()].sort(), ['1:Program', '1:Running', '1:Strokes', '1:Temperature'])
    const t = byName.get('1:Temperature')!
    assert.equal(t.nodeId, 'ns=1;s=Press.Temperature')
    assert.equal(t.nodeClass, 'Variable')
    assert.equal(t.dataType, 'Double')
    assert.equal(typeof t.value, 'number')
    assert.equal(byName.get('1:Program')!.value, 'P-100')
    assert.equal(byName.get('1:Strokes')!.dataType, 'UInt64')

    helper.getNode('b').receive({ payload: 'i=85' }) // Objects
    const objects = await out.next() as Msg
    assert.ok((objects.payload as Msg[]).some((c) => c.nodeId === 'ns=1;s=Press' && c.nodeClass === 'Object' && c.hasChildren), 'the Press object, with children')
  })

  it('sends equipment without a binding and an unknown node to the catch node with the reason, and outputs nothing', async function () {
    await helper.load([browseNode, catchNode] as never, flow)
    const out = new NodeSink(helper.getNode('out'))
    const errs = new NodeSink(helper.getNode('errs'))
    helper.getNode('b').receive({ equipment: UNBOUND, payload: '' })
    const e1 = await errs.next() as Msg
    assert.match(e1.error.message, /not equipment with an OPC UA binding/)
    assert.match(e1.error.message, new RegExp(PRESS), 'it names the bound equipment to pick')
    helper.getNode('b').receive({ payload: 'ns=1;s=NoSuchNode' })
    const e2 = await errs.next() as Msg
    assert.match(e2.error.message, /could not browse ns=1;s=NoSuchNode on opc\.tcp:\/\/127\.0\.0\.1:\d+ .*BadNodeIdUnknown/)
    helper.getNode('b').receive({ payload: 'not a node id' })
    const e3 = await errs.next() as Msg
    assert.match(e3.error.message, /'not a node id' is not a node id/)
    assert.equal(out.pending, 0)
  })

  it('serves the editor dialog: the bound equipment and one level of a browse; an unbound one is a 404 with the reason', async function () {
    await helper.load([browseNode, catchNode] as never, flow)
    const list = await helper.request().get('/isa95-hub/opcua/equipment').expect(200)
    assert.deepEqual(list.body, [{ topic: PRESS, name: 'Press 1', endpoint: machine.endpoint }])
    const level = await helper.request().get('/isa95-hub/opcua/browse').query({ equipment: PRESS, nodeId: 'ns=1;s=Press' }).expect(200)
    assert.equal(level.body.children.length, 4)
    const missing = await helper.request().get('/isa95-hub/opcua/browse').query({ equipment: UNBOUND }).expect(404)
    assert.equal(missing.body.error, 'OPCUA_NOT_BOUND')
  })
})
