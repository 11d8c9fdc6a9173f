// MES job control over OPC UA (OPC 10031-4 v2.0.0): under each work unit's equipment object, an
// ISA95JobOrderReceiverObjectType (JobOrderList; Store, StoreAndStart, Start, Pause, Resume, Stop, Abort, Cancel,
// RevokeStart) and an ISA95JobResponseProviderObjectType (JobOrderResponseList, RequestJobResponseByJobOrderID/-State),
// both backed by the MES service: a method is one MES call, with the MES's rules and audit trail and the OPC UA
// user as who. The address space must have the job-control nodeset loaded; the server that owns it decides which
// units get one and who may call (see JobControlOptions).
import {
  DataType, EventNotifierFlags, StatusCodes, UserNameIdentityToken, Variant, VariantArrayType,
  type AddressSpace, type CallMethodResultOptions, type ISessionContext, type UAMethod, type UAObject, type UAVariable
} from 'node-opcua'
import type { Mes } from '../../../mes/service'
import type { JobOrder, JobState } from '../../../mes/model/types'
import { NotFoundError } from '../../../mes/errors'
import { HubError } from '../../../core/errors'
import { silentLogger, type Logger } from '../../../core/logger'
import { ENDED_JOB_STATES, JOB_COMMANDS, mesStatesOf, type JobCommandName } from './job-states'
import { RETURN_BIT, SUCCESS, outcomeOfMesError, refused, returnStatusVariant, statusCodeOf, type MethodOutcome } from './return-status'
import { jobOrderAndState, jobResponse, stateValue } from './job-values'
import { storeJobOrder } from './store-job-order'
import { OrderCache, UnitJobLists, type Encode } from './unit-job-lists'

export const JOB_CONTROL_NAMESPACE = 'http://opcfoundation.org/UA/ISA95-JOBCONTROL_V2/'

export interface JobControlUnit {
  /** The work unit's place in the namespace (its topic prefix): for messages and for `mayControl`. */
  readonly topic: string
  /** The MES's code of the work unit: its `sap.workCenter` in the plant model. */
  readonly workUnit: string
  /** The equipment object the receiver and the provider are placed under. */
  readonly parent: UAObject
}

export interface JobControlOptions {
  readonly mes: Mes
  readonly units: readonly JobControlUnit[]
  /** Who is calling, as the audit trail names them; undefined (anonymous) may read but not change jobs. Default: the session's user name. */
  readonly userOf?: (context: ISessionContext) => string | undefined
  /** Whether a user may change the jobs of a unit (e.g. a machine account only its own subtree). Default: every named user. */
  readonly mayControl?: (user: string, unit: JobControlUnit) => boolean
  readonly log?: Logger
  /** How many jobs that ended while the hub ran stay in a unit's JobOrderResponseList; default 20. */
  readonly keepEnded?: number
}

export interface JobControl {
  /** The receiver object of each work unit, by the unit's MES code. */
  readonly receivers: ReadonlyMap<string, UAObject>
  readonly providers: ReadonlyMap<string, UAObject>
  /** Stops following the MES and removes the objects. */
  stop: () => void
}

/** The session's user name; undefined for an anonymous or certificate session. */
export function sessionUserName (context: ISessionContext): string | undefined {
  const token = context.session?.userIdentityToken
  return token instanceof UserNameIdentityToken && typeof token.userName === 'string' && token.userName !== '' ? token.userName : undefined
}

const RECEIVER_METHODS = ['Store', 'StoreAndStart', ...Object.keys(JOB_COMMANDS)]

function commentOf (v: Variant | undefined): string | undefined {
  const texts = (Array.isArray(v?.value) ? v.value : []) as Array<{ text?: string | null } | null>
  const joined = texts.map((t) => t?.text ?? '').filter((t) => t !== '').join('; ')
  return joined === '' ? undefined : joined
}

