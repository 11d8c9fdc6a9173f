// node-opcua writes its warnings and errors with console.log, in colour, process-wide; this sends them to the hub's
// logger instead: its warnings at debug (they are about its internals), its errors as warnings. Two messages are
// known and harmless and go to debug: NODE-OPCUA-W27 (Node 20 refuses RSA PKCS#1 v1.5 without
// --security-revert=CVE-2023-46809, which concerns only Basic128Rsa15 and Basic256, never offered by the hub) and
// the note that the nodesets carry no more data type dictionaries to read. node-opcua checks for W27 as soon as it is
// loaded, before any hub logger exists: the route is installed when this module loads (import it before anything
// that loads node-opcua), and lines that come before a logger is named wait in a short buffer. node-opcua's loggers
// are global to the process: the last hub to start names the logger (one hub per process in production).
import { format } from 'node:util'
import { setErrorLogger, setWarningLogger } from 'node-opcua'
import type { Logger } from '../../core/logger'

const W27_NOTE = 'node-opcua notes that this Node version refuses RSA PKCS#1 v1.5 without --security-revert=CVE-2023-46809; ' +
  'that only concerns the legacy policies Basic128Rsa15 and Basic256, which the hub does not offer'
const HARMLESS = [/Cannot process any more dataTypeDictionary/]
const MAX_EARLY_LINES = 50

let target: Logger | undefined
let w27Said = false
const early: Array<{ level: 'debug' | 'warn', text: string }> = []

function emit (level: 'debug' | 'warn', text: string): void {
  if (target !== undefined) target[level](text)
  else if (early.length < MAX_EARLY_LINES) early.push({ level, text })
}

/** node-opcua passes its caller's { filename, callerline } first. */
function lineOf (args: unknown[]): string {
  const [first, ...rest] = args
  const where = typeof first === 'object' && first !== null && 'filename' in first ? `${String((first as { filename: unknown }).filename)}: ` : ''
  return `node-opcua: ${where}${format(...(where === '' ? args : rest))}`
}

function isW27 (text: string): boolean {
  return text.includes('NODE-OPCUA-W27') || text.includes('security-revert=CVE-2023-46809')
}

setWarningLogger((...args: unknown[]) => {
  const text = lineOf(args)
  if (isW27(text)) {
    if (!w27Said) emit('debug', W27_NOTE)
    w27Said = true
    return
  }
  emit('debug', text)
})
setErrorLogger((...args: unknown[]) => {
  const text = lineOf(args)
  if (isW27(text)) return
  emit(HARMLESS.some((re) => re.test(text)) ? 'debug' : 'warn', text)
})

/** Sends node-opcua's own log lines to `log` (the lines it wrote before any logger was named first). */
export function routeNodeOpcuaLogs (log: Logger): void {
  target = log
  for (const line of early.splice(0)) log[line.level](line.text)
}
