// Child process of test/mes/materials/consume-crash.test.ts: opens the MES store named by argv[2] (the hub config's
// `mes` section, JSON) and consumes from lots at job argv[3] as fast as it can, from argv[4] writers at once, each one
// consumption after the other (burstConsumption, with its eventId). After each consume() has resolved (committed) it
// writes `ack <eventId>` to stdout synchronously, so every line the parent reads is a consumption the MES
// acknowledged. It runs until it is killed.
import fs from 'node:fs'
import { defaultConfig } from '../../../hub/config'
import type { MesConfig } from '../../../mes/config'
import { openMesStore } from '../../../hub/mes-runtime'
import { createMes } from '../../../mes/index'
import { burstConsumption } from './consume-burst'

async function main (): Promise<void> {
  const [mesJson, jobId, writers = '1'] = process.argv.slice(2)
  if (mesJson === undefined || jobId === undefined) throw new Error('usage: consume-burst-writer <mes config JSON> <jobId> [writers]')
  const { store } = await openMesStore({ ...defaultConfig(), mes: JSON.parse(mesJson) as MesConfig })
  const mes = createMes(store)
  const writer = async (w: number): Promise<never> => {
    for (let i = 1; ; i++) {
      const c = burstConsumption(jobId, w, i)
      await mes.materials.consume(c)
      fs.writeSync(1, `ack ${c.eventId}\n`)
    }
  }
  await Promise.all(Array.from({ length: Number(writers) }, async (_, w) => await writer(w + 1)))
}

main().catch((err: Error) => {
  process.stderr.write(`consume-burst-writer: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
