// The thread that checks passwords against bcrypt hashes for broker/password-checker.ts: about 70 ms of CPU per
// check with bcryptjs, which on the event loop would stall every client's messages while it runs.
import { parentPort } from 'node:worker_threads'
import bcrypt from 'bcryptjs'

export interface CheckRequest { id: number, password: Uint8Array, hash: string }
export interface CheckAnswer { id: number, matches: boolean, error?: string }

parentPort?.on('message', (req: CheckRequest) => {
  let answer: CheckAnswer
  try {
    answer = { id: req.id, matches: bcrypt.compareSync(Buffer.from(req.password).toString('utf8'), req.hash) }
  } catch (err) {
    answer = { id: req.id, matches: false, error: (err as Error).message }
  }
  parentPort!.postMessage(answer)
})
