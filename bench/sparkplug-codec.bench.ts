// Decode rate of a 10-metric DDATA payload (Double/Int64/Boolean/String mix, aliases, no names): this hub's codec
// against sparkplug-payload's decodePayload, measured in the same run so machine load affects both alike.

import * as sparkplugPayload from 'sparkplug-payload'
import { decodePayload, encodePayload } from '../sparkplug/codec'
import { DataType } from '../sparkplug/datatypes'
import type { SparkplugMetric } from '../sparkplug/types'
import type { Benchmark, BenchResult } from './bench-result'

/** Absolute target from the issue: at least this many 10-metric DDATA decodes per second on one core. */
const TARGET_RATE = 150000

const TS = 1700000000000

function ddata (): Buffer {
  const kinds: Array<[DataType, (i: number) => SparkplugMetric['value']]> = [
    [DataType.Double, (i) => 20.5 + i],
    [DataType.Int64, (i) => -123456789012n * BigInt(i + 1)],
    [DataType.Boolean, (i) => i % 2 === 0],
    [DataType.String, (i) => `state ${i}`]
  ]
  const metrics: SparkplugMetric[] = []
  for (let i = 0; i < 10; i++) {
    const [datatype, value] = kinds[i % kinds.length]!
    metrics.push({ alias: i + 1, timestamp: TS + i, datatype, value: value(i) })
  }
  return Buffer.from(encodePayload({ timestamp: TS, seq: 17, metrics }))
}

function rate (fn: (b: Buffer) => unknown, buf: Buffer, seconds: number): number {
  for (let i = 0; i < 20000; i++) fn(buf) // warm up
  const start = process.hrtime.bigint()
  const until = start + BigInt(Math.round(seconds * 1e9))
  let n = 0
  let now = start
  while (now < until) {
    for (let i = 0; i < 1000; i++) fn(buf)
    n += 1000
    now = process.hrtime.bigint()
  }
  return n / (Number(now - start) / 1e9)
}

export async function run (progress: (line: string) => void = () => {}): Promise<BenchResult[]> {
  const sp = sparkplugPayload.get('spBv1.0')!
  const buf = ddata()
  // Alternate the two codecs and keep each one's best round, to damp the noise of a shared machine.
  let ours = 0
  let theirs = 0
  for (let round = 0; round < 3; round++) {
    ours = Math.max(ours, rate((b) => decodePayload(b), buf, 1))
    theirs = Math.max(theirs, rate((b) => sp.decodePayload(b), buf, 1))
    progress(`round ${round + 1}: best so far ${Math.round(ours)} vs sparkplug-payload ${Math.round(theirs)} payloads/s`)
  }
  return [{
    name: 'sparkplug decode 10-metric DDATA',
    unit: 'payloads/s',
    value: Math.round(ours),
    baseline: Math.round(theirs),
    baselineName: 'sparkplug-payload decodePayload',
    ratio: Math.round((ours / theirs) * 1000) / 1000,
    target: `>= ${TARGET_RATE} payloads/s`,
    met: ours >= TARGET_RATE
  }]
}

export const benchmark: Benchmark = { title: 'Sparkplug B codec: decode', run }

if (require.main === module) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)), (err) => { console.error(err); process.exitCode = 1 })
}
