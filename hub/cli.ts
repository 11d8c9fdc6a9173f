#!/usr/bin/env node
// `npm start`: parse flags, load the configuration, start the hub, stop it cleanly on SIGINT/SIGTERM.
// Exit codes: 0 clean stop, 1 runtime failure, 2 invalid configuration or plant model.
import { helpText, loadConfig } from './config'
import { HubError, ValidationError } from '../core/errors'
import { createLogger } from '../core/logger'
import { startHub } from './hub'
import { parseCommandLine } from './command-line'

const FLAG_KEYS: Record<string, string> = { '--data-dir': 'dataDir', '--plant-model': 'plantModel' }


async function main (): Promise<number> {
  let args
  try {
    args = parseCommandLine(process.argv.slice(2), FLAG_KEYS)
  } catch (err) {
    process.stderr.write(`isa95-hub: ${(err as Error).message}\n`)
    return 2
  }
  if (args.help) {
    process.stdout.write(helpText() + '\n')
    return 0
  }

  let config
  try {
    config = loadConfig({ file: args.file, overrides: args.overrides })
  } catch (err) {
    process.stderr.write(`isa95-hub: invalid configuration: ${(err as Error).message}\n`)
    return 2
  }
  const log = createLogger(config.logLevel)

  // Signal handlers first: a Ctrl-C or SIGTERM that arrives while the hub is still starting is kept and acted on as
  // soon as start-up is over, instead of killing the process halfway (and 'hub ready' is only printed once a
  // signal is sure to be handled).
  let pending: string | undefined
  let onSignal = (signal: string): void => {
    if (pending === undefined) log.info(`${signal}: stopping as soon as start-up is over`)
    pending ??= signal
  }
  process.on('SIGINT', () => onSignal('SIGINT'))
  process.on('SIGTERM', () => onSignal('SIGTERM'))

  let hub
  try {
    hub = await startHub(config, log)
  } catch (err) {
    if (err instanceof ValidationError || (err instanceof HubError && /^(PLANT_MODEL|CONFIG)/.test(err.code))) {
      process.stderr.write(`isa95-hub: cannot start: ${err.message}\n`)
      return 2
    }
    log.error(`cannot start: ${(err as Error).message}`)
    return 1
  }
  const running = hub

  return new Promise<number>((resolve) => {
    let signalled = false
    const shutdown = (signal: string): void => {
      if (signalled) {
        log.warn(`${signal} again: exiting without waiting`)
        return resolve(1)
      }
      signalled = true
      log.info(`${signal}: shutting down (at most ${config.shutdownTimeoutMs / 1000} s)`)
      const timer = setTimeout(() => {
        log.error(`shutdown did not finish within ${config.shutdownTimeoutMs / 1000} s: exiting anyway`)
        resolve(1)
      }, config.shutdownTimeoutMs)
      timer.unref()
      running.stop().then(() => {
        clearTimeout(timer)
        log.info('stopped cleanly')
        resolve(0)
      }, (err: Error) => {
        log.error(`shutdown failed: ${err.message}`)
        resolve(1)
      })
    }
    const password = running.editor?.credentials.generatedPassword
    if (password) {
      process.stdout.write([
        '',
        '  ┌──────────────────────────────────────────────────────────────────────┐',
        '  │ First start: the Node-RED editor login was created.                  │',
        `  │   user: admin    password: ${password.padEnd(42)}│`,
        '  │ It is shown only this once; only its hash is stored in the data dir. │',
        '  │ To choose users yourself, set editor.users in isa95-hub.yaml.        │',
        '  └──────────────────────────────────────────────────────────────────────┘',
        ''
      ].join('\n') + '\n')
    }
    onSignal = shutdown
    if (pending !== undefined) return shutdown(pending)
    log.info('hub ready (Ctrl-C to stop)')
  })
}

main().then((code) => process.exit(code), (err: Error) => {
  process.stderr.write(`isa95-hub: unexpected failure: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
