// The ten metrics of the benchmarks' DDATA (one press's worth of mixed datatypes), shared by the ingest bench, the peer
// bench and the ingest profiler so that all three measure the same payloads.
import { DataType } from '../sparkplug/datatypes'
import type { SparkplugMetric } from '../sparkplug/types'

export const METRIC_NAMES = ['Die Temperature', 'Strokes', 'Running', 'State', 'Tonnage', 'Oil Pressure', 'Cycle Time', 'Counter', 'Fault', 'Recipe']
export const METRIC_TYPES: readonly DataType[] = [DataType.Double, DataType.Int64, DataType.Boolean, DataType.String, DataType.Double, DataType.Double, DataType.Double, DataType.Int64, DataType.Boolean, DataType.String]

/** The value of metric k in message i: changing every message, so report by exception would send them all. */
export function metricValue (i: number, k: number): SparkplugMetric['value'] {
  switch (METRIC_TYPES[k]) {
    case DataType.Int64: return BigInt(i)
    case DataType.Boolean: return (i + k) % 2 === 0
    case DataType.String: return `R-${(i + k) % 97}`
    default: return 100 + ((i * 7 + k) % 1000) / 10
  }
}
