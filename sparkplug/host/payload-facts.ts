// Small facts the ingest reads off Sparkplug payloads and sessions.
import type { PropertySet, SparkplugPayload, U64 } from '../types'
import type { DeviceSession, NodeSession } from './session'
import type { Quality } from './session-records'

export function seqOf (p: SparkplugPayload): number | undefined {
  const s = p.seq
  return typeof s === 'number' && s >= 0 && s <= 255 ? s : undefined
}

export function toNumber (v: U64): number
export function toNumber (v: unknown): number | undefined
export function toNumber (v: unknown): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  return undefined
}

/** Sparkplug quality codes in a metric's 'Quality' property: 192 GOOD, 500 STALE, 0 BAD (chapter 6). */
export function qualityOf (props: PropertySet | undefined): Quality {
  if (props === undefined) return 'GOOD'
  const q = props.Quality
  if (q === undefined) return 'GOOD'
  return q.value === 0 ? 'BAD' : q.value === 500 ? 'STALE' : 'GOOD'
}

export function describeNode (node: NodeSession, device: DeviceSession | undefined): string {
  return `${node.groupId}/${node.edgeNodeId}${device === undefined ? '' : '/' + device.deviceId}`
}
