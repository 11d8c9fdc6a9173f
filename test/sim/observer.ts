// A Sparkplug observer for the simulator tests: an MQTT client on spBv1.0/#, recording every message with its QoS
// and retain flag, decoding payloads with the alias -> datatype table learnt from the births (as a host would).
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { connect } from '../support/hub-fixture'
import { decodePayload, encodePayload, DataType } from '../../sparkplug/index'
import type { SparkplugPayload, MetricValue } from '../../sparkplug/index'

export interface Observed {
  topic: string
  type: string
  node: string
  device?: string
  qos: number
  retain: boolean
  raw: Buffer
  payload: SparkplugPayload
}

export class SparkplugObserver {
  readonly messages: Observed[] = []
  /** Payloads that did not decode, and a lost connection: a test failing on a timeout shows these. */
  readonly errors: string[] = []
  private readonly waiters: Array<{ match: (m: Observed) => boolean, resolve: (m: Observed) => void }> = []
  /** Per edge node: alias -> datatype, from the last NBIRTH and DBIRTHs. */
  private readonly types = new Map<string, Map<number, DataType>>()
  private cursor = 0

  private constructor (readonly client: MqttClient) {}

  static async start (url: string, filter = 'spBv1.0/#'): Promise<SparkplugObserver> {
    const client = await connect(url)
    const o = new SparkplugObserver(client)
    client.on('message', (topic, payload, packet) => {
      try {
        o.record(topic, payload, packet.qos, packet.retain)
      } catch (err) {
        o.errors.push(`${topic}: ${(err as Error).message}`)
      }
    })
    client.on('close', () => o.errors.push('observer connection closed'))
    await client.subscribeAsync(filter, { qos: 1 })
    return o
  }

  private record (topic: string, raw: Buffer, qos: number, retain: boolean): void {
    const [, group, type = '', node = '', device] = topic.split('/')
    if (group === 'STATE') return
    const table = this.types.get(node) ?? new Map<number, DataType>()
    this.types.set(node, table)
    let payload: SparkplugPayload
    if (type === 'NBIRTH' || type === 'DBIRTH') {
      payload = decodePayload(raw)
      if (type === 'NBIRTH') table.clear()
      for (const m of payload.metrics) if (m.alias !== undefined && m.datatype !== undefined) table.set(Number(m.alias), m.datatype)
    } else {
      payload = decodePayload(raw, { datatypeOf: (m) => m.alias !== undefined ? table.get(Number(m.alias)) : (m.name === 'Node Control/Rebirth' ? DataType.Boolean : undefined) })
    }
    const m: Observed = { topic, type, node, device, qos, retain, raw, payload }
    this.messages.push(m)
    const i = this.waiters.findIndex((w) => w.match(m))
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m)
  }

  /** The next message (after the ones already taken by next()) that matches. */
  next (match: (m: Observed) => boolean, timeoutMs = 5000): Promise<Observed> {
    for (let i = this.cursor; i < this.messages.length; i++) {
      if (match(this.messages[i]!)) { this.cursor = i + 1; return Promise.resolve(this.messages[i]!) }
    }
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (m: Observed) => { clearTimeout(timer); this.cursor = this.messages.length; resolve(m) } }
      const timer = setTimeout(() => {
        // A waiter that gave up must not take a later message from the next one.
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        reject(new Error(`no matching Sparkplug message within ${timeoutMs} ms; ${this.describe()}`))
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  /**
   * One message for each matcher, in whatever order they arrive (messages of different edge nodes come over
   * different connections: their relative order is not fixed), after the ones already taken by next().
   */
  async nextEach (matches: Array<(m: Observed) => boolean>, timeoutMs = 5000): Promise<Observed[]> {
    const from = this.cursor
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = matches.map((match) => this.messages.findIndex((m, i) => i >= from && match(m)))
      if (found.every((i) => i >= 0)) {
        this.cursor = Math.max(...found) + 1
        return found.map((i) => this.messages[i]!)
      }
      if (Date.now() > deadline) throw new Error(`not every expected Sparkplug message within ${timeoutMs} ms; ${this.describe()}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  private describe (): string {
    return `seen ${this.messages.length}, first: ${this.messages.slice(0, 6).map((x) => x.topic).join(', ')}; last: ${this.messages.slice(-5).map((x) => x.topic).join(', ')}; observer errors: ${this.errors.join('; ') || 'none'}`
  }

  /** Messages from an edge node (NDEATH excluded), in arrival order. */
  from (node: string): Observed[] {
    return this.messages.filter((m) => m.node === node && m.type !== 'NDEATH')
  }

  /** Skips everything seen so far. */
  mark (): void { this.cursor = this.messages.length }

  async stop (): Promise<void> {
    this.client.removeAllListeners('close')
    await this.client.endAsync()
  }
}

export const is = (type: string, node?: string, device?: string) => (m: Observed): boolean =>
  m.type === type && (node === undefined || m.node === node) && (device === undefined || m.device === device)

export function metric (p: SparkplugPayload, name: string) {
  const m = p.metrics.find((x) => x.name === name)
  assert.ok(m, `no metric '${name}' in ${p.metrics.map((x) => x.name).join(', ')}`)
  return m
}

export function bdSeqOf (p: SparkplugPayload): bigint {
  const m = metric(p, 'bdSeq')
  assert.equal(m.datatype, DataType.Int64)
  return m.value as bigint
}

/** A command (NCMD/DCMD) as a host application sends it: QoS 0, timestamp, no seq. */
export function command (metrics: Array<{ name?: string, alias?: number, datatype: DataType, value: MetricValue }>): Buffer {
  return Buffer.from(encodePayload({ timestamp: Date.now(), metrics: metrics.map((m) => ({ ...m })) }, { omitDatatype: true }))
}
