#!/usr/bin/env node
// npm run qms-sim -- [--port 8200] [--host 127.0.0.1] [--token qms-sim-token]
//                    [--hub-url http://127.0.0.1:1880/qms/webhook --secret whsec_...] [--disposition-after-ms 5000]
// Runs the simulated QMS for the demo and for trying the adapter by hand: the generic contract's API under /api/v1,
// control at POST /sim/control, what the hub sent at GET /sim/received; with --hub-url and --secret, the QMS calls
// the hub's webhook: POST /sim/disposition, /sim/hold, /sim/release, /sim/usage-decision, /sim/resend/<event id>.
// Note: {"mode":"down"} closes the port, so /sim/control is gone too: give "forMs" to come back by itself.
import { DEFAULT_TOKEN, startQmsSimulator } from './simulator'

const USAGE = `usage: npm run qms-sim -- [options]
  --port N                  TCP port (default 8200, or HUB_QMS_SIM_PORT; the simulated WMS defaults to 8100)
  --host H                  address to listen on (default 127.0.0.1)
  --token T                 the API token the QMS accepts (default ${DEFAULT_TOKEN}, or HUB_QMS_SIM_TOKEN)
  --hub-url URL             the hub's webhook, e.g. http://127.0.0.1:1880/qms/webhook
  --secret S                the webhook's signing secret (or HUB_QMS_SIM_SECRET), as in the hub's qms.webhookSecretFile
  --disposition-after-ms N  disposition every nonconformance received after N ms (use-as-is); default: on command
  --help                    this text`

export interface QmsSimArgs {
  port: number
  host: string
  token: string
  hubUrl: string | undefined
  secret: string | undefined
  dispositionAfterMs: number | undefined
  help: boolean
}

export function parseArgs (argv: readonly string[], env: NodeJS.ProcessEnv = process.env): QmsSimArgs {
  const args: QmsSimArgs = { port: Number(env.HUB_QMS_SIM_PORT ?? 8200), host: '127.0.0.1', token: env.HUB_QMS_SIM_TOKEN ?? DEFAULT_TOKEN, hubUrl: undefined, secret: env.HUB_QMS_SIM_SECRET, dispositionAfterMs: undefined, help: false }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`)
      return v
    }
    switch (flag) {
      case '--port': args.port = Number(value()); break
      case '--host': args.host = value(); break
      case '--token': args.token = value(); break
      case '--hub-url': args.hubUrl = value(); break
      case '--secret': args.secret = value(); break
      case '--disposition-after-ms': args.dispositionAfterMs = Number(value()); break
      case '--help': case '-h': args.help = true; break
      default: throw new Error(`unknown option '${flag}'`)
    }
  }
  if (args.hubUrl !== undefined && !/^https?:\/\/.+/.test(args.hubUrl)) throw new Error(`--hub-url must be an http(s) URL, not '${args.hubUrl}'`)
  if (args.hubUrl !== undefined && (args.secret === undefined || args.secret === '')) throw new Error('--hub-url needs --secret (or HUB_QMS_SIM_SECRET)')
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error(`--port must be a TCP port (0-65535), not '${args.port}'`)
  if (args.dispositionAfterMs !== undefined && !(Number.isInteger(args.dispositionAfterMs) && args.dispositionAfterMs >= 0)) throw new Error('--disposition-after-ms must be an integer >= 0')
  return args
}

async function main (argv: readonly string[]): Promise<number> {
  let args: QmsSimArgs
  try { args = parseArgs(argv) } catch (err) {
    process.stderr.write(`qms-sim: ${(err as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (args.help) { process.stdout.write(USAGE + '\n'); return 0 }
  const sim = await startQmsSimulator({
    port: args.port, host: args.host, tokens: [args.token],
    ...(args.hubUrl !== undefined ? { webhook: { url: args.hubUrl, secret: args.secret! } } : {}),
    ...(args.dispositionAfterMs !== undefined ? { dispositionAfterMs: args.dispositionAfterMs } : {})
  })
  process.stderr.write(`${new Date().toISOString()} [qms-sim] simulated QMS at ${sim.url}/api/v1` +
    `${args.hubUrl !== undefined ? `, calling back ${args.hubUrl}` : ''}; Ctrl-C to stop\n`)
  const stop = (): void => { sim.close().then(() => process.exit(0), () => process.exit(1)) }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return -1
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { if (code >= 0) process.exit(code) }, (err: Error) => {
    process.stderr.write(`qms-sim: ${err.stack ?? err.message}\n`)
    process.exit(1)
  })
}
