// One figure a benchmark reports: the hub's value beside a baseline measured in the same run.
export interface BenchResult {
  /** What was measured, e.g. "UNS relay QoS 0 (msg/s)". */
  name: string
  unit: string
  value: number
  /** The same measure on the baseline (raw aedes, the bare library). */
  baseline: number
  baselineName: string
  /** value / baseline for rates; baseline / value for latencies (so that higher is better, 1.0 = parity). */
  ratio: number
  /** The target ratio or absolute bound from the issue, and whether this run met it. */
  target?: string
  met?: boolean
}

export interface Benchmark {
  readonly title: string
  run (progress: (line: string) => void): Promise<BenchResult[]>
}
