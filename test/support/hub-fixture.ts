// Starts a real hub in this process on free ports and a fresh data directory, the way `npm start` does, minus
// Node-RED (Node-RED is a per-process singleton; test/hub/npm-start.test.ts runs the whole hub as a child process).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt'
import { defaultConfig, type HubConfig } from '../../hub/config'
import { startHub, type RunningHub } from '../../hub/hub'
import { silentLogger } from '../../core/logger'
import type { InProcessMqtt } from '../../sparkplug/sparkplug-runtime'

export function tempDir (prefix = 'hub-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export type ConfigPatch = (c: HubConfig) => void

export function testConfig (dataDir = tempDir(), patch?: ConfigPatch): HubConfig {
  const c = defaultConfig()
  c.dataDir = dataDir
  c.mqtt.host = '127.0.0.1'
  c.mqtt.port = 0
  c.mqtt.ws = { enabled: true, host: '127.0.0.1', port: 0, path: '/mqtt' }
  c.editor.enabled = false
  // Sparkplug suites start their own host applications and count what they send; a second one started by the
  // hub would answer the same edge nodes. Tests of the hub's own Sparkplug side turn it back on.
  c.sparkplug.enabled = false
  // The OPC UA server's suites turn it on, on a free port (its default is 4840).
  c.opcua.server.enabled = false
  c.opcua.server.host = '127.0.0.1'
  c.opcua.server.port = 0
  // The demo plant binds line A's stations to an OPC UA server (npm run simulate): the collector's suites turn it on.
  c.opcua.collector.enabled = false
  patch?.(c)
  return c
}

export async function startTestHub (config: HubConfig = testConfig()): Promise<RunningHub> {
  return startHub(config, silentLogger)
}

export function mqttUrl (hub: RunningHub): string {
  return hub.broker.listeners.find((l) => l.name === 'mqtt')!.url
}

/** The in-process MQTT session a test's own Sparkplug host uses on the hub's broker (as hub/hub.ts gives its own). */
export function hostMqtt (hub: RunningHub): InProcessMqtt {
  return { connect: () => hub.broker.connectInternal(), forgetWill: (clientId) => hub.broker.forgetWill(clientId) }
}

export function wsUrl (hub: RunningHub): string {
  return hub.broker.listeners.find((l) => l.name === 'ws')!.url
}

export async function connect (url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts })
}

/**
 * Connects with `listen(client)` already attached, and returns the client with what `listen` returned. For a
 * persistent session coming back: the broker sends its queued messages right after the CONNACK, often in the same
 * read, and mqtt.js handles them on process.nextTick, before an `await connect()` resumes, so a listener attached
 * after `connect` can miss them (the cause of the STATE Will test's one CI failure).
 */
export async function connectAnd<T> (url: string, opts: IClientOptions, listen: (client: MqttClient) => T): Promise<[MqttClient, T]> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts })
  const listening = listen(client)
  await new Promise<void>((resolve, reject) => {
    const closed = (): void => fail(new Error(`connection to ${url} closed before its CONNACK`))
    const off = (): void => { client.off('connect', ok); client.off('error', fail); client.off('close', closed) }
    const fail = (err: Error): void => { off(); client.end(true); reject(err) }
    const ok = (): void => { off(); resolve() }
    client.on('connect', ok)
    client.on('error', fail)
    client.on('close', closed)
  })
  return [client, listening]
}

/** Collects messages on a client; `next(topicPrefix)` waits for the next one that matches. */
export function inbox (client: MqttClient) {
  const seen: Array<{ topic: string, payload: Buffer, retain: boolean }> = []
  const waiters: Array<{ match: (t: string) => boolean, resolve: (m: { topic: string, payload: Buffer, retain: boolean }) => void }> = []
  client.on('message', (topic, payload, packet) => {
    const m = { topic, payload, retain: packet.retain }
    const i = waiters.findIndex((w) => w.match(topic))
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m)
    else seen.push(m)
  })
  return {
    seen,
    next (prefix = '', timeoutMs = 3000): Promise<{ topic: string, payload: Buffer, retain: boolean }> {
      const match = (t: string): boolean => t.startsWith(prefix)
      const i = seen.findIndex((m) => match(m.topic))
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0])
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message on '${prefix}…' within ${timeoutMs} ms`)), timeoutMs)
        waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m) } })
      })
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function unsValue (value: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ value, timestamp: Date.now(), ...extra })
}
