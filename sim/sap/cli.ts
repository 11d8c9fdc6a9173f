#!/usr/bin/env node
// npm run sap-sim -- [--port 8000] [--host 127.0.0.1] [--user HUB_RFC --password sap-sim]
//                    [--hub-url http://127.0.0.1:1880 --hub-user sap-rfc --hub-password ...]
// Runs the simulated SAP for the demo and for trying the adapter by hand: OData v2 under /sap/opu/odata/sap/... (orders,
// confirmations, material documents, QM inspection lots), EWM's warehouse tasks (OData v4) under /sap/opu/odata4/sap/..., IDoc
// inbound at /sap/bc/idoc_xml and /sap/bc/srt/idoc, control at POST /sim/control, inspection at GET /sim/received;
// with --hub-url, SAP sends IDocs to the hub: POST /sim/send-order/1000001 (a LOIPRO), POST /sim/send-idoc.
// Note: {"mode":"down"} closes the port, so /sim/control is gone too: give "forMs" to come back by itself.
import { DEFAULT_USERS, startSapSimulator } from './simulator'

const USAGE = `usage: npm run sap-sim -- [options]
  --port N          TCP port (default 8000, or HUB_SAP_SIM_PORT)
  --host H          address to listen on (default 127.0.0.1)
  --user U          the login SAP accepts (default ${Object.keys(DEFAULT_USERS)[0]}); --password P (default ${Object.values(DEFAULT_USERS)[0]}, or HUB_SAP_SIM_PASSWORD)
  --hub-url URL     the hub, SAP's partner for outbound IDocs (POSTs to URL/sap/bc/idoc_xml)
  --hub-user U      the hub's editor user with sap.write; --hub-password P (or HUB_SAP_SIM_HUB_PASSWORD)
  --help            this text`

export interface SapSimArgs {
  port: number
  host: string
  user: string
  password: string
  hubUrl: string | undefined
  hubUser: string | undefined
  hubPassword: string | undefined
  help: boolean
}

export function parseArgs (argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SapSimArgs {
  const args: SapSimArgs = { port: Number(env.HUB_SAP_SIM_PORT ?? 8000), host: '127.0.0.1', user: Object.keys(DEFAULT_USERS)[0]!, password: env.HUB_SAP_SIM_PASSWORD ?? Object.values(DEFAULT_USERS)[0]!, hubUrl: undefined, hubUser: undefined, hubPassword: env.HUB_SAP_SIM_HUB_PASSWORD, help: false }
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
      case '--user': args.user = value(); break
      case '--password': args.password = value(); break
      case '--hub-url': args.hubUrl = value(); break
      case '--hub-user': args.hubUser = value(); break
      case '--hub-password': args.hubPassword = value(); break
      case '--help': case '-h': args.help = true; break
      default: throw new Error(`unknown option '${flag}'`)
    }
  }
  if (args.hubUrl !== undefined && !/^https?:\/\/.+/.test(args.hubUrl)) throw new Error(`--hub-url must be an http(s) URL, not '${args.hubUrl}'`)
  if (args.hubUrl !== undefined && (args.hubUser === undefined || args.hubPassword === undefined)) throw new Error('--hub-url needs --hub-user and --hub-password (or HUB_SAP_SIM_HUB_PASSWORD)')
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error(`--port must be a TCP port (0-65535), not '${args.port}'`)
  return args
}

async function main (argv: readonly string[]): Promise<number> {
  let args: SapSimArgs
  try { args = parseArgs(argv) } catch (err) {
    process.stderr.write(`sap-sim: ${(err as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (args.help) { process.stdout.write(USAGE + '\n'); return 0 }
  const partner = args.hubUrl !== undefined ? { url: args.hubUrl, user: args.hubUser!, password: args.hubPassword! } : undefined
  const sim = await startSapSimulator({ port: args.port, host: args.host, users: { [args.user]: args.password }, partner })
  process.stderr.write(`${new Date().toISOString()} [sap-sim] simulated SAP at ${sim.url} (user ${args.user})` +
    `${partner !== undefined ? `, sending IDocs to ${partner.url} as ${partner.user}` : ''}; Ctrl-C to stop\n`)
  const stop = (): void => { sim.close().then(() => process.exit(0), () => process.exit(1)) }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return -1
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { if (code >= 0) process.exit(code) }, (err: Error) => {
    process.stderr.write(`sap-sim: ${err.stack ?? err.message}\n`)
    process.exit(1)
  })
}
