// Inspection results from machines and gauges in the Unified Namespace (issue #14: results "from the UNS (`quality`
// kind)"). A gauge at a work unit publishes a measurement as every measurement is published, under the `quality` kind
// with the characteristic as its tag, and what it is about under `properties`
// (schemas/mes/uns-requests.schema.json `qualityResult`):
//
//   <unit>/quality/<characteristic>   { "value": 10.02, "unit": "MMT", "timestamp": 1795320607283,
//                                       "properties": { "lotId": "L-1", "serial": "S-7", "resultId": "g-991", "jobId": "..." } }
//
// It is recorded with mes.quality.recordResult against the job Running on the unit (or the one `jobId` names, which
// must run there): equipment the unit's code, who the machine account that may publish under the unit, when the
// payload's timestamp. A qualitative characteristic takes the value "accepted" or "rejected". The result's id is
// `uns:<unit code>:<resultId>`, or made from the message (characteristic, timestamp and a hash of the payload) when
// the gauge names none, so a redelivered message (MQTT QoS 1 is at least once) is recorded once. An out-of-spec value
// opens a nonconformance and holds its lot, as any rejected result does.
//
// Refused, nothing recorded, and reported on `$hub/errors/<topic>` (error QUALITY_REFUSED, publisher mes/
// machine-quality) as the other feeders report what they cannot take: a payload that does not fit, a value whose
// quality is not GOOD, no job (or several) Running on the unit, an unknown characteristic, another unit, a decided
// inspection lot, an unknown lot or serial. The log says it once per stretch of the same refusal at a unit.
// Results of one unit are recorded in arrival order (mes/ordered-work.ts); a result published with retain is
// recorded as it arrives, its stored copy never again. Work units need an SAP work center binding (the MES's code), as for scans.
import { createHash } from 'node:crypto'
import type { Equipment, PlantModel } from '../plant/plant-model'
import type { Logger } from '../core/logger'
import { HubError, ValidationError } from '../core/errors'
import { clientText } from '../core/client-text'
import { check } from '../core/schema-check'
import type { Publisher, UnsPort, UnsSubscription } from '../uns/uns-port'
import schema from '../schemas/mes/uns-requests.schema.json'
import type { Mes } from './index'
import type { JobOrder } from './service'
import { QualityRefusedError } from './errors'
import { definitionCheck } from './validation'
import { boundedId } from './machine-values'
import { OrderedWork, flushAll } from './ordered-work'

/** Who reports the feeder's refusals on $hub/errors. */
export const MACHINE_QUALITY_PUBLISHER: Publisher = Object.freeze({ kind: 'mes', id: 'machine-quality' })

export interface QualityResultPayload {
  value: number | 'accepted' | 'rejected'
  timestamp: number
  quality?: 'GOOD' | 'UNCERTAIN' | 'BAD' | 'STALE'
  unit?: string
  properties?: { lotId?: string, serial?: string, resultId?: string, jobId?: string, [key: string]: unknown }
}

export interface MachineQualityOptions {
  mes: Mes
  model: PlantModel
  uns: Pick<UnsPort, 'subscribe' | 'report'>
  log: Logger
  /** Who a unit's results are recorded as: the machine account that may publish under it. Default `machine:<code>`. */
  whoOf?: (unit: Equipment, code: string) => string
}

export interface MachineQuality {
  /** The work units whose `quality` topics are heard. */
  readonly units: readonly Equipment[]
  /** Resolves when every result heard so far has been recorded (or refused). */
  flush (): Promise<void>
  stop (): Promise<void>
}

/** A result that cannot be recorded for a reason of the message or the unit (not of the inspection plan). */
export class MachineResultRefusedError extends HubError {
  constructor (topic: string, message: string, hint?: string) {
    super('QUALITY_RESULT_REFUSED', message, { source: topic }, hint)
  }
}

interface Unit {
  readonly equipment: Equipment
  readonly code: string
  readonly who: string
  /** The topic filter's prefix: `<unit>/quality/`. */
  readonly prefix: string
  readonly work: OrderedWork
  /** The refusal logged last at this unit: the same one again goes to debug. */
  lastLogged: string | undefined
}

