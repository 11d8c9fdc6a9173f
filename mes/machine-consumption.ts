// Material consumed by machines: the Sparkplug metrics a work unit's plant model entry maps (`mes: consumption:` on a
// work unit, one entry per feeder, hopper or coil holder), as UNS updates of the Sparkplug side's stream, become
// consumptions on the job Running on that unit, recorded with who 'machine:<group>/<node>[/<device>]'.
//
//   lotMetric   a String metric: the id of the lot loaded now (empty: none). A count is taken from the lot loaded
//               when it was counted.
//   counter     the increase of the counter since the last value heard, times `scale`, is consumed from that lot,
//               through Materials.consume: the BOM check applies as to any consumption, and a refusal (wrong
//               material, held or expired lot, over tolerance) is logged with its reason, nothing consumed. As for
//               job events (mes/machine-events.ts), the first value heard and a lower value (a new coil, a reset)
//               only set the base, and each consumption's eventId comes from the counter (unit, metric, base,
//               value), so a count is never consumed twice.
//
// Ignored: STALE and BAD values, historical values. A count with no lot loaded or no job Running is not consumed
// (nobody could say from what, or for which job): logged once per such stretch. Nothing here throws into the
// Sparkplug host; work is queued per work unit, so the counts of one unit are consumed in arrival order.
import type { Equipment, MachineConsumptionMapping, PlantModel } from '../plant/plant-model'
import { sparkplugKey } from '../plant/plant-model'
import type { Logger } from '../core/logger'
import { clientText } from '../core/client-text'
import type { UnsUpdate, UnsUpdateSource } from '../uns/uns-update'
import type { Mes } from './index'
import { MaterialRefusedError, NotFoundError } from './errors'
import { boundedId, countOf } from './machine-values'
import { OrderedWork, flushAll } from './ordered-work'

export interface MachineConsumptionOptions {
  mes: Mes
  model: PlantModel
  /** The machines' metrics as UNS updates (the Sparkplug side's stream fits). */
  updates: UnsUpdateSource
  log: Logger
}

export interface MachineConsumption {
  /** The work units whose feeders are watched. */
  readonly units: readonly Equipment[]
  /** Resolves when everything heard so far has been consumed (or refused). */
  flush (): Promise<void>
  stop (): Promise<void>
}

interface Feeder {
  readonly mapping: MachineConsumptionMapping
  /** The lot loaded now, if any. */
  lot: string | undefined
  /** Last counter value heard; undefined until the first one. */
  last: bigint | undefined
  /** Timestamp of the value that set the base: keeps eventIds apart across resets. */
  epoch: number
  /** A stretch of counts that could not be consumed is logged once: the reason of the current stretch. */
  notConsumed: string | undefined
}

interface Watch {
  readonly unit: Equipment
  readonly code: string
  readonly who: string
  /** By metric name: the feeder whose lot or counter it is. */
  readonly byMetric: Map<string, { feeder: Feeder, role: 'lot' | 'counter' }>
  readonly work: OrderedWork
}

