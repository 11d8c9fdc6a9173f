import assert from 'node:assert/strict'
import fs from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { tempDir } from '../support/hub-fixture'
import { freePort, spawnHub, type ChildHub } from '../support/child-hub'

// The editor as a person meets it, in Debian's Chromium: the login page, a wrong and a right password, then the
// hub's palette category with its nodes and the shipped demo flow.
const CHROMIUM = '/usr/bin/chromium'

describe('editor in a real browser', function () {
  this.timeout(120000)
  let hub: ChildHub
  let browser: Browser
  let url: string
  let password: string

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the browser tests need it)`)
    const editorPort = await freePort()
    hub = spawnHub(process.execPath, ['dist/hub/cli.js'], {
      HUB_DATA_DIR: tempDir('hub-browser-'),
      HUB_MQTT_PORT: String(await freePort()),
      HUB_MQTT_WS_PORT: String(await freePort()),
      HUB_EDITOR_PORT: String(editorPort)
    })
    password = (await hub.waitFor(/user: admin\s+password: (\S+)/))[1]
    await hub.waitFor(/hub ready/)
    url = `http://127.0.0.1:${editorPort}/`
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
    })
  })

  after(async function () {
    await browser?.close()
    hub?.signal('SIGTERM')
    await hub?.groupGone()
  })

  it('shows a login form, refuses a wrong password, and opens the editor with the isa95 hub palette after the right one', async function () {
    const page = await browser.newPage()
    await page.goto(url)
    await page.waitForSelector('#node-dialog-login-username', { state: 'visible' })
    assert.equal(await page.title(), 'isa95-hub')

    await page.fill('#node-dialog-login-username', 'admin')
    await page.fill('#node-dialog-login-password', 'not-the-password')
    await page.click('#node-dialog-login-submit')
    await page.waitForSelector('#node-dialog-login-failed', { state: 'visible' })

    await page.fill('#node-dialog-login-password', password)
    await page.click('#node-dialog-login-submit')
    await page.waitForSelector('#red-ui-palette-isa95_hub [data-palette-type="uns out"]', { state: 'attached', timeout: 20000 })
    const types = await page.$$eval('#red-ui-palette-isa95_hub [data-palette-type]', (els) => els.map((e) => e.getAttribute('data-palette-type')))
    for (const t of ['uns in', 'uns out', 'work order', 'dispatch', 'wip', 'confirmation']) {
      assert.ok(types.includes(t), `'${t}' is in the isa95 hub palette (${types.join(', ')})`)
    }
    await page.waitForSelector('text=Demo plant')
    assert.equal(await page.locator('text=Enable Update Notifications').count(), 0, 'no phone-home prompt')
    await page.close()
  })
})
