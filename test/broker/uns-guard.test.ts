import assert from 'node:assert/strict'
import type { RunningHub } from '../../hub/hub'
import { connect, inbox, mqttUrl, startTestHub, testConfig, unsValue } from '../support/hub-fixture'

const GOOD = 'acme/dallas/press-shop/line-1/press-1/measurements/die-temperature'

describe('UNS topic and payload rules', function () {
  describe('enforcement: reject (the default)', function () {
    let hub: RunningHub
    before(async function () { hub = await startTestHub() })
    after(async function () { await hub.stop() })

    async function publishAndReport (topic: string, payload: string | Buffer) {
      const watcher = await connect(mqttUrl(hub))
      await watcher.subscribeAsync(['#', '$hub/errors/#'], { qos: 1 })
      const box = inbox(watcher)
      const machine = await connect(mqttUrl(hub))
      await machine.publishAsync(topic, payload, { qos: 1 })
      const report = JSON.parse((await box.next(`$hub/errors/${topic}`)).payload.toString())
      assert.equal(box.seen.some((m) => m.topic === topic), false, 'the refused message must not be delivered')
      assert.equal(machine.connected, true, 'the publisher keeps its connection')
      await machine.endAsync()
      await watcher.endAsync()
      return report
    }

    it('diverts a publish to equipment that is not in the plant model, naming the unknown segment', async function () {
      const report = await publishAndReport('acme/dallas/press-shop/line-9/press-1/measurements/t', unsValue(1))
      assert.equal(report.error, 'UNS_TOPIC')
      assert.match(report.reason, /line-9/)
      assert.equal(report.action, 'rejected')
    })

    it('diverts a publish with an unknown data kind, listing the kinds', async function () {
      const report = await publishAndReport('acme/dallas/press-shop/line-1/press-1/telemetry/t', unsValue(1))
      assert.match(report.reason, /telemetry/)
      assert.match(report.reason, /measurements/)
    })

    it('diverts a payload that is not the hub JSON shape, naming the field', async function () {
      const report = await publishAndReport(GOOD, JSON.stringify({ value: 1, timestamp: '2026-11-22T10:00:00Z' }))
      assert.equal(report.error, 'UNS_PAYLOAD')
      assert.match(report.reason, /timestamp/)
      const notJson = await publishAndReport(GOOD, Buffer.from('181.5 degC'))
      assert.match(notJson.reason, /JSON/)
    })

    it('diverts a payload over the size limit', async function () {
      const report = await publishAndReport(GOOD, Buffer.alloc(1024 * 1024 + 1, 0x20))
      assert.equal(report.error, 'PAYLOAD_TOO_LARGE')
      assert.match(report.reason, /1048577 bytes/)
    })

    it('diverts a client publish to a $-topic', async function () {
      const report = await publishAndReport('$SYS/fake', 'x')
      assert.equal(report.error, 'RESERVED_TOPIC')
    })

    it('passes a valid UNS message and Sparkplug traffic untouched', async function () {
      const c = await connect(mqttUrl(hub))
      await c.subscribeAsync(['acme/#', 'spBv1.0/#'], { qos: 1 })
      const box = inbox(c)
      await c.publishAsync(GOOD, unsValue(180.1, { unit: 'CEL', quality: 'GOOD' }), { qos: 1 })
      await c.publishAsync('spBv1.0/dallas/NDATA/press-line-1', Buffer.from([0x08, 0x01]), { qos: 1 })
      assert.equal(JSON.parse((await box.next(GOOD)).payload.toString()).unit, 'CEL')
      await box.next('spBv1.0/dallas/NDATA/press-line-1')
      await c.endAsync()
    })
  })

  describe('enforcement: flag', function () {
    it('delivers a message outside the model and reports it on $hub/errors', async function () {
      const hub = await startTestHub(testConfig(undefined, (c) => { c.uns.enforcement = 'flag' }))
      try {
        const c = await connect(mqttUrl(hub))
        await c.subscribeAsync(['#', '$hub/errors/#'], { qos: 1 })
        const box = inbox(c)
        await c.publishAsync('acme/dallas/nowhere/x/measurements/t', unsValue(1), { qos: 1 })
        await box.next('acme/dallas/nowhere/x/measurements/t')
        const report = JSON.parse((await box.next('$hub/errors/acme/dallas/nowhere')).payload.toString())
        assert.equal(report.action, 'flagged')
        await c.endAsync()
      } finally {
        await hub.stop()
      }
    })
  })
})
