// The audit-trail verify command as a user runs it (`node dist/hub/verify-audit.js --config file`), against the
// store the config names: SQLite in npm test, PostgreSQL in test:system (mes-postgres.system.test.ts).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { forEachStore, sampleOrder, ERP, SUPERVISOR } from '../mes/stores'
import { tempDir } from '../support/hub-fixture'

const COMMAND = path.join(__dirname, '..', '..', 'hub', 'verify-audit.js')

function verify (args: string[], env: Record<string, string> = {}): { status: number | null, stdout: string, stderr: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HUB_')))
  const r = spawnSync(process.execPath, [COMMAND, ...args], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 20000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function writeConfig (mes: unknown): string {
  const dir = tempDir('verify-audit-')
  const file = path.join(dir, 'isa95-hub.yaml')
  fs.writeFileSync(file, YAML.stringify({ dataDir: path.join(dir, 'data'), mes }))
  return file
}

forEachStore('verify-audit command', (ctx) => {
  async function someHistory (): Promise<void> {
    const { mes } = ctx()
    await mes.workOrders.create(sampleOrder('1000'), ERP)
    await mes.workOrders.release('1000', SUPERVISOR)
    const job = await mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR)
    await mes.wip.apply({ jobId: job!.jobId, event: 'start', who: 'op.oscar' })
    await mes.wip.apply({ jobId: job!.jobId, event: 'report', who: 'op.oscar', good: 10 })
  }

  it('says OK with the number of records and the last hash, exit 0', async function () {
    await someHistory()
    const v = await ctx().mes.audit.verify()
    assert.equal(v.ok, true)
    const r = verify(['--config', writeConfig(ctx().kind.hubConfig())])
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout.trim().split('\n')[0]!.replace(/ \(.*\)$/, ''), `audit trail OK: ${v.count} records, last hash ${v.ok ? v.lastHash : ''}`)
  })

  it('names the first altered record, exit 1', async function () {
    await someHistory()
    await ctx().store.transaction(async (tx) => { await tx.run(`UPDATE audit_trail SET who = 'mallory' WHERE seq = 3`) })
    const r = verify(['--config', writeConfig(ctx().kind.hubConfig())])
    assert.equal(r.status, 1, r.stderr)
    assert.match(r.stdout, /audit trail BROKEN at record 3: record 3 was altered: its content does not match its hash/)
    assert.match(r.stdout, /2 records before it verify/)
    assert.match(r.stdout, /record 3: \S+ mallory /)
  })

  it('notices records removed from the end, exit 1', async function () {
    await someHistory()
    await ctx().store.transaction(async (tx) => { await tx.run('DELETE FROM audit_trail WHERE seq = (SELECT MAX(seq) FROM audit_trail)') })
    const r = verify(['--config', writeConfig(ctx().kind.hubConfig())])
    assert.equal(r.status, 1, r.stderr)
    assert.match(r.stdout, /records were removed from the end/)
  })
})

describe('verify-audit command: what it cannot read', function () {
  it('refuses a data directory without an MES store instead of creating an empty one, exit 2', function () {
    const dir = tempDir('verify-audit-')
    const r = verify(['--data-dir', dir])
    assert.equal(r.status, 2)
    assert.match(r.stderr, new RegExp(`no MES store at ${path.join(dir, 'mes.sqlite').replace(/[/.]/g, '\\$&')}`))
    assert.equal(fs.existsSync(path.join(dir, 'mes.sqlite')), false)
  })

  it('reports an unreachable PostgreSQL without its password, exit 2', function () {
    const r = verify(['--data-dir', tempDir()], { HUB_MES_STORE: 'postgres', HUB_MES_POSTGRES_URL: 'postgres://mes:s3cret-pw@127.0.0.1:1/mes' })
    assert.equal(r.status, 2)
    assert.match(r.stderr, /cannot open the MES store \(PostgreSQL postgres:\/\/mes:\*\*\*@127\.0\.0\.1:1\/mes\)/)
    assert.doesNotMatch(r.stderr + r.stdout, /s3cret-pw/)
  })

  it('refuses mes.store postgres without a URL, naming the setting, exit 2', function () {
    const r = verify(['--data-dir', tempDir()], { HUB_MES_STORE: 'postgres' })
    assert.equal(r.status, 2)
    assert.match(r.stderr, /\/mes\/postgresUrl: required when mes.store is postgres/)
  })
})
