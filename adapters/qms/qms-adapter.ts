// The QMS adapter as the hub runs it: inspection results, nonconformances and usage decisions out (the feeders put
// them in the MES outbox, a worker hands them to the connector), the QMS's callbacks in (the webhook stores them in
// the MES inbox and applies them), inspection plans read from the QMS on demand, and what happens to each on the UNS
// as events on `$hub/outbox/qms/<outbox id>` and `$hub/qms/callbacks/<inbox id>` (not retained, as the SAP
// adapter's). The connector is the generic one unless the hub hands in another (SAP QM, qms.system 'sap-qm').
import type { RequestHandler } from 'express'
import type { Holds, InspectionLot, Mes, OutboxRunner, Quality } from '../../mes/service'
import type { Logger } from '../../core/logger'
import type { UnsPort } from '../../uns/uns-port'
import { qmsCredentials, qmsWebhookSecret, type QmsConfig } from './config'
import type { QmsConnector } from './qms-connector'
import { genericQmsConnector } from './generic/generic-qms-connector'
import { QMS_DESTINATION, qmsSender } from './qms-sender'
import { QmsFeeders } from './qms-feeders'
import { qmsWebhook, QMS_WEBHOOK_CHANNEL, type QmsWebhook } from './inbound/qms-webhook'
import { PlanLoader } from './plan-loader'

/** What the adapter needs of the MES: its outbox and inbox, and Quality and Holds (issue #14). */
export type QmsAdapterMes = Pick<Mes, 'outbox' | 'inbox' | 'workOrders' | 'onEvent'> & { readonly quality: Quality, readonly holds: Holds }

export interface QmsAdapterOptions {
  readonly config: QmsConfig
  readonly mes: QmsAdapterMes
  readonly uns: UnsPort
  readonly log: Logger
  /** This hub instance's name, for the outbox leases. */
  readonly instance: string
  /** Another connector than the generic one (SAP QM); default: the generic contract at qms.url. */
  readonly connector?: QmsConnector
}

const PUBLISHER = { kind: 'adapter', id: 'qms' } as const

export class QmsAdapter {
  readonly connector: QmsConnector | undefined
  private readonly callbacks: QmsWebhook
  private readonly feeders: QmsFeeders | undefined
  private worker: OutboxRunner | undefined
  private plans: PlanLoader | undefined
  private timer: NodeJS.Timeout | undefined
  private feeding: Promise<unknown> = Promise.resolve()
  private readonly unsubscribe: Array<() => void> = []

  constructor (private readonly opts: QmsAdapterOptions) {
    const { config, mes, log } = opts
    this.callbacks = qmsWebhook({ inbox: mes.inbox, targets: mes, secret: qmsWebhookSecret(config), toleranceS: config.webhookToleranceS, maxBodyBytes: config.maxWebhookBytes, log: log.child('webhook') })
    if (config.url !== '' || opts.connector !== undefined) {
      this.connector = opts.connector ?? genericQmsConnector({ config, token: qmsCredentials(config) })
      this.feeders = new QmsFeeders(mes, log.child('outbound'))
    }
  }

  /** The webhook, mounted by the hub on its HTTP port (no login: the signature authenticates). */
  webhook (): { path: string, handler: RequestHandler } {
    return { path: this.callbacks.path, handler: this.callbacks.handler }
  }

  async start (): Promise<void> {
    const { mes, uns, log, config } = this.opts
    this.unsubscribe.push(mes.inbox.onChange((c) => {
      const m = c.message
      if (m.channel !== QMS_WEBHOOK_CHANNEL) return
      const body = { status: m.status, type: m.meta.type ?? null, eventId: m.arckey, reason: m.reason, at: c.at }
      uns.publish(PUBLISHER, `$hub/qms/callbacks/${m.id}`, Buffer.from(JSON.stringify(body)), { qos: 1 }).catch(() => {})
    }))
    this.unsubscribe.push(mes.outbox.onChange((c) => {
      const m = c.message
      if (m.destination !== QMS_DESTINATION) return
      const body = { change: c.kind, status: m.status, type: m.type, orderingKey: m.orderingKey, idempotencyKey: m.idempotencyKey, attempts: m.attempts, lastError: m.lastError, reference: m.reference, at: c.at }
      uns.publish(PUBLISHER, `$hub/outbox/qms/${m.id}`, Buffer.from(JSON.stringify(body)), { qos: 1 }).catch(() => {})
    }))
    const recovered = await this.callbacks.recover()
    if (recovered > 0) log.info(`applied ${recovered} QMS callback(s) stored before the hub last stopped`)
    if (this.feeders === undefined || this.connector === undefined) {
      log.info('QMS outbound is off (qms.url is empty): inspection results and nonconformances wait in the MES')
      return
    }
    const noted = await this.feeders.catchUp()
    if (noted > 0) log.info(`recorded the QMS's number of ${noted} nonconformance(s) sent before the hub last stopped`)
    this.worker = mes.outbox.worker({
      destination: QMS_DESTINATION,
      owner: `${this.opts.instance}/qms`,
      leaseMs: config.timeoutMs + 30_000,
      send: qmsSender(this.connector),
      onError: (err: unknown) => log.error(`QMS outbox: ${(err as Error)?.message ?? String(err)}`)
    })
    this.worker.start()
    const tick = (): void => {
      this.feeding = this.feeders!.feed().catch((err: Error) => log.warn(`QMS feeders: ${err.message}`))
    }
    tick()
    this.timer = setInterval(tick, config.pollMs)
    this.timer.unref()
    if (config.plansOnRelease) {
      this.plans = new PlanLoader({ mes, load: async (o) => await this.loadInspectionPlan(o), retryMs: config.planRetryMs, log: log.child('plans') })
      await this.plans.start()
    }
    log.info(`QMS outbound to ${config.url} (${this.connector.system})`)
  }

  /** The QMS's inspection plan of an order, set in the MES; null when the QMS has none. */
  async loadInspectionPlan (order: { orderNumber: string, material: string }): Promise<InspectionLot | null> {
    if (this.connector === undefined) throw new Error('no QMS is configured (qms.url)')
    const plan = await this.connector.inspectionPlanOf(order)
    return plan === null ? null : await this.opts.mes.quality.setInspectionPlan(plan)
  }

  async stop (): Promise<void> {
    await this.plans?.stop()
    clearInterval(this.timer)
    await this.feeding
    await this.worker?.stop()
    this.feeders?.close()
    for (const u of this.unsubscribe.splice(0)) u()
    await this.connector?.close?.()
  }
}
