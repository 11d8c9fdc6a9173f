// The paced source of value changes both servers get: `total` changes at `perSecond`, issued in steps of `step`
// consecutive changes, each step when it is due (a steady rate without a timer per change).
import { sleep } from './ipc'

/** `endedAt`: epoch ms of the last change (the client process reads the same clock). */
export interface Paced { sent: number, seconds: number, rate: number, endedAt: number }

export async function paced (perSecond: number, total: number, step: number, issue: (first: number) => void): Promise<Paced> {
  const start = performance.now()
  let m = 0
  while (m < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * perSecond))
    while (m + step <= due || (due === total && m < total)) {
      issue(m)
      m += step
    }
    await sleep(1)
  }
  const seconds = (performance.now() - start) / 1000
  return { sent: total, seconds, rate: total / seconds, endedAt: Date.now() }
}
