// node-opcua writes its warnings and errors with console.log, process-wide. They go to the hub's log instead: its
// warnings at debug (they are about its internals), its errors as warnings. Two messages are known and harmless:
// NODE-OPCUA-W27 (Node 20 without --security-revert=CVE-2023-46809 cannot decrypt RSA PKCS#1 v1.5, which only the
// legacy policies Basic128Rsa15/Basic256 use, and the hub does not offer them) and the note that the nodesets carry
// no more data type dictionaries to read: both go to debug.
import { setErrorLogger, setWarningLogger } from 'node-opcua'
import { format } from 'node:util'
import type { Logger } from '../../../core/logger'

const HARMLESS = [/NODE-OPCUA-W27/, /--security-revert=CVE-2023-46809/, /Cannot process any more dataTypeDictionary/]

let sink: Logger | undefined

/** Routes node-opcua's output to `log` (the last caller wins: one hub per process in production). */
export function routeNodeOpcuaLog (log: Logger): void {
  sink = log
}

function text (args: unknown[]): string {
  // node-opcua passes its caller's { filename, callerline } first.
  const [first, ...rest] = args
  const where = typeof first === 'object' && first !== null && 'filename' in first ? `${String((first as { filename: unknown }).filename)}: ` : ''
  return where + format(...(where === '' ? args : rest))
}

setWarningLogger((...args: unknown[]) => sink?.debug(text(args)))
setErrorLogger((...args: unknown[]) => {
  const line = text(args)
  if (HARMLESS.some((re) => re.test(line))) sink?.debug(line)
  else sink?.warn(line)
})
