// The peer of the ingest benchmark (bench/peer/bridge.ts) must do what a user's bridge does, or the benchmark compares
// the hub with a peer that skips work: aliases from the births, an NBIRTH starting the alias map over, 64-bit values.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { startBridge, type PeerBridge } from '../../bench/peer/bridge'
import { benchClient, startRawAedes, type BenchTarget } from '../../bench/bench-targets'
import { encodePayload } from '../../sparkplug/codec'
import { DataType } from '../../sparkplug/datatypes'

const DDATA = 'spBv1.0/g/DDATA/n1/d1'

describe('the peer bridge of the ingest benchmark', function () {
  let broker: BenchTarget
  let bridge: PeerBridge
  let edge: MqttClient
  let sub: MqttClient
  const seen: Array<{ topic: string, json: Record<string, unknown> }> = []

  before(async function () {
    broker = await startRawAedes()
    bridge = await startBridge(broker.url)
    sub = await benchClient(broker.url)
    await sub.subscribeAsync('acme/#', { qos: 0 })
    sub.on('message', (topic, payload) => seen.push({ topic, json: JSON.parse(payload.toString()) as Record<string, unknown> }))
    edge = await benchClient(broker.url)
  })

  after(async function () {
    await edge.endAsync()
    await sub.endAsync()
    await bridge.stop()
    await broker.stop()
  })

  const publish = (topic: string, metrics: Parameters<typeof encodePayload>[0]['metrics']): void => {
    edge.publish(topic, Buffer.from(encodePayload({ timestamp: 1_700_000_000_000, metrics })), { qos: 0 })
  }

  async function arrivals (n: number): Promise<Array<{ topic: string, json: Record<string, unknown> }>> {
    const from = seen.length
    while (seen.length < from + n) await new Promise((r) => setTimeout(r, 10))
    return seen.slice(from, from + n)
  }

  it('republishes a DDATA metric sent by alias under the name its DBIRTH declared, as UNS JSON', async function () {
    publish('spBv1.0/g/NBIRTH/n1', [{ name: 'bdSeq', datatype: DataType.Int64, value: 0n }])
    publish('spBv1.0/g/DBIRTH/n1/d1', [{ name: 'Die Temperature', alias: 7, datatype: DataType.Double, value: 1.5 }, { name: 'Strokes', alias: 8, datatype: DataType.Int64, value: 1n }])
    await arrivals(3)
    publish(DDATA, [{ alias: 7, datatype: DataType.Double, value: 21.5, timestamp: 1_700_000_000_123 }, { alias: 8, datatype: DataType.Int64, value: 9_007_199_254_740_993n }])
    const [temp, strokes] = await arrivals(2)
    assert.deepEqual(temp, { topic: 'acme/g/n1/d1/measurements/die-temperature', json: { value: 21.5, timestamp: 1_700_000_000_123, quality: 'GOOD', properties: { datatype: 'Double' } } })
    // Above 2^53 a number would be rounded: the decimal text keeps it.
    assert.deepEqual(strokes, { topic: 'acme/g/n1/d1/measurements/strokes', json: { value: '9007199254740993', timestamp: 1_700_000_000_000, quality: 'GOOD', properties: { datatype: 'Int64' } } })
  })

  it('forgets the aliases of a node at its next NBIRTH, until its devices are born again', async function () {
    const unknownBefore = bridge.stats.unknownAlias
    publish('spBv1.0/g/NBIRTH/n1', [{ name: 'bdSeq', datatype: DataType.Int64, value: 1n }])
    await arrivals(1)
    publish(DDATA, [{ alias: 7, datatype: DataType.Double, value: 3 }])
    publish('spBv1.0/g/DBIRTH/n1/d1', [{ name: 'Oil Pressure', alias: 7, datatype: DataType.Float, value: 2 }])
    publish(DDATA, [{ alias: 7, datatype: DataType.Float, value: 4 }])
    const [birth, data] = await arrivals(2)
    assert.equal(birth!.topic, 'acme/g/n1/d1/measurements/oil-pressure')
    assert.deepEqual(data, { topic: 'acme/g/n1/d1/measurements/oil-pressure', json: { value: 4, timestamp: 1_700_000_000_000, quality: 'GOOD', properties: { datatype: 'Float' } } })
    assert.equal(bridge.stats.unknownAlias, unknownBefore + 1)
  })
})
