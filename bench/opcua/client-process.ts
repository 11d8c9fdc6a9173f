// The OPC UA client that measures, in a process of its own (one for the whole benchmark, so that its JIT is warm for
// both servers alike): one session per server (`name`), SecurityPolicy None, anonymous, as a SCADA on the same
// machine would open it. `ready` polls until all N variables read Good; `subscribe` puts monitored items on all N in
// ONE subscription, in batches of the server's MaxMonitoredItemsPerCall; `count` counts the value changes of a round
// as they arrive and checks that each variable ends on its last value.
// First: node-opcua's console output is routed as it loads (adapters/opcua/node-opcua-log.ts).
import { routeNodeOpcuaLogs } from '../../adapters/opcua/node-opcua-log'
import {
  AttributeIds, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, StatusCodes, TimestampsToReturn,
  UserTokenType, VariableIds, type ClientMonitoredItemGroup, type ClientSession, type ClientSubscription, type DataValue
} from 'node-opcua'
import { silentLogger } from '../../core/logger'
import { serve, sleep } from './ipc'
import { CHANGES_PER_DDATA, METRICS_PER_DEVICE, finalValue, topicOf } from './layout'

export type ClientJob =
  | { kind: 'connect', name: string, url: string, namespaceUri: string }
  | { kind: 'ready', name: string, n: number, timeoutMs: number }
  | { kind: 'subscribe', name: string, n: number, publishingIntervalMs: number }
  | { kind: 'count', name: string, base: number, changes: number, warmupMs: number, measureMs: number }
  | { kind: 'close', name: string }

/** `at`: epoch ms at which the client first saw all N variables Good. */
export interface ReadyResult { at: number, polls: number }
export interface SubscribeResult { items: number, bad: number, batch: number, ms: number, revisedSamplingInterval: number }
export interface CountResult {
  /** Changes of this round that arrived within the measured window, per second. */
  rate: number
  counted: number
  /** Changes of this round that arrived at all (queue size 1 may fold two changes of a variable into one). */
  got: number
  /** Variables that did not end on their last value of the round. */
  missingFinal: number
  changed: number
  /** Epoch ms of the round's last arrival. */
  lastAt: number
}

/** Nothing of the round arrived for this long after the source stopped: what has not arrived is lost. */
const QUIET_MS = 2000

interface Round {
  readonly base: number
  readonly changes: number
  readonly warmupMs: number
  readonly measureMs: number
  /** Arrival of the round's first change (performance.now()); the window starts warmupMs after it. */
  first: number
  windowStart: number
  windowEnd: number
  got: number
  counted: number
  finals: number
  lastAt: number
}

class Target {
  subscription: ClientSubscription | undefined
  groups: ClientMonitoredItemGroup[] = []
  n = 0
  initial = 0
  round: Round | undefined

  constructor (readonly client: OPCUAClient, readonly session: ClientSession, readonly ns: number) {}

  nodeId (i: number): string {
    return `ns=${this.ns};s=${topicOf(i)}`
  }

  /** One notification: variable i has value v. */
  onValue (i: number, v: number): void {
    const r = this.round
    if (r === undefined || v < r.base) { this.initial++; return }
    const now = performance.now()
    if (r.first === 0) {
      r.first = now
      r.windowStart = now + r.warmupMs
      r.windowEnd = r.windowStart + r.measureMs
    }
    r.got++
    r.lastAt = now
    if (now >= r.windowStart && now < r.windowEnd) r.counted++
    if (v === finalValue(i, this.n, r.base, r.changes)) r.finals++
  }
}

const targets = new Map<string, Target>()
let cm: OPCUACertificateManager | undefined

function target (name: string): Target {
  const t = targets.get(name)
  if (t === undefined) throw new Error(`no OPC UA session named ${name}`)
  return t
}

async function connect (name: string, url: string, namespaceUri: string): Promise<number> {
  cm ??= new OPCUACertificateManager({ rootFolder: process.argv[2]!, automaticallyAcceptUnknownCertificate: true })
  const client = OPCUAClient.create({
    applicationName: 'isa95-hub-bench-client',
    applicationUri: 'urn:isa95-hub:bench-client',
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    clientCertificateManager: cm,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    requestedSessionTimeout: 600_000
  })
  await client.connect(url)
  const session = await client.createSession({ type: UserTokenType.Anonymous })
  const nsArray = (await session.read({ nodeId: `i=${VariableIds.Server_NamespaceArray}`, attributeId: AttributeIds.Value })).value.value as string[]
  const ns = nsArray.indexOf(namespaceUri)
  if (ns < 0) throw new Error(`${url} has no namespace ${namespaceUri}`)
  targets.set(name, new Target(client, session, ns))
  return ns
}

async function limit (session: ClientSession, id: number, fallback: number): Promise<number> {
  const v = (await session.read({ nodeId: `i=${id}`, attributeId: AttributeIds.Value })).value.value as number | null
  return typeof v === 'number' && v > 0 ? v : fallback
}

/** Variables among `ids` (indices) that do not read Good, read in batches of `batch`. */
async function notGood (t: Target, ids: number[], batch: number): Promise<number[]> {
  const bad: number[] = []
  for (let o = 0; o < ids.length; o += batch) {
    const slice = ids.slice(o, o + batch)
    const values: DataValue[] = await t.session.read(slice.map((i) => ({ nodeId: t.nodeId(i), attributeId: AttributeIds.Value })))
    values.forEach((dv, k) => { if (dv.statusCode !== StatusCodes.Good) bad.push(slice[k]!) })
  }
  return bad
}

