// `npm run hash-password`: reads a password on stdin (typed or piped) and prints its bcrypt hash for
// isa95-hub.yaml (mqtt.accounts[].passwordHash, editor.users[].passwordHash). The password is never echoed.
import { hashPassword } from '../core/passwords'

async function readStdin (): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password: ')
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

readStdin().then(async (password) => {
  if (!password) {
    process.stderr.write('hash-password: no password on stdin (try: echo -n "secret" | npm run --silent hash-password)\n')
    process.exit(2)
  }
  process.stdout.write((await hashPassword(password)) + '\n')
}, (err: Error) => {
  process.stderr.write(`hash-password: ${err.message}\n`)
  process.exit(1)
})
