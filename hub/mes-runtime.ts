// The MES core inside the hub: opens the store named by the config (SQLite in the data directory unless
// mes.store is postgres), creates the Mes with the plant model's view of work centers and units and the editor
// users as signers, and publishes what it commits into the namespace (mes/uns-bridge.ts).
import fs from 'node:fs'
import path from 'node:path'
import type { HubConfig } from './config'
import type { EditorUser } from './own-config'
import { mesSqliteFile, redactUrl } from '../mes/config'
import type { Logger } from '../core/logger'
import type { Equipment, PlantModel } from '../plant/plant-model'
import type { UnsPort } from '../uns/uns-port'
import type { UnsUpdateSource } from '../uns/uns-update'
import { verifyPassword } from '../core/passwords'
import { scopeAllows } from './node-red-permissions'
import { createMes, type Mes } from '../mes/index'
import type { MesStore } from '../mes/store/store'
import { SqliteStore } from '../mes/store/sqlite-store'
import { PostgresStore } from '../mes/store/postgres-store'
import type { CredentialCheck } from '../mes/model/types'
import { startUnsBridge, MesTopics, type UnsBridge } from '../mes/uns-bridge'
import { startMachineEvents, type MachineEvents } from '../mes/machine-events'
import { startProcessValues, type ProcessValueRecorder } from '../mes/process-values'
import { startMachineConsumption, type MachineConsumption } from '../mes/machine-consumption'
import { startMachineQuality, type MachineQuality } from '../mes/machine-quality'
import { startMaterialsUns, type MaterialsUns } from '../mes/materials-uns'
import { startHoldsUns, type HoldsUns } from '../mes/holds-uns'
import { startScanConsumption, type ScanConsumption } from '../mes/scan-consumption'
import { startTraceRequests, type TraceRequests } from '../mes/trace-requests'
import { startLotExpiry, type LotExpiry } from '../mes/materials/lot-expiry'

export interface MesRuntime {
  readonly mes: Mes
  readonly bridge: UnsBridge
  /** Material events and retained lot state in the namespace (mes/materials-uns.ts). */
  readonly materials: MaterialsUns
  /** Holds of orders and work units in the namespace, and every placement and release (mes/holds-uns.ts). */
  readonly holds: HoldsUns
  /** Barcode scans on `<unit>/events/scan` become consumptions (mes/scan-consumption.ts). */
  readonly scans: ScanConsumption
  /** Trace requests on `<site>/materials/trace/request/...` (mes/trace-requests.ts). */
  readonly traceRequests: TraceRequests
  /** Job events from machines (plant model `mes:` on work units); only when the hub runs Sparkplug. */
  readonly machineEvents: MachineEvents | undefined
  /** The operations' process values, captured from the namespace while their jobs run (the as-built record). */
  readonly processValues: ProcessValueRecorder
  /** Released lots past their expiry become expired (mes/materials/lot-expiry.ts). */
  readonly lotExpiry: LotExpiry
  /** Consumption from machines (plant model `mes: consumption` on work units); only when the hub runs Sparkplug. */
  readonly machineConsumption: MachineConsumption | undefined
  /** Inspection results from gauges on `<unit>/quality/<characteristic>` (mes/machine-quality.ts). */
  readonly machineQuality: MachineQuality
  /** 'SQLite /path/mes.sqlite' or 'PostgreSQL postgres://user:***@host/db'. */
  readonly description: string
  close (): Promise<void>
}

/** Opens the MES store the configuration names (creating/migrating it). */
export async function openMesStore (config: HubConfig): Promise<{ store: MesStore, description: string }> {
  if (config.mes.store === 'postgres') {
    const url = config.mes.postgresUrl ?? ''
    const store = await PostgresStore.open({ connectionString: url, schema: config.mes.postgresSchema })
    return { store, description: `PostgreSQL ${redactUrl(url)}${config.mes.postgresSchema ? ` schema ${config.mes.postgresSchema}` : ''}` }
  }
  const file = mesSqliteFile(config)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  return { store: await SqliteStore.open(file), description: `SQLite ${file}` }
}

/** The editor users: the configured ones, else the generated admin (data/editor-admin.json) once it exists. */
function editorUsers (config: HubConfig): EditorUser[] {
  if (config.editor.users.length > 0) return config.editor.users
  const file = path.join(config.dataDir, 'editor-admin.json')
  try {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { username: string, passwordHash: string }
    return [{ username: stored.username, passwordHash: stored.passwordHash }]
  } catch {
    return []
  }
}

/**
 * Electronic signatures are checked against the editor users' bcrypt hashes: the people who may change flows
 * are the people who may sign, and only those with write rights (a `permissions: read` user signs nothing). Read
 * on every check, so a changed password counts at once.
 */
export function editorCredentialCheck (config: HubConfig): CredentialCheck {
  return async (user, password) => {
    const u = editorUsers(config).find((x) => x.username === user)
    if (u === undefined || !scopeAllows(u.permissions ?? '*', 'mes.write')) return false
    return await verifyPassword(password, u.passwordHash)
  }
}

/**
 * Who a unit's gauge results are recorded as: the machine account whose equipment holds the unit (the broker lets
 * only it, and admins, publish there), the most specific one if several do; `machine:<code>` when none does.
 */
