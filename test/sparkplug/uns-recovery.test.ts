// After a restart the retained Sparkplug values the hub wrote before are marked STALE (sessions OFFLINE) until a
// birth, also where the plant model has changed since they were written: a value left GOOD for equipment the model
// no longer has would be the one message nobody corrects.
import assert from 'node:assert/strict'
import type { RunningHub } from '../../hub/hub'
import { silentLogger } from '../../core/logger'
import { markRetainedSparkplugStale } from '../../sparkplug/uns-recovery'
import { startTestHub } from '../support/hub-fixture'

const KNOWN = 'acme/dallas/press-shop/line-1/press-1/measurements/die-temperature'
const RENAMED = 'acme/dallas/press-shop/line-9/press-1/measurements/die-temperature'
const SOURCE = 'spBv1.0/dallas/press-line-1/press-1#Die Temperature'

async function retainedOf (hub: RunningHub, topic: string): Promise<{ quality?: string, value?: unknown } | undefined> {
  const b = await hub.uns.retained(topic)
  return b === undefined ? undefined : JSON.parse(b.toString()) as { quality?: string, value?: unknown }
}

describe('Sparkplug values retained before a restart', function () {
  let hub: RunningHub
  before(async function () { hub = await startTestHub() })
  after(async function () { await hub.stop() })

  it('are marked STALE, on topics of the plant model and on topics it no longer has, and counted', async function () {
    const value = (v: number): Buffer => Buffer.from(JSON.stringify({ value: v, timestamp: 1, quality: 'GOOD', properties: { datatype: 'Double', source: SOURCE } }))
    // As the bridge of an earlier run wrote them (in-process, before this model renamed line-9).
    await hub.broker.publish(KNOWN, value(180.5), { qos: 1, retain: true })
    await hub.broker.publish(RENAMED, value(99.5), { qos: 1, retain: true })
    const marked = await markRetainedSparkplugStale({ model: hub.model, uns: hub.uns, log: silentLogger })
    assert.equal(marked, 2)
    for (const [topic, v] of [[KNOWN, 180.5], [RENAMED, 99.5]] as const) {
      const after = await retainedOf(hub, topic)
      assert.equal(after?.quality, 'STALE', `${topic} is STALE`)
      assert.equal(after?.value, v, `${topic} keeps its last value`)
    }
    assert.equal(hub.uns.lastValue(KNOWN)?.quality, 'STALE')
  })
})
