// The OPC UA collector as a user meets it: a plant model binds a press's OPC UA variables, the hub starts, and the
// values are in the namespace and on MQTT. The machine reboots, a switch silently drops the line, a binding names a
// node that does not exist, an endpoint has nothing behind it: values go STALE and come back by themselves, and
// what is wrong is said on the session status topic, on $hub/errors and in the log.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { MqttClient } from 'mqtt'
import { connect, mqttUrl, tempDir, testConfig } from '../../../support/hub-fixture'
import { startHub, type RunningHub } from '../../../../hub/hub'
import { createLogger } from '../../../../core/logger'
import { freePort, OpcUaMachine } from './opcua-machine'
import { SilentCutProxy } from './tcp-proxy'

const PRESS_1 = 'acme/dallas/press-shop/line-1/press-1'
const PRESS_2 = 'acme/dallas/press-shop/line-1/press-2'
const PRESS_3 = 'acme/dallas/press-shop/line-1/press-3'

function plantModel (press1: string, press2: string, press3: string): string {
  return `version: 1
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
              - id: press-1
                name: Press 1
                kind: WorkCell
                opcua:
                  endpoint: '${press1}'
                  nodeId: 'ns=1;s=Press'
                  nodes:
                    - { nodeId: 'ns=1;s=Press.Temperature', tag: temperature, unit: CEL }
                    - { nodeId: 'ns=1;s=Press.Strokes', tag: strokes }
                    - { browsePath: '/1:Running', tag: running, kind: state }
                    - { nodeId: 'ns=1;s=Press.Program', tag: program, kind: state }
                    - { nodeId: 'ns=1;s=Press.NoSuchThing', tag: ghost }
              - id: press-2
                name: Press 2 (behind a switch)
                kind: WorkCell
                opcua:
                  endpoint: '${press2}'
                  nodes:
                    - { nodeId: 'ns=1;s=Press.Temperature', tag: temperature, unit: CEL }
              - id: press-3
                name: Press 3 (not there)
                kind: WorkCell
                opcua:
                  endpoint: '${press3}'
                  nodes:
                    - { nodeId: 'ns=1;s=Press.Temperature', tag: temperature }
`
}

interface Payload { value: any, timestamp: number, quality: string, unit?: string, properties?: Record<string, any> }

