// The part of the UNS topic grammar that belongs to the MES: the tags under `events`, `orders` and `materials` it
// publishes (mes/uns-bridge.ts and mes/materials-uns.ts build their topics from the builders here) and which nothing
// else may publish (the broker's publish guard refuses them to every client, so a machine cannot forge a dispatch,
// a WIP count, a lot's state or a trace answer).
//
//   <unit>/events/job/<jobId>                 <site>/events/order/<orderNumber>
//   <unit>/orders/dispatched/<jobId>          <unit>/orders/wip, <work center>/orders/wip
//   <site>/orders/<orderNumber>/wip          <site>/orders/<orderNumber>/holds, <unit>/orders/holds
//   <site>/events/hold/<holdId>
//   <unit>/events/scan-result                 (the answer to a barcode scan on <unit>/events/scan)
//   <unit>/materials/consumption/<jobId>      <unit>/materials/production/<jobId>
//   <site>/materials/lots/<lotId>             <site>/materials/lot-events/<lotId>
//   <site>/materials/trace/response/...       (answers to <site>/materials/trace/request/...)
//   .../work-centers/<code>/..., .../work-units/<code>/...   (codes the plant model does not know)
// Other tags under `events`, `orders` and `materials` stay open to machines (`orders/current`, `events/andon`,
// `events/scan`, `materials/trace/request/...`, a WMS's `materials/inventory`).
import { DATA_KIND_NAMES } from './uns-topic'

const UNKNOWN_CODE_PREFIXES = ['work-centers/', 'work-units/'] as const

/** The tags (after `<equipment>/<kind>/`) the MES writes; `unknown*` are prefixes for codes outside the model. */
export const MES_TAGS = {
  jobEvent: (jobLevel: string) => `job/${jobLevel}`,
  orderEvent: (orderLevel: string) => `order/${orderLevel}`,
  dispatched: (jobLevel: string) => `dispatched/${jobLevel}`,
  wip: 'wip',
  orderWip: (orderLevel: string) => `${orderLevel}/wip`,
  /** The active holds of a work unit (`<unit>/orders/holds`) and of an order (`<site>/orders/<orderNumber>/holds`). */
  holds: 'holds',
  orderHolds: (orderLevel: string) => `${orderLevel}/holds`,
  holdEvent: (holdLevel: string) => `hold/${holdLevel}`,
  scanResult: 'scan-result',
  consumption: (jobLevel: string) => `consumption/${jobLevel}`,
  production: (jobLevel: string) => `production/${jobLevel}`,
  lot: (lotLevel: string) => `lots/${lotLevel}`,
  lotEvent: (lotLevel: string) => `lot-events/${lotLevel}`,
  traceResponse: (rest: string) => `trace/response/${rest}`,
  unknownWorkCenter: (codeLevel: string) => `${UNKNOWN_CODE_PREFIXES[0]}${codeLevel}/`,
  unknownWorkUnit: (codeLevel: string) => `${UNKNOWN_CODE_PREFIXES[1]}${codeLevel}/`
} as const

// The builders with an empty argument are the prefixes: 'job/', 'dispatched/', ...
const EVENT_PREFIXES = [MES_TAGS.jobEvent(''), MES_TAGS.orderEvent(''), MES_TAGS.holdEvent('')]
const DISPATCHED_PREFIX = MES_TAGS.dispatched('')
const MATERIAL_PREFIXES = [MES_TAGS.consumption(''), MES_TAGS.production(''), MES_TAGS.lot(''), MES_TAGS.lotEvent(''),
  MES_TAGS.traceResponse('')]

/** Whether a tag under `events`, `orders` or `materials` is one the MES writes. */
function isMesTag (kind: 'events' | 'orders' | 'materials', tag: string): boolean {
  if (UNKNOWN_CODE_PREFIXES.some((p) => tag.startsWith(p))) return true
  if (kind === 'materials') return MATERIAL_PREFIXES.some((p) => tag.startsWith(p))
  if (kind === 'events') return tag === MES_TAGS.scanResult || EVENT_PREFIXES.some((p) => tag.startsWith(p))
  if (tag === MES_TAGS.wip || tag === MES_TAGS.holds || tag.startsWith(DISPATCHED_PREFIX)) return true
  const slash = tag.indexOf('/')
  const rest = tag.slice(slash + 1)
  return slash > 0 && (rest === MES_TAGS.wip || rest === MES_TAGS.holds) // <orderNumber>/wip, <orderNumber>/holds
}

// The first level that is a data kind is the kind: equipment ids may not be data kinds (plant-model schema).
const KIND_LEVEL = new RegExp(`(?:^|/)(${DATA_KIND_NAMES.join('|')})/`)

/** Whether a topic is one the MES writes; the grammar alone decides, so no plant model is needed. */
export function isMesWritten (topic: string): boolean {
  if (topic.startsWith('spBv1.0/') || topic.startsWith('$')) return false
  const m = KIND_LEVEL.exec(topic)
  if (m === null || (m[1] !== 'events' && m[1] !== 'orders' && m[1] !== 'materials')) return false
  return isMesTag(m[1], topic.slice(m.index + m[0].length))
}
