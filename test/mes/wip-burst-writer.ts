// Child process of test/mes/crash.test.ts: opens the MES store named by argv[2] (the hub config's `mes`
// section, JSON) and applies WIP report events to job argv[3] as fast as it can, from argv[5] writers at once (default
// 1), each one event after the other (with several, the SQLite store commits them in groups). After each apply()
// has resolved (the transaction is committed) it writes `ack <eventId>` to stdout, synchronously, so every line the
// parent reads is an event the MES acknowledged. It runs until it is killed.
import fs from 'node:fs'
import { defaultConfig } from '../../hub/config'
import type { MesConfig } from '../../mes/config'
import { openMesStore } from '../../hub/mes-runtime'
import { createMes } from '../../mes/index'

async function main (): Promise<void> {
  const [mesJson, jobId, prefix = 'burst', writers = '1'] = process.argv.slice(2)
  if (mesJson === undefined || jobId === undefined) throw new Error('usage: wip-burst-writer <mes config JSON> <jobId> [eventId prefix] [writers]')
  const config = { ...defaultConfig(), mes: JSON.parse(mesJson) as MesConfig }
  const { store } = await openMesStore(config)
  const mes = createMes(store)
  fs.writeSync(1, 'ready\n')
  const writer = async (w: number): Promise<never> => {
    for (let i = 1; ; i++) {
      const eventId = `${prefix}-${w}-${i}`
      await mes.wip.apply({ jobId, event: 'report', who: 'plc:burst', good: 1, eventId })
      fs.writeSync(1, `ack ${eventId}\n`)
    }
  }
  await Promise.all(Array.from({ length: Number(writers) }, async (_, w) => await writer(w + 1)))
}

main().catch((err: Error) => {
  process.stderr.write(`wip-burst-writer: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
