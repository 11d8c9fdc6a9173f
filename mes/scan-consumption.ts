// Barcode scans at a work unit become consumptions on the job Running there. An operator terminal (or a scanner
// behind a gateway) publishes a UNS payload on `<unit>/events/scan` whose value is schemas/mes/uns-requests.schema.json
// `scan`: { code, who, qty?, jobId?, scanId? }, and subscribes to `<unit>/events/scan-result` for the answer:
//
//   { ok: true,  scanId, code, who, jobId, lotId | serial, quantity, unit, lotQuantityLeft, duplicate }
//   { ok: false, scanId, code, who, jobId, error, rule?, reason, hint? }      (nothing was consumed)
//
// code     a lot id, or `serial:<serial number>`
// qty      of a lot, in its unit; default what the order's BOM still needs of that material at the operation
//          (Materials.bomRemainder), at most what the lot holds, so scanning lot after lot fills the requirement.
//          A serial is one item: qty is refused with a serial. A material the BOM does not list needs a qty (the
//          consumption is then refused by the BOM check with its reason, as any other).
// jobId    default: the one job Running on the unit; a scan names it when several run there.
// scanId   the consumption's eventId (`scan:<unit code>:<scanId>`): the same scan sent again is applied once. The
//          last MAX_REMEMBERED_SCANS accepted scans are remembered, so a retry is answered as the first one was
//          (duplicate: true) even when its default qty would now come out differently; after a hub restart a retry
//          that names no qty may be answered with a refusal instead, but it is never applied twice. A different
//          scan under a used scanId (another code, qty, job or operator) is not a retry: the MES refuses it
//          (event-id-conflict), and nothing is consumed.
//
// Who may scan at a unit is the broker's ACL (publish on `<unit>/events/scan`); `who` is the operator the terminal
// names. Scans of one unit are applied in arrival order. Work units need an SAP work center binding (the MES's code).
import type { Equipment, PlantModel } from '../plant/plant-model'
import type { Logger } from '../core/logger'
import { HubError } from '../core/errors'
import { clientText } from '../core/client-text'
import type { Mes } from './index'
import type { ConsumeResult, JobOrder } from './service'
import { MaterialRefusedError } from './errors'
import { MES_TAGS } from '../plant/mes-topics'
import type { UnsPort, UnsSubscription } from '../uns/uns-port'
import { MES_PUBLISHER } from './uns-bridge'
import { requestValue, type ScanValue } from './uns-requests'
import { OrderedWork, flushAll } from './ordered-work'

export const SERIAL_PREFIX = 'serial:'

/** Accepted scans (by unit and scanId) remembered to answer a retry. */
export const MAX_REMEMBERED_SCANS = 1000

export interface ScanConsumptionOptions {
  mes: Mes
  model: PlantModel
  uns: Pick<UnsPort, 'publish' | 'subscribe'>
  log: Logger
  now?: () => number
}

export interface ScanConsumption {
  /** Resolves when every scan heard so far has been answered. */
  flush (): Promise<void>
  stop (): Promise<void>
}

/** A scan that cannot become a consumption, answered with its reason. */
export class ScanRefusedError extends HubError {
  constructor (readonly unit: string, message: string, hint?: string) {
    super('SCAN_REFUSED', message, { source: `scan at ${unit}` }, hint)
  }
}

interface Unit {
  readonly equipment: Equipment
  /** The MES's code of the unit (its SAP work center). */
  readonly code: string
  /** The unit's scans, one after the other in arrival order. */
  readonly work: OrderedWork
}

