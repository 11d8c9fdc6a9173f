#!/usr/bin/env node
// `node dist/hub/verify-audit.js [--config file] [--data-dir dir]`: walks the MES audit trail's hash chain in the
// store the hub's configuration names and says whether it is intact.
// Exit codes: 0 the chain verifies, 1 it is broken (the first broken record is printed), 2 the store or the
// configuration cannot be read.
import fs from 'node:fs'
import { loadConfig, type HubConfig } from './config'
import { mesSqliteFile, redactUrl } from '../mes/config'
import { openMesStore } from './mes-runtime'
import { verifyAuditTrail } from '../mes/audit-trail'
import { parseCommandLine } from './command-line'

const FLAG_KEYS: Record<string, string> = { '--data-dir': 'dataDir' }


const HELP = `Usage: node dist/hub/verify-audit.js [--config file] [--data-dir dir]
Verifies the hash chain of the MES audit trail in the store configured for the hub (mes.store: the SQLite file
in the data directory, or PostgreSQL at mes.postgresUrl). Settings come from the config file and the environment
as for npm start (HUB_CONFIG, HUB_DATA_DIR, HUB_MES_STORE, HUB_MES_POSTGRES_URL).
Exit codes: 0 intact, 1 broken (the first broken record is shown), 2 cannot read the configuration or the store.`

function where (config: HubConfig): string {
  return config.mes.store === 'postgres' ? `PostgreSQL ${redactUrl(config.mes.postgresUrl ?? '')}` : mesSqliteFile(config)
}

async function main (): Promise<number> {
  let config: HubConfig
  try {
    const args = parseCommandLine(process.argv.slice(2), FLAG_KEYS)
    if (args.help) {
      process.stdout.write(HELP + '\n')
      return 0
    }
    config = loadConfig({ file: args.file, overrides: args.overrides })
  } catch (err) {
    process.stderr.write(`verify-audit: ${(err as Error).message}\n`)
    return 2
  }
  if (config.mes.store === 'sqlite' && !fs.existsSync(mesSqliteFile(config))) {
    // Opening would create an empty store, and an empty chain would "verify": say plainly that there is none.
    process.stderr.write(`verify-audit: no MES store at ${mesSqliteFile(config)} (check --config / --data-dir)\n`)
    return 2
  }
  let opened
  try {
    opened = await openMesStore(config)
  } catch (err) {
    process.stderr.write(`verify-audit: cannot open the MES store (${where(config)}): ${(err as Error).message}\n`)
    return 2
  }
  try {
    const v = await verifyAuditTrail(opened.store)
    if (v.ok) {
      process.stdout.write(`audit trail OK: ${v.count} records, last hash ${v.lastHash} (${opened.description})\n`)
      return 0
    }
    process.stdout.write(`audit trail BROKEN at record ${v.brokenAt}: ${v.reason} (${opened.description})\n`)
    process.stdout.write(`${v.count} records before it verify.\n`)
    if (v.record !== null) {
      const r = v.record
      process.stdout.write(`record ${r.seq}: ${r.at} ${r.who} ${r.action} ${r.entity} ${r.entityId}\n` +
        `  old: ${r.oldValue ?? '-'}\n  new: ${r.newValue ?? '-'}\n  why: ${r.why ?? '-'}\n  prev hash: ${r.prevHash}\n  hash: ${r.hash}\n`)
    }
    return 1
  } catch (err) {
    process.stderr.write(`verify-audit: cannot read the audit trail (${where(config)}): ${(err as Error).message}\n`)
    return 2
  } finally {
    await opened.store.close()
  }
}

main().then((code) => { process.exitCode = code }, (err: Error) => {
  process.stderr.write(`verify-audit: ${err.stack ?? err.message}\n`)
  process.exitCode = 2
})
