// A broker under test in a process of its own: `hub <plant-model.json>` (startHub with its defaults, the given plant
// model, a fresh data directory, no editor) or `aedes` (raw aedes, the baseline). It sends {url} when it listens and
// answers {memory} with process.memoryUsage() after a full collection (forked with --expose-gc), so that the
// benchmark can measure what the hub keeps per topic; {gc: 'reset'} starts counting its GC pauses, {gc: 'take'}
// answers {gc} with those since.
import { startBenchHub, startRawAedes, type BenchTarget } from '../bench-targets'
import { watchGcPauses } from '../gc-pauses'

async function main (): Promise<void> {
  const [kind, plant] = process.argv.slice(2)
  let t: BenchTarget
  if (kind === 'hub') t = await startBenchHub((c) => { if (plant) c.plantModel = plant })
  else if (kind === 'aedes') t = await startRawAedes()
  else throw new Error(`target-process: unknown target '${kind}' (expected hub or aedes)`)
  const gcPauses = watchGcPauses()
  process.on('message', (m: { memory?: boolean, gc?: 'reset' | 'take' }) => {
    if (m.gc === 'reset') gcPauses.take()
    if (m.gc === 'take') process.send!({ gc: gcPauses.take() })
    if (!m.memory) return
    const gc = (globalThis as { gc?: () => void }).gc
    // Two collections: the first may only queue finalizers of what the second frees.
    gc?.(); gc?.()
    process.send!({ memory: { ...process.memoryUsage(), exactHeap: gc !== undefined } })
  })
  process.on('disconnect', () => { void t.stop().finally(() => process.exit(0)) })
  process.send!({ url: t.url })
}

main().catch((err: Error) => {
  process.stderr.write(`target-process: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
