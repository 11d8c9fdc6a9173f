// The Unified Namespace topic convention: <equipment path>/<data kind>/<tag...>
//   acme/dallas/press-shop/line-1/press-1/measurements/hydraulic/pressure
//   acme/dallas/assembly/events/shift-change          (data that belongs to an area)
// The equipment path follows the plant model from the enterprise down and may stop at any level; the first
// segment that is not a child of the current node must be a data kind, and everything after it is the tag.
// parseUnsTopic runs on the broker's publish path, so it walks the Map-based tree with indexOf/slice: no regex,
// no split(), one result object per call (and none for Sparkplug or '$' topics).
import { HubError } from '../core/errors'
import type { Equipment, PlantModel } from './plant-model'

/** The kinds of data a UNS topic can carry, each with what it means. */
export const DATA_KINDS = {
  measurements: 'process values sampled from the equipment: temperature, pressure, counts, speeds',
  state: 'the current condition of the equipment: running, idle, down, mode, current order',
  events: 'things that happened at a moment: cycle completed, door opened, shift changed',
  orders: 'production or work orders dispatched to, or reported by, the equipment',
  commands: 'requests for the equipment to act: start, stop, change recipe (written by MES/ERP)',
  alarms: 'abnormal conditions that need attention, raised and cleared',
  quality: 'inspection results, test values and quality decisions',
  materials: 'material movements and consumption: lots, batches, containers, inventory'
} as const

export type DataKind = keyof typeof DATA_KINDS

/** The data kind names, in the order above. */
export const DATA_KIND_NAMES = Object.keys(DATA_KINDS) as readonly DataKind[]

const DATA_KIND_SET: ReadonlySet<string> = new Set(DATA_KIND_NAMES)
const EXPECTED_KINDS = `expected one of ${DATA_KIND_NAMES.join(', ')}`

export function isDataKind (word: string): word is DataKind {
  return DATA_KIND_SET.has(word)
}

export type UnsTopicResult =
  | { readonly ok: true, readonly equipment: Equipment, readonly kind: DataKind, readonly tag: string }
  | { readonly ok: false, readonly reason: string, readonly notUns: boolean }

// Shared results: Sparkplug traffic is as heavy as UNS traffic and must not allocate a reason per message.
const SPARKPLUG: UnsTopicResult = Object.freeze({
  ok: false, notUns: true, reason: "Sparkplug B topic (spBv1.0/...): not part of the UNS, checked by the Sparkplug host"
})
const SYSTEM: UnsTopicResult = Object.freeze({
  ok: false, notUns: true, reason: "topic starting with '$': reserved for the broker and the hub, not part of the UNS"
})

const SLASH = 47 // '/'
const DOLLAR = 36 // '$'

/**
 * Splits a publish topic into equipment, data kind and tag, or says in words why it is not a valid UNS topic.
 * `notUns: true` marks topics that belong to another namespace (Sparkplug B, '$SYS', '$hub'...).
 */
export function parseUnsTopic (model: PlantModel, topic: string): UnsTopicResult {
  if (topic.charCodeAt(0) === DOLLAR) return SYSTEM
  if (topic.startsWith('spBv1.0/') || topic === 'spBv1.0') return SPARKPLUG
  if (topic.length === 0) return fail('empty topic')
  if (topic.indexOf('+') !== -1 || topic.indexOf('#') !== -1) {
    return fail(`wildcards ('+', '#') are only allowed in subscriptions, not in a publish topic ('${topic}')`)
  }

  let end = topic.indexOf('/')
  let segment = end === -1 ? topic : topic.slice(0, end)
  let node: Equipment = model.enterprise
  if (segment !== node.id) {
    if (segment === '') return fail(emptyLevel(topic, 0))
    return fail(`unknown enterprise '${segment}': this hub's namespace starts with '${node.id}/'`)
  }

  for (;;) {
    if (end === -1) return fail(`missing data kind after '${node.topic}' (${EXPECTED_KINDS})`)
    const start = end + 1
    end = topic.indexOf('/', start)
    segment = end === -1 ? topic.slice(start) : topic.slice(start, end)
    const child = node.childById.get(segment)
    if (child !== undefined) {
      node = child
      continue
    }
    if (DATA_KIND_SET.has(segment)) {
      if (end === -1 || end === topic.length - 1) {
        return fail(`missing tag after '${topic.slice(0, end === -1 ? topic.length : end)}': the tag names the value, e.g. '${node.topic}/${segment}/<name>'`)
      }
      const tag = topic.slice(end + 1)
      const empty = emptyLevelIn(tag)
      if (empty !== -1) return fail(emptyLevel(topic, end + 1 + empty))
      return { ok: true, equipment: node, kind: segment as DataKind, tag }
    }
    if (segment === '') return fail(emptyLevel(topic, start))
    return fail(unknownSegment(node, segment))
  }
}

/** Builds a UNS topic; the tag may be given as its levels. Throws HubError('UNS_TOPIC') for an unusable tag. */
export function unsTopic (equipment: Equipment, kind: DataKind, tag: string | readonly string[]): string {
  const text = typeof tag === 'string' ? tag : tag.join('/')
  if (!DATA_KIND_SET.has(kind)) {
    throw new HubError('UNS_TOPIC', `unknown data kind '${String(kind)}' (${EXPECTED_KINDS})`, { source: equipment.topic })
  }
  if (text.length === 0) throw new HubError('UNS_TOPIC', 'missing tag', { source: `${equipment.topic}/${kind}` })
  if (text.indexOf('+') !== -1 || text.indexOf('#') !== -1) {
    throw new HubError('UNS_TOPIC', `tag '${text}' contains a wildcard ('+' or '#')`, { source: `${equipment.topic}/${kind}` })
  }
  if (emptyLevelIn(text) !== -1) {
    throw new HubError('UNS_TOPIC', `tag '${text}' has an empty level ('//' or a '/' at either end)`, { source: `${equipment.topic}/${kind}` })
  }
  return `${equipment.topic}/${kind}/${text}`
}

function fail (reason: string): UnsTopicResult {
  return { ok: false, reason, notUns: false }
}

/** Index of the first empty level in a '/'-separated string, or -1. */
function emptyLevelIn (levels: string): number {
  if (levels.charCodeAt(0) === SLASH) return 0
  if (levels.charCodeAt(levels.length - 1) === SLASH) return levels.length
  const i = levels.indexOf('//')
  return i === -1 ? -1 : i + 1
}

function emptyLevel (topic: string, at: number): string {
  return `empty level at character ${at + 1} of '${topic}' (a leading, trailing or double '/')`
}

const MAX_LISTED = 12

function unknownSegment (node: Equipment, segment: string): string {
  if (node.children.length === 0) {
    return `unknown data kind '${segment}' after '${node.topic}' (${EXPECTED_KINDS})`
  }
  const names = node.children.slice(0, MAX_LISTED).map((c) => c.id).join(', ') +
    (node.children.length > MAX_LISTED ? `, ... (${node.children.length} in all)` : '')
  return `unknown equipment '${segment}' under '${node.topic}' (its children are ${names}) and not a data kind (${EXPECTED_KINDS})`
}
