#!/usr/bin/env node
// npm run wms-sim -- [--port 8100] [--host 127.0.0.1] [--warehouse WH01] [--user hub --password wms-sim]
//                    [--webhook-url http://127.0.0.1:1880/wms/events --webhook-secret ...] [--confirm-delay-ms 500]
// Runs the simulated WMS for the demo and for trying the adapter by hand: the generic contract's task endpoints,
// control at POST /sim/control, what the hub sent at GET /sim/received, tasks and stock at /sim/tasks and /sim/stock.
// Note: {"mode":"down"} closes the port, so /sim/control is gone too: give "forMs" to come back by itself.
import { DEFAULT_USERS, startWmsSimulator } from './simulator'

const USAGE = `usage: npm run wms-sim -- [options]
  --port N              TCP port (default 8100, or HUB_WMS_SIM_PORT)
  --host H              address to listen on (default 127.0.0.1)
  --warehouse W         warehouse number (default WH01)
  --user U              the login the WMS accepts (default ${Object.keys(DEFAULT_USERS)[0]}); --password P (default ${Object.values(DEFAULT_USERS)[0]}, or HUB_WMS_SIM_PASSWORD)
  --webhook-url URL     the hub's webhook for task events (e.g. http://127.0.0.1:1880/wms/events)
  --webhook-secret S    the shared HMAC secret (or HUB_WMS_SIM_WEBHOOK_SECRET); needed with --webhook-url
  --confirm-delay-ms N  tasks confirm by themselves after N ms (default 500)
  --manual              tasks wait for POST /sim/tasks/<id>/confirm
  --help                this text`

export interface WmsSimArgs {
  port: number
  host: string
  warehouse: string
  user: string
  password: string
  webhookUrl: string | undefined
  webhookSecret: string | undefined
  confirmDelayMs: number
  manual: boolean
  help: boolean
}

export function parseArgs (argv: readonly string[], env: NodeJS.ProcessEnv = process.env): WmsSimArgs {
  const args: WmsSimArgs = {
    port: Number(env.HUB_WMS_SIM_PORT ?? 8100), host: '127.0.0.1', warehouse: 'WH01', user: Object.keys(DEFAULT_USERS)[0]!,
    password: env.HUB_WMS_SIM_PASSWORD ?? Object.values(DEFAULT_USERS)[0]!, webhookUrl: undefined, webhookSecret: env.HUB_WMS_SIM_WEBHOOK_SECRET,
    confirmDelayMs: 500, manual: false, help: false
  }
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
      case '--warehouse': args.warehouse = value(); break
      case '--user': args.user = value(); break
      case '--password': args.password = value(); break
      case '--webhook-url': args.webhookUrl = value(); break
      case '--webhook-secret': args.webhookSecret = value(); break
      case '--confirm-delay-ms': args.confirmDelayMs = Number(value()); break
      case '--manual': args.manual = true; break
      case '--help': case '-h': args.help = true; break
      default: throw new Error(`unknown option '${flag}'`)
    }
  }
  if (args.webhookUrl !== undefined && !/^https?:\/\/.+/.test(args.webhookUrl)) throw new Error(`--webhook-url must be an http(s) URL, not '${args.webhookUrl}'`)
  if (args.webhookUrl !== undefined && (args.webhookSecret === undefined || args.webhookSecret === '')) throw new Error('--webhook-url needs --webhook-secret (or HUB_WMS_SIM_WEBHOOK_SECRET)')
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error(`--port must be a TCP port (0-65535), not '${args.port}'`)
  if (!Number.isInteger(args.confirmDelayMs) || args.confirmDelayMs < 0) throw new Error(`--confirm-delay-ms must be an integer >= 0, not '${args.confirmDelayMs}'`)
  if (!/^[A-Z0-9]{1,10}$/i.test(args.warehouse)) throw new Error(`--warehouse must be 1-10 letters or digits, not '${args.warehouse}'`)
  return args
}

async function main (argv: readonly string[]): Promise<number> {
  let args: WmsSimArgs
  try { args = parseArgs(argv) } catch (err) {
    process.stderr.write(`wms-sim: ${(err as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (args.help) { process.stdout.write(USAGE + '\n'); return 0 }
  const webhook = args.webhookUrl !== undefined ? { url: args.webhookUrl, secret: args.webhookSecret! } : undefined
  const sim = await startWmsSimulator({
    port: args.port, host: args.host, warehouse: args.warehouse, users: { [args.user]: args.password }, webhook,
    confirmDelayMs: args.confirmDelayMs, autoConfirm: !args.manual
  })
  process.stderr.write(`${new Date().toISOString()} [wms-sim] simulated WMS (warehouse ${args.warehouse}) at ${sim.url} (user ${args.user})` +
    `${webhook !== undefined ? `, task events to ${webhook.url}` : ', no webhook: task events are only kept at /sim/callbacks'}; Ctrl-C to stop\n`)
  const stop = (): void => { sim.close().then(() => process.exit(0), () => process.exit(1)) }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return -1
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { if (code >= 0) process.exit(code) }, (err: Error) => {
    process.stderr.write(`wms-sim: ${err.stack ?? err.message}\n`)
    process.exit(1)
  })
}
