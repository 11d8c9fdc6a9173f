// The OPC UA certificate store: `<dataDir>/opcua/pki` (node-opcua's layout: own/, trusted/, rejected/, issuers/).
// A client certificate the server has not seen lands in rejected/; `npm run opcua -- certificates` lists those and
// `npm run opcua -- trust <thumbprint>` moves one to trusted/, where the running server sees it (node-opcua watches
// the trusted folder). The server also lists the rejected ones on the UNS, retained, under
// `$hub/opcua/certificates/rejected/<thumbprint>`.
import { X509Certificate } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { OPCUACertificateManager } from 'node-opcua'
import '../node-opcua-log'
import { HubError } from '../../../core/errors'

export const REJECTED_TOPIC_ROOT = '$hub/opcua/certificates/rejected'

export function pkiFolder (dataDir: string): string {
  return path.join(dataDir, 'opcua', 'pki')
}

export interface RejectedCertificate {
  /** SHA-1 of the DER certificate, hex, lower case (what UaExpert and `openssl x509 -fingerprint` show, without colons). */
  readonly thumbprint: string
  readonly subject: string
  readonly applicationUri: string | undefined
  /** When the server first refused it (the file's time), epoch ms. */
  readonly firstSeen: number
  readonly file: string
}

export function certificateManager (dataDir: string): OPCUACertificateManager {
  return new OPCUACertificateManager({ rootFolder: pkiFolder(dataDir), automaticallyAcceptUnknownCertificate: false })
}

/** The certificates in rejected/, oldest first. */
export function rejectedCertificates (dataDir: string): RejectedCertificate[] {
  const folder = path.join(pkiFolder(dataDir), 'rejected')
  let names: string[]
  try {
    names = fs.readdirSync(folder)
  } catch {
    return []
  }
  const out: RejectedCertificate[] = []
  for (const name of names) {
    if (!/\.(pem|der)$/i.test(name)) continue
    const file = path.join(folder, name)
    try {
      const cert = readCertificateFile(file)
      const uri = /URI:([^,]+)/.exec(cert.subjectAltName ?? '')?.[1]
      out.push({
        thumbprint: cert.fingerprint.replace(/:/g, '').toLowerCase(),
        subject: cert.subject.replace(/\n/g, ', '),
        applicationUri: uri,
        firstSeen: fs.statSync(file).mtimeMs,
        file
      })
    } catch {
      // a file being written, or not a certificate: not listed
    }
  }
  return out.sort((a, b) => a.firstSeen - b.firstSeen)
}

/** Moves a rejected certificate to trusted/ (by its thumbprint, or a unique prefix of it of 8 or more characters). */
export async function trustCertificate (dataDir: string, thumbprint: string): Promise<RejectedCertificate> {
  const wanted = thumbprint.toLowerCase().replace(/[^0-9a-f]/g, '')
  const rejected = rejectedCertificates(dataDir)
  const matches = wanted.length >= 8 ? rejected.filter((c) => c.thumbprint.startsWith(wanted)) : []
  if (matches.length !== 1) {
    throw new HubError('OPCUA_CERTIFICATE_UNKNOWN',
      matches.length === 0 ? `no rejected certificate with thumbprint '${thumbprint}'` : `'${thumbprint}' matches ${matches.length} rejected certificates`,
      { source: path.join(pkiFolder(dataDir), 'rejected') }, 'list them with `npm run opcua -- certificates` and give the whole thumbprint')
  }
  const cert = matches[0]!
  const cm = certificateManager(dataDir)
  await cm.initialize()
  try {
    await cm.trustCertificate(readCertificateFile(cert.file).raw)
  } finally {
    await cm.dispose()
  }
  // node-opcua copies it to trusted/; the rejected copy goes, so that the list shows what is still waiting.
  fs.rmSync(cert.file, { force: true })
  return cert
}

/** The first certificate of a PEM or DER file (node-opcua writes the client's chain as PEM). */
function readCertificateFile (file: string): X509Certificate {
  return new X509Certificate(fs.readFileSync(file))
}
