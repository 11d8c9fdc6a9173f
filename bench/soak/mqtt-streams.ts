// The soak's MQTT streams, each a real mqtt.js client that reconnects by itself after a kill of the hub:
//   - a persistent (clean: false) QoS 1 subscriber on acme/#, which counts the Sparkplug metrics arriving as UNS JSON
//     and keeps every numbered message it receives (duplicates and out-of-order arrivals counted);
//   - a QoS 1 publisher of numbered UNS messages, which keeps the numbers the hub PUBACKed: a PUBACKed number the
//     subscriber never receives is acknowledged-but-lost;
//   - a ping: a QoS 0 publish to a topic the same client subscribes to, timed until it comes back.
import mqtt, { type MqttClient } from 'mqtt'
import { LOAD_EDGE_PREFIX } from './sparkplug-load'

export const SEQUENCE_TOPIC = 'acme/dallas/press-shop/line-1/press-1/events/soak-sequence'
export const PING_TOPIC = 'acme/dallas/press-shop/line-1/press-1/events/soak-ping'
const METRIC_MARK = `/measurements/${LOAD_EDGE_PREFIX}`
const RECONNECT_MS = 500
/** A ping that has not come back after this long is counted lost and forgotten. */
const PING_GIVE_UP_MS = 10_000

function client (url: string, clientId: string, clean: boolean): MqttClient {
  const c = mqtt.connect(url, { clientId, clean, reconnectPeriod: RECONNECT_MS, connectTimeout: 5000, keepalive: 30, queueQoSZero: false })
  c.on('error', () => {}) // refused connections while the hub restarts: mqtt.js retries
  return c
}

const uns = (value: number): string => JSON.stringify({ value, timestamp: Date.now() })

/** Resolves once `check` is true (polled), or with false after `timeoutMs`. */
export async function until (check: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, everyMs))
  }
  return true
}

export class PersistentSubscriber {
  readonly received = new Set<number>()
  duplicates = 0
  outOfOrder = 0
  metrics = 0
  /** Times the hub answered a reconnect with no session (its subscription and queue were gone). */
  sessionsLost = 0
  lastMetricAt = 0
  private maxSeen = 0
  private connects = 0
  private readonly c: MqttClient

  constructor (url: string) {
    this.c = client(url, 'soak-subscriber', false)
    this.c.on('connect', (connack) => {
      this.connects++
      if (this.connects > 1 && connack.sessionPresent) return
      if (this.connects > 1) this.sessionsLost++
      this.c.subscribe('acme/#', { qos: 1 })
    })
    this.c.on('message', (topic, payload) => {
      if (topic === SEQUENCE_TOPIC) return this.onNumber((JSON.parse(payload.toString()) as { value: number }).value)
      if (topic.includes(METRIC_MARK)) { this.metrics++; this.lastMetricAt = Date.now() }
    })
  }

  private onNumber (n: number): void {
    if (this.received.has(n)) { this.duplicates++; return }
    if (n < this.maxSeen) this.outOfOrder++
    this.received.add(n)
    this.maxSeen = Math.max(this.maxSeen, n)
  }

  get highest (): number { return this.maxSeen }

  ready (timeoutMs: number): Promise<boolean> { return until(() => this.c.connected && this.connects > 0, timeoutMs) }

  async close (): Promise<void> { await this.c.endAsync(true).catch(() => {}) }
}

export class NumberedPublisher {
  /** Numbers the hub acknowledged (PUBACK). */
  readonly acked = new Set<number>()
  sent = 0
  private next = 1
  private readonly c: MqttClient
  private readonly timer: NodeJS.Timeout

  constructor (url: string, perSecond: number) {
    this.c = client(url, 'soak-publisher', true)
    this.timer = setInterval(() => {
      if (!this.c.connected) return
      const n = this.next++
      this.sent++
      this.c.publish(SEQUENCE_TOPIC, uns(n), { qos: 1 }, (err) => { if (!err) this.acked.add(n) })
    }, 1000 / perSecond)
  }

  /** The highest number published so far (acknowledged or not). */
  get last (): number { return this.next - 1 }

  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.c.endAsync(true).catch(() => {})
  }
}

export class Ping {
  lost = 0
  private rtts: number[] = []
  private readonly inFlight = new Map<number, number>()
  private n = 0
  private readonly c: MqttClient
  private readonly timer: NodeJS.Timeout

  constructor (url: string, everyMs: number) {
    this.c = client(url, 'soak-ping', true)
    this.c.on('connect', () => this.c.subscribe(PING_TOPIC, { qos: 0 }))
    this.c.on('message', (_topic, payload) => {
      const n = (JSON.parse(payload.toString()) as { value: number }).value
      const at = this.inFlight.get(n)
      if (at === undefined) return
      this.inFlight.delete(n)
      this.rtts.push(performance.now() - at)
    })
    this.timer = setInterval(() => {
      const now = performance.now()
      for (const [k, at] of this.inFlight) if (now - at > PING_GIVE_UP_MS) { this.inFlight.delete(k); this.lost++ }
      if (!this.c.connected) return
      const k = ++this.n
      this.inFlight.set(k, now)
      this.c.publish(PING_TOPIC, uns(k), { qos: 0 })
    }, everyMs)
  }

  /** Round trips (ms) since the last call, sorted. */
  take (): number[] {
    const r = this.rtts.sort((a, b) => a - b)
    this.rtts = []
    return r
  }

  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.c.endAsync(true).catch(() => {})
  }
}