export async function startMachineQuality (opts: MachineQualityOptions): Promise<MachineQuality> {
  const { mes, uns, log } = opts
  const units: Unit[] = []
  for (const e of opts.model.walk()) {
    const code = e.bindings.sap?.workCenter
    if (e.level !== 'workUnit' || code === undefined) continue
    units.push({
      equipment: e, code, who: opts.whoOf?.(e, code) ?? `machine:${code}`, prefix: `${e.topic}/quality/`, lastLogged: undefined,
      work: new OrderedWork((err: unknown) => { log.warn(`inspection result at ${code} not handled: ${(err as Error).message}`) })
    })
  }
  const subscriptions: UnsSubscription[] = []
  let stopped = false

  const refuse = (u: Unit, topic: string, payloadBytes: number, reason: string, rule: string): void => {
    uns.report(MACHINE_QUALITY_PUBLISHER, { error: 'QUALITY_REFUSED', reason, topic, payloadBytes })
    const line = `${u.code} (${u.equipment.topic}): inspection result on ${clientText(topic)} not recorded: ${clientText(reason, 1000)}`
    if (u.lastLogged === rule) return log.debug(line)
    u.lastLogged = rule
    log.warn(line)
  }

  function parse (topic: string, payload: Buffer): QualityResultPayload {
    let parsed: unknown
    try {
      parsed = JSON.parse(payload.toString('utf8'))
    } catch {
      throw new ValidationError(topic, [{ path: '', message: 'is not JSON: publish a UNS payload { "value": <measured value>, "unit": "...", "timestamp": <epoch ms> }' }])
    }
    return check<QualityResultPayload>(definitionCheck(schema, 'qualityResult'), topic, parsed)
  }

  async function jobOf (u: Unit, topic: string, jobId: string | undefined): Promise<JobOrder> {
    if (jobId !== undefined) {
      const job = await mes.wip.getJob(jobId)
      if (job.workUnit !== u.code) {
        throw new MachineResultRefusedError(topic, `job ${job.jobId} runs on work unit ${job.workUnit}, not on ${u.code}`, 'publish the result under the unit the job runs on')
      }
      return job
    }
    const running = await mes.wip.listJobs({ workUnit: u.code, states: ['Running'] })
    if (running.length === 1) return running[0]!
    if (running.length === 0) throw new MachineResultRefusedError(topic, `no job is Running on work unit ${u.code}`, 'start the job, then measure')
    throw new MachineResultRefusedError(topic, `${running.length} jobs are Running on work unit ${u.code} (${running.map((j) => j.jobId).join(', ')})`,
      'name the job in properties.jobId')
  }

  async function onResult (u: Unit, topic: string, payload: Buffer): Promise<void> {
    const characteristic = topic.slice(u.prefix.length)
    try {
      if (characteristic === '') throw new MachineResultRefusedError(topic, 'no characteristic: publish on <unit>/quality/<characteristic>')
      const m = parse(topic, payload)
      if (m.quality !== undefined && m.quality !== 'GOOD') {
        throw new MachineResultRefusedError(topic, `the value's quality is ${m.quality}: only GOOD values are recorded as inspection results`, 'measure again')
      }
      const p = m.properties ?? {}
      const job = await jobOf(u, topic, p.jobId)
      // A redelivery is the same bytes: the same id. Another reading in the same millisecond differs in its bytes.
      const resultId = boundedId(`uns:${u.code}:` + (p.resultId ??
        `${characteristic}@${m.timestamp}:${createHash('sha256').update(payload).digest('hex').slice(0, 16)}`))
      const measured = typeof m.value === 'number' ? { value: m.value, ...(m.unit !== undefined ? { unit: m.unit } : {}) } : { attribute: m.value }
      const r = await mes.quality.recordResult({
        resultId, jobId: job.jobId, characteristic, ...measured,
        ...(p.lotId !== undefined ? { lotId: p.lotId } : {}), ...(p.serial !== undefined ? { serial: p.serial } : {}),
        equipment: u.code, who: u.who, at: new Date(m.timestamp).toISOString()
      })
      u.lastLogged = undefined
      log.debug(`${u.code}: result ${clientText(resultId)} of ${clientText(characteristic)} on job ${job.jobId}: ${r.result.evaluation}${r.duplicate ? ' (recorded before)' : ''}`)
    } catch (err) {
      if (!(err instanceof HubError)) {
        // The store failed (not the result): the message was acknowledged to the gauge, so say it was not recorded.
        refuse(u, topic, payload.length, `the MES could not record the result (${(err as Error).message}); nothing was recorded`, 'internal')
        return
      }
      const rule = err instanceof QualityRefusedError ? err.rule : err.code
      refuse(u, topic, payload.length, err.message, rule)
    }
  }

  try {
    for (const u of units) {
      subscriptions.push(await uns.subscribe(`${u.prefix}#`, (m) => {
        // Only live messages come here (no retainedFirst): a gauge that publishes with retain (so that dashboards show
        // the last reading) is heard as one that does not; the stored copy is never delivered again.
        if (stopped) return
        u.work.add(async () => await onResult(u, m.topic, m.payload))
      }))
    }
  } catch (err) {
    await Promise.all(subscriptions.map(async (s) => await s.close()))
    throw err
  }
  const flush = async (): Promise<void> => await flushAll(units.map((u) => u.work))
  return {
    units: units.map((u) => u.equipment),
    flush,
    async stop () {
      stopped = true
      await Promise.all(subscriptions.map(async (s) => await s.close()))
      await flush()
    }
  }
}