export async function startScanConsumption (opts: ScanConsumptionOptions): Promise<ScanConsumption> {
  const { mes, uns, log } = opts
  const now = opts.now ?? Date.now
  const units: Unit[] = []
  for (const e of opts.model.walk()) {
    const code = e.bindings.sap?.workCenter
    if (e.level === 'workUnit' && code !== undefined) {
      units.push({ equipment: e, code, work: new OrderedWork((err: unknown) => { log.warn(`scan at ${code} not handled: ${(err as Error).message}`) }) })
    }
  }
  const subscriptions: UnsSubscription[] = []
  /** By unit and scanId: the scan as it was sent (a retry sends the same) and the answer it got. */
  const accepted = new Map<string, { scan: string, answer: Record<string, unknown> }>()
  let stopped = false

  const remember = (key: string, scan: ScanValue, answer: Record<string, unknown>): void => {
    accepted.set(key, { scan: scanText(scan), answer })
    if (accepted.size > MAX_REMEMBERED_SCANS) accepted.delete(accepted.keys().next().value!)
  }

  const answer = async (u: Unit, value: Record<string, unknown>): Promise<void> => {
    const topic = `${u.equipment.topic}/events/${MES_TAGS.scanResult}`
    try {
      await uns.publish(MES_PUBLISHER, topic, { value, timestamp: now() }, { qos: 1 })
    } catch (err) {
      log.warn(`cannot publish ${topic}: ${(err as Error).message}`)
    }
  }

  async function jobFor (u: Unit, scan: ScanValue): Promise<JobOrder> {
    if (scan.jobId !== undefined) {
      const job = await mes.wip.getJob(scan.jobId)
      if (job.workUnit !== u.code) {
        throw new ScanRefusedError(u.equipment.topic, `job ${job.jobId} runs on work unit ${job.workUnit}, not on ${u.code}`, 'scan at the unit the job runs on')
      }
      return job
    }
    const running = await mes.wip.listJobs({ workUnit: u.code, states: ['Running'] })
    if (running.length === 1) return running[0]!
    if (running.length === 0) {
      throw new ScanRefusedError(u.equipment.topic, `no job is Running on work unit ${u.code}`, 'start the job, then scan again')
    }
    throw new ScanRefusedError(u.equipment.topic, `${running.length} jobs are Running on work unit ${u.code} (${running.map((j) => j.jobId).join(', ')})`,
      'name the job in the scan (jobId)')
  }

  async function consume (u: Unit, scan: ScanValue, job: JobOrder): Promise<ConsumeResult> {
    const eventId = scan.scanId !== undefined ? { eventId: `scan:${u.code}:${scan.scanId}` } : {}
    const base = { jobId: job.jobId, who: scan.who, ...eventId }
    if (scan.code.startsWith(SERIAL_PREFIX)) {
      if (scan.code.length === SERIAL_PREFIX.length) {
        throw new ScanRefusedError(u.equipment.topic, `the code '${SERIAL_PREFIX}' names no serial number`, `scan ${SERIAL_PREFIX}<serial number>, or a lot id`)
      }
      if (scan.qty !== undefined && scan.qty !== 1) {
        throw new ScanRefusedError(u.equipment.topic, `a serial is one item; qty ${scan.qty} cannot be consumed of ${scan.code}`, 'scan a serial without qty')
      }
      return await mes.materials.consume({ ...base, serial: scan.code.slice(SERIAL_PREFIX.length) })
    }
    let quantity = scan.qty
    if (quantity === undefined) {
      const lot = await mes.materials.lot(scan.code)
      const need = await mes.materials.bomRemainder(job.jobId, lot.material)
      if (need === null) {
        throw new MaterialRefusedError('not-a-component', `consume lot ${lot.lotId} at job ${job.jobId}`,
          `material ${lot.material} is not a component of operation ${job.sequence} of order ${job.orderNumber}`, 'nothing was consumed')
      }
      if (need.quantity <= 0) {
        throw new ScanRefusedError(u.equipment.topic, `the BOM of order ${job.orderNumber} needs no more ${need.material} at operation ${job.sequence} ` +
          `(BOM item ${need.item} is consumed)`, 'scan with qty to consume more (the BOM tolerance applies)')
      }
      // An empty (consumed) lot keeps what the BOM needs, so that the lot's state is what refuses it, not a qty of 0.
      quantity = lot.quantity > 0 ? Math.min(need.quantity, lot.quantity) : need.quantity
    }
    return await mes.materials.consume({ ...base, lotId: scan.code, quantity })
  }

  async function onScan (u: Unit, topic: string, payload: Buffer): Promise<void> {
    let scan: ScanValue
    try {
      scan = requestValue<ScanValue>('scan', topic, payload)
    } catch (err) {
      const e = err as HubError
      return await answer(u, { ok: false, error: e.code, reason: e.message })
    }
    const echo = { scanId: scan.scanId ?? null, code: scan.code, who: scan.who }
    const key = scan.scanId !== undefined ? `${u.code}\n${scan.scanId}` : undefined
    const before = key !== undefined ? accepted.get(key) : undefined
    if (before !== undefined && before.scan === scanText(scan)) return await answer(u, { ...before.answer, duplicate: true })
    let job: JobOrder | undefined
    try {
      job = await jobFor(u, scan)
      const r = await consume(u, scan, job)
      const node = r.actual.node
      const value = {
        ok: true, ...echo, jobId: job.jobId, [node.kind === 'lot' ? 'lotId' : 'serial']: node.id,
        quantity: r.actual.quantity, unit: r.actual.unit, lotQuantityLeft: r.lot?.quantity ?? null, duplicate: r.duplicate
      }
      if (key !== undefined) remember(key, scan, value)
      await answer(u, value)
    } catch (err) {
      if (!(err instanceof HubError)) log.warn(`scan ${clientText(scan.code)} at ${u.code} failed: ${(err as Error).message}`)
      const e = err instanceof HubError ? err : undefined
      await answer(u, {
        ok: false, ...echo, jobId: job?.jobId ?? scan.jobId ?? null, error: e?.code ?? 'INTERNAL',
        ...(err instanceof MaterialRefusedError ? { rule: err.rule } : {}),
        reason: e?.detail ?? 'the MES could not record the scan (see the hub log)', ...(e?.hint !== undefined ? { hint: e.hint } : {})
      })
    }
  }

  try {
    for (const u of units) {
      const topic = `${u.equipment.topic}/events/scan`
      subscriptions.push(await uns.subscribe(topic, (m) => {
        if (stopped || m.retain) return // a retained scan is an old one, not an operator's action now
        u.work.add(async () => await onScan(u, m.topic, m.payload))
      }))
    }
  } catch (err) {
    await Promise.all(subscriptions.map(async (s) => await s.close()))
    throw err
  }

  const flush = async (): Promise<void> => await flushAll(units.map((u) => u.work))
  return {
    flush,
    async stop () {
      stopped = true
      await Promise.all(subscriptions.map(async (s) => await s.close()))
      await flush()
    }
  }
}

/** What makes two scans the same scan: every field the terminal sent, in one order. */
function scanText (s: ScanValue): string {
  return JSON.stringify([s.code, s.who, s.qty ?? null, s.jobId ?? null])
}