export function machineAccountOf (config: HubConfig): (unit: Equipment, code: string) => string {
  return (unit, code) => {
    const owners = config.mqtt.accounts
      .flatMap((a) => a.role !== 'machine' ? [] : (a.equipment ?? []).map((p) => ({ username: a.username, prefix: p.replace(/\/+$/, '') })))
      .filter((o) => unit.topic === o.prefix || unit.topic.startsWith(o.prefix + '/'))
      .sort((a, b) => b.prefix.length - a.prefix.length)
    return `machine:${owners[0]?.username ?? code}`
  }
}

/** A work unit belongs to a work center when the model says so; codes the model does not know are not judged. */
export function workUnitCheck (topics: MesTopics): (workCenter: string, workUnit: string) => boolean {
  return (workCenter, workUnit) => {
    const wc = topics.equipmentOf(workCenter)
    const wu = topics.equipmentOf(workUnit)
    if (wc === undefined || wu === undefined) return true
    return wu.parent === wc
  }
}

export async function startMesRuntime (opts: { config: HubConfig, model: PlantModel, uns: UnsPort, log: Logger,
  /** The Sparkplug side's stream of UNS updates, when Sparkplug is enabled: machine events listen to it. */
  sparkplug?: UnsUpdateSource }):
Promise<MesRuntime> {
  const { config, model, log } = opts
  const { store, description } = await openMesStore(config)
  const topics = new MesTopics(model, log)
  const mes = createMes(store, {
    overReportTolerancePct: config.mes.overReportTolerancePct,
    verifyCredentials: editorCredentialCheck(config),
    isWorkUnitOf: workUnitCheck(topics),
    // A work unit may be held when the plant model binds its code (or a job has run on it, see holds-service.ts).
    isWorkUnit: (code) => topics.equipmentOf(code)?.level === 'workUnit',
    // Staging by the WMS (README "Logistics"): to the unit's supply location in the plant model, else its code.
    supplyLocationOf: (workUnit) => topics.equipmentOf(workUnit)?.supplyLocation,
    stagingTrigger: config.mes.staging?.trigger,
    startRequiresStaging: config.mes.staging?.requiredToStart === true
  })
  mes.onListenerError((err, e) => log.warn(`MES listener failed on ${e.kind} event of order ${e.orderNumber}: ${(err as Error).message}`))
  mes.materials.onListenerError((err, e) => log.warn(`MES listener failed on material event ${e.kind}: ${(err as Error).message}`))
  mes.holds.onListenerError((err, e) => log.warn(`MES listener failed on ${e.kind} of hold ${e.hold.holdId}: ${(err as Error).message}`))
  mes.quality.onListenerError((err, e) => log.warn(`MES listener failed on quality event ${e.kind}: ${(err as Error).message}`))
  mes.logistics.onListenerError((err, e) => log.warn(`MES listener failed on logistics event ${e.kind}: ${(err as Error).message}`))
  // What has started, in order: a failed start stops it in reverse, and so does close (machine events before the
  // bridge, which publishes their last reports; the store last).
  const started: Array<{ stop: () => Promise<void> }> = []
  const stopAll = async (): Promise<void> => {
    for (const part of started.splice(0).reverse()) await part.stop()
    await mes.close()
  }
  const run = <T extends { stop: () => Promise<void> }>(part: T): T => { started.push(part); return part }
  let parts
  try {
    const bridge = run(startUnsBridge({ mes, model, uns: opts.uns, log }))
    const materials = run(startMaterialsUns({ mes, topics, uns: opts.uns, log }))
    const holds = run(startHoldsUns({ mes, topics, uns: opts.uns, log }))
    await bridge.resync()
    const scans = run(await startScanConsumption({ mes, model, uns: opts.uns, log: log.child('scans') }))
    const traceRequests = run(await startTraceRequests({ mes, model, uns: opts.uns, log: log.child('trace-requests') }))
    const processValues = run(startProcessValues({
      mes, store, uns: opts.uns, log: log.child('process-values'),
      unitTopic: (workUnit, workCenter) => {
        const place = topics.workUnit(workUnit, workCenter)
        return place.prefix === '' ? place.equipment.topic : undefined
      }
    }))
    await processValues.resume()
    // After the materials' UNS publisher: the lots that expired while the hub was down are published as they expire.
    const lotExpiry = run(startLotExpiry({ mes, store, log: log.child('lot-expiry') }))
    await lotExpiry.start()
    const machineEvents = opts.sparkplug !== undefined
      ? run(startMachineEvents({ mes, model, updates: opts.sparkplug, log: log.child('machine-events') }))
      : undefined
    const machineConsumption = opts.sparkplug !== undefined && model.machineConsumptionUnits().length > 0
      ? run(startMachineConsumption({ mes, model, updates: opts.sparkplug, log: log.child('machine-consumption') }))
      : undefined
    const machineQuality = run(await startMachineQuality({ mes, model, uns: opts.uns, log: log.child('machine-quality'), whoOf: machineAccountOf(config) }))
    parts = { bridge, materials, holds, scans, traceRequests, processValues, lotExpiry, machineEvents, machineConsumption, machineQuality }
  } catch (err) {
    await stopAll()
    throw err
  }
  const { machineEvents } = parts
  if (machineEvents === undefined && model.machineEventUnits().length > 0) {
    log.info('the plant model maps machine metrics to job events (mes: on work units), but Sparkplug is disabled: they are not used')
  }
  let closing: Promise<void> | undefined
  return {
    mes,
    ...parts,
    description,
    close () {
      closing ??= stopAll()
      return closing
    }
  }
}
