import assert from 'node:assert/strict'
import { execFile, execFileSync, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import type { RunningHub } from '../../hub/hub'
import { connect, inbox, mqttUrl, startTestHub, tempDir, testConfig, unsValue, sleep } from '../support/hub-fixture'

// Interoperability with the reference MQTT command-line clients (Debian package mosquitto-clients).
function requireBinary (name: string): void {
  try {
    execFileSync('which', [name], { stdio: 'ignore' })
  } catch {
    throw new Error(`${name} is not installed: apt-get install mosquitto-clients (the system tests need the real clients)`)
  }
}

// The broker runs in this process: the clients must run without blocking its event loop (no execFileSync).
const run = async (cmd: string, args: string[]): Promise<string> => (await promisify(execFile)(cmd, args, { encoding: 'utf8', timeout: 15000 })).stdout

function portOf (hub: RunningHub): string {
  return String(new URL(mqttUrl(hub)).port)
}

describe('mosquitto clients through the hub', function () {
  const TOPIC = 'acme/dallas/assembly/line-a/station-10/measurements/torque'

  before(function () {
    requireBinary('mosquitto_pub')
    requireBinary('mosquitto_sub')
  })

  it('mosquitto_pub to an mqtt.js subscriber, and mqtt.js to mosquitto_sub', async function () {
    const hub = await startTestHub()
    try {
      const js = await connect(mqttUrl(hub))
      const box = inbox(js)
      await js.subscribeAsync(TOPIC, { qos: 1 })
      await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', portOf(hub), '-q', '1', '-t', TOPIC, '-m', unsValue(12.5, { unit: 'NU' })])
      assert.equal(JSON.parse((await box.next(TOPIC)).payload.toString()).value, 12.5)

      const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', portOf(hub), '-q', '1', '-t', TOPIC, '-C', '1', '-W', '10'])
      let out = ''
      sub.stdout.on('data', (d: Buffer) => { out += d.toString() })
      // Listened for before the publish: mosquitto_sub may get the message and exit before our PUBACK arrives.
      const exited = new Promise<number | null>((resolve) => sub.once('exit', resolve))
      await sleep(300) // let mosquitto_sub subscribe
      await js.publishAsync(TOPIC, unsValue(13.25), { qos: 1 })
      const code = await exited
      assert.equal(code, 0)
      assert.equal(JSON.parse(out).value, 13.25)
      await js.endAsync()
    } finally {
      await hub.stop()
    }
  })

  it('mosquitto_sub gets the retained value and its queued QoS 1 message after the hub restarts', async function () {
    const dataDir = tempDir()
    let hub = await startTestHub(testConfig(dataDir))
    let port = portOf(hub)
    // A persistent mosquitto_sub session (-c, fixed id) subscribes and leaves.
    await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-c', '-i', 'andon-board', '-t', 'acme/dallas/assembly/#', '-E'])
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-r', '-t', TOPIC, '-m', unsValue(11)])
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-t', 'acme/dallas/assembly/line-a/station-20/events/andon', '-m', unsValue('call')])
    await hub.stop()

    hub = await startTestHub(testConfig(dataDir))
    port = portOf(hub)
    try {
      // Three messages: the two queued while it was away, and the retained torque again because mosquitto_sub
      // subscribes anew on connect.
      const queued = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-c', '-i', 'andon-board', '-t', 'acme/dallas/assembly/#', '-C', '3', '-W', '10', '-v'])
      assert.match(queued, /station-20\/events\/andon \{"value":"call"/)
      assert.match(queued, /station-10\/measurements\/torque \{"value":11/)
      const retained = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-t', TOPIC, '-C', '1', '-W', '10', '--retained-only'])
      assert.equal(JSON.parse(retained).value, 11)
    } finally {
      await hub.stop()
    }
  })
})
