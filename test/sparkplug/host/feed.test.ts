// The host fed from the broker in process (host-types.ts SparkplugFeed, as the hub runs it) against the same host
// over its MQTT subscription alone: both on the hub's broker at once, the same edge node's births and data must give
// both the same metric events, once each, in the same order; also after the broker drops the fed host's connection
// and it reconnects (the old feed closed, a new one opened), and nothing once it has stopped.
import assert from 'node:assert/strict'
import type { Client } from 'aedes'
import { mqttUrl, startTestHub } from '../../support/hub-fixture'
import type { RunningHub } from '../../../hub/hub'
import { SparkplugHostApplication, type HostStateChange } from '../../../sparkplug/host/index'
import type { MetricUpdate } from '../../../sparkplug/host/session'
import { DT, TestEdgeNode, nextEvent, record, uniqueId } from './edge-node'

describe('Sparkplug host fed by the broker in process (pinned against its MQTT subscription)', function () {
  let hub: RunningHub
  let fed: SparkplugHostApplication
  let plain: SparkplugHostApplication
  let edge: TestEdgeNode

  before(async () => {
    hub = await startTestHub()
    fed = new SparkplugHostApplication({
      hostId: uniqueId('fed'), reconnectPeriodMs: 50,
      broker: { connect: () => hub.broker.connectInternal(), feed: async (f, on) => await hub.uns.subscribe(f, (m) => on(m.topic, m.payload)) }
    })
    plain = new SparkplugHostApplication({ hostId: uniqueId('plain'), broker: { connect: () => hub.broker.connectInternal() } })
    await Promise.all([fed.start(), plain.start()])
    edge = await TestEdgeNode.connect(mqttUrl(hub), 'plant', uniqueId('node'))
  })
  after(async () => {
    await edge.close()
    await Promise.all([fed.stop(), plain.stop()])
    await hub.stop()
  })

  const line = (u: MetricUpdate): string => `${u.edgeNodeId}/${u.deviceId ?? ''}/${u.name}=${String(u.value)} ${u.quality ?? ''}`

  /** Births (first time) or data from the edge node, until the plain host has seen `count` metric events. */
  async function exchange (send: () => Promise<void>, count: number, fedCount = count): Promise<{ fed: string[], plain: string[] }> {
    const a = record<MetricUpdate>(fed, 'metric')
    const b = record<MetricUpdate>(plain, 'metric')
    await send()
    const deadline = Date.now() + 5000
    while ((a.events.length < fedCount || b.events.length < count) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 100)) // anything extra (a message handled twice) arrives meanwhile
    a.stop(); b.stop()
    return { fed: a.events.map(line), plain: b.events.map(line) }
  }

  const data = async (from: number, n: number): Promise<void> => {
    for (let i = from; i < from + n; i++) await edge.send('NDATA', undefined, [{ alias: 1, datatype: DT.Double, doubleValue: i }])
  }

  it('gets the same metric events as over MQTT, once each, in order; again after its connection is dropped; none once stopped', async function () {
    const births = await exchange(() => edge.nbirth([{ name: 'Temperature', alias: 1, datatype: DT.Double, doubleValue: 20.5, timestamp: Date.now() }]), 3)
    assert.ok(births.plain.length >= 1, 'the plain host saw the birth')
    assert.deepEqual(births.fed, births.plain, 'birth: the same events')

    const first = await exchange(() => data(1, 50), 50)
    assert.equal(first.plain.length, 50, 'the plain host: one event per NDATA')
    assert.deepEqual(first.fed, first.plain, 'data: the same events, once each, in order')

    // The broker drops the fed host's connection: it reconnects (new CONNECT, new feed) and is online again; it has
    // lost the node's session, so it asks for a rebirth (NCMD), and the node births again.
    const offline = nextEvent<HostStateChange>(fed, 'status', (c) => c.status === 'CONNECTING')
    const online = nextEvent<HostStateChange>(fed, 'status', (c) => c.status === 'ONLINE', 10_000)
    const client = (hub.broker.aedes as unknown as { clients: Record<string, Client> }).clients[`sparkplug-host-${fed.hostId}`]
    assert.ok(client !== undefined, 'the fed host has an MQTT session on the broker')
    client.close()
    await offline
    await online
    const rebirth = edge.nextCommand()
    await edge.send('NDATA', undefined, [{ alias: 1, datatype: DT.Double, doubleValue: 50.5 }])
    assert.equal((await rebirth).topic, edge.topic('NCMD'), 'the reconnected host asks for a rebirth')
    const again = await exchange(async () => {
      await edge.nbirth([{ name: 'Temperature', alias: 1, datatype: DT.Double, doubleValue: 20.5, timestamp: Date.now() }])
      await data(51, 50)
    }, births.plain.length + 50)
    assert.equal(again.plain.length, births.plain.length + 50)
    assert.deepEqual(again.fed, again.plain, 'after the reconnect: once each (the old feed is closed), in order')

    await fed.stop()
    const after = await exchange(() => data(101, 5), 5, 0)
    assert.equal(after.plain.length, 5)
    assert.deepEqual(after.fed, [], 'a stopped host gets nothing from its feed')
  })
})
