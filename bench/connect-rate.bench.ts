// Connection rate: a thousand machines reconnecting with known accounts (after a network blip), and the round trip
// of a connected client while wrong passwords pour in from many addresses; the hub (its own process, as `npm start`
// runs it) beside mosquitto (Debian package, password file made by mosquitto_passwd), with the same clients in the
// same run. The hub checks a password with bcrypt once per account and process; mosquitto hashes with PBKDF2.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import YAML from 'yaml'
import type { Benchmark, BenchResult } from './bench-result'
import { median, percentile, secondsSince } from './stats'
import { hashPassword } from '../core/passwords'

const ACCOUNTS = 100
const CLIENTS = 1000
/** Connects in flight at once, as a fleet reconnecting with jitter would have. */
const CONCURRENCY = 100
const FLOOD_ADDRESSES = 32
const ROUND_TRIPS = 400
const TOPIC = 'acme/dallas/press-shop/line-1/press-1/measurements/rtt'
const CLI = path.join(__dirname, '..', 'hub', 'cli.js')

interface Target { name: string, port: number, stop (): Promise<void> }

const accountName = (i: number): string => `machine-${i}`
const passwordOf = (i: number): string => `secret-of-machine-${i}`

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)) })
  })
}

function waitForPort (port: number, proc: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 60_000
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (proc.exitCode !== null) return reject(new Error(`${name} exited with code ${proc.exitCode}`))
      const s = net.connect(port, '127.0.0.1')
      s.once('connect', () => { s.destroy(); resolve() })
      s.once('error', () => { s.destroy(); if (Date.now() > deadline) reject(new Error(`${name} did not listen on ${port}`)); else setTimeout(attempt, 100) })
    }
    attempt()
  })
}

function stopper (proc: ChildProcess): () => Promise<void> {
  return () => new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve()
    proc.once('exit', () => resolve())
    proc.kill('SIGTERM')
  })
}

