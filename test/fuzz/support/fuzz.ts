// The harness of the property-based (fuzz) suites. Each target's suite is a mocha file test/fuzz/<target>.fuzz.test.ts
// that `npm test` runs with a small number of inputs; `npm run fuzz` (test/fuzz/run.ts) runs the same files with
// many. The oracle is the same everywhere: for any input the code under test returns a value or throws one of its
// typed errors (HubError), never another exception, within a bounded time per input and with bounded output.
//
// Settings (environment, set by the runner):
//   FUZZ_RUNS        inputs per property (default: each property's small count for npm test)
//   FUZZ_SEED        fast-check seed, to replay a run
//   FUZZ_SHRINK=1    shrink a failing input to a small one (off by default: a slow input shrinks slowly)
//   FUZZ_PROGRESS=1  a progress line on stderr every 10% of a property
//   FUZZ_REPORT      a file to append one JSON line per property to (the runner's summary)
//   FUZZ_MAX_MS      the time one input may take before it counts as a hang (default 2000 ms)
//   FUZZ_NO_EXAMPLES=1  leave the seeds out of the properties (to look past known findings)
import fs from 'node:fs'
import fc from 'fast-check'
import { HubError } from '../../../core/errors'

/** One input may take this long before it is a failure (a hang). Generous: the box may be loaded. */
export const MAX_MS_PER_INPUT = Number(process.env.FUZZ_MAX_MS ?? 2000)

/** The heap a long run may grow to before it counts as a memory blow-up (checked every 1,000 inputs). */
export const MAX_HEAP_BYTES = 1536 * 1024 * 1024

/** Inputs per property: FUZZ_RUNS when set, else the property's own small count. */
export function runsFor (small: number): number {
  const env = process.env.FUZZ_RUNS
  return env === undefined || env === '' ? small : Math.max(1, Number(env))
}

/** A typed error of the hub (HubError and its subclasses); anything else thrown is a finding. */
export function isTypedError (err: unknown): boolean {
  return err instanceof HubError
}

/** Calls `f`; returns its value, or the typed error it threw. Rethrows anything else, with the input's context. */
export function valueOrTypedError<T> (f: () => T): T | HubError {
  try {
    return f()
  } catch (err) {
    if (err instanceof HubError) return err
    throw err
  }
}

interface PropertyReport { target: string, property: string, runs: number, ms: number, ok: boolean, error?: string }

function report (r: PropertyReport): void {
  const file = process.env.FUZZ_REPORT
  if (file) fs.appendFileSync(file, JSON.stringify(r) + '\n')
}

/** Counts inputs, prints progress, checks the heap and the time per input. */
class Meter {
  count = 0
  private readonly every: number
  constructor (readonly target: string, readonly property: string, readonly runs: number) {
    this.every = Math.max(1000, Math.ceil(runs / 10))
  }

  tick (): void {
    this.count++
    if (this.count % 1000 === 0) {
      const heap = process.memoryUsage().heapUsed
      if (heap > MAX_HEAP_BYTES) throw new Error(`memory blow-up: heap at ${Math.round(heap / 1048576)} MB after ${this.count} inputs`)
    }
    if (process.env.FUZZ_PROGRESS === '1' && this.count % this.every === 0) {
      process.stderr.write(`  [fuzz] ${this.target} / ${this.property}: ${this.count} of ${this.runs} inputs\n`)
    }
  }
}

function timeBound (start: number, what: string, bound: number): void {
  const ms = performance.now() - start
  if (ms > bound) throw new Error(`too slow: ${what} took ${Math.round(ms)} ms for one input (bound ${bound} ms)`)
}

export interface FuzzOptions {
  /** The time one input may take, when a target needs more than MAX_MS_PER_INPUT (several messages per input). */
  maxMs?: number
}

function parameters<Ts> (runs: number, examples: Ts[]): fc.Parameters<Ts> {
  return {
    numRuns: runs,
    examples: process.env.FUZZ_NO_EXAMPLES === '1' ? [] : examples,
    seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
    endOnFailure: process.env.FUZZ_SHRINK !== '1'
  }
}

/** fast-check's report, short: the error first, then the input cut to a readable length, then how to replay it. */
function failure<Ts> (property: string, d: fc.RunDetails<Ts>): Error {
  const input = d.counterexample === null ? '(none)' : fc.stringify(d.counterexample)
  const error = d.errorInstance instanceof Error ? (d.errorInstance.stack ?? d.errorInstance.message) : String(d.errorInstance)
  return new Error(`${property}: failed after ${d.numRuns} inputs: ${error.split('\n').slice(0, 8).join('\n')}\n` +
    `  input (${input.length} characters): ${input.length > 600 ? input.slice(0, 600) + ' ...' : input}\n` +
    `  replay: FUZZ_SEED=${d.seed} (path ${d.counterexamplePath ?? '-'})${d.interrupted ? ' (interrupted)' : ''}`)
}

/**
 * A synchronous property: `predicate` returns normally for a good input and throws (an assertion, or the foreign
 * exception itself) for a finding. `examples` are the seeds, tried first on every run.
 */
