#!/usr/bin/env node
// npm run sap-sim -- [--port 8000] [--host 127.0.0.1] [--user HUB_RFC --password sap-sim]
// Runs the simulated SAP for the demo and for trying the adapter by hand: OData under /sap/opu/odata/sap/..., IDoc
// inbound at /sap/bc/idoc_xml and /sap/bc/srt/idoc, control at POST /sim/control, inspection at GET /sim/received.
// Note: {"mode":"down"} closes the port, so /sim/control is gone too: give "forMs" to come back by itself.
import { DEFAULT_USERS, startSapSimulator } from './simulator'

const USAGE = `usage: npm run sap-sim -- [options]
  --port N          TCP port (default 8000, or HUB_SAP_SIM_PORT)
  --host H          address to listen on (default 127.0.0.1)
  --user U          the login SAP accepts (default ${Object.keys(DEFAULT_USERS)[0]}); --password P (default ${Object.values(DEFAULT_USERS)[0]}, or HUB_SAP_SIM_PASSWORD)
  --help            this text`

export interface SapSimArgs { port: number, host: string, user: string, password: string, help: boolean }

export function parseArgs (argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SapSimArgs {
  const args: SapSimArgs = { port: Number(env.HUB_SAP_SIM_PORT ?? 8000), host: '127.0.0.1', user: Object.keys(DEFAULT_USERS)[0]!, password: env.HUB_SAP_SIM_PASSWORD ?? Object.values(DEFAULT_USERS)[0]!, help: false }
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
      case '--help': case '-h': args.help = true; break
      default: throw new Error(`unknown option '${flag}'`)
    }
  }
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
  const sim = await startSapSimulator({ port: args.port, host: args.host, users: { [args.user]: args.password } })
  process.stderr.write(`${new Date().toISOString()} [sap-sim] simulated SAP at ${sim.url} (user ${args.user}); Ctrl-C to stop\n`)
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
