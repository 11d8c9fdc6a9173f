// `npm run opcua -- certificates` lists the client certificates the OPC UA server refused (rejected/ of the store
// in the data directory); `npm run opcua -- trust <thumbprint>` trusts one. Works while the hub runs: the server
// watches its trusted folder. Takes the hub's --config / --data-dir, like `npm start`.
import { loadConfig } from './config'
import { parseCommandLine } from './command-line'
import { pkiFolder, rejectedCertificates, trustCertificate } from '../adapters/opcua/server/certificates'

const USAGE = [
  'Usage: npm run opcua -- certificates [--data-dir <dir>] [--config <file>]',
  '       npm run opcua -- trust <thumbprint> [--data-dir <dir>] [--config <file>]'
].join('\n')

async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  const thumbprint = command === 'trust' && rest[0] !== undefined && !rest[0].startsWith('--') ? rest.shift() : undefined
  let args
  try {
    args = parseCommandLine(rest, { '--data-dir': 'dataDir' })
  } catch (err) {
    process.stderr.write(`opcua: ${(err as Error).message}\n${USAGE}\n`)
    return 2
  }
  const config = loadConfig({ file: args.file, overrides: args.overrides })
  if (command === 'certificates') {
    const list = rejectedCertificates(config.dataDir)
    if (list.length === 0) {
      process.stdout.write(`no rejected OPC UA client certificates in ${pkiFolder(config.dataDir)}\n`)
      return 0
    }
    for (const c of list) {
      process.stdout.write(`${c.thumbprint}  ${new Date(c.firstSeen).toISOString()}  ${c.subject}${c.applicationUri ? `  ${c.applicationUri}` : ''}\n`)
    }
    process.stdout.write(`\ntrust one with: npm run opcua -- trust <thumbprint>\n`)
    return 0
  }
  if (command === 'trust' && thumbprint !== undefined) {
    const c = await trustCertificate(config.dataDir, thumbprint)
    process.stdout.write(`trusted ${c.subject} [${c.thumbprint}]: its next connection is accepted\n`)
    return 0
  }
  process.stderr.write(`${USAGE}\n`)
  return 2
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err: Error) => {
  process.stderr.write(`opcua: ${err.message}\n`)
  process.exit(1)
})