/**
 * Until all N variables read Good: the last variable of each device first, every 20 ms (the metrics of a birth become
 * nodes in one turn of the hub); once they all are, every variable once, then again those that were not yet.
 */
async function ready (t: Target, n: number, timeoutMs: number): Promise<ReadyResult> {
  const batch = await limit(t.session, VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead, 1000)
  const end = Date.now() + timeoutMs
  let pending = Array.from({ length: n / METRICS_PER_DEVICE }, (_, d) => (d + 1) * METRICS_PER_DEVICE - 1)
  let verified = false
  let polls = 0
  for (;;) {
    if (Date.now() > end) throw new Error(`not all ${n} variables read Good within ${timeoutMs / 1000} s (${pending.length} of those polled not yet)`)
    polls++
    pending = await notGood(t, pending, batch)
    if (pending.length > 0) { await sleep(20); continue }
    const at = Date.now()
    if (verified) return { at, polls }
    pending = await notGood(t, Array.from({ length: n }, (_, i) => i), batch)
    verified = true
    if (pending.length === 0) return { at, polls }
  }
}

async function subscribe (t: Target, n: number, publishingIntervalMs: number): Promise<SubscribeResult> {
  const t0 = performance.now()
  const batch = Math.min(n, await limit(t.session, VariableIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall, 1000))
  t.n = n
  t.initial = 0
  t.subscription = await t.session.createSubscription2({
    requestedPublishingInterval: publishingIntervalMs,
    requestedLifetimeCount: 6000,
    requestedMaxKeepAliveCount: 20,
    maxNotificationsPerPublish: 0,
    publishingEnabled: true,
    priority: 10
  })
  let bad = 0
  let revisedSamplingInterval = NaN
  for (let o = 0; o < n; o += batch) {
    const count = Math.min(batch, n - o)
    const items = Array.from({ length: count }, (_, k) => ({ nodeId: t.nodeId(o + k), attributeId: AttributeIds.Value }))
    // Sampling interval 0 on variables whose MinimumSamplingInterval is 0: delivered on change, not sampled.
    const group = await t.subscription.monitorItems(items, { samplingInterval: 0, queueSize: 1, discardOldest: true }, TimestampsToReturn.Source)
    for (const item of group.monitoredItems) {
      if (item.statusCode !== StatusCodes.Good) bad++
      else if (Number.isNaN(revisedSamplingInterval)) revisedSamplingInterval = item.monitoringParameters.samplingInterval
    }
    group.on('changed', (_item, dv: DataValue, index: number) => t.onValue(o + index, dv.value.value as number))
    t.groups.push(group)
  }
  // Each item's first notification carries the value it has now.
  const end = Date.now() + 60_000
  while (t.initial < n - bad && Date.now() < end) await sleep(20)
  return { items: n - bad, bad, batch, ms: performance.now() - t0, revisedSamplingInterval }
}

/** Counts one round; the parent starts the source once this process answers {armed}. */
async function count (t: Target, job: Extract<ClientJob, { kind: 'count' }>): Promise<CountResult> {
  if (job.changes % CHANGES_PER_DDATA !== 0) throw new Error(`changes per round must be a multiple of ${CHANGES_PER_DDATA}`)
  const r: Round = { base: job.base, changes: job.changes, warmupMs: job.warmupMs, measureMs: job.measureMs, first: 0, windowStart: 0, windowEnd: 0, got: 0, counted: 0, finals: 0, lastAt: 0 }
  t.round = r
  const changed = Math.min(t.n, job.changes)
  const armedAt = performance.now()
  process.send!({ armed: true })
  const quietSince = (): number => r.lastAt === 0 ? armedAt : r.lastAt
  while (r.finals < changed && performance.now() - quietSince() < QUIET_MS + (r.first === 0 ? 10_000 : 0)) await sleep(20)
  // The window ends after the last arrival when the server fell far behind: count what arrived, over the window.
  t.round = undefined
  return { rate: r.counted / (job.measureMs / 1000), counted: r.counted, got: r.got, missingFinal: changed - r.finals, changed, lastAt: performance.timeOrigin + r.lastAt }
}

/** Ends a session; a step that does not answer within 5 s is given up (the server goes away next anyway). */
async function close (t: Target): Promise<void> {
  const step = async (what: string, p: Promise<unknown>): Promise<void> => {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<void>((resolve) => { timer = setTimeout(() => { process.stderr.write(`OPC UA client: ${what} did not answer within 5 s\n`); resolve() }, 5000) })
    await Promise.race([p.catch(() => {}), late])
    clearTimeout(timer)
  }
  await step('deleting the subscription', t.subscription?.terminate() ?? Promise.resolve())
  await step('closing the session', t.session.close())
  await step('disconnecting', t.client.disconnect())
}

routeNodeOpcuaLogs(silentLogger)
serve<ClientJob>(async (job) => {
  switch (job.kind) {
    case 'connect': return connect(job.name, job.url, job.namespaceUri)
    case 'ready': return ready(target(job.name), job.n, job.timeoutMs)
    case 'subscribe': return subscribe(target(job.name), job.n, job.publishingIntervalMs)
    case 'count': return count(target(job.name), job)
    case 'close': { const t = target(job.name); targets.delete(job.name); return close(t) }
  }
}, async () => { await Promise.all([...targets.values()].map(close)) })
