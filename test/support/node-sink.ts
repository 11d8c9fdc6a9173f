// Collects what a Node-RED test-helper node receives; `next()` waits for the next message (fails after a timeout).
export interface InputNode {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on (event: string, listener: (...args: any[]) => void): void
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export class Sink<Msg = Record<string, any>> {
  private readonly queue: Msg[] = []
  private readonly waiting: Array<(m: Msg) => void> = []

  constructor (node: InputNode) {
    node.on('input', (m: Msg) => {
      const w = this.waiting.shift()
      if (w) w(m)
      else this.queue.push(m)
    })
  }

  next (timeoutMs = 5000): Promise<Msg> {
    const m = this.queue.shift()
    if (m !== undefined) return Promise.resolve(m)
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no message from the node')), timeoutMs)
      this.waiting.push((x) => { clearTimeout(t); resolve(x) })
    })
  }

  /** The next n messages, by topic. */
  async take (n: number): Promise<Map<string, Msg>> {
    const out = new Map<string, Msg>()
    for (let i = 0; i < n; i++) {
      const m = await this.next()
      out.set((m as { topic: string }).topic, m)
    }
    return out
  }

  get pending (): number { return this.queue.length }
}
