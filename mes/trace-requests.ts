// Trace requests over the Unified Namespace. aedes 1.x speaks MQTT 3.1.1, which has no response topic or correlation
// data, so they are in the body: a client publishes a UNS payload on `<site>/materials/trace/request/<anything>`
// whose value is schemas/mes/uns-requests.schema.json `traceRequest`:
//
//   { direction: backward | forward, lotId | serial, maxNodes?, maxDepth?, replyTo, correlationId? }
//
// and the MES answers on `replyTo`, not retained:
//
//   { correlationId, ok: true, trace: <TraceResult: nodes, edges, list> }
//   { correlationId, ok: false, error, reason, hint? }
//
// `replyTo` must lie under `<site>/materials/trace/response/` of the site asked (a tag only the MES writes), so a
// request cannot make the MES publish anywhere else; a request with no usable replyTo has nobody to answer and is
// only logged. Who may ask (publish on the request topics) and who may read the answers (subscribe to the response
// topics) is the broker's ACL. A trace larger than the broker's payload limit is answered with that error (ask with
// a smaller maxNodes, or use GET /mes/v1/materials/trace).
import type { Equipment, PlantModel } from '../plant/plant-model'
import type { Logger } from '../core/logger'
import { HubError } from '../core/errors'
import { clientText } from '../core/client-text'
import type { Mes } from './index'
import { MES_TAGS } from '../plant/mes-topics'
import type { UnsPort, UnsSubscription } from '../uns/uns-port'
import { MES_PUBLISHER } from './uns-bridge'
import { requestValue, type TraceRequestValue } from './uns-requests'

export const TRACE_REQUEST_TAG = 'trace/request'

export interface TraceRequestsOptions {
  mes: Mes
  model: PlantModel
  uns: Pick<UnsPort, 'publish' | 'subscribe'>
  log: Logger
  now?: () => number
}

export interface TraceRequests {
  /** Resolves when every request heard so far has been answered. */
  flush (): Promise<void>
  stop (): Promise<void>
}

/** The response topics a request on a site may name. */
export function traceResponsePrefix (site: Equipment): string {
  return `${site.topic}/materials/${MES_TAGS.traceResponse('')}`
}

/** Most requests answered at once; more wait their turn (a trace is a recursive query on the store). */
const MAX_CONCURRENT = 4
/** Requests waiting their turn at most; one more is answered at once that the MES is busy (a flood holds no memory). */
export const MAX_WAITING_TRACE_REQUESTS = 100

