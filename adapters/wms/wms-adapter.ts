// The WMS adapter as the hub runs it: the MES's staging requests, their cancels and put-aways out (the feeder puts
// them in the MES outbox on its poll interval and at once after each logistics event, a worker hands them to the
// connector and records the warehouse task), the warehouse's confirmations and cancellations in (the webhook stores
// them in the MES inbox and applies them through Mes.logistics; those stored but not applied when the hub stopped are
// applied at start), and what happens to each on the UNS as events on `$hub/outbox/wms/<outbox id>` and
// `$hub/wms/events/<inbox id>` (not retained, as the SAP and QMS adapters'). The connector is the generic contract's
// unless the hub hands in another (SAP EWM, wms.system 'sap-ewm'); a WMS without webhook (EWM, whose closed tasks the
// hub polls) hands its events to `deliver`, which takes them the webhook's way (inbound/wms-event-intake.ts).
import type { RequestHandler } from 'express'
import type { Logistics, Mes, OutboxRunner } from '../../mes/service'
import type { Logger } from '../../core/logger'
import type { UnsPort } from '../../uns/uns-port'
import { wmsPassword, wmsWebhookSecrets, type WmsConfig } from './config'
import type { WmsConnector } from './wms-connector'
import { GenericWmsConnector } from './generic/generic-wms-connector'
import { WMS_DESTINATION, wmsSender } from './wms-sender'
import { WmsFeeder } from './wms-feeders'
import { WMS_CHANNEL, wmsWebhook } from './inbound/wms-webhook'
import { wmsEventApplier } from './inbound/wms-event-applier'
import { wmsEventIntake, type WmsEventIntake, type WmsIntakeResult } from './inbound/wms-event-intake'
import { checkEvent } from './wms-schemas'
import { ValidationError } from '../../core/errors'

/** What the adapter needs of the MES: its outbox and inbox, and Logistics (issue #14). */
export type WmsAdapterMes = Pick<Mes, 'outbox' | 'inbox'> & { readonly logistics: Logistics }

export interface WmsAdapterOptions {
  readonly config: WmsConfig
  readonly mes: WmsAdapterMes
  readonly uns: UnsPort
  readonly log: Logger
  /** This hub instance's name, for the outbox leases. */
  readonly instance: string
  /** Another connector than the generic one (SAP EWM); default: the generic contract at wms.url. */
  readonly connector?: WmsConnector
}

const PUBLISHER = { kind: 'adapter', id: 'wms' } as const

export class WmsAdapter {
  readonly connector: WmsConnector | undefined
  readonly feeder: WmsFeeder
  private readonly events: ReturnType<typeof wmsWebhook>
  private readonly intake: WmsEventIntake
  private worker: OutboxRunner | undefined
  private timer: NodeJS.Timeout | undefined
  private feeding: Promise<unknown> = Promise.resolve()
  private again = false
  private stopped = false
  private readonly unsubscribe: Array<() => void> = []

  constructor (private readonly opts: WmsAdapterOptions) {
    const { config, mes, log } = opts
    const apply = wmsEventApplier(mes.logistics)
    this.events = wmsWebhook({
      inbox: mes.inbox, secret: wmsWebhookSecrets(config), toleranceSeconds: config.signatureToleranceSeconds, warehouse: config.warehouse,
      maxEventBytes: config.maxEventBytes, apply, log: log.child('webhook')
    })
    this.intake = wmsEventIntake({ inbox: mes.inbox, apply })
    this.feeder = new WmsFeeder({ logistics: mes.logistics, outbox: mes.outbox })
    if (opts.connector !== undefined) this.connector = opts.connector
    else if (config.url !== '' && config.system === 'generic') {
      this.connector = new GenericWmsConnector({ url: config.url, warehouse: config.warehouse, username: config.username, password: wmsPassword(config), timeoutMs: config.timeoutMs })
    }
  }

  /** The webhook, mounted by the hub on its HTTP port (no login: the signature authenticates). */
  webhook (): { path: string, handler: RequestHandler } {
    return { path: this.events.path, handler: this.events.handler }
  }

