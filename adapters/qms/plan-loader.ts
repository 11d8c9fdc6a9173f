// Inspection plans fetched from the QMS when an order is released, as SAP QM makes an inspection lot (type 03) when a
// production order is released: the MES then knows the characteristics before the first result is measured. A QMS
// that answers "no plan" for an order is taken at its word; one that cannot be reached is asked again every
// retryMs. At start, released and running orders without an inspection lot are asked once (a release while the hub
// was down, or one whose fetch a crash cut off).
import type { Logger } from '../../core/logger'
import type { InspectionLot, Mes, OrderEvent } from '../../mes/service'
import { clientText } from '../../core/client-text'

export interface PlanLoaderOptions {
  readonly mes: Pick<Mes, 'workOrders' | 'onEvent'> & { readonly quality: Mes['quality'] }
  readonly load: (order: { orderNumber: string, material: string }) => Promise<InspectionLot | null>
  readonly retryMs: number
  readonly log: Logger
}

export class PlanLoader {
  private readonly waiting = new Set<string>()
  /** Orders with a fetch in the chain: asked again meanwhile, they are not fetched twice. */
  private readonly queued = new Set<string>()
  private unsubscribe: (() => void) | undefined
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> = Promise.resolve()
  private stopped = false

  constructor (private readonly opts: PlanLoaderOptions) {}

  async start (): Promise<void> {
    this.unsubscribe = this.opts.mes.onEvent((e) => {
      if (e.kind === 'order' && (e as OrderEvent).action === 'release') this.ask(e.orderNumber)
    })
    for (const o of await this.opts.mes.workOrders.list({ status: ['released', 'in-progress'] })) {
      if ((await this.opts.mes.quality.inspectionLotsOf(o.orderNumber)).length === 0) this.ask(o.orderNumber)
    }
    this.timer = setInterval(() => { for (const n of [...this.waiting]) this.ask(n) }, this.opts.retryMs)
    this.timer.unref()
    await this.idle()
  }

  /** Resolves when no fetch is under way. */
  async idle (): Promise<void> { await this.running }

  private ask (orderNumber: string): void {
    if (this.stopped) return
    this.waiting.add(orderNumber)
    if (this.queued.has(orderNumber)) return
    this.queued.add(orderNumber)
    this.running = this.running.then(async () => {
      this.queued.delete(orderNumber)
      if (this.stopped || !this.waiting.has(orderNumber)) return
      try {
        const order = await this.opts.mes.workOrders.get(orderNumber)
        const lot = await this.opts.load({ orderNumber, material: order.material })
        this.waiting.delete(orderNumber)
        this.opts.log.info(lot === null
          ? `the QMS has no inspection plan for order ${clientText(orderNumber)}`
          : `inspection plan of order ${clientText(orderNumber)} loaded from the QMS: inspection lot ${clientText(lot.inspectionLot)}`)
      } catch (err) {
        this.opts.log.warn(`inspection plan of order ${clientText(orderNumber)} not loaded: ${(err as Error).message}; asked again in ${Math.round(this.opts.retryMs / 1000)} s`)
      }
    })
  }

  async stop (): Promise<void> {
    this.stopped = true
    this.unsubscribe?.()
    clearInterval(this.timer)
    await this.running
  }
}