export async function startTraceRequests (opts: TraceRequestsOptions): Promise<TraceRequests> {
  const { mes, uns, log } = opts
  const now = opts.now ?? Date.now
  const sites = opts.model.enterprise.children.filter((e) => e.level === 'site')
  const subscriptions: UnsSubscription[] = []
  const pending = new Set<Promise<void>>()
  const waiting: Array<() => void> = []
  let running = 0
  let stopped = false

  const slot = async (): Promise<void> => {
    if (running < MAX_CONCURRENT) {
      running++
      return
    }
    await new Promise<void>((resolve) => waiting.push(resolve))
  }
  const release = (): void => {
    const next = waiting.shift()
    if (next !== undefined) next()
    else running--
  }

  /** The replyTo of a request, if it is one the MES may publish to; else undefined (logged). */
  function replyTopic (site: Equipment, topic: string, payload: Buffer): string | undefined {
    let replyTo: unknown
    try {
      replyTo = (JSON.parse(payload.toString('utf8')) as { value?: { replyTo?: unknown } }).value?.replyTo
    } catch {
      replyTo = undefined
    }
    const prefix = traceResponsePrefix(site)
    if (typeof replyTo === 'string' && replyTo.startsWith(prefix) && replyTo.length > prefix.length && !/[#+]/.test(replyTo)) return replyTo
    log.warn(`trace request on ${clientText(topic)} not answered: its value.replyTo must be a topic under ${prefix} (got ${clientText(JSON.stringify(replyTo))})`)
    return undefined
  }

  async function onRequest (site: Equipment, topic: string, payload: Buffer): Promise<void> {
    const replyTo = replyTopic(site, topic, payload)
    if (replyTo === undefined) return
    let correlationId: string | null = null
    let value: Record<string, unknown>
    try {
      const q = requestValue<TraceRequestValue>('traceRequest', topic, payload)
      correlationId = q.correlationId ?? null
      const trace = await mes.materials.trace({
        direction: q.direction,
        ...(q.lotId !== undefined ? { lotId: q.lotId } : { serial: q.serial }),
        ...(q.maxNodes !== undefined ? { maxNodes: q.maxNodes } : {}),
        ...(q.maxDepth !== undefined ? { maxDepth: q.maxDepth } : {})
      })
      value = { correlationId, ok: true, trace }
    } catch (err) {
      value = failure(correlationId, err)
      if (!(err instanceof HubError)) log.warn(`trace request on ${clientText(topic)} failed: ${(err as Error).message}`)
    }
    try {
      await uns.publish(MES_PUBLISHER, replyTo, { value, timestamp: now() }, { qos: 1 })
    } catch (err) {
      // Most likely PAYLOAD_TOO_LARGE: the requester still hears why.
      await uns.publish(MES_PUBLISHER, replyTo, { value: failure(correlationId, err, 'ask with a smaller maxNodes, or use GET /mes/v1/materials/trace'), timestamp: now() }, { qos: 1 })
        .catch((again: unknown) => log.warn(`cannot answer the trace request on ${clientText(topic)} at ${clientText(replyTo)}: ${clientText((again as Error).message, 1000)}`))
    }
  }

  /** The answer to a request that found the queue full: nothing traced, the requester told to ask again. */
  async function answerBusy (site: Equipment, topic: string, payload: Buffer): Promise<void> {
    const replyTo = replyTopic(site, topic, payload)
    if (replyTo === undefined) return
    let correlationId: string | null = null
    try {
      correlationId = requestValue<TraceRequestValue>('traceRequest', topic, payload).correlationId ?? null
    } catch { /* the answer says busy either way */ }
    const value = { correlationId, ok: false, error: 'MES_BUSY', reason: `${MAX_WAITING_TRACE_REQUESTS} trace requests are waiting already`, hint: 'ask again in a moment' }
    await uns.publish(MES_PUBLISHER, replyTo, { value, timestamp: now() }, { qos: 1 })
  }

  try {
    for (const site of sites) {
      const filter = `${site.topic}/materials/${TRACE_REQUEST_TAG}/#`
      subscriptions.push(await uns.subscribe(filter, (m) => {
        if (stopped || m.retain) return // a retained request was answered when it was published
        if (running >= MAX_CONCURRENT && waiting.length >= MAX_WAITING_TRACE_REQUESTS) {
          const busy = answerBusy(site, m.topic, m.payload).catch((err: unknown) => log.warn(`trace request on ${clientText(m.topic)} not answered: ${(err as Error).message}`))
          pending.add(busy)
          void busy.finally(() => pending.delete(busy))
          return
        }
        const job = (async () => {
          await slot()
          try { await onRequest(site, m.topic, m.payload) } finally { release() }
        })().catch((err: unknown) => log.warn(`trace request on ${clientText(m.topic)} not handled: ${(err as Error).message}`))
        pending.add(job)
        void job.finally(() => pending.delete(job))
      }))
    }
  } catch (err) {
    await Promise.all(subscriptions.map(async (s) => await s.close()))
    throw err
  }

  const flush = async (): Promise<void> => {
    while (pending.size > 0) await Promise.all([...pending])
  }
  return {
    flush,
    async stop () {
      stopped = true
      await Promise.all(subscriptions.map(async (s) => await s.close()))
      await flush()
    }
  }
}

function failure (correlationId: string | null, err: unknown, hint?: string): Record<string, unknown> {
  const e = err instanceof HubError ? err : undefined
  const h = hint ?? e?.hint
  return {
    correlationId, ok: false, error: e?.code ?? 'INTERNAL',
    reason: e?.detail ?? 'the MES could not answer the trace (see the hub log)', ...(h !== undefined ? { hint: h } : {})
  }
}
