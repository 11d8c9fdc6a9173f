// Runs async work one at a time per key within this process: a second call under a key waits until the first has
// settled (resolved or rejected), so that two deliveries of one webhook event at once are handled one after the
// other (the second then finds the first stored and applied) rather than side by side. Keys without work pending
// are forgotten.

export type PerKeyQueue = <T>(key: string | undefined, fn: () => Promise<T>) => Promise<T>

/** A queue per key; an undefined key runs at once, queued behind nothing. */
export function perKeyQueue (): PerKeyQueue {
  const pending = new Map<string, Promise<unknown>>()
  return async <T>(key: string | undefined, fn: () => Promise<T>): Promise<T> => {
    if (key === undefined) return await fn()
    const run = (pending.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn)
    pending.set(key, run)
    void run.catch(() => undefined).finally(() => { if (pending.get(key) === run) pending.delete(key) })
    return await run
  }
}
