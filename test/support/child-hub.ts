// Runs the hub as a user does (`npm start`, or the built CLI) in a child process and watches its output.
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..')

export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

export interface ChildHub {
  readonly proc: ChildProcess
  /** Signals the whole process group (npm and the hub under it). */
  signal (sig: NodeJS.Signals): void
  output (): string
  waitFor (pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  exited (timeoutMs?: number): Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  /** Resolves when no process of the group is left (npm may exit before the hub under it has finished). */
  groupGone (timeoutMs?: number): Promise<void>
}

export function spawnHub (command: string, args: string[], env: Record<string, string>): ChildHub {
  const proc = spawn(command, args, {
    cwd: PROJECT_ROOT,
    // The OPC UA server is on by default on 4840: a child hub takes a free port on loopback unless a test says
    // otherwise; the collector (the demo plant binds line A to the simulator's server) is off unless a test turns it on.
    env: { ...process.env, HUB_OPCUA_HOST: '127.0.0.1', HUB_OPCUA_PORT: '0', HUB_OPCUA_COLLECTOR_ENABLED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that a signal reaches npm and the hub together, as Ctrl-C or systemd do.
    detached: true
  })
  let out = ''
  const listeners = new Set<() => void>()
  const onData = (d: Buffer): void => {
    out += d.toString()
    for (const l of listeners) l()
  }
  proc.stdout!.on('data', onData)
  proc.stderr!.on('data', onData)
  const exit = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }))
  })
  // 'close' comes when the output pipes close: after npm *and* the hub under it have gone.
  const outputClosed = new Promise<void>((resolve) => proc.once('close', () => resolve()))
  return {
    proc,
    signal: (sig) => { try { process.kill(-proc.pid!, sig) } catch { /* already gone */ } },
    output: () => out,
    waitFor (pattern, timeoutMs = 60000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = pattern.exec(out)
          if (m) { listeners.delete(onChange); clearTimeout(timer); resolve(m) }
          return Boolean(m)
        }
        const onChange = (): void => { check() }
        const timer = setTimeout(() => {
          listeners.delete(onChange)
          reject(new Error(`hub did not print ${pattern} within ${timeoutMs} ms; output:\n${out.slice(-4000)}`))
        }, timeoutMs)
        listeners.add(onChange)
        outputClosed.then(() => { if (!check()) { listeners.delete(onChange); clearTimeout(timer); reject(new Error(`hub exited before printing ${pattern}; output:\n${out.slice(-4000)}`)) } })
        check()
      })
    },
    async groupGone (timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        try {
          process.kill(-proc.pid!, 0)
        } catch {
          return
        }
        if (Date.now() > deadline) throw new Error(`processes of the hub are still running after ${timeoutMs} ms; output:\n${out.slice(-3000)}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    exited (timeoutMs = 15000) {
      return Promise.race([exit, new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`hub did not exit within ${timeoutMs} ms; output:\n${out.slice(-3000)}`)), timeoutMs))])
    }
  }
}
