// The SAP adapter as the hub runs it: IDocs in (the endpoints store them in the MES inbox, the applier applies them
// in order), confirmations and goods movements out (the feeders put them in the MES outbox, a worker sends them),
// and what happens to each on the UNS, as events on `$hub/sap/idocs/<inbox id>` and `$hub/outbox/sap/<outbox id>`
// (not retained: the API keeps the state; the UNS tells who is watching). It reaches the MES only through its
// service interface.
import type { Request, RequestHandler } from 'express'
import type { Mes, OutboxMessage, OutboxRunner } from '../../mes/service'
import type { Logger } from '../../core/logger'
import type { PlantModel } from '../../plant/plant-model'
import type { UnsPort } from '../../uns/uns-port'
import type { SapConfig } from './config'
import { sapPassword } from './config'
import { clientText } from '../../core/client-text'
import type { Idoc } from './idoc/idoc'
import { idocEndpoints } from './inbound/idoc-endpoints'
import { IdocApplier, type IdocOutcome } from './inbound/idoc-applier'
import { SAP_DESTINATION, SapFeeders, confirmationKey } from './outbound/sap-feeders'
import { sapSender } from './outbound/sap-sender'
import { pullOrders, type PullResult } from './inbound/order-pull'
import { createODataClient, type ODataClient } from './odata/odata-client'
import { sapUnit } from './units'
import { ianaZone } from './sap-values'

export interface SapAdapterOptions {
  readonly config: SapConfig
  readonly mes: Mes
  readonly model: PlantModel
  readonly uns: UnsPort
  readonly log: Logger
  /** This hub instance's name, for the outbox leases (several instances may share one PostgreSQL). */
  readonly instance: string
}

const PUBLISHER = { kind: 'adapter', id: 'sap' } as const

export class SapAdapter {
  readonly applier: IdocApplier
  /** The OData client of the configured SAP system; undefined when no SAP URL is set. */
  readonly odata: ODataClient | undefined
  private readonly feeders: SapFeeders | undefined
  private worker: OutboxRunner | undefined
  private timer: NodeJS.Timeout | undefined
  private pullTimer: NodeJS.Timeout | undefined
  private feeding: Promise<unknown> = Promise.resolve()
  private pulling: Promise<unknown> = Promise.resolve()
  private readonly unsubscribe: Array<() => void> = []

  constructor (private readonly opts: SapAdapterOptions) {
    const { config, mes, model, log } = opts
    const unitCodes = config.unitCodes
    this.applier = new IdocApplier({
      mes, model, log: log.child('idoc'), unitCodes, maxBytes: config.maxDocumentBytes,
      zone: ianaZone(config.timeZone)
    })
    const o = config.outbound
    if (o.url !== '') {
      this.odata = createODataClient({ baseUrl: o.url, username: o.username, password: sapPassword(o), timeoutMs: o.timeoutMs, ...(o.client !== '' ? { sapClient: o.client } : {}) })
      this.feeders = new SapFeeders({ mes, model, issueStorageLocation: o.issueStorageLocation, receiptStorageLocation: o.receiptStorageLocation, log: log.child('outbound') })
    }
  }

  /** The IDoc endpoints, mounted by the hub on its HTTP port behind `authenticate` (HTTP Basic, sap.write). */
  endpoints (authenticate: RequestHandler, userOf: (req: Request) => string | undefined): Array<{ path: string, handler: RequestHandler }> {
    return idocEndpoints({
      inbox: this.opts.mes.inbox, authenticate, userOf, maxDocumentBytes: this.opts.config.maxDocumentBytes,
      received: (idocs) => this.applier.enqueue(idocs), log: this.opts.log.child('idoc')
    })
  }

