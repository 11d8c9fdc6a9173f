// A small leveled logger: one line per event, component-tagged, for people reading a terminal or a journal.
// Secrets never reach it: callers pass usernames and topics, never passwords or payloads.
export type LogLevel = 'error' | 'warn' | 'info' | 'debug'
const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 }

export interface Logger {
  error (msg: string): void
  warn (msg: string): void
  info (msg: string): void
  debug (msg: string): void
  child (component: string): Logger
}

export function createLogger (level: LogLevel = 'info', component = 'hub',
  write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Logger {
  const max = ORDER[level]
  const emit = (lvl: LogLevel, msg: string): void => {
    if (ORDER[lvl] <= max) write(`${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} [${component}] ${msg}`)
  }
  return {
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (m) => emit('debug', m),
    child: (c) => createLogger(level, c, write)
  }
}

export const silentLogger: Logger = { error () {}, warn () {}, info () {}, debug () {}, child: () => silentLogger }
