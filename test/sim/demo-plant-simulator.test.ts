// The demo plant simulator and its command line against the real hub.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import '../../adapters/opcua/node-opcua-log'
import { AttributeIds, OPCUACertificateManager, OPCUAClient } from 'node-opcua'
import { freePort } from '../adapters/opcua/collector/opcua-machine'
import { connect, mqttUrl, startTestHub } from '../support/hub-fixture'
import type { RunningHub } from '../../hub/hub'
import { DataType } from '../../sparkplug/index'
import { DemoPlantSimulator } from '../../sim/demo-plant-simulator'
import { parseArgs } from '../../sim/cli'
import { SparkplugObserver, bdSeqOf, command, is, metric } from './observer'

describe('demo plant simulator', function () {
  let hub: RunningHub
  let obs: SparkplugObserver

  before(async function () {
    hub = await startTestHub()
    obs = await SparkplugObserver.start(mqttUrl(hub), 'spBv1.0/dallas/#')
  })
  after(async function () {
    await obs.stop()
    await hub.stop()
  })

  it('brings up press-line-1 (press-1, press-2) and warehouse (rack-1) in group dallas, with metrics of many datatypes, and publishes data by exception', async function () {
    const sim = new DemoPlantSimulator({ url: mqttUrl(hub), rate: 50, seed: 1 })
    await sim.start()
    try {
      // The two edge nodes have their own connections: their births may arrive in either order.
      const [press1Birth, , rackBirth] = await obs.nextEach([is('DBIRTH', 'press-line-1', 'press-1'), is('DBIRTH', 'press-line-1', 'press-2'), is('DBIRTH', 'warehouse', 'rack-1')])
      const press1 = press1Birth!.payload
      const rack = rackBirth!.payload
      assert.deepEqual(press1.metrics.map((m) => [m.name, DataType[m.datatype!]]), [
        ['Strokes', 'Int64'], ['Die Temperature', 'Double'], ['Tonnage', 'Float'], ['State', 'String'],
        ['Stroke Rate Setpoint', 'Int32'], ['Capacity', 'Int32'], ['Die Changed At', 'DateTime'], ['Fault', 'Boolean']])
      assert.equal(metric(press1, 'Capacity').value, 400)
      assert.equal(metric(rack, 'Inventory').datatype, DataType.DataSet)
      const ddata = await obs.next(is('DDATA', 'press-line-1', 'press-1'))
      const names = new Map(press1.metrics.map((m) => [Number(m.alias), m.name]))
      const published = ddata.payload.metrics.map((m) => names.get(Number(m.alias)))
      assert.ok(published.includes('Die Temperature'))
      assert.ok(!published.includes('Capacity') && !published.includes('State'), `only changing metrics: ${published}`)
      // seq continues across both devices of the node
      const seqs = obs.from('press-line-1').map((m) => Number(m.payload.seq))
      seqs.forEach((s, i) => assert.equal(s, i % 256))
    } finally {
      await sim.stop()
    }
    assert.equal(bdSeqOf((await obs.next(is('NDEATH', 'press-line-1'))).payload), 0n)
  })

  it('stops a press on DCMD State=STOPPED (echoed in DDATA; strokes stop) and replenishes the rack on DCMD Replenish Request', async function () {
    const sim = new DemoPlantSimulator({ url: mqttUrl(hub), rate: 50, seed: 2 })
    await sim.start()
    const host = await connect(mqttUrl(hub))
    try {
      await obs.next(is('DBIRTH', 'warehouse', 'rack-1'))
      const stateAlias = sim.pressLine.aliasOf('press-2', 'State')!
      await host.publishAsync('spBv1.0/dallas/DCMD/press-line-1/press-2', command([{ alias: stateAlias, datatype: DataType.String, value: 'STOPPED' }]), { qos: 0 })
      const echo = await obs.next((m) => is('DDATA', 'press-line-1', 'press-2')(m) && m.payload.metrics.some((x) => Number(x.alias) === stateAlias))
      assert.equal(echo.payload.metrics.find((x) => Number(x.alias) === stateAlias)!.value, 'STOPPED')
      const strokes = sim.pressLine.value('press-2', 'Strokes')
      for (let i = 0; i < 5; i++) sim.tick()
      assert.equal(sim.pressLine.value('press-2', 'Strokes'), strokes, 'a stopped press makes no strokes')

      const replenish = sim.warehouse.aliasOf('rack-1', 'Replenish Request')!
      await host.publishAsync('spBv1.0/dallas/DCMD/warehouse/rack-1', command([{ alias: replenish, datatype: DataType.Boolean, value: true }]), { qos: 0 })
      await obs.next((m) => is('DDATA', 'warehouse', 'rack-1')(m) && m.payload.metrics.some((x) => Number(x.alias) === replenish && x.value === false))
      assert.equal(sim.warehouse.value('rack-1', 'Replenish Request'), false)
    } finally {
      await host.endAsync()
      await sim.stop()
    }
  })

  it('parses its command line: --url, --rate, --primary-host; refuses what it does not know', function () {
    assert.deepEqual(parseArgs(['--url', 'mqtt://h:1884', '--rate=5', '--primary-host', 'scada'], {}),
      { url: 'mqtt://h:1884', rate: 5, primaryHostId: 'scada', help: false, password: undefined, opcuaPort: 4841 })
    assert.equal(parseArgs(['--opcua-port', '4900'], {}).opcuaPort, 4900)
    assert.equal(parseArgs(['--no-opcua'], {}).opcuaPort, undefined)
    assert.throws(() => parseArgs(['--opcua-port', '0'], {}), /--opcua-port must be a TCP port/)
    assert.equal(parseArgs([], {}).url, 'mqtt://127.0.0.1:1883')
    assert.throws(() => parseArgs(['--rate', 'fast'], {}), /--rate must be/)
    assert.throws(() => parseArgs(['--url', 'http://x'], {}), /--url must be/)
    assert.throws(() => parseArgs(['--verbose'], {}), /unknown option '--verbose'/)
  })

  it('runs as `node dist/sim/cli.js --url ... --rate N`, serves line A over OPC UA, logs what it does and stops cleanly on SIGINT with NDEATH', async function () {
    const cli = path.resolve(__dirname, '../../sim/cli.js')
    const port = await freePort()
    const child = spawn(process.execPath, [cli, '--url', mqttUrl(hub), '--rate', '20', '--opcua-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { out += d.toString() })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      const nbirth = await obs.next(is('NBIRTH', 'warehouse'), 15000)
      await obs.next(is('DDATA', 'press-line-1'), 15000)
      const bdSeq = bdSeqOf(nbirth.payload)
      // Line A over OPC UA, as plant/demo-plant.yaml binds it: the station's torque changes.
      const deadline = Date.now() + 15000
      while (!/OPC UA station simulator on/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 },
        clientCertificateManager: new OPCUACertificateManager({ rootFolder: path.join(os.tmpdir(), `hub-sim-test-pki-${process.pid}`) }) })
      await client.connect(`opc.tcp://127.0.0.1:${port}`)
      try {
        const session = await client.createSession()
        const first = await session.read({ nodeId: 'ns=1;s=LineA.Station10.ScrewCount', attributeId: AttributeIds.Value })
        await new Promise((r) => setTimeout(r, 200))
        const later = await session.read({ nodeId: 'ns=1;s=LineA.Station10.ScrewCount', attributeId: AttributeIds.Value })
        assert.ok(first.statusCode.isGood() && (later.value.value as number) > (first.value.value as number), 'the screw count goes up')
        const torque = await session.read({ nodeId: 'ns=1;s=LineA.Station10.Torque', attributeId: AttributeIds.Value })
        assert.ok(Math.abs((torque.value.value as number) - 12) < 1, `torque near 12 N.m: ${String(torque.value.value)}`)
        await session.close()
      } finally {
        await client.disconnect()
      }
      child.kill('SIGINT')
      assert.equal(await exited, 0, out)
      assert.equal(bdSeqOf((await obs.next(is('NDEATH', 'warehouse'))).payload), bdSeq)
      assert.match(out, /NBIRTH \(bdSeq \d+\) and 1 DBIRTH\(s\) published/)
      assert.match(out, /SIGINT: stopping[\s\S]*stopped cleanly/)
    } finally {
      child.kill('SIGKILL')
    }
  })
})
