// QoS 1 publishes to an offline persistent session: every message is stored before its PUBACK. The hub with
// mqtt.persistence.sync off (LevelDB, PUBACK once the write has resolved: a process crash loses nothing) beside
// raw aedes with in-memory persistence, and the hub with sync on (fsync before the PUBACK: a power loss loses
// nothing) beside sync off, all in the same run.
import type { Benchmark, BenchResult } from './bench-result'
import { secondsSince } from './stats'
import { benchClient, startBenchHub, startRawAedes, type BenchTarget } from './bench-targets'

const PUBLISHERS = 4
const IN_FLIGHT_PER_PUBLISHER = 32
const SECONDS = 3
const TOPIC = 'acme/dallas/press-shop/line-1/press-1/measurements/durable'

/** Acknowledged QoS 1 messages per second, queued for one offline persistent session, over SECONDS. */
async function ackedRate (url: string): Promise<number> {
  const session = await benchClient(url, { clientId: 'bench-offline-session', clean: false })
  await session.subscribeAsync('acme/#', { qos: 1 })
  await session.endAsync()
  const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, () => benchClient(url)))
  let acked = 0
  const t0 = process.hrtime.bigint()
  const deadline = Date.now() + SECONDS * 1000
  const payload = JSON.stringify({ value: 1, timestamp: Date.now() })
  await Promise.all(publishers.flatMap((c) => Array.from({ length: IN_FLIGHT_PER_PUBLISHER }, async () => {
    while (Date.now() < deadline) {
      await c.publishAsync(TOPIC, payload, { qos: 1 })
      acked++
    }
  })))
  const rate = acked / secondsSince(t0)
  await Promise.all(publishers.map((c) => c.endAsync()))
  return rate
}

export const benchmark: Benchmark = {
  title: `QoS 1 to an offline persistent session (${PUBLISHERS} publishers, ${IN_FLIGHT_PER_PUBLISHER} in flight each): stored before PUBACK`,
  async run (progress) {
    const measure = async (name: string, make: () => Promise<BenchTarget>): Promise<number> => {
      const t = await make()
      try {
        const rate = await ackedRate(t.url)
        progress(`${name}: ${Math.round(rate).toLocaleString('en-US')} acknowledged msg/s`)
        return rate
      } finally {
        await t.stop()
      }
    }
    progress('warm-up: one unmeasured run on raw aedes and on the hub')
    await measure('warm-up raw aedes', startRawAedes)
    await measure('warm-up hub', () => startBenchHub())
    const raw = await measure('raw aedes, in-memory persistence', startRawAedes)
    const off = await measure('hub, mqtt.persistence.sync false', () => startBenchHub())
    const on = await measure('hub, mqtt.persistence.sync true', () => startBenchHub((c) => { c.mqtt.persistence.sync = true }))
    const results: BenchResult[] = [
      { name: 'QoS 1 stored before PUBACK, sync off', unit: 'msg/s', value: off, baseline: raw, baselineName: 'raw aedes, in-memory', ratio: off / raw },
      { name: 'QoS 1 stored before PUBACK, sync on (fsync)', unit: 'msg/s', value: on, baseline: off, baselineName: 'hub, sync off', ratio: on / off }
    ]
    return results
  }
}