export function startMachineConsumption (opts: MachineConsumptionOptions): MachineConsumption {
  const { mes, updates, log } = opts
  const watches = new Map<string, Watch>()
  for (const unit of opts.model.machineConsumptionUnits()) {
    const sp = unit.bindings.sparkplug
    const code = unit.bindings.sap?.workCenter
    if (sp === undefined || code === undefined) {
      log.warn(`${unit.topic}: mes consumption needs a Sparkplug binding and an SAP work center on the unit; ignored`)
      continue
    }
    const key = sparkplugKey(sp.groupId, sp.edgeNodeId, sp.deviceId)
    const byMetric = new Map<string, { feeder: Feeder, role: 'lot' | 'counter' }>()
    for (const mapping of unit.mes?.consumption ?? []) {
      const feeder: Feeder = { mapping, lot: undefined, last: undefined, epoch: 0, notConsumed: undefined }
      byMetric.set(mapping.lotMetric, { feeder, role: 'lot' })
      byMetric.set(mapping.counter, { feeder, role: 'counter' })
    }
    const work = new OrderedWork((err: unknown) => { log.warn(`${code}: machine consumption failed: ${(err as Error).message}`) })
    watches.set(key, { unit, code, who: boundedId(`machine:${key}`), byMetric, work })
  }
  let stopped = false


  /**
   * Logs the first count of a stretch that could not be consumed; later ones of the same reason at debug. The detail
   * quotes the lot id a machine sent, as client text.
   */
  const notConsumed = (w: Watch, f: Feeder, reason: string, detail: string): void => {
    if (f.notConsumed === reason) return log.debug(`${w.code}: ${clientText(detail, 1000)}`)
    f.notConsumed = reason
    log.warn(`${w.code} (${w.unit.topic}): ${clientText(detail, 1000)}`)
  }

  function onCounter (w: Watch, f: Feeder, u: UnsUpdate): void {
    const metric = f.mapping.counter
    const value = countOf(u.value, u.datatype)
    if (value === undefined) return log.debug(`${w.code}: counter '${metric}' value ${String(u.value)} is not a whole number; ignored`)
    const last = f.last
    f.last = value
    if (last === undefined || value < last) {
      f.epoch = u.timestamp
      return
    }
    if (value === last) return
    const quantity = Number(value - last) * (f.mapping.scale ?? 1)
    const lotId = f.lot
    const eventId = boundedId(`${w.code}:${metric}:${value}@${f.epoch}`)
    w.work.add(async () => {
      if (lotId === undefined) {
        return notConsumed(w, f, 'no-lot', `${quantity} counted by '${metric}' with no lot loaded ('${f.mapping.lotMetric}' is empty): not consumed`)
      }
      const job = (await mes.wip.listJobs({ workUnit: w.code, states: ['Running'] }))[0]
      if (job === undefined) {
        return notConsumed(w, f, 'no-job', `${quantity} of lot ${lotId} counted by '${metric}' with no job Running: not consumed`)
      }
      try {
        await mes.materials.consume({ jobId: job.jobId, who: w.who, lotId, quantity, eventId })
        f.notConsumed = undefined
      } catch (err) {
        if (!(err instanceof MaterialRefusedError) && !(err instanceof NotFoundError)) throw err
        const rule = err instanceof MaterialRefusedError ? err.rule : 'not-found'
        notConsumed(w, f, `refused:${rule}`, `${quantity} of lot ${lotId} counted by '${metric}' not consumed on job ${job.jobId}: ${err.message}`)
      }
    })
  }

  // Every metric of every node passes here: most are not watched, which the name alone tells without building a key.
  const watchedNames = new Set([...watches.values()].flatMap((w) => [...w.byMetric.keys()]))

  function onMetric (u: UnsUpdate): void {
    if (stopped || u.historical || u.quality !== 'GOOD' || !watchedNames.has(u.source.name)) return
    const w = watches.get(sparkplugKey(u.source.groupId, u.source.edgeNodeId, u.source.deviceId))
    const hit = w?.byMetric.get(u.source.name)
    if (w === undefined || hit === undefined) return
    try {
      if (hit.role === 'counter') return onCounter(w, hit.feeder, u)
      const lot = typeof u.value === 'string' && u.value.trim() !== '' ? u.value.trim() : undefined
      if (lot !== hit.feeder.lot) hit.feeder.notConsumed = undefined
      hit.feeder.lot = lot
    } catch (err) {
      log.warn(`${w.code}: metric '${u.source.name}' of ${w.who} not handled: ${(err as Error).message}`)
    }
  }

  updates.onUpdate(onMetric)
  // What the host already knows (births heard before the MES started) is the starting point.
  for (const w of watches.values()) {
    const sp = w.unit.bindings.sparkplug!
    for (const name of w.byMetric.keys()) {
      const current = updates.current?.({ groupId: sp.groupId, edgeNodeId: sp.edgeNodeId, deviceId: sp.deviceId, name })
      if (current !== undefined) onMetric(current)
    }
  }
  if (watches.size > 0) log.info(`machine consumption from ${[...watches.values()].map((w) => `${w.code} (${w.who})`).join(', ')}`)

  const flush = async (): Promise<void> => await flushAll([...watches.values()].map((w) => w.work))
  return {
    units: [...watches.values()].map((w) => w.unit),
    flush,
    async stop () {
      stopped = true
      updates.offUpdate(onMetric)
      await flush()
    }
  }
}
