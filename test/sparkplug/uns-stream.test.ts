// Sparkplug to UNS once: the UNS bridge (what an MQTT subscriber receives), the `sparkplug in` node's feed and the
// MES machine events read one stream of updates, so they see one placement of a metric: the same topic, the same
// owner, the same JSON value, the same unit from the birth.
import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import { connect, inbox, mqttUrl } from '../support/hub-fixture'
import { demoOrder, forEachHubStore } from '../mes/hub-stores'
import { DT, TestEdgeNode, nextEvent } from './host/edge-node'
import { SparkplugMetricFeed, type MetricFeedMessage } from '../../nodes/sparkplug-in/metric-feed'
import type { MetricUpdate } from '../../sparkplug/host/session'
import type { MetricOrigin, UnsUpdate } from '../../uns/uns-update'

const PRESS_1 = 'acme/dallas/press-shop/line-1/press-1'
const STROKES = `${PRESS_1}/measurements/strokes`
const SUPERVISOR = { who: 'supervisor.sue' }

forEachHubStore('one stream of UNS updates from Sparkplug', (ctx) => {
  it('the bridge, the sparkplug in feed and machine events see the same placement of a metric', async function () {
    const { hub, mes } = ctx()
    const sparkplug = hub.sparkplug!
    const host = sparkplug.host as unknown as EventEmitter
    const watcher = await connect(mqttUrl(hub))
    const box = inbox(watcher)
    await watcher.subscribeAsync(`${PRESS_1}/measurements/#`, { qos: 0 })
    const fed: MetricFeedMessage[] = []
    const feed = new SparkplugMetricFeed({ stream: sparkplug.stream, host: sparkplug.host, namespace: hub.uns.namespace },
      { filter: `${PRESS_1}/measurements/strokes`, onlyChanges: false }, (m) => fed.push(m))
    feed.start()
    // What the stream hands on, copied (the update object is the stream's own, filled anew per metric).
    const seen: Array<{ topic: string, value: unknown, unit: string | undefined, source: MetricOrigin }> = []
    const spy = (u: UnsUpdate): void => { if (u.topic === STROKES) seen.push({ topic: u.topic, value: u.value, unit: u.unit, source: u.source }) }
    sparkplug.stream.onUpdate(spy)
    const edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', 'press-line-1', 40)
    try {
      await edge.nbirth([])
      const born = nextEvent<MetricUpdate>(host, 'metric', (u) => u.deviceId === 'press-1' && u.name === 'Strokes')
      await edge.send('DBIRTH', 'press-1', [
        { name: 'Strokes', alias: 11, datatype: DT.Int64, longValue: '9007199254740993', properties: { keys: ['engUnit'], values: [{ type: DT.String, stringValue: 'strokes' }] } },
        { name: 'State', alias: 12, datatype: DT.String, stringValue: 'RUNNING' }
      ])
      await born
      await mes.workOrders.create(demoOrder('8101'), { who: 'erp:SAP' })
      await mes.workOrders.release('8101', SUPERVISOR)
      const job = await mes.dispatch.dispatchOperation('8101', 10, 'PRESS01', SUPERVISOR)
      await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op.oscar' })

      const heard = nextEvent<MetricUpdate>(host, 'metric', (u) => u.deviceId === 'press-1' && u.name === 'Strokes' && String(u.value) === '9007199254740997')
      await edge.send('DDATA', 'press-1', [{ alias: 11, datatype: DT.Int64, longValue: '9007199254740997' }])
      await heard
      await hub.mes.machineEvents!.flush()

      // The bridge: the UNS message on the placed topic, its source the owner's id, its unit the birth's.
      const published = JSON.parse((await box.next(STROKES)).payload.toString()) as { value: unknown, unit?: string, properties: { source: string } }
      const live = JSON.parse((await box.next(STROKES)).payload.toString()) as { value: unknown, unit?: string, properties: { source: string } }
      assert.deepEqual([published.value, live.value], ['9007199254740993', '9007199254740997'])
      assert.equal(live.unit, 'strokes')
      // The stream: one owner object for the topic, the same for every update and for the commands' lookup.
      assert.equal(seen.length, 2)
      assert.equal(seen[0]!.source, seen[1]!.source)
      assert.equal(sparkplug.stream.ownerOf(STROKES), seen[0]!.source)
      assert.equal(live.properties.source, seen[1]!.source.id)
      assert.equal(seen[1]!.source.id, 'spBv1.0/dallas/press-line-1/press-1#Strokes')
      // The feed: the same topic, value, unit and source.
      assert.deepEqual(fed.map((m) => [m.topic, m.payload.value, m.payload.unit]), [[STROKES, '9007199254740993', 'strokes'], [STROKES, '9007199254740997', 'strokes']])
      assert.deepEqual(fed[1]!.payload.source, { groupId: 'dallas', edgeNodeId: 'press-line-1', deviceId: 'press-1', name: 'Strokes' })
      // Machine events: the same update (64-bit decimal text, never rounded) is 4 good parts on the running job.
      assert.equal((await mes.wip.getJob(job.jobId)).goodQuantity, 4)
      // The namespace the bridge keeps: the placed topic, the owner's source id.
      const entry = hub.uns.lastValue(STROKES)
      assert.deepEqual([entry?.value, entry?.source, entry?.unit, entry?.datatype], ['9007199254740997', seen[1]!.source.id, 'strokes', 'Int64'])
    } finally {
      sparkplug.stream.offUpdate(spy)
      feed.stop()
      await edge.close()
      await watcher.endAsync()
    }
  })
}, { patch: (c) => { c.sparkplug.enabled = true } })
