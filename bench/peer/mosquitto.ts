// mosquitto (the Debian package's binary) on a free loopback port with a generated config: anonymous, no
// persistence, and no cap on the messages queued for a client, so that a slow bridge shows as latency and a lower
// rate rather than as metrics mosquitto dropped by its default of 1,000 queued messages.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { freePort } from '../../test/support/child-hub'

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto']

/** The mosquitto binary, or undefined when it is not installed (apt-get install mosquitto). */
export function mosquittoBinary (): string | undefined {
  const found = CANDIDATES.find((p) => fs.existsSync(p))
  if (found) return found
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' })
  return which.status === 0 && which.stdout.trim() !== '' ? which.stdout.trim() : undefined
}

export function mosquittoVersion (binary: string): string {
  const out = spawnSync(binary, ['-h'], { encoding: 'utf8' })
  return /mosquitto version (\S+)/.exec(`${out.stdout}${out.stderr}`)?.[1] ?? 'unknown version'
}

export interface Mosquitto { readonly url: string, readonly proc: ChildProcess, stop (): Promise<void> }

function waitForPort (port: number, proc: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (proc.exitCode !== null) return reject(new Error(`mosquitto exited with code ${proc.exitCode}: ${output()}`))
      const s = net.connect(port, '127.0.0.1')
      s.once('connect', () => { s.destroy(); resolve() })
      s.once('error', () => {
        s.destroy()
        if (Date.now() > deadline) reject(new Error(`mosquitto did not listen on 127.0.0.1:${port} within 10 s: ${output()}`))
        else setTimeout(attempt, 50)
      })
    }
    attempt()
  })
}

export async function startMosquitto (binary: string, dir: string): Promise<Mosquitto> {
  const port = await freePort()
  const conf = path.join(dir, 'mosquitto.conf')
  fs.writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr',
    'log_type error', 'max_queued_messages 0', 'max_queued_bytes 0', 'set_tcp_nodelay true'].join('\n') + '\n')
  fs.chmodSync(dir, 0o755)
  fs.chmodSync(conf, 0o644)
  const proc = spawn(binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  proc.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000) })
  await waitForPort(port, proc, () => err)
  return {
    url: `mqtt://127.0.0.1:${port}`,
    proc,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
      proc.once('exit', () => resolve())
      proc.kill('SIGTERM')
    })
  }
}
