// The OPC UA benchmark's processes and how the parent talks to them: each bench/opcua/*-process module is forked with
// the parent's Node flags, answers one job at a time with {result} or {error}, and ends when the parent disconnects.
import { fork, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { watchGcPauses, type Pauses } from '../gc-pauses'

export interface Child {
  readonly process: ChildProcess
  /** Sends a job and resolves with the result of it (or the first {key} message the process sends on its own). */
  ask <R>(job: object, timeoutMs?: number): Promise<R>
  /** Resolves with the next message that has `key`. */
  next <R>(key: string, timeoutMs?: number): Promise<R>
  stop (): Promise<void>
}

const TIMEOUT_MS = 180_000

export function forkProcess (file: string, what: string, args: string[] = [], extraFlags: string[] = []): Child {
  const child = fork(path.join(__dirname, file), args, { execArgv: [...process.execArgv, ...extraFlags], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const next = <R>(key: string, timeoutMs = TIMEOUT_MS): Promise<R> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`${what}: no answer within ${timeoutMs / 1000} s`)) }, timeoutMs)
    const onMessage = (m: Record<string, unknown>): void => {
      if ('error' in m) { cleanup(); reject(new Error(`${what}: ${String(m.error)}`)) } else if (key in m) { cleanup(); resolve(m[key] as R) }
    }
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`${what}: the process exited (code ${code})`)) }
    const cleanup = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit) }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
  return {
    process: child,
    next,
    ask: <R>(job: object, timeoutMs?: number): Promise<R> => {
      const answer = next<R>('result', timeoutMs)
      child.send(job)
      return answer
    },
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      child.once('exit', () => { clearTimeout(timer); resolve() })
      child.disconnect()
    })
  }
}

/** In a child: answers each job of the parent with {result} or {error}; `onEnd` runs when the parent disconnects. */
export function serve<J> (handle: (job: J) => Promise<unknown>, onEnd: () => Promise<void> = async () => {}): void {
  process.on('message', (job: J) => {
    // null, not undefined: the IPC channel drops a key whose value is undefined.
    handle(job).then((result) => process.send!({ result: result ?? null }), (err: Error) => process.send!({ error: err.stack ?? err.message }))
  })
  process.on('disconnect', () => { void onEnd().finally(() => process.exit(0)) })
}

export interface Heap { heapUsed: number, rss: number, exactHeap: boolean }

/** process.memoryUsage() after two full collections (the process is forked with --expose-gc). */
export function heapAfterGc (): Heap {
  const gc = (globalThis as { gc?: () => void }).gc
  // Two collections: the first may only queue finalizers of what the second frees.
  gc?.(); gc?.()
  const m = process.memoryUsage()
  return { heapUsed: m.heapUsed, rss: m.rss, exactHeap: gc !== undefined }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Major (mark-sweep-compact) collections of this process since the last take(): how many, and their pauses. */
export type GcPauses = Pick<Pauses, 'count' | 'ms' | 'maxMs'>

export function watchMajorGc (): { take (): GcPauses } {
  const gc = watchGcPauses()
  return { take: () => { const { count, ms, maxMs } = gc.take().major; return { count, ms, maxMs } } }
}
