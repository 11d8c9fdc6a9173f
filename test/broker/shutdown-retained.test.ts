// A shutdown while a subscriber is still being sent its retained messages: aedes reads them from a stream of the
// store without an error handler, so the store closing under it threw an uncaught 'Iterator is not open' (the end
// of the process, not the clean exit 0 of a SIGTERM). The hub stops cleanly instead.
import assert from 'node:assert/strict'
import { connect, mqttUrl, sleep, startTestHub, testConfig } from '../support/hub-fixture'

describe('shutdown during a retained burst', function () {
  this.timeout(60000)

  it('stops without an uncaught error while a slow subscriber is still being sent 3,000 retained messages', async function () {
    const hub = await startTestHub(testConfig(undefined, (c) => { c.uns.enforcement = 'off' }))
    const uncaught: Error[] = []
    const onUncaught = (err: Error): void => { uncaught.push(err) }
    // Ahead of mocha's own handler, which would blame whichever test runs when the error comes.
    process.prependListener('uncaughtException', onUncaught)
    const listeners = process.listeners('uncaughtException').filter((l) => l !== onUncaught)
    for (const l of listeners) process.removeListener('uncaughtException', l)
    try {
      await Promise.all(Array.from({ length: 3000 }, (_, i) => hub.broker.publish(`acme/retained/${i}`, 'x'.repeat(2000), { retain: true })))
      const slow = await connect(mqttUrl(hub), { clientId: 'slow-reader' })
      slow.stream.pause() // reads nothing more: aedes is still sending the retained messages when the hub stops
      slow.subscribe('acme/#', { qos: 0 })
      await sleep(100)
      await hub.stop()
      await sleep(200)
      slow.end(true)
      assert.deepEqual(uncaught.map((e) => e.message), [])
    } finally {
      process.removeListener('uncaughtException', onUncaught)
      for (const l of listeners) process.on('uncaughtException', l)
    }
  })
})
