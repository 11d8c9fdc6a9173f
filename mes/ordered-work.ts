// Work of one source (a work unit's scans, a machine's counts and states) run one piece after the other, in the
// order it arrived, and a flush that waits until the work of every source heard so far is done, including work
// queued while it waited. A piece that fails is reported and does not stop the ones after it.
export class OrderedWork {
  private tail: Promise<void> = Promise.resolve()

  constructor (private readonly onError: (err: unknown) => void) {}

  add (task: () => Promise<void>): void {
    this.tail = this.tail.then(task).catch(this.onError)
  }

  /** Settles when the work added so far is done. */
  get idle (): Promise<void> { return this.tail }
}

/** Resolves when every queue's work, and whatever was added to any of them meanwhile, is done. */
export async function flushAll (queues: readonly OrderedWork[]): Promise<void> {
  for (;;) {
    const tails = queues.map((q) => q.idle)
    await Promise.all(tails)
    if (queues.every((q, i) => q.idle === tails[i])) return
  }
}