async function startHubProcess (dir: string): Promise<Target> {
  const port = await freePort()
  const accounts = []
  for (let i = 0; i < ACCOUNTS; i++) {
    accounts.push({ username: accountName(i), passwordHash: await hashPassword(passwordOf(i)), role: 'admin' })
  }
  const config = path.join(dir, 'isa95-hub.yaml')
  fs.writeFileSync(config, YAML.stringify({
    dataDir: path.join(dir, 'data'),
    logLevel: 'warn',
    mqtt: { host: '127.0.0.1', port, ws: { enabled: false }, anonymous: { local: 'none', remote: 'none' }, accounts },
    editor: { enabled: false },
    sparkplug: { enabled: false }
  }))
  const proc = spawn(process.execPath, [...process.execArgv, CLI, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  proc.stderr!.resume()
  await waitForPort(port, proc, 'hub')
  return { name: 'hub', port, stop: stopper(proc) }
}

async function startMosquitto (dir: string): Promise<Target> {
  const port = await freePort()
  const passwords = path.join(dir, 'mosquitto.passwd')
  fs.writeFileSync(passwords, Array.from({ length: ACCOUNTS }, (_, i) => `${accountName(i)}:${passwordOf(i)}`).join('\n') + '\n')
  const hashed = spawnSync('mosquitto_passwd', ['-U', passwords], { encoding: 'utf8' })
  if (hashed.status !== 0) throw new Error(`mosquitto_passwd -U failed: ${hashed.stderr}`)
  // Started as root, mosquitto drops to its own user, which must be able to read the file (bench passwords only).
  fs.chmodSync(dir, 0o755)
  fs.chmodSync(passwords, 0o644)
  const conf = path.join(dir, 'mosquitto.conf')
  fs.writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${passwords}`,
    'persistence false', 'log_dest none', 'max_keepalive 65535'].join('\n') + '\n')
  const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' })
  await waitForPort(port, proc, 'mosquitto')
  return { name: 'mosquitto', port, stop: stopper(proc) }
}

function connectOnce (port: number, opts: mqtt.IClientOptions): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 30_000, ...opts })
}

/** Connects CLIENTS clients of the accounts, CONCURRENCY at a time; resolves with connects per second. */
async function reconnectRate (port: number, round: number): Promise<number> {
  const clients: MqttClient[] = []
  let next = 0
  const t0 = process.hrtime.bigint()
  const worker = async (): Promise<void> => {
    while (next < CLIENTS) {
      const i = next++
      const a = i % ACCOUNTS
      clients.push(await connectOnce(port, { clientId: `m-${round}-${i}`, username: accountName(a), password: passwordOf(a) }))
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const rate = CLIENTS / secondsSince(t0)
  await Promise.all(clients.map((c) => c.endAsync(true)))
  return rate
}

/** Round trips (publish -> own subscription) of one connected client, in ms, sorted. */
async function roundTrips (port: number): Promise<number[]> {
  const c = await connectOnce(port, { clientId: `rtt-${Date.now()}`, username: accountName(0), password: passwordOf(0) })
  ;(c.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
  await c.subscribeAsync(TOPIC, { qos: 0 })
  const samples: number[] = []
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t0 = process.hrtime.bigint()
    await new Promise<void>((resolve) => {
      c.once('message', () => resolve())
      c.publish(TOPIC, JSON.stringify({ value: i, timestamp: Date.now() }), { qos: 0 })
    })
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6)
    await new Promise((r) => setTimeout(r, 5))
  }
  await c.endAsync()
  return samples.sort((a, b) => a - b)
}

/** Wrong passwords from FLOOD_ADDRESSES loopback addresses, one attempt in flight per address, until stopped. */
function flood (port: number): { stop (): Promise<number> } {
  let running = true
  let attempts = 0
  const one = (address: string, n: number): Promise<void> => new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: address })
    const done = (): void => { s.destroy(); resolve() }
    s.once('error', done)
    s.once('close', done)
    s.once('data', done) // CONNACK (refused): the server closes next
    s.once('connect', () => {
      attempts++
      s.write(mqttConnect(`flood-${address}-${n}`, accountName(n % ACCOUNTS), `wrong-${n}`))
    })
  })
  const loops = Array.from({ length: FLOOD_ADDRESSES }, async (_, i) => {
    const address = `127.0.2.${i + 1}`
    for (let n = 0; running; n++) await one(address, n)
  })
  return { async stop () { running = false; await Promise.all(loops); return attempts } }
}

function mqttConnect (clientId: string, username: string, password: string): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const packet = require('mqtt-packet') as { generate (p: unknown): Buffer }
  return packet.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId, username, password: Buffer.from(password) })
}

interface Figures { coldRate: number, warmRates: number[], quietP50: number, floodP50: number, floodP99: number, floodAttempts: number }

async function measure (t: Target, progress: (line: string) => void): Promise<Figures> {
  const coldRate = await reconnectRate(t.port, 0)
  progress(`${t.name}: first logins ${Math.round(coldRate)}/s`)
  const warmRates: number[] = []
  for (let round = 1; round <= 3; round++) warmRates.push(await reconnectRate(t.port, round))
  progress(`${t.name}: reconnects ${warmRates.map((r) => Math.round(r)).join(', ')}/s`)
  const quiet = await roundTrips(t.port)
  const f = flood(t.port)
  await new Promise((r) => setTimeout(r, 1000)) // the flood under way
  const during = await roundTrips(t.port)
  const floodAttempts = await f.stop()
  progress(`${t.name}: round trip p50 ${percentile(quiet, 0.5).toFixed(2)} ms quiet, ${percentile(during, 0.5).toFixed(2)} ms ` +
    `(p99 ${percentile(during, 0.99).toFixed(2)}) during ${floodAttempts} wrong-password logins from ${FLOOD_ADDRESSES} addresses`)
  return { coldRate, warmRates, quietP50: percentile(quiet, 0.5), floodP50: percentile(during, 0.5), floodP99: percentile(during, 0.99), floodAttempts }
}

export const benchmark: Benchmark = {
  title: `Connection rate: ${CLIENTS} reconnects of ${ACCOUNTS} known accounts, and round trips under a wrong-password flood, hub vs mosquitto`,
  async run (progress) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-bench-connect-'))
    const results: Record<string, Figures> = {}
    for (const start of [startMosquitto, startHubProcess]) {
      const t = await start(dir)
      try { results[t.name] = await measure(t, progress) } finally { await t.stop() }
    }
    const hub = results.hub!
    const mosq = results.mosquitto!
    const hubRate = median(hub.warmRates)
    const mosqRate = median(mosq.warmRates)
    return [
      { name: 'reconnects of known accounts (median of 3)', unit: 'conn/s', value: hubRate, baseline: mosqRate, baselineName: 'mosquitto', ratio: hubRate / mosqRate, target: '>= 1000 conn/s', met: hubRate >= 1000 },
      { name: 'first logins (bcrypt once per account)', unit: 'conn/s', value: hub.coldRate, baseline: mosq.coldRate, baselineName: 'mosquitto', ratio: hub.coldRate / mosq.coldRate },
      { name: 'round trip p50, quiet', unit: 'ms', value: hub.quietP50, baseline: mosq.quietP50, baselineName: 'mosquitto', ratio: mosq.quietP50 / hub.quietP50 },
      { name: `round trip p50 during wrong-password flood (${FLOOD_ADDRESSES} addresses)`, unit: 'ms', value: hub.floodP50, baseline: mosq.floodP50, baselineName: 'mosquitto', ratio: mosq.floodP50 / hub.floodP50, target: 'p50 < 10 ms', met: hub.floodP50 < 10 },
      { name: 'round trip p99 during wrong-password flood', unit: 'ms', value: hub.floodP99, baseline: mosq.floodP99, baselineName: 'mosquitto', ratio: mosq.floodP99 / hub.floodP99 }
    ]
  }
}
