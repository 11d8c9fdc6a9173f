// The editor login. Configured users (editor.users) win; otherwise the hub keeps one 'admin' account whose
// password it generates on first start, prints once, and stores only as a bcrypt hash in the data directory.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { EditorUser } from './own-config'
import { generatePassword, hashPassword } from '../core/passwords'

export interface EditorCredentials {
  users: EditorUser[]
  /** Set only on the start that created the password: the one time it is shown. */
  generatedPassword?: string
  file?: string
}

const FILE_NAME = 'editor-admin.json'

export async function ensureEditorCredentials (dataDir: string, configured: readonly EditorUser[]): Promise<EditorCredentials> {
  if (configured.length > 0) return { users: [...configured] }
  const file = path.join(dataDir, FILE_NAME)
  if (fs.existsSync(file)) {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { username: string, passwordHash: string }
    return { users: [{ username: stored.username, passwordHash: stored.passwordHash, permissions: '*' }], file }
  }
  const password = generatePassword()
  const record = { username: 'admin', passwordHash: await hashPassword(password), createdAt: new Date().toISOString() }
  fs.mkdirSync(dataDir, { recursive: true })
  fs.writeFileSync(file, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 })
  return { users: [{ username: 'admin', passwordHash: record.passwordHash, permissions: '*' }], generatedPassword: password, file }
}

/** Node-RED encrypts flow credentials with this; kept beside the flows so a restart can read them. */
export function ensureCredentialSecret (dataDir: string): string {
  const file = path.join(dataDir, 'credential-secret')
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim()
  const secret = crypto.randomBytes(32).toString('hex')
  fs.mkdirSync(dataDir, { recursive: true })
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 })
  return secret
}