export function fuzz<Ts extends [unknown, ...unknown[]]> (target: string, property: string, small: number,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> }, predicate: (...args: Ts) => void, examples: Array<NoInfer<Ts>> = [], options: FuzzOptions = {}): void {
  const bound = options.maxMs ?? MAX_MS_PER_INPUT
  const runs = runsFor(small)
  const meter = new Meter(target, property, runs)
  const started = performance.now()
  try {
    const d = fc.check(fc.property(...arbitraries, (...args: Ts) => {
      meter.tick()
      const start = performance.now()
      predicate(...args)
      timeBound(start, property, bound)
    }), parameters(runs, examples))
    if (d.failed) throw failure(property, d)
    report({ target, property, runs: meter.count, ms: Math.round(performance.now() - started), ok: true })
  } catch (err) {
    report({ target, property, runs: meter.count, ms: Math.round(performance.now() - started), ok: false, error: firstLines(err) })
    throw err
  }
}

/** The asynchronous form of fuzz(): an input that does not settle within MAX_MS_PER_INPUT is a hang. */
export async function fuzzAsync<Ts extends [unknown, ...unknown[]]> (target: string, property: string, small: number,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> }, predicate: (...args: Ts) => Promise<void>, examples: Array<NoInfer<Ts>> = [], options: FuzzOptions = {}): Promise<void> {
  const bound = options.maxMs ?? MAX_MS_PER_INPUT
  const runs = runsFor(small)
  const meter = new Meter(target, property, runs)
  const started = performance.now()
  try {
    const d = await fc.check(fc.asyncProperty(...arbitraries, async (...args: Ts) => {
      meter.tick()
      const start = performance.now()
      await withTimeout(predicate(...args), property, bound)
      timeBound(start, property, bound)
    }), parameters(runs, examples))
    if (d.failed) throw failure(property, d)
    report({ target, property, runs: meter.count, ms: Math.round(performance.now() - started), ok: true })
  } catch (err) {
    report({ target, property, runs: meter.count, ms: Math.round(performance.now() - started), ok: false, error: firstLines(err) })
    throw err
  }
}

/**
 * One seed of a finding, run once whatever FUZZ_RUNS says, with the same oracle and time bound (its own mocha test,
 * so that every seed that fails is listed by name, not only the first of a property's examples).
 */
export async function seed (target: string, finding: string, predicate: () => void | Promise<void>, options: FuzzOptions = {}): Promise<void> {
  const bound = options.maxMs ?? MAX_MS_PER_INPUT
  const start = performance.now()
  try {
    await withTimeout(Promise.resolve().then(predicate), `seed: ${finding}`, bound)
    timeBound(start, `seed: ${finding}`, bound)
    report({ target, property: `seed: ${finding}`, runs: 1, ms: Math.round(performance.now() - start), ok: true })
  } catch (err) {
    report({ target, property: `seed: ${finding}`, runs: 1, ms: Math.round(performance.now() - start), ok: false, error: firstLines(err) })
    throw err
  }
}

async function withTimeout<T> (p: Promise<T>, what: string, bound: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} did not settle within ${bound} ms`)), bound)
  })
  try {
    return await Promise.race([p, hang])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Exceptions thrown past the code under test (out of an event handler: in the hub, a crash of the process) while
 * `watch` is on, as the failure of the input that caused them rather than of whichever mocha test runs then.
 */
export class UncaughtWatch {
  private saved: NodeJS.UncaughtExceptionListener[] = []
  private waiters: Array<(err: Error) => void> = []
  readonly seen: Error[] = []
  private readonly listener = (err: Error): void => {
    this.seen.push(err)
    for (const w of this.waiters.splice(0)) w(err)
  }

  start (): void {
    this.saved = process.listeners('uncaughtException')
    process.removeAllListeners('uncaughtException')
    process.on('uncaughtException', this.listener)
  }

  stop (): void {
    process.off('uncaughtException', this.listener)
    for (const l of this.saved) process.on('uncaughtException', l)
  }

  /** Rejects with the next uncaught exception (or one already seen and not yet taken). */
  next (): Promise<never> {
    const old = this.seen.shift()
    if (old) return Promise.reject(old)
    return new Promise<never>((_resolve, reject) => this.waiters.push(reject))
  }

  /** Throws the first exception seen and not yet taken. */
  throwIfAny (): void {
    const err = this.seen.shift()
    if (err) throw new Error(`thrown past the code under test: ${err.stack ?? String(err)}`)
  }
}

function firstLines (err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n').slice(0, 6).join(' | ').slice(0, 600)
}

/** The mocha timeout of a fuzz test: generous for the small count, none for a long run. */
export function suiteTimeout (): number {
  return process.env.FUZZ_RUNS ? 0 : 120000
}

/** Text that stresses parsers: any unicode, control characters, lone surrogates, and long runs of one character. */
export function nastyString (maxLength = 200): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\u0085', '\u2028', '\ud800', '\udfff', '\ufeff', '\uffff', '/', '+', '#', '$', '%', ' ', 'a', '\\', '"', '\n'), maxLength }),
    fc.tuple(fc.constantFrom('a', '/', '\u0000', 'é', '%', '['), fc.integer({ min: 1, max: 70000 })).map(([c, n]) => c.repeat(n))
  )
}
