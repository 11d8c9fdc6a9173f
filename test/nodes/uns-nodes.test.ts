import assert from 'node:assert/strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import unsOutNode = require('../../nodes/uns-out/uns-out')
import unsInNode = require('../../nodes/uns-in/uns-in')
import type { RunningHub } from '../../hub/hub'
import { connect, inbox, mqttUrl, startTestHub, unsValue } from '../support/hub-fixture'
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'

helper.init(require.resolve('node-red'))

type Msg = { topic: string, payload: Record<string, unknown>, retain?: boolean }
const TOPIC = 'acme/dallas/press-shop/line-1/press-2/measurements/strokes'

function nextMessage (node: { on (e: string, f: (m: Msg) => void): void }, timeoutMs = 3000): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no message from the node')), timeoutMs)
    node.on('input', (m) => { clearTimeout(t); resolve(m) })
  })
}

describe('uns in / uns out nodes in a real Node-RED runtime', function () {
  let hub: RunningHub
  before(async function () {
    hub = await startTestHub()
    helper.settings({ [HUB_SERVICES_SETTING]: hub.services })
    await new Promise<void>((resolve) => helper.startServer(() => resolve()))
  })
  afterEach(async function () { await helper.unload() })
  after(async function () {
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()))
    await hub.stop()
  })

  it('a node finds the hub in its own runtime\'s settings: a runtime without them shows "hub not running" and fails each message', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: undefined })
    try {
      await helper.load(unsOutNode, [{ id: 'out', type: 'uns out', topic: TOPIC, unit: '', retain: false, qos: '1' }])
      const out = helper.getNode('out')
      const error = new Promise<string>((resolve) => out.on('call:error', (call: { args: unknown[] }) => resolve(String(call.args[0]))))
      out.receive({ payload: 1 })
      assert.match(await error, /not running/)
    } finally {
      helper.settings({ [HUB_SERVICES_SETTING]: hub.services })
    }
    await helper.unload()
    const sub = await connect(mqttUrl(hub))
    const box = inbox(sub)
    await sub.subscribeAsync(TOPIC, { qos: 1 })
    await helper.load(unsOutNode, [{ id: 'out', type: 'uns out', topic: TOPIC, unit: '', retain: false, qos: '1' }])
    helper.getNode('out').receive({ payload: 7 })
    assert.equal(JSON.parse((await box.next(TOPIC)).payload.toString()).value, 7)
    await sub.endAsync()
  })

  it('uns out wraps a bare value with timestamp and unit and publishes it into the namespace', async function () {
    const sub = await connect(mqttUrl(hub))
    const box = inbox(sub)
    await sub.subscribeAsync(TOPIC, { qos: 1 })
    await helper.load(unsOutNode, [{ id: 'out', type: 'uns out', topic: TOPIC, unit: 'NU', retain: false, qos: '1' }])
    const before = Date.now()
    helper.getNode('out').receive({ payload: 4711 })
    const m = JSON.parse((await box.next(TOPIC)).payload.toString())
    assert.equal(m.value, 4711)
    assert.equal(m.unit, 'NU')
    assert.ok(m.timestamp >= before && m.timestamp <= Date.now())
    await sub.endAsync()
  })

  it('uns out reports a topic outside the plant model as a node error, naming the reason', async function () {
    await helper.load(unsOutNode, [{ id: 'out', type: 'uns out', topic: '', unit: '', retain: false, qos: '1' }])
    const out = helper.getNode('out')
    const error = new Promise<string>((resolve) => out.on('call:error', (call: { args: unknown[] }) => resolve(String(call.args[0]))))
    out.receive({ topic: 'acme/dallas/press-shop/line-7/press-1/measurements/x', payload: 1 })
    assert.match(await error, /line-7/)
  })

  it('uns in delivers the retained value on deploy, then live messages with parsed JSON payloads', async function () {
    const pub = await connect(mqttUrl(hub))
    await pub.publishAsync(TOPIC, unsValue(100), { qos: 1, retain: true })
    await helper.load([unsInNode], [
      { id: 'in', type: 'uns in', topic: 'acme/dallas/press-shop/+/press-2/#', wires: [['sink']] },
      { id: 'sink', type: 'helper' }
    ])
    const sink = helper.getNode('sink')
    const retained = await nextMessage(sink)
    assert.equal(retained.topic, TOPIC)
    assert.equal(retained.retain, true)
    assert.equal(retained.payload.value, 100)
    const live = nextMessage(sink)
    await pub.publishAsync(TOPIC, unsValue(101), { qos: 1 })
    assert.equal((await live).payload.value, 101)
    await pub.publishAsync(TOPIC, '', { qos: 1, retain: true }) // clear the retained value for other tests
    await pub.endAsync()
  })
})
