#!/usr/bin/env node
// node dist/sim/cli.js [--url mqtt://127.0.0.1:1883] [--rate N] [--primary-host ID] [--username U --password P]
//   [--opcua-port N | --no-opcua]
// Drives the demo plant's Sparkplug edge nodes against a hub (or any MQTT server), and runs assembly line A as an
// OPC UA server for the hub's collector. Ctrl-C: NDEATH, DISCONNECT, the OPC UA server shut down, exit 0.
import { DemoPlantSimulator } from './demo-plant-simulator'

/** The port plant/demo-plant.yaml binds assembly line A's OPC UA server to. */
export const DEFAULT_OPCUA_STATION_PORT = 4841

export interface SimulatorArgs {
  url: string
  rate: number
  primaryHostId?: string
  username?: string
  password?: string
  /** The OPC UA station server's port; undefined: not started (--no-opcua). */
  opcuaPort: number | undefined
  help: boolean
}

const USAGE = `usage: node dist/sim/cli.js [options]
  --url URL            MQTT server (default mqtt://127.0.0.1:1883, or HUB_SIM_URL)
  --rate N             simulation ticks per second (default 1)
  --primary-host ID    wait for this Sparkplug primary host application's STATE online before the births
  --username U         MQTT username (default: anonymous); --password P (or HUB_SIM_PASSWORD)
  --opcua-port N       port of assembly line A's OPC UA server (default ${DEFAULT_OPCUA_STATION_PORT}, as plant/demo-plant.yaml binds it)
  --no-opcua           do not start the OPC UA server
  --help               this text`

/** Parses the command line; throws an Error whose message is meant for the user. */
export function parseArgs (argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SimulatorArgs {
  const args: SimulatorArgs = { url: env.HUB_SIM_URL ?? 'mqtt://127.0.0.1:1883', rate: 1, help: false, password: env.HUB_SIM_PASSWORD, opcuaPort: DEFAULT_OPCUA_STATION_PORT }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new Error(`${flag} needs a value`)
      return v
    }
    switch (flag) {
      case '--url': args.url = value(); break
      case '--rate': {
        const v = value()
        const n = Number(v)
        if (!Number.isFinite(n) || n <= 0 || n > 100) throw new Error(`--rate must be a number of ticks per second in (0, 100], not '${v}'`)
        args.rate = n
        break
      }
      case '--primary-host': args.primaryHostId = value(); break
      case '--username': args.username = value(); break
      case '--password': args.password = value(); break
      case '--opcua-port': {
        const v = value()
        const n = Number(v)
        if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--opcua-port must be a TCP port (1-65535), not '${v}'`)
        args.opcuaPort = n
        break
      }
      case '--no-opcua': args.opcuaPort = undefined; break
      case '--help': case '-h': args.help = true; break
      default: throw new Error(`unknown option '${a}'`)
    }
  }
  if (!/^(mqtts?|wss?|tcp):\/\//.test(args.url)) throw new Error(`--url must be an mqtt://, mqtts://, ws:// or wss:// URL, not '${args.url}'`)
  return args
}

function logLine (line: string): void {
  process.stderr.write(`${new Date().toISOString()} [sim] ${line}\n`)
}

export async function main (argv: readonly string[]): Promise<number> {
  let args: SimulatorArgs
  try {
    args = parseArgs(argv)
  } catch (err) {
    process.stderr.write(`isa95-hub simulator: ${(err as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  const sim = new DemoPlantSimulator({
    url: args.url,
    rate: args.rate,
    primaryHostId: args.primaryHostId,
    mqtt: args.username ? { username: args.username, password: args.password } : undefined,
    log: logLine
  })
  // Loaded only when wanted: node-opcua takes a second or two to load.
  let station: import('./opcua-station').OpcUaStation | undefined
  if (args.opcuaPort !== undefined) {
    const { OpcUaStation } = require('./opcua-station') as typeof import('./opcua-station')
    station = new OpcUaStation({ port: args.opcuaPort, rate: args.rate, log: logLine })
  }
  let stopping: Promise<void> | undefined
  const stop = (signal: string): void => {
    if (stopping) return
    logLine(`${signal}: stopping (NDEATH, DISCONNECT)`)
    stopping = Promise.all([sim.stop(), station?.stop()]).then(() => {
      logLine('stopped cleanly')
      process.exit(0)
    }, (err: Error) => {
      logLine(`error while stopping: ${err.message}`)
      process.exit(1)
    })
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  try {
    await sim.start()
    await station?.start()
  } catch (err) {
    logLine(`cannot start: ${(err as Error).message}`)
    return 1
  }
  logLine('simulator running (Ctrl-C to stop)')
  return -1 // keeps running until a signal
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { if (code >= 0) process.exit(code) }, (err: Error) => {
    process.stderr.write(`isa95-hub simulator: ${err.stack ?? err.message}\n`)
    process.exit(1)
  })
}
