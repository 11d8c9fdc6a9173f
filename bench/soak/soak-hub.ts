// The hub under soak: a real child process started with the command of `npm start` (after one build), on free
// loopback ports, with a temp data dir and a generated config file whose editor user has a known password (bcrypt
// hash, as the README shows). The same config on every restart, so sessions, retained messages and the MES store of
// the data dir are what the next life starts from.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import YAML from 'yaml'
import { freePort } from '../../test/support/child-hub'
import { hashPassword, generatePassword } from '../../core/passwords'

const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..')
/** How long a start may take before the soak gives up on the hub. */
export const READY_TIMEOUT_MS = 120_000
/** Output kept for a report when the hub fails (the tail of its log). */
const OUTPUT_TAIL_CHARS = 8000
export const SOAK_USER = 'soak'

/** `npm start`'s command line (package.json), with `node` as this Node.js. */
function startCommand (): { command: string, args: string[] } {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  const [first, ...rest] = pkg.scripts.start!.split(/\s+/)
  if (first !== 'node') throw new Error(`soak: the start script does not begin with 'node': ${pkg.scripts.start}`)
  return { command: process.execPath, args: rest }
}

export interface HubLife {
  readonly proc: ChildProcess
  readonly startedAt: number
  /** Resolves with the time 'hub ready' was printed. */
  readonly ready: Promise<number>
}

export class SoakHub {
  readonly dir: string
  readonly mqttUrl: string
  readonly httpBase: string
  readonly password: string
  private readonly configFile: string
  /** Everything the hub printed, every life, for a look after a FAIL (kept with the data dir). */
  readonly logFile: string
  private life: HubLife | undefined
  private output = ''

  private constructor (dir: string, mqttPort: number, editorPort: number, password: string) {
    this.dir = dir
    this.mqttUrl = `mqtt://127.0.0.1:${mqttPort}`
    this.httpBase = `http://127.0.0.1:${editorPort}`
    this.password = password
    this.configFile = path.join(dir, 'isa95-hub.yaml')
    this.logFile = path.join(dir, 'hub.log')
  }

  static async create (): Promise<SoakHub> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isa95-hub-soak-'))
    const password = generatePassword()
    const hub = new SoakHub(dir, await freePort(), await freePort(), password)
    fs.writeFileSync(hub.configFile, YAML.stringify({
      dataDir: path.join(dir, 'data'),
      mqtt: { host: '127.0.0.1', port: Number(new URL(hub.mqttUrl).port), ws: { enabled: false } },
      editor: {
        host: '127.0.0.1',
        port: Number(new URL(hub.httpBase).port),
        users: [{ username: SOAK_USER, passwordHash: await hashPassword(password), permissions: '*' }]
      }
    }))
    return hub
  }

  get pid (): number | undefined { return this.life?.proc.pid }
  get running (): boolean { return this.life !== undefined && this.life.proc.exitCode === null && this.life.proc.signalCode === null }

  /** The last part of everything the hub printed (all lives), for a failure report. */
  tail (): string { return this.output.slice(-OUTPUT_TAIL_CHARS) }

  start (): HubLife {
    const { command, args } = startCommand()
    const proc = spawn(command, [...args, '--config', this.configFile], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: process.env })
    const startedAt = Date.now()
    const ready = new Promise<number>((resolve, reject) => {
      let seen = ''
      const timer = setTimeout(() => reject(new Error(`the hub did not print 'hub ready' within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS)
      const onData = (d: Buffer): void => {
        const text = d.toString()
        fs.appendFileSync(this.logFile, text)
        this.output = (this.output + text).slice(-4 * OUTPUT_TAIL_CHARS)
        if (seen.length < 1_000_000) seen += text
        if (/hub ready/.test(seen)) { clearTimeout(timer); resolve(Date.now()) }
      }
      proc.stdout!.on('data', onData)
      proc.stderr!.on('data', onData)
      proc.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`the hub exited (code ${code}, signal ${signal}) before it was ready`)) })
    })
    ready.catch(() => {})
    this.life = { proc, startedAt, ready }
    return this.life
  }

  /** SIGKILL: no shutdown code runs, as on a power cut or the OOM killer. Resolves when the process is gone. */
  async kill (): Promise<number> {
    const proc = this.life?.proc
    if (!proc || !this.running) return Date.now()
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    const at = Date.now()
    proc.kill('SIGKILL')
    await gone
    return at
  }

  /** SIGKILL without waiting, for an exit handler. */
  killNow (): void {
    if (this.running) this.life!.proc.kill('SIGKILL')
  }

  /** A clean stop (SIGTERM) at the end; SIGKILL if it takes longer than the hub's own shutdown limit. */
  async stop (): Promise<void> {
    const proc = this.life?.proc
    if (!proc || !this.running) return
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    proc.kill('SIGTERM')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
    await gone
    clearTimeout(timer)
  }

  /** Resident set size of the hub process in bytes (Linux /proc), undefined when it is not running. */
  rss (): number | undefined {
    if (!this.running || this.pid === undefined) return undefined
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'))
      return m ? Number(m[1]) * 1024 : undefined
    } catch {
      return undefined
    }
  }

  remove (): void {
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}
