// The hub config's `mes` section: SQLite in the data directory by default, PostgreSQL when configured, clear
// refusals, and a store that cannot be opened stops the start without leaving the broker behind.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { helpText, loadConfig } from '../../hub/config'
import { mesSqliteFile } from '../../mes/config'
import { startHub } from '../../hub/hub'
import { createLogger } from '../../core/logger'
import { ValidationError } from '../../core/errors'
import { StoreError } from '../../mes/errors'
import { tempDir, testConfig } from '../support/hub-fixture'

describe('hub config: mes section', function () {
  it('defaults to SQLite in the data directory', function () {
    const dir = tempDir()
    const c = loadConfig({ env: {}, cwd: dir })
    assert.deepEqual(c.mes, { store: 'sqlite', staging: { trigger: 'dispatch', requiredToStart: false } })
    assert.equal(mesSqliteFile(c), path.join(dir, 'data', 'mes.sqlite'))
  })

  it('reads the store from the config file (paths relative to the file) and from HUB_MES_STORE / HUB_MES_POSTGRES_URL', function () {
    const dir = tempDir()
    const file = path.join(dir, 'hub.yaml')
    fs.writeFileSync(file, 'mes:\n  store: sqlite\n  sqliteFile: db/mes.db\n  overReportTolerancePct: 5\n')
    const c = loadConfig({ file, env: {}, cwd: '/' })
    assert.equal(mesSqliteFile(c), path.join(dir, 'db', 'mes.db'))
    assert.equal(c.mes.overReportTolerancePct, 5)
    const pg = loadConfig({ file, env: { HUB_MES_STORE: 'postgres', HUB_MES_POSTGRES_URL: 'postgres://mes:pw@db:5432/mes' }, cwd: '/' })
    assert.equal(pg.mes.store, 'postgres')
    assert.equal(pg.mes.postgresUrl, 'postgres://mes:pw@db:5432/mes')
  })

  it('refuses an unknown store and postgres without a URL, naming the setting', function () {
    assert.throws(() => loadConfig({ env: { HUB_MES_STORE: 'mysql' }, cwd: tempDir() }), (err: ValidationError) => {
      assert.match(err.message, /\/mes\/store: must be equal to one of the allowed values/)
      return true
    })
    assert.throws(() => loadConfig({ env: { HUB_MES_STORE: 'postgres' }, cwd: tempDir() }),
      /\/mes\/postgresUrl: required when mes.store is postgres: set mes.postgresUrl in the config file or HUB_MES_POSTGRES_URL/)
  })

  it('lists the MES settings in --help', function () {
    assert.match(helpText(), /HUB_MES_STORE\s+mes\.store/)
    assert.match(helpText(), /HUB_MES_POSTGRES_URL\s+mes\.postgresUrl/)
  })
})

describe('hub start with the MES', function () {
  it('opens the SQLite store in the data directory and says where', async function () {
    const lines: string[] = []
    const config = testConfig()
    const hub = await startHub(config, createLogger('info', 'hub', (l) => { lines.push(l) }))
    try {
      assert.ok(hub.mes.mes)
      assert.ok(fs.existsSync(path.join(config.dataDir, 'mes.sqlite')))
      assert.ok(lines.some((l) => l.includes(`MES store: SQLite ${path.join(config.dataDir, 'mes.sqlite')}`)), lines.join('\n'))
    } finally {
      await hub.stop()
    }
  })

  it('stops the start when PostgreSQL cannot be reached, without the password, and frees the data directory', async function () {
    const config = testConfig(undefined, (c) => { c.mes = { store: 'postgres', postgresUrl: 'postgres://mes:s3cret-pw@127.0.0.1:1/mes' } })
    await assert.rejects(startHub(config, createLogger('error', 'hub', () => {})), (err: Error) => {
      assert.ok(err instanceof StoreError, String(err))
      assert.match(err.message, /postgres:\/\/mes:\*\*\*@127\.0\.0\.1:1\/mes: cannot connect to PostgreSQL/)
      assert.doesNotMatch(err.message, /s3cret-pw/)
      return true
    })
    // The broker was closed: the same data directory can be used at once.
    const again = await startHub(testConfig(config.dataDir), createLogger('error', 'hub', () => {}))
    await again.stop()
  })
})
