// The machine's own scheduling delay, measured beside a latency round: an otherwise idle process asks for a timer
// every millisecond and records how late each one fires. On a small virtual machine under load, a process that is
// ready to run can wait for a core for several milliseconds; no broker can deliver faster than its process is run,
// so this is the floor under any latency percentile measured in the same seconds. Started with {start: true},
// answers {stop: true} with the lateness percentiles in ms.
import { percentile } from '../stats'

export interface Jitter { p50: number, p99: number, p999: number, max: number, samples: number }

let late: number[] = []
let timer: NodeJS.Timeout | undefined

/** Asks for the next timer 1 ms from now; when it fires, records how late it is. */
function next (): void {
  const due = performance.now() + 1
  timer = setTimeout(() => {
    late.push(Math.max(0, performance.now() - due))
    next()
  }, 1)
}

process.on('message', (m: { start?: boolean, stop?: boolean }) => {
  if (m.start) {
    late = []
    next()
  } else if (m.stop) {
    clearTimeout(timer)
    const s = late.sort((a, b) => a - b)
    const jitter: Jitter = { p50: percentile(s, 0.5), p99: percentile(s, 0.99), p999: percentile(s, 0.999), max: s[s.length - 1] ?? 0, samples: s.length }
    process.send!({ jitter })
  }
})
process.on('disconnect', () => process.exit(0))
