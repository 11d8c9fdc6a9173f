// What the benchmarks measure against: raw aedes (the baseline) and the hub as `npm start` runs it (minus the
// editor), each on a free loopback port, and MQTT clients with Nagle off on both ends.
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Aedes } from 'aedes'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { defaultConfig, type HubConfig } from '../hub/config'
import { startHub } from '../hub/hub'
import { silentLogger } from '../core/logger'

export interface BenchTarget {
  url: string
  stop (): Promise<void>
}

export async function startRawAedes (): Promise<BenchTarget> {
  const broker = await Aedes.createBroker()
  const server = net.createServer({ noDelay: true }, (s) => broker.handle(s))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    stop: async () => {
      await new Promise<void>((r) => broker.close(() => r()))
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}

/** The hub with its defaults (Sparkplug host and UNS bridge on), a fresh data directory, no editor. */
export async function startBenchHub (patch?: (c: HubConfig) => void): Promise<BenchTarget> {
  const c = defaultConfig()
  c.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-bench-'))
  c.mqtt.host = '127.0.0.1'
  c.mqtt.port = 0
  c.mqtt.ws.enabled = false
  c.editor.enabled = false
  // The OPC UA server stays on, as shipped, on a free loopback port (4840 may be taken).
  c.opcua.server.host = '127.0.0.1'
  c.opcua.server.port = 0
  // No collector: the demo plant binds line A to the simulator's OPC UA server, which no benchmark runs.
  c.opcua.collector.enabled = false
  patch?.(c)
  const h = await startHub(c, silentLogger)
  return { url: h.broker.listeners[0].url, stop: () => h.stop() }
}

/** mqtt.js leaves Nagle on; a machine's client would too, but then the figure measures the client, not the broker. */
export async function benchClient (url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  // mqtt.js asks the debug package per packet whether its namespace is on: 9% of the clients' process in the peer
  // benchmark's latency rounds, for output that DEBUG unset never prints (the hub's own client does the same).
  const log = process.env.DEBUG === undefined ? { log: () => {} } : {}
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...log, ...opts })
  ;(c.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
  return c
}