/** Polls until `get` returns something that `ok` accepts. */
async function until<T> (what: string, get: () => T, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = get()
    if (ok(v)) return v
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(v)})`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The last message of each topic a client received. */
function lastMessages (client: MqttClient): Map<string, Payload> {
  const last = new Map<string, Payload>()
  client.on('message', (topic, payload) => { if (payload.length > 0) last.set(topic, JSON.parse(payload.toString()) as Payload) })
  return last
}

describe('OPC UA collector: a press that speaks OPC UA feeds the namespace', function () {
  this.timeout(120_000)
  let dir: string
  let port1: number
  let machine1: OpcUaMachine
  let machine2: OpcUaMachine
  let proxy: SilentCutProxy
  let hub: RunningHub
  let mqtt: MqttClient
  let seen: Map<string, Payload>
  const logLines: string[] = []

  before(async () => {
    dir = tempDir('opcua-collector-')
    port1 = await freePort()
    machine1 = await OpcUaMachine.start(port1, dir)
    machine2 = await OpcUaMachine.start(await freePort(), dir)
    proxy = await SilentCutProxy.start(machine2.port)
    const nobody = await freePort()
    const file = path.join(dir, 'plant.yaml')
    fs.writeFileSync(file, plantModel(machine1.endpoint, `opc.tcp://127.0.0.1:${proxy.port}`, `opc.tcp://127.0.0.1:${nobody}`))
    const config = testConfig(path.join(dir, 'data'), (c) => {
      c.plantModel = file
      Object.assign(c.opcua.collector, {
        enabled: true,
        publishingIntervalMs: 100, samplingIntervalMs: 50, keepAliveCount: 3, watchdogKeepAlives: 3,
        requestTimeoutMs: 2000, reconnectDelayMs: 200, reconnectMaxDelayMs: 1000
      })
    })
    // The hub's own logger, kept: what the collector says is part of what the user sees.
    hub = await startHub(config, createLogger('debug', 'hub', (line) => logLines.push(line)))
    mqtt = await connect(mqttUrl(hub))
    seen = lastMessages(mqtt)
    await mqtt.subscribeAsync(['acme/#', '$hub/errors/#'])
  })

  after(async () => {
    if (process.env.SHOW_LOG) console.log(logLines.join('\n'))
    await mqtt?.endAsync()
    await hub?.stop()
    await proxy?.close()
    await machine1?.stop()
    await machine2?.stop()
  })

  it('values arrive in the namespace and over MQTT, with unit, datatype and source', async () => {
    const entry = await until('temperature in the namespace', () => hub.uns.lastValue(`${PRESS_1}/measurements/temperature`), (e) => e?.quality === 'GOOD')
    assert.equal(entry!.datatype, 'Double')
    assert.equal(entry!.unit, 'CEL')
    assert.equal(entry!.source, `opcua:${machine1.endpoint}#ns=1;s=Press.Temperature`)
    assert.equal(typeof entry!.value, 'number')

    const msg = await until('temperature over MQTT', () => seen.get(`${PRESS_1}/measurements/temperature`), (m) => m?.quality === 'GOOD')
    assert.equal(msg!.unit, 'CEL')
    assert.deepEqual(msg!.properties, { datatype: 'Double', source: `opcua:${machine1.endpoint}#ns=1;s=Press.Temperature` })

    // A UInt64 is a decimal string (the hub's convention); the browse path from the press's node found Running.
    const strokes = await until('strokes', () => seen.get(`${PRESS_1}/measurements/strokes`), (m) => m !== undefined)
    assert.equal(strokes!.properties!.datatype, 'UInt64')
    assert.match(strokes!.value as string, /^\d+$/)
    const running = await until('running', () => seen.get(`${PRESS_1}/state/running`), (m) => m !== undefined)
    assert.equal(running!.value, true)
    assert.equal(hub.uns.lastValue(`${PRESS_1}/state/program`)?.value, 'P-100')

    // Values keep changing: the subscription is live.
    const first = Number(strokes!.value)
    await until('strokes counting', () => seen.get(`${PRESS_1}/measurements/strokes`), (m) => Number(m!.value) > first + 2)
  })

  it('the session status is retained on state/opcua-session; a node the server does not know is reported and the rest works', async () => {
    const status = await until('press-1 status', () => seen.get(`${PRESS_1}/state/opcua-session`), (m) => m?.value.state === 'connected')
    assert.equal(status!.value.endpoint, machine1.endpoint)
    assert.equal(status!.value.connected, true)
    // Five items in calls of at most two (the machine's MaxMonitoredItemsPerCall refuses more in one call).
    assert.deepEqual(status!.value.items, { ok: 4, bad: 1, pending: 0 })
    assert.equal(status!.value.badItems[0].tag, 'measurements/ghost')
    assert.match(status!.value.badItems[0].reason, /ns=1;s=Press.NoSuchThing: BadNodeIdUnknown/)

    const report = await until('report on $hub/errors', () => seen.get(`$hub/errors/${PRESS_1}/measurements/ghost`), (m) => m !== undefined) as unknown as Record<string, any>
    assert.equal(report.error, 'OPCUA_BINDING')
    assert.match(report.reason, /gets no values \(the other variables are not affected\)/)
    assert.ok(logLines.some((l) => l.includes('WARN') && l.includes('NoSuchThing')), 'the log says it too')
    assert.equal(hub.uns.lastValue(`${PRESS_1}/measurements/ghost`), undefined)

    // An endpoint with nothing behind it: disconnected, with the reason, retried; the other presses are not held up.
    const dead = await until('press-3 status', () => seen.get(`${PRESS_3}/state/opcua-session`), (m) => m?.value.state === 'disconnected')
    assert.match(dead!.value.lastError, /ECONNREFUSED|connect/i)
    assert.equal(dead!.value.connected, false)
    assert.equal((await until('press-2 temperature', () => hub.uns.lastValue(`${PRESS_2}/measurements/temperature`), (e) => e?.quality === 'GOOD'))!.datatype, 'Double')
  })

  it('the machine reboots: its values go STALE, then live again with no manual step', async () => {
    const topic = `${PRESS_1}/measurements/temperature`
    const reconnectsBefore = seen.get(`${PRESS_1}/state/opcua-session`)!.value.reconnects as number
    await machine1.stop()

    const stale = await until('STALE in the namespace', () => hub.uns.lastValue(topic), (e) => e?.quality === 'STALE')
    assert.match(stale!.staleReason!, new RegExp(`OPC UA server ${machine1.endpoint} not reachable`))
    const msg = await until('STALE over MQTT', () => seen.get(topic), (m) => m?.quality === 'STALE')
    assert.equal(typeof msg!.value, 'number', 'the last value stays, marked STALE')
    assert.equal(msg!.properties!.staleReason, stale!.staleReason)
    const down = await until('status disconnected', () => seen.get(`${PRESS_1}/state/opcua-session`), (m) => m?.value.state === 'disconnected')
    assert.ok(down!.value.lastError)
    // The press behind the switch is another session: it stays live.
    assert.equal(hub.uns.lastValue(`${PRESS_2}/measurements/temperature`)?.quality, 'GOOD')

    machine1 = await OpcUaMachine.start(port1, dir)
    await until('GOOD again in the namespace', () => hub.uns.lastValue(topic), (e) => e?.quality === 'GOOD')
    await until('GOOD again over MQTT', () => seen.get(topic), (m) => m?.quality === 'GOOD')
    const up = await until('status connected', () => seen.get(`${PRESS_1}/state/opcua-session`), (m) => m?.value.state === 'connected')
    assert.ok(up!.value.reconnects > reconnectsBefore, 'a new session, counted')
    assert.deepEqual(up!.value.items, { ok: 4, bad: 1, pending: 0 })
    // New subscriptions deliver: the restarted machine counts from zero again.
    await until('strokes from the new machine', () => seen.get(`${PRESS_1}/measurements/strokes`), (m) => m?.quality === 'GOOD' && Number(m.value) < 1000)
  })

  it('a subscription the server dropped while the session lives: the watchdog notices and rebuilds it on the same session', async () => {
    const topic = `${PRESS_1}/measurements/strokes`
    await until('press-1 live', () => seen.get(`${PRESS_1}/state/opcua-session`), (m) => m?.value.state === 'connected')
    const reconnects = seen.get(`${PRESS_1}/state/opcua-session`)!.value.reconnects as number
    assert.equal(machine1.dropSubscriptions(), 1)

    const stale = await until('STALE once silent', () => hub.uns.lastValue(topic), (e) => e?.quality === 'STALE')
    assert.match(stale!.staleReason!, /subscription silent \(no data and no keep-alive for 900 ms\)/)
    const strokes = machine1.strokes
    await until('GOOD again, new values', () => hub.uns.lastValue(topic), (e) => e?.quality === 'GOOD' && Number(e.value) >= strokes)
    const status = await until('status connected', () => seen.get(`${PRESS_1}/state/opcua-session`), (m) => m?.value.state === 'connected')
    assert.equal(status!.value.reconnects, reconnects, 'the same session: no reconnection was needed')
  })

  it('the line is cut without closing it: the watchdog notices, values go STALE, and come back when it forwards again', async () => {
    const topic = `${PRESS_2}/measurements/temperature`
    await until('press-2 live', () => hub.uns.lastValue(topic), (e) => e?.quality === 'GOOD')
    proxy.cut()
    const stale = await until('STALE after the cut', () => hub.uns.lastValue(topic), (e) => e?.quality === 'STALE')
    assert.match(stale!.staleReason!, /silent|not reachable/)
    assert.ok(logLines.some((l) => l.includes('subscription silent')), 'the watchdog said why')
    await until('status not connected', () => seen.get(`${PRESS_2}/state/opcua-session`), (m) => m?.value.state !== 'connected')

    proxy.restore()
    await until('GOOD again after the cut', () => hub.uns.lastValue(topic), (e) => e?.quality === 'GOOD', 30_000)
    await until('status connected', () => seen.get(`${PRESS_2}/state/opcua-session`), (m) => m?.value.state === 'connected')
  })
})
