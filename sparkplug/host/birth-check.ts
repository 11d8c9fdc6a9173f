// What the host requires of a birth certificate (NBIRTH, DBIRTH) before it takes its metrics into the alias and name
// tables. A birth that fails is refused as a whole: none of its metrics is delivered.
import type { PropertySet, SparkplugMetric, U64 } from '../types'
import type { MetricEntry } from './session'

export const REBIRTH_METRIC = 'Node Control/Rebirth'

/**
 * What a birth must carry per metric (tck-id-topics-nbirth-metrics, tck-id-payloads-alias-uniqueness), and that the
 * NBIRTH does not alias 'Node Control/Rebirth' (tck-id-operational-behavior-data-commands-rebirth-name-aliases: the
 * host sends it by name). Returns why not, or undefined.
 */
export function checkBirthMetrics (metrics: readonly SparkplugMetric[], nodeAliases: Map<number, MetricEntry> | undefined, deviceId?: string): string | undefined {
  const seen = new Set<number>()
  const names = new Set<string>()
  for (let i = 0; i < metrics.length; i++) {
    const m = metrics[i]!
    if (m.name === undefined || m.name === '') return `metric ${i} has no name`
    if (m.datatype === undefined) return `metric ${i} '${m.name}' has no datatype`
    if (names.has(m.name)) return `metric '${m.name}' appears twice`
    names.add(m.name)
    if (m.alias !== undefined) {
      if (deviceId === undefined && m.name === REBIRTH_METRIC) {
        return `'${REBIRTH_METRIC}' must not have an alias (tck-id-operational-behavior-data-commands-rebirth-name-aliases)`
      }
      const a = toNumber(m.alias)
      const other = nodeAliases?.get(a)
      if (seen.has(a) || (other !== undefined && other.deviceId !== deviceId)) {
        return `alias ${a} of '${m.name}' is not unique across the edge node`
      }
      seen.add(a)
    }
  }
  return undefined
}

/** The limit on metrics per edge node (its own and its devices'), as a refusal reason, or undefined when within it. */
export function metricLimitExceeded (what: string, node: string, count: number, max: number): string | undefined {
  if (count <= max) return undefined
  return `${what} of edge node ${node} would make ${count} metrics, over the limit of ${max} per node ` +
    '(sparkplug.maxMetricsPerNode); none of its metrics enter the namespace'
}

/** The engUnit property of a metric, when it is a string. */
export function engUnitOf (props: PropertySet | undefined): string | undefined {
  const v = props?.engUnit?.value
  return typeof v === 'string' ? v : undefined
}

function toNumber (v: U64): number {
  return typeof v === 'number' ? v : Number(v)
}
