// Checks MQTT passwords against the accounts' bcrypt hashes off the event loop, a bounded number at a time.
// bcrypt is slow on purpose (~70 ms a check here); on the event loop, a flood of wrong passwords stalled every
// other client (round trip p50 2.4 -> 92 ms) and valid logins ran at 13 per second. Here checks run on worker
// threads, at most MAX_QUEUED_CHECKS wait, and the rest are refused at once as "server busy" (CONNACK 3), so a
// flood costs the flood, not the clients already connected.
import os from 'node:os'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import type { CheckAnswer, CheckRequest } from './bcrypt-worker'

/** Threads that run bcrypt: one core is left to the event loop. */
export const PASSWORD_CHECK_THREADS = Math.max(1, Math.min(2, os.availableParallelism() - 1))

/** Checks that may wait for a thread; beyond, a login is refused as "server busy". */
export const MAX_QUEUED_CHECKS = 256

export class CheckerBusyError extends Error {}

interface Pending { req: CheckRequest, resolve: (m: boolean) => void, reject: (e: Error) => void }

export class PasswordChecker {
  private readonly idle: Worker[] = []
  private readonly workers: Worker[] = []
  private readonly waiting: Pending[] = []
  private readonly running = new Map<number, { worker: Worker, job: Pending }>()
  private nextId = 1
  private closed = false

  constructor (private readonly threads = PASSWORD_CHECK_THREADS) {}

  /** Whether `password` matches the bcrypt `hash`; rejects with CheckerBusyError when too many checks wait. */
  check (password: Buffer, hash: string): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error('password checker is closed'))
    if (this.waiting.length >= MAX_QUEUED_CHECKS) {
      return Promise.reject(new CheckerBusyError(`${MAX_QUEUED_CHECKS} password checks already waiting`))
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ req: { id: this.nextId++, password: new Uint8Array(password), hash }, resolve, reject })
      this.dispatch()
    })
  }

  async close (): Promise<void> {
    this.closed = true
    for (const p of this.waiting.splice(0)) p.reject(new Error('password checker is closed'))
    await Promise.all(this.workers.map((w) => w.terminate()))
  }

  private dispatch (): void {
    while (this.waiting.length > 0) {
      const worker = this.idle.pop() ?? this.spawn()
      if (worker === undefined) return
      const job = this.waiting.shift()!
      this.running.set(job.req.id, { worker, job })
      worker.postMessage(job.req)
    }
  }

  private spawn (): Worker | undefined {
    if (this.workers.length >= this.threads) return undefined
    const worker = new Worker(path.join(__dirname, 'bcrypt-worker.js'))
    worker.unref() // an idle checker never keeps the process alive
    worker.on('message', (a: CheckAnswer) => {
      const r = this.running.get(a.id)
      if (r === undefined) return
      this.running.delete(a.id)
      if (a.error !== undefined) r.job.reject(new Error(`cannot check password: ${a.error}`))
      else r.job.resolve(a.matches)
      this.idle.push(worker)
      this.dispatch()
    })
    worker.on('error', (err) => this.lose(worker, err))
    worker.on('exit', (code) => { if (!this.closed) this.lose(worker, new Error(`password check thread exited with code ${code}`)) })
    this.workers.push(worker)
    return worker
  }

  /** A thread that failed: its check fails, the others go on (a new thread is started when needed). */
  private lose (worker: Worker, err: Error): void {
    const i = this.workers.indexOf(worker)
    if (i === -1) return
    this.workers.splice(i, 1)
    const j = this.idle.indexOf(worker)
    if (j !== -1) this.idle.splice(j, 1)
    for (const [id, r] of this.running) {
      if (r.worker === worker) {
        this.running.delete(id)
        r.job.reject(err)
      }
    }
    if (!this.closed) this.dispatch()
  }
}
