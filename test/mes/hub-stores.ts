// A real hub (broker, plant model, MES runtime with its UNS bridge) per store kind of HUB_TEST_STORES: SQLite in
// `npm test`, PostgreSQL (a fresh schema) in `npm run test:system`. The MES is configured the way a user does it,
// through the hub config's `mes` section.
import type { RunningHub } from '../../hub/hub'
import { startHub } from '../../hub/hub'
import type { Logger } from '../../core/logger'
import { silentLogger } from '../../core/logger'
import type { HubConfig } from '../../hub/config'
import type { Mes } from '../../mes/index'
import { testConfig } from '../support/hub-fixture'
import { assertPostgresReachable, storeKinds, type StoreKind } from './stores'

export interface HubCtx {
  kind: StoreKind
  hub: RunningHub
  mes: Mes
  config: HubConfig
}

/** `describe(<title> [store])` with one hub for the whole suite; `ctx()` returns it inside tests. */
export function forEachHubStore (title: string, body: (ctx: () => HubCtx) => void,
  opts: { log?: Logger, patch?: (c: HubConfig) => void } = {}): void {
  for (const make of storeKinds()) {
    const kind = make()
    describe(`${title} [${kind.name}]`, function () {
      let current: HubCtx | undefined
      before(async function () {
        if (kind.name === 'postgres') await assertPostgresReachable()
        kind.prepare()
        const config = testConfig(undefined, (c) => {
          c.mes = { ...kind.hubConfig() }
          opts.patch?.(c)
        })
        const hub = await startHub(config, opts.log ?? silentLogger)
        current = { kind, hub, mes: hub.mes.mes, config }
      })
      after(async function () {
        await current?.hub.stop()
        await kind.cleanup()
        current = undefined
      })
      body(() => {
        if (current === undefined) throw new Error('no hub (called outside a test?)')
        return current
      })
    })
  }
}

/** An order across the demo plant: op 10 on press line 1 (SAP PRESSL1), op 20 on assembly line A (ASSYA). */
export function demoOrder (orderNumber: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderNumber,
    material: 'ENCL-600',
    description: 'Steel enclosure 600 mm',
    quantity: 50,
    unit: 'PCE',
    dueDate: '2030-03-07T16:00:00Z',
    priority: 10,
    overlap: 'strict',
    operations: [
      { sequence: 10, workCenter: 'PRESSL1', description: 'Stamp panels', setupTime: 15, runTimePerUnit: 0.5 },
      { sequence: 20, workCenter: 'ASSYA', description: 'Assemble', setupTime: 10, runTimePerUnit: 2 }
    ],
    ...over
  }
}

export interface UnsMsg { topic: string, payload: Buffer, retain: boolean, value: Record<string, unknown> | null }

/** Watches an MQTT client's messages; `waitFor(topic, predicate)` resolves with the first (past or future) that fits. */
export function unsWatcher (client: { on (ev: 'message', f: (t: string, p: Buffer, packet: { retain: boolean }) => void): unknown }) {
  const seen: UnsMsg[] = []
  const waiters = new Set<{ check: (m: UnsMsg) => boolean }>()
  client.on('message', (topic, payload, packet) => {
    let value: Record<string, unknown> | null = null
    if (payload.length > 0) value = (JSON.parse(payload.toString()) as { value: Record<string, unknown> }).value
    const m = { topic, payload, retain: packet.retain, value }
    seen.push(m)
    for (const w of waiters) w.check(m)
  })
  return {
    seen,
    waitFor (topic: string, pred: (v: Record<string, unknown> | null, m: UnsMsg) => boolean = () => true, timeoutMs = 5000): Promise<UnsMsg> {
      const hit = seen.find((m) => m.topic === topic && pred(m.value, m))
      if (hit !== undefined) return Promise.resolve(hit)
      return new Promise((resolve, reject) => {
        const w = {
          check: (m: UnsMsg): boolean => {
            if (m.topic !== topic || !pred(m.value, m)) return false
            waiters.delete(w)
            clearTimeout(timer)
            resolve(m)
            return true
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(w)
          const last = seen.filter((m) => m.topic === topic).slice(-3).map((m) => m.payload.toString()).join('\n  ')
          reject(new Error(`no fitting message on ${topic} within ${timeoutMs} ms; last ones:\n  ${last || '(none)'}`))
        }, timeoutMs)
        waiters.add(w)
      })
    }
  }
}