export function installJobControl (addressSpace: AddressSpace, opts: JobControlOptions): JobControl {
  const ns = addressSpace.getNamespaceIndex(JOB_CONTROL_NAMESPACE)
  if (ns < 0) {
    throw new HubError('OPCUA_NODESET_MISSING', `the OPC UA address space has no ISA-95 job-control namespace ${JOB_CONTROL_NAMESPACE}`,
      { source: 'OPC UA job control' }, 'load nodesets.isa95JobControl of node-opcua-nodesets (opc.ua.isa95-jobcontrol.nodeset2.xml) into the server')
  }
  const { mes } = opts
  const log = opts.log ?? silentLogger
  const userOf = opts.userOf ?? sessionUserName
  const mayControl = opts.mayControl ?? (() => true)
  const receiverType = addressSpace.findObjectType('ISA95JobOrderReceiverObjectType', ns)!
  const providerType = addressSpace.findObjectType('ISA95JobResponseProviderObjectType', ns)!
  const dataTypes = {
    jobOrderAndState: addressSpace.findDataType('ISA95JobOrderAndStateDataType', ns)!,
    jobResponse: addressSpace.findDataType('ISA95JobResponseDataType', ns)!
  }
  const stateType = addressSpace.findDataType('ISA95StateDataType', ns)!
  const statusEventType = addressSpace.findEventType('ISA95JobOrderStatusEventType', ns)!
  const jobOrderType = addressSpace.findDataType('ISA95JobOrderDataType', ns)!
  const encode: Encode = (kind, job, order) =>
    addressSpace.constructExtensionObject(dataTypes[kind], kind === 'jobOrderAndState' ? jobOrderAndState(job, order) : jobResponse(job, order))
  const orders = new OrderCache(mes)
  const lists = new Map<string, UnitJobLists>()
  const receivers = new Map<string, UAObject>()
  const providers = new Map<string, UAObject>()

  const reply = (outcome: MethodOutcome, extra: Variant[] = []): CallMethodResultOptions =>
    ({ statusCode: statusCodeOf(outcome), outputArguments: [...extra, returnStatusVariant(outcome)] })

  for (const unit of opts.units) {
    const namespaceIndex = unit.parent.nodeId.namespace
    // In the equipment's namespace (node-opcua would otherwise put them in the server's own, ns=1).
    const namespace = addressSpace.getNamespace(namespaceIndex)
    const receiver = receiverType.instantiate({
      namespace,
      browseName: { name: 'JobOrderReceiver', namespaceIndex },
      componentOf: unit.parent,
      optionals: RECEIVER_METHODS
    })
    const provider = providerType.instantiate({
      namespace,
      browseName: { name: 'JobResponseProvider', namespaceIndex },
      componentOf: unit.parent,
      optionals: ['JobOrderResponseList'],
      // It raises ISA95JobOrderStatusEventType when a job of the unit changes state: clients subscribe to it.
      eventNotifier: EventNotifierFlags.SubscribeToEvents
    })
    const component = (o: UAObject, name: string): UAVariable => o.getComponentByName(name, ns) as UAVariable
    component(receiver, 'EquipmentID').setValueFromSource({ dataType: DataType.String, arrayType: VariantArrayType.Array, value: [unit.workUnit] })
    for (const name of ['MaterialClassID', 'MaterialDefinitionID', 'PersonnelID', 'PhysicalAssetID']) {
      component(receiver, name).setValueFromSource({ dataType: DataType.String, arrayType: VariantArrayType.Array, value: [] })
    }
    component(receiver, 'WorkMaster').setValueFromSource({ dataType: DataType.ExtensionObject, arrayType: VariantArrayType.Array, value: [] })
    const unitLists = new UnitJobLists(mes, unit.workUnit, orders, encode, component(receiver, 'JobOrderList'),
      component(provider, 'JobOrderResponseList'), opts.keepEnded ?? 20)
    lists.set(unit.workUnit, unitLists)
    receivers.set(unit.workUnit, receiver)
    providers.set(unit.workUnit, provider)

    const method = (o: UAObject, name: string): UAMethod => o.getMethodByName(name, ns)!
    const refresh = async (): Promise<void> => {
      await unitLists.refresh().catch((err: unknown) => log.warn(`job lists of work unit ${unit.workUnit} (${unit.topic}) not refreshed: ${(err as Error).message}`))
    }
    // A change: the caller must be a user allowed on this unit; the outcome is logged when refused, and the lists
    // are refreshed before the answer, so that a client reading JobOrderList next sees what it did.
    const bindChange = (name: string, run: (args: Variant[], who: string, why: string | undefined) => Promise<MethodOutcome>): void => {
      method(receiver, name).bindMethod(async (args: Variant[], context: ISessionContext) => {
        const who = userOf(context)
        if (who === undefined || !mayControl(who, unit)) {
          log.info(`OPC UA ${name} on work unit ${unit.workUnit} refused: ${who === undefined ? 'an anonymous session may not change jobs' : `user ${who} may not control jobs of ${unit.topic}`}`)
          return { statusCode: StatusCodes.BadUserAccessDenied }
        }
        let outcome: MethodOutcome
        try {
          outcome = await run(args, who, commentOf(args[1]))
        } catch (err) {
          log.error(`OPC UA ${name} on work unit ${unit.workUnit} by ${who} failed: ${(err as Error).message}`)
          return { statusCode: StatusCodes.BadInternalError }
        }
        await refresh()
        if (outcome.reason !== undefined) log.info(`OPC UA ${name} on work unit ${unit.workUnit} by ${who}: ${outcome.reason}`)
        return reply(outcome)
      })
    }
    for (const store of ['Store', 'StoreAndStart'] as const) {
      bindChange(store, async (args, who, why) => {
        const jobOrder = args[0]?.value as { jobOrderID?: unknown } | null | undefined
        return await storeJobOrder(mes, unit.workUnit, jobOrder?.jobOrderID, { who, why: why ?? `OPC UA ${store}` }, store === 'StoreAndStart')
      })
    }
    for (const name of Object.keys(JOB_COMMANDS) as JobCommandName[]) {
      const command = JOB_COMMANDS[name]
      bindChange(name, async (args, who, why) => {
        const jobId = args[0]?.value
        if (typeof jobId !== 'string' || jobId === '') return refused('no JobOrderID', RETURN_BIT.invalidRequest)
        const job = await jobOfUnit(jobId, unit.workUnit)
        if (job === undefined) return refused(`work unit ${unit.workUnit} has no job ${jobId}`, RETURN_BIT.unknownJobOrderId)
        if ('from' in command && !(command.from as readonly JobState[]).includes(job.state)) {
          return refused(`${name} takes a job that has not started; job ${jobId} is ${job.state}`, RETURN_BIT.invalidJobOrderStatus)
        }
        try {
          await mes.wip.apply({ jobId, event: command.event, who, why: why ?? `OPC UA ${name}` })
        } catch (err) {
          const o = outcomeOfMesError(err)
          if (o === undefined) throw err
          return o
        }
        return SUCCESS
      })
    }

    // Reads: every session that may browse the unit may ask (node-opcua wants the context in the signature).
    method(provider, 'RequestJobResponseByJobOrderID').bindMethod(async (args: Variant[], _context: ISessionContext) => {
      const jobId = args[0]?.value
      const none = new Variant({ dataType: DataType.ExtensionObject, value: null })
      try {
        const job = typeof jobId === 'string' && jobId !== '' ? await jobOfUnit(jobId, unit.workUnit) : undefined
        if (job === undefined) return reply(refused(`work unit ${unit.workUnit} has no job ${String(jobId)}`, RETURN_BIT.unknownJobOrderId), [none])
        return reply(SUCCESS, [new Variant({ dataType: DataType.ExtensionObject, value: encode('jobResponse', job, await orders.get(job.orderNumber)) })])
      } catch (err) {
        log.error(`OPC UA RequestJobResponseByJobOrderID on work unit ${unit.workUnit} failed: ${(err as Error).message}`)
        return { statusCode: StatusCodes.BadInternalError }
      }
    })
    method(provider, 'RequestJobResponseByJobOrderState').bindMethod(async (args: Variant[], _context: ISessionContext) => {
      const asked = (Array.isArray(args[0]?.value) ? args[0].value : []) as Array<Parameters<typeof mesStatesOf>[0]>
      const states = [...new Set(asked.flatMap((s) => mesStatesOf(s)))]
      const list = (value: unknown[]): Variant => new Variant({ dataType: DataType.ExtensionObject, arrayType: VariantArrayType.Array, value })
      if (states.length === 0) return reply(refused('JobOrderState names none of the states NotAllowedToStart, AllowedToStart, Running, Interrupted, Ended, Aborted', RETURN_BIT.invalidRequest), [list([])])
      try {
        const jobs = await mes.wip.listJobs({ workUnit: unit.workUnit, states, limit: 1000 })
        return reply(SUCCESS, [list(await Promise.all(jobs.map(async (j) => encode('jobResponse', j, await orders.get(j.orderNumber)))))])
      } catch (err) {
        log.error(`OPC UA RequestJobResponseByJobOrderState on work unit ${unit.workUnit} failed: ${(err as Error).message}`)
        return { statusCode: StatusCodes.BadInternalError }
      }
    })
    void refresh()
  }

  /** The job, if it is one of this unit's: a job of another unit is unknown to this receiver, as the spec wants. */
  async function jobOfUnit (jobId: string, workUnit: string): Promise<JobOrder | undefined> {
    try {
      const job = await mes.wip.getJob(jobId)
      return job.workUnit === workUnit ? job : undefined
    } catch (err) {
      if (err instanceof NotFoundError) return undefined
      throw err
    }
  }

  /** ISA95JobOrderStatusEventType on the unit's provider: the job order, its new state and its response. */
  async function raiseStatusEvent (job: JobOrder): Promise<void> {
    const provider = providers.get(job.workUnit)
    if (provider === undefined) return
    const order = await orders.get(job.orderNumber)
    const jobOrder = (jobOrderAndState(job, order) as { jobOrder: Record<string, unknown> }).jobOrder
    const state = stateValue(job).map((st) => addressSpace.constructExtensionObject(stateType, st))
    provider.raiseEvent(statusEventType, {
      sourceName: { dataType: DataType.String, value: job.workUnit },
      message: { dataType: DataType.LocalizedText, value: { text: `job ${job.jobId} is ${job.state}` } },
      jobOrder: { dataType: DataType.ExtensionObject, value: addressSpace.constructExtensionObject(jobOrderType, jobOrder) },
      jobState: { dataType: DataType.ExtensionObject, arrayType: VariantArrayType.Array, value: state },
      jobResponse: { dataType: DataType.ExtensionObject, value: encode('jobResponse', job, order) }
    })
  }

  const refreshAll = (): void => { for (const l of lists.values()) void l.refresh().catch(() => undefined) }
  const unsubscribe = mes.onEvent((e) => {
    if (e.kind === 'wip') {
      const l = lists.get(e.workUnit)
      if (l === undefined) return
      if (ENDED_JOB_STATES.includes(e.to)) l.ended(e.job)
      if (e.from !== e.to) void raiseStatusEvent(e.job).catch((err: unknown) => log.warn(`no job status event for job ${e.jobId}: ${(err as Error).message}`))
      void l.refresh().catch((err: unknown) => log.warn(`job lists of work unit ${e.workUnit} not refreshed: ${(err as Error).message}`))
      return
    }
    orders.forget(e.orderNumber)
    if (e.action === 'dispatch' && e.job !== undefined) {
      void lists.get(e.job.workUnit)?.refresh().catch(() => undefined)
      void raiseStatusEvent(e.job).catch((err: unknown) => log.warn(`no job status event for job ${e.job?.jobId ?? '?'}: ${(err as Error).message}`))
    }
    // A cancel aborts the order's waiting jobs, an update may change what the lists show of it.
    else if (e.action === 'cancel' || e.action === 'update') refreshAll()
  })

  return {
    receivers,
    providers,
    stop () {
      unsubscribe()
      for (const o of [...receivers.values(), ...providers.values()]) addressSpace.deleteNode(o)
      receivers.clear()
      providers.clear()
      lists.clear()
    }
  }
}

