// One update of the namespace from a machine source (today Sparkplug): what the Sparkplug side makes of each metric
// once (place, owner, datatype, JSON value, unit) and what its consumers (the UNS bridge, the `sparkplug in` node,
// the MES machine events) read. In uns/ because the MES and Sparkplug sides are siblings that both need it.
import type { Quality } from '../plant/uns-payload'

/** The metric behind a UNS topic. `id` is its source id ('spBv1.0/<group>/<node>[/<device>]#<metric>'). */
export interface MetricOrigin {
  readonly groupId: string
  readonly edgeNodeId: string
  readonly deviceId?: string
  readonly name: string
  readonly id: string
}

/**
 * One metric as it enters the namespace. The stream hands the same object to every consumer, filled anew for each
 * metric (no object per metric at ~185k metrics/s): read it during the call; copy what you keep.
 */
export interface UnsUpdate {
  /** The UNS topic; `equipment`, `kind` and `tag` are its parts. */
  readonly topic: string
  readonly equipment: string
  readonly kind: 'measurements' | 'state'
  readonly tag: string
  /** The value in the hub's JSON convention (64-bit integers as decimal strings, Bytes as base64, ...). */
  readonly value: unknown
  /** The datatype name at the source ('Double', 'Int64', ...). */
  readonly datatype: string
  /** The engineering unit: the metric's own, else the one its birth declared. */
  readonly unit: string | undefined
  readonly quality: Quality
  /** UTC ms. */
  readonly timestamp: number
  /** The metric that owns the topic (the same object for every update of the topic). */
  readonly source: MetricOrigin
  /** A value from the past (is_historical): delivered, never the current value. */
  readonly historical: boolean
}

/** Where the updates come from (the Sparkplug stream fits); consumers declare only this. */
export interface UnsUpdateSource {
  onUpdate (listener: (u: UnsUpdate) => void): void
  offUpdate (listener: (u: UnsUpdate) => void): void
  /** The current value of a metric, as an update of its own (to start from what is already known). */
  current? (metric: { groupId: string, edgeNodeId: string, deviceId?: string, name: string }): UnsUpdate | undefined
}
