// The hub under test, in a process of its own: `hub-process <plant-model.json> [opcua-off]` starts it as the other
// benchmarks do (startBenchHub: defaults, a fresh data directory, no editor), with its OPC UA server on a free
// loopback port (or off: what the same topics cost the hub without it), sends {ready: {url, opcuaUrl}} and answers
// {kind: 'memory'} with the heap after a full collection, {kind: 'gc'} with its major collections since the last ask.
import net from 'node:net'
import { startBenchHub } from '../bench-targets'
import { heapAfterGc, serve, watchMajorGc } from './ipc'

/** A free loopback port: startBenchHub's port 0 works too, but the bench needs to know which one was taken. */
function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

async function main (): Promise<void> {
  const [plant, opcua] = process.argv.slice(2)
  if (plant === undefined) throw new Error('hub-process: the plant model file is missing')
  const port = await freePort()
  const hub = await startBenchHub((c) => {
    c.plantModel = plant
    c.opcua.server.port = port
    if (opcua === 'opcua-off') c.opcua.server.enabled = false
  })
  const gc = watchMajorGc()
  serve<{ kind: 'memory' | 'gc' }>(async (job) => job.kind === 'gc' ? gc.take() : heapAfterGc(), () => hub.stop())
  process.send!({ ready: { url: hub.url, opcuaUrl: `opc.tcp://127.0.0.1:${port}` } })
}

main().catch((err: Error) => {
  process.send?.({ error: err.stack ?? err.message })
  process.stderr.write(`hub-process: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
