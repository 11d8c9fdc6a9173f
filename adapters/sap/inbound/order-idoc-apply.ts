// A production order from SAP (LOIPRO, or an OData read) applied to the MES's order backbone: created when the MES
// does not know it, else the ERP change (applied whole when safe, refused with every reason otherwise: the MES
// decides, see WorkOrders.update), then the status SAP gives it: released, locked, technically completed (TECO),
// flagged for deletion. Applying the same order twice changes nothing the second time (an update that matches the order
// changes nothing, a release of a released order is skipped), so a resent IDoc is harmless even without its DOCNUM.
import type { Actor, Mes, WorkOrder } from '../../../mes/service'
import { NotFoundError } from '../../../mes/errors'

/** What SAP's system statuses of the order ask of the MES, in this order. */
export type OrderStatusAction = 'release' | 'lock' | 'complete' | 'delete'

export interface OrderFromSap {
  /** The work order input (schemas/mes/work-order.schema.json), orderNumber included. */
  readonly order: { readonly orderNumber: string } & Record<string, unknown>
  readonly actions: readonly OrderStatusAction[]
}

export interface OrderApplied {
  readonly orderNumber: string
  /** What changed in the MES, one line each; empty when the order was already as SAP says. */
  readonly changes: string[]
  /** What was not done, and why (an order completed here that SAP changes, a deletion of an unknown order). */
  readonly warnings: string[]
  readonly status: WorkOrder['status'] | 'unknown'
}

async function known (mes: Mes, orderNumber: string): Promise<WorkOrder | undefined> {
  try {
    return await mes.workOrders.get(orderNumber)
  } catch (err) {
    if (err instanceof NotFoundError) return undefined
    throw err
  }
}

/** Applies one order; MES refusals (UpdateRefusedError, OrderStatusError, ValidationError) propagate unchanged. */
export async function applyOrderFromSap (mes: Mes, o: OrderFromSap, actor: Actor): Promise<OrderApplied> {
  const n = o.order.orderNumber
  const changes: string[] = []
  const warnings: string[] = []
  let order = await known(mes, n)

  if (o.actions.includes('delete')) {
    if (order === undefined) warnings.push(`order ${n} is flagged for deletion in SAP and not known here: nothing to do`)
    else if (order.status === 'cancelled') warnings.push(`order ${n} is already cancelled`)
    else {
      order = await mes.workOrders.cancel(n, { ...actor, why: 'deletion flag (DLFL) set in SAP' })
      changes.push('cancelled (deletion flag in SAP)')
    }
    return { orderNumber: n, changes, warnings, status: order?.status ?? 'unknown' }
  }

  if (order === undefined) {
    order = await mes.workOrders.create(o.order, actor)
    changes.push(`created with ${order.operations.length} operation(s) and ${order.materials.length} component(s)`)
  } else if (order.status === 'completed' || order.status === 'cancelled') {
    warnings.push(`order ${n} is ${order.status} here: SAP's change is not applied`)
    return { orderNumber: n, changes, warnings, status: order.status }
  } else {
    const { orderNumber: _n, ...change } = o.order
    const r = await mes.workOrders.update(n, change, actor)
    order = r.order
    changes.push(...r.changes)
  }

  if (o.actions.includes('release') && order.status === 'created') {
    order = await mes.workOrders.release(n, { ...actor, why: 'released in SAP (REL)' })
    changes.push('released')
  }
  // Locked in SAP (LKD): held here; it is released here by a person (a hold may also be the QMS's).
  if (o.actions.includes('lock') && (order.status === 'released' || order.status === 'in-progress')) {
    order = await mes.workOrders.hold(n, { ...actor, why: 'locked in SAP (LKD)' })
    changes.push('held (locked in SAP)')
  }
  if (o.actions.includes('complete') && order.status !== 'completed') {
    order = await mes.workOrders.complete(n, { ...actor, why: 'technically completed in SAP (TECO)' })
    changes.push('technically completed')
  }
  return { orderNumber: n, changes, warnings, status: order.status }
}
