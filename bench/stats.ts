// Small measuring helpers shared by the benchmarks.

/** The middle value (upper middle for an even count). */
export function median (xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/** The q-quantile (0..1) of values sorted ascending; NaN when there are none. */
export function percentile (sortedAsc: ArrayLike<number>, q: number): number {
  return sortedAsc[Math.floor(sortedAsc.length * q)] ?? NaN
}

/** Seconds since `t0` (a process.hrtime.bigint() reading). */
export function secondsSince (t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9
}

/** How long `fn` takes, in milliseconds. */
export async function timeMs (fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t0) / 1e6
}