  /**
   * A WMS event that came another way than the webhook (`via`, e.g. 'ewm-poll'): checked against the event schema and
   * this hub's warehouse (a ValidationError naming what is wrong, nothing stored), then stored in the MES inbox once
   * (by its eventId) and applied, as a webhook event is. A failure of the store throws (deliver it again).
   */
  async deliver (event: unknown, via: string): Promise<WmsIntakeResult> {
    const e = checkEvent(event, `WMS event (${via})`)
    if (e.warehouse !== this.opts.config.warehouse) {
      throw new ValidationError(`WMS event ${e.eventId} (${via})`, [{ path: '/warehouse', message: `is ${e.warehouse}; this hub's WMS adapter serves warehouse ${this.opts.config.warehouse} (wms.warehouse)` }])
    }
    const taken = await this.intake.take(e, { meta: { via } })
    this.opts.log.info(`WMS ${e.type} ${e.eventId} (task ${e.task.taskId}, ${e.task.requestId}, ${via}) -> inbox ${taken.id}${taken.duplicate ? ' (duplicate)' : ''}`)
    return taken
  }

  async start (): Promise<void> {
    const { mes, uns, log, config } = this.opts
    this.unsubscribe.push(mes.inbox.onChange((c) => {
      const m = c.message
      if (m.channel !== WMS_CHANNEL) return
      const body = { status: m.status, type: m.meta.eventType ?? null, eventId: m.arckey, requestId: m.meta.requestId ?? null, taskId: m.meta.taskId ?? null, reason: m.reason, at: c.at }
      uns.publish(PUBLISHER, `$hub/wms/events/${m.id}`, Buffer.from(JSON.stringify(body)), { qos: 1 }).catch(() => {})
    }))
    this.unsubscribe.push(mes.outbox.onChange((c) => {
      const m = c.message
      if (m.destination !== WMS_DESTINATION) return
      const body = { change: c.kind, status: m.status, type: m.type, orderingKey: m.orderingKey, idempotencyKey: m.idempotencyKey, attempts: m.attempts, lastError: m.lastError, reference: m.reference, at: c.at }
      uns.publish(PUBLISHER, `$hub/outbox/wms/${m.id}`, Buffer.from(JSON.stringify(body)), { qos: 1 }).catch(() => {})
    }))
    const applied = await this.events.applyPending()
    if (applied > 0) log.info(`applied ${applied} WMS event(s) stored before the hub last stopped`)
    // The feeder runs whether or not a WMS is configured: the requests wait in the outbox, in order, until one is.
    const fed = await this.feeder.drain()
    if (fed > 0) log.info(`queued ${fed} WMS message(s) for staging and put-away requests made while the hub was down`)
    this.unsubscribe.push(mes.logistics.onEvent(() => this.feedSoon()))
    this.timer = setInterval(() => this.feedSoon(), config.pollMs)
    this.timer.unref()
    if (this.connector === undefined) {
      log.warn(config.url === ''
        ? 'WMS outbound is off (wms.url is empty): staging and put-away requests wait in the MES outbox'
        : `WMS outbound is off: no connector for wms.system '${config.system}' was handed in (the hub makes the SAP EWM one); staging and put-away requests wait in the MES outbox`)
      return
    }
    this.worker = mes.outbox.worker({
      destination: WMS_DESTINATION,
      owner: `${this.opts.instance}/wms`,
      leaseMs: config.timeoutMs + 30_000,
      send: wmsSender({ connector: this.connector, logistics: mes.logistics }),
      onError: (err: unknown) => log.error(`WMS outbox: ${(err as Error)?.message ?? String(err)}`)
    })
    this.worker.start()
    log.info(`WMS outbound to ${config.url} (${this.connector.system}, warehouse ${config.warehouse})`)
  }

  /** One feeder round after the one in progress (rounds never overlap; many calls meanwhile make one round). */
  private feedSoon (): void {
    if (this.stopped) return
    if (this.again) return
    this.again = true
    this.feeding = this.feeding.then(async () => {
      this.again = false
      if (this.stopped) return
      await this.feeder.feed()
    }).catch((err: Error) => this.opts.log.warn(`WMS feeder: ${err.message}`))
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    for (const u of this.unsubscribe.splice(0)) u()
    await this.feeding
    await this.worker?.stop()
    await this.connector?.close?.()
  }
}
