// Store and StoreAndStart: a client names the job it wants by the id the MES will give it, <orderNumber>-<sequence>-<n>
// (the n-th job of that operation; n is 1 unless the operation was dispatched before), so that the id it stores is
// the id it reads in JobOrderList and passes to Start, Stop, ... The job becomes the MES's dispatch of that operation
// onto the receiver's work unit, with the MES's rules (order released, operation not dispatched, the unit belongs to
// the operation's work center) and its audit record.
import type { Mes } from '../../../mes/service'
import type { Actor } from '../../../mes/model/types'
import { NotFoundError } from '../../../mes/errors'
import { RETURN_BIT, SUCCESS, outcomeOfMesError, refused, type MethodOutcome } from './return-status'

export interface StoreTarget { readonly orderNumber: string, readonly sequence: number, readonly jobNumber: number }

const JOB_ID = /^(.+)-(\d+)-(\d+)$/

/** The operation a JobOrderID names, or undefined when it is not of the MES's form. */
export function parseJobOrderId (id: string): StoreTarget | undefined {
  const m = JOB_ID.exec(id)
  if (m === null) return undefined
  const sequence = Number(m[2])
  const jobNumber = Number(m[3])
  if (sequence < 1 || jobNumber < 1) return undefined
  return { orderNumber: m[1]!, sequence, jobNumber }
}

/** A refusal of Store is always "unable to accept", with the bits of the MES's reason. */
function notAccepted (err: unknown): MethodOutcome | undefined {
  const o = outcomeOfMesError(err)
  if (o === undefined) return undefined
  return refused(o.reason ?? '', RETURN_BIT.unableToAcceptJobOrder, ...o.bits.filter((b) => b !== RETURN_BIT.unknownJobOrderId))
}

/** Dispatches the operation the JobOrderID names onto `workUnit`, and with `start` starts it. Throws only faults. */
export async function storeJobOrder (mes: Mes, workUnit: string, jobOrderId: unknown, actor: Actor, start: boolean): Promise<MethodOutcome> {
  if (typeof jobOrderId !== 'string' || jobOrderId === '') {
    return refused('the job order has no JobOrderID', RETURN_BIT.invalidRequest)
  }
  const target = parseJobOrderId(jobOrderId)
  if (target === undefined) {
    return refused(`JobOrderID ${JSON.stringify(jobOrderId)} is not <orderNumber>-<operation sequence>-<n>, the id the MES gives the n-th job of an operation`,
      RETURN_BIT.invalidRequest)
  }
  try {
    const existing = await mes.wip.getJob(jobOrderId).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined
      throw err
    })
    if (existing !== undefined) {
      return refused(`job ${jobOrderId} exists already (${existing.state} on work unit ${existing.workUnit})`, RETURN_BIT.unableToAcceptJobOrder)
    }
    const order = await mes.workOrders.get(target.orderNumber)
    if (!order.operations.some((o) => o.sequence === target.sequence)) {
      return refused(`order ${target.orderNumber} has no operation ${target.sequence}`, RETURN_BIT.unableToAcceptJobOrder)
    }
    const before = (await mes.wip.listJobs({ orderNumber: target.orderNumber })).filter((j) => j.sequence === target.sequence).length
    if (before + 1 !== target.jobNumber) {
      return refused(`the next job of operation ${target.orderNumber}/${target.sequence} is ${target.orderNumber}-${target.sequence}-${before + 1}, not ${jobOrderId}`,
        RETURN_BIT.unableToAcceptJobOrder)
    }
    const job = await mes.dispatch.dispatchOperation(target.orderNumber, target.sequence, workUnit, actor)
    if (job.jobId !== jobOrderId) {
      // Another dispatch of the operation ended between the count and this one: withdraw ours rather than keep a job under an id nobody asked for.
      await mes.wip.apply({ jobId: job.jobId, event: 'abort', who: actor.who, why: `stored over OPC UA as ${jobOrderId}, but the MES named it ${job.jobId} (a concurrent dispatch)` })
      return refused(`a concurrent dispatch of operation ${target.orderNumber}/${target.sequence}: the MES named the job ${job.jobId}; it was aborted`,
        RETURN_BIT.unableToAcceptJobOrder)
    }
    if (!start) return SUCCESS
    try {
      await mes.wip.apply({ jobId: job.jobId, event: 'start', who: actor.who, ...(actor.why !== undefined ? { why: actor.why } : {}) })
    } catch (err) {
      const o = outcomeOfMesError(err)
      if (o === undefined) throw err
      return refused(`job ${job.jobId} is stored (${job.state}) but not started: ${o.reason ?? ''}`, RETURN_BIT.storedNotStarted, ...o.bits)
    }
    return SUCCESS
  } catch (err) {
    const o = notAccepted(err)
    if (o === undefined) throw err
    return o
  }
}
