// Passwords are kept only as bcrypt hashes: the format Node-RED's adminAuth expects, so one hash tool serves the
// editor users and the MQTT accounts alike.
import crypto from 'node:crypto'
import bcrypt from 'bcryptjs'

export const BCRYPT_ROUNDS = 10

/** A bcrypt hash ($2a$/$2b$/$2y$, cost, 53 characters of salt and hash), as the config file's schema accepts it. */
export const BCRYPT_HASH_PATTERN = '^\\$2[aby]\\$\\d\\d\\$.{53}$'

export function hashPassword (password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_ROUNDS)
}

export function verifyPassword (password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash)
}

/** A password for a person to type once and store in a password manager: 20 chars, ~119 bits. */
export function generatePassword (): string {
  return crypto.randomBytes(15).toString('base64url')
}
