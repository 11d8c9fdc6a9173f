// After a restart the host knows no Sparkplug session, but the broker's store still holds the retained UNS topics the
// bridge wrote before: a session health that says ONLINE and metrics that say GOOD, for machines that may have died
// with the hub (kill -9 of both; their NDEATH Wills reach a host that has no birth to match them with). Before the
// host goes online, every retained topic the bridge wrote (properties.source starts with 'spBv1.0/') is published
// again as what the hub knows now: sessions OFFLINE, metrics STALE (reason HUB_RESTART), until a birth says otherwise.
import type { PlantModel } from '../plant/plant-model'
import { parseUnsTopic } from '../plant/uns-topic'
import type { Logger } from '../core/logger'
import type { UnsPort } from '../uns/uns-port'
import { isSparkplugSource } from './source-id'

export const HUB_RESTART = 'HUB_RESTART'
const SESSION_TAG = 'sparkplug-session'

interface RetainedUns {
  value?: unknown
  timestamp?: number
  quality?: string
  unit?: string
  properties?: { source?: unknown, datatype?: unknown }
}

/** Marks the retained Sparkplug-sourced topics OFFLINE/STALE; resolves with how many it changed. */
export async function markRetainedSparkplugStale (opts: { model: PlantModel, uns: UnsPort, log: Logger }): Promise<number> {
  const { model, uns, log } = opts
  const namespace = uns.namespace
  const now = Date.now()
  const changed: Array<{ topic: string, payload: string }> = []
  for await (const { topic, payload } of uns.retainedMatching(`${model.enterprise.topic}/#`)) {
    let msg: RetainedUns
    try {
      msg = JSON.parse(payload.toString('utf8')) as RetainedUns
    } catch {
      continue // not the bridge's
    }
    const source = msg?.properties?.source
    if (typeof source !== 'string' || !isSparkplugSource(source)) continue
    if (topic.endsWith('/' + SESSION_TAG)) {
      const health = msg.value as { online?: unknown } | null
      if (health === null || typeof health !== 'object' || health.online !== true) continue
      const value = { ...health, state: 'OFFLINE', online: false, since: now, stale: { reason: HUB_RESTART, at: now } }
      changed.push({ topic, payload: JSON.stringify({ ...msg, value, timestamp: now }) })
      continue
    }
    if (msg.quality === 'STALE') continue
    changed.push({ topic, payload: JSON.stringify({ ...msg, timestamp: now, quality: 'STALE' }) })
    const place = parseUnsTopic(model, topic)
    if (place.ok && namespace.get(topic) === undefined) {
      namespace.set({
        topic, equipment: place.equipment.topic, kind: place.kind, tag: place.tag,
        datatype: typeof msg.properties?.datatype === 'string' ? msg.properties.datatype : 'Unknown',
        value: msg.value, timestamp: now, quality: 'STALE', unit: msg.unit, source, staleReason: HUB_RESTART
      })
    }
  }
  // Published after the scan: a retained stream is not changed while it is read. These are the hub's own messages,
  // re-marked as the hub now knows them, so they take the fast path for hub-built messages, not the rules of a
  // publish: a plant model changed since they were written (equipment renamed, removed) must not leave them GOOD.
  let marked = 0
  for (const c of changed) {
    const payload = Buffer.from(c.payload)
    try {
      await uns.storeRetained(c.topic, payload)
      uns.publishLive(c.topic, payload)
      marked++
    } catch (err) {
      log.warn(`retained ${c.topic} not marked STALE: ${(err as Error).message}`)
    }
  }
  if (marked > 0) log.info(`${marked} retained Sparkplug topics marked OFFLINE/STALE until their edge nodes birth again (hub restart)`)
  return marked
}