  async start (): Promise<void> {
    const { mes, uns, log, config } = this.opts
    this.unsubscribe.push(mes.inbox.onChange((c) => {
      const m = c.message
      const body = { status: m.status, idocType: m.meta.idocType ?? null, messageType: m.meta.messageType ?? null, docnum: m.docnum, sender: m.sender, reason: m.reason, at: c.at }
      uns.publish(PUBLISHER, `$hub/sap/idocs/${m.id}`, Buffer.from(JSON.stringify(body)), { qos: 1 }).catch(() => {})
    }))
    this.unsubscribe.push(mes.outbox.onChange((c) => {
      const m = c.message
      if (m.destination !== SAP_DESTINATION) return
      const body = { change: c.kind, status: m.status, type: m.type, orderingKey: m.orderingKey, idempotencyKey: m.idempotencyKey, attempts: m.attempts, lastError: m.lastError, reference: m.reference, at: c.at }
      uns.publish(PUBLISHER, `$hub/outbox/sap/${m.id}`, Buffer.from(JSON.stringify(body)), { qos: 1 }).catch(() => {})
    }))
    const recovered = await this.applier.recover()
    if (recovered > 0) log.info(`applied ${recovered} IDoc(s) stored before the hub last stopped`)
    if (this.feeders === undefined) {
      log.info('SAP outbound is off (sap.outbound.url is empty): confirmations and goods movements wait in the MES')
      return
    }
    const acknowledged = await this.feeders.catchUp()
    if (acknowledged > 0) log.info(`acknowledged ${acknowledged} confirmation(s) that SAP had before the hub last stopped`)
    this.worker = mes.outbox.worker({
      destination: SAP_DESTINATION,
      owner: `${this.opts.instance}/sap`,
      // A send is up to four requests (token, lookup, post, token again after a 403): the lease outlasts them all, so
      // that no other instance takes a message whose send is still in flight.
      leaseMs: 4 * config.outbound.timeoutMs + 30_000,
      send: sapSender({ config, password: sapPassword(config.outbound), odata: this.odata!, toSapUnit: config.unitCodes === 'sap' ? (u) => u : (u) => sapUnit(u).code }),
      onError: (err: unknown) => log.error(`SAP outbox: ${(err as Error)?.message ?? String(err)}`)
    })
    this.worker.start()
    const tick = (): void => {
      this.feeding = this.feeders!.feed().catch((err: Error) => log.warn(`SAP feeders: ${err.message}`))
    }
    tick()
    this.timer = setInterval(tick, config.outbound.pollMs)
    this.timer.unref()
    if (config.pull.enabled) {
      const pull = (): void => {
        this.pulling = this.pull().catch((err: Error) => log.warn(`pulling orders from SAP failed: ${err.message}; tried again in ${config.pull.intervalMs} ms`))
      }
      pull()
      this.pullTimer = setInterval(pull, config.pull.intervalMs)
      this.pullTimer.unref()
    }
    log.info(`SAP outbound to ${config.outbound.url}: confirmations as ${config.outbound.confirmations}, goods movements as ${config.outbound.goodsMovements}`)
  }

  /** One pull of production orders over OData (sap.pull), applied to the order backbone. */
  async pull (): Promise<PullResult> {
    if (this.odata === undefined) throw new Error('no SAP system is configured (sap.outbound.url)')
    const { config, mes, log } = this.opts
    const r = await pullOrders({ odata: this.odata, mes, model: this.opts.model, filter: config.pull.filter, zone: ianaZone(config.timeZone), unitCodes: config.unitCodes, log: log.child('pull') })
    if (r.changed.length > 0) log.info(`pulled ${r.read} order(s) from SAP: ${clientText(r.changed.map((c) => `${c.orderNumber} ${c.changes.join(', ')}`).join('; '), 2000)}`)
    return r
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    clearInterval(this.pullTimer)
    await this.pulling
    await this.feeding
    await this.worker?.stop()
    this.feeders?.close()
    for (const u of this.unsubscribe.splice(0)) u()
    await this.applier.idle()
  }

  onIdoc (listener: (o: IdocOutcome) => void): () => void {
    return this.applier.onOutcome(listener)
  }

  /** An IDoc from a flow, through the outbox (sent once, in order with the other messages of its ordering key). */
  async sendIdoc (idoc: Idoc, keys: { idempotencyKey: string, orderingKey: string, who: string }): Promise<OutboxMessage> {
    const r = await this.opts.mes.outbox.enqueue({ destination: SAP_DESTINATION, type: 'idoc', orderingKey: keys.orderingKey, idempotencyKey: `sap:idoc:${keys.idempotencyKey}`, payload: { idoc }, who: keys.who })
    return r.message
  }

  /** A confirmation of the MES into the outbox now (the feeder would take it within sap.outbound.pollMs). */
  async confirm (idempotencyKey: string, who: string): Promise<OutboxMessage> {
    const c = await this.opts.mes.confirmations.get(idempotencyKey)
    const r = await this.opts.mes.outbox.enqueue({ destination: SAP_DESTINATION, type: 'confirmation', orderingKey: c.orderNumber, idempotencyKey: confirmationKey(c), payload: c, who })
    return r.message
  }
}
