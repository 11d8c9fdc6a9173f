// node-opcua writes its warnings and errors with console.log, in colour, from wherever it is; this sends them to
// the hub's logger instead. Its W27 notice (Node 20 needs --security-revert=CVE-2023-46809 for RSA PKCS#1 v1.5)
// concerns Basic128Rsa15 and Basic256 only, which the hub never offers: it goes to debug with that explanation.
// node-opcua checks for W27 as soon as it is loaded, before any hub logger exists: the route is installed when
// this module loads (import it before anything that loads node-opcua), and lines that come before the hub names
// its logger wait in a short buffer. node-opcua's loggers are global to the process: the first logger wins.
import { format } from 'node:util'
import { setErrorLogger, setWarningLogger } from 'node-opcua'
import type { Logger } from '../../core/logger'

const W27_NOTE = 'node-opcua notes that this Node version refuses RSA PKCS#1 v1.5 without --security-revert=CVE-2023-46809; ' +
  'that only concerns the legacy policies Basic128Rsa15 and Basic256, which the hub does not offer'
const MAX_EARLY_LINES = 50

let target: Logger | undefined
let w27Said = false
const early: Array<{ level: 'debug' | 'warn', text: string }> = []

function emit (level: 'debug' | 'warn', text: string): void {
  if (target !== undefined) target[level](text)
  else if (early.length < MAX_EARLY_LINES) early.push({ level, text })
}

setWarningLogger((_context: unknown, ...args: unknown[]) => {
  const text = format(...args)
  if (text.includes('NODE-OPCUA-W27') || text.includes('security-revert=CVE-2023-46809')) {
    if (!w27Said) emit('debug', W27_NOTE)
    w27Said = true
    return
  }
  emit('debug', `node-opcua: ${text}`)
})
setErrorLogger((_context: unknown, ...args: unknown[]) => { emit('warn', `node-opcua: ${format(...args)}`) })

/** Sends node-opcua's own log lines to `log`: warnings at debug level, errors at warn. */
export function routeNodeOpcuaLogs (log: Logger): void {
  if (target !== undefined) return
  target = log
  for (const line of early.splice(0)) log[line.level](line.text)
}
