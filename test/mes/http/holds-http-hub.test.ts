// The holds routes in the running hub (a child process), behind Node-RED's login: editor users whose permissions
// name quality.hold place and release holds; a user with mes.read and mes.write only is refused 403 in the MES
// error shape; the plant model decides which work units can be held.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { demoOrder } from '../hub-stores'
import { hashPassword } from '../../../core/passwords'
import { tempDir } from '../../support/hub-fixture'
import { client } from '../../support/mes-api'
import { freePort, spawnHub, PROJECT_ROOT, type ChildHub } from '../../support/child-hub'

describe('MES HTTP API: holds in the running hub', function () {
  this.timeout(120000)
  const dir = tempDir('hub-holds-api-')
  const users = { planner: 'planner-pw-1', qa: 'qa-pw-1' }
  let hub: ChildHub
  let root: string
  let base: string

  before(async function () {
    const ports = { mqtt: await freePort(), ws: await freePort(), editor: await freePort() }
    fs.writeFileSync(path.join(dir, 'isa95-hub.yaml'), YAML.stringify({
      editor: {
        users: [
          { username: 'planner', passwordHash: await hashPassword(users.planner), permissions: ['mes.read', 'mes.write'] },
          { username: 'qa', passwordHash: await hashPassword(users.qa), permissions: ['mes.read', 'quality.hold'] }
        ]
      }
    }))
    hub = spawnHub(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'hub', 'cli.js')], {
      HUB_CONFIG: path.join(dir, 'isa95-hub.yaml'),
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_MQTT_PORT: String(ports.mqtt),
      HUB_MQTT_WS_PORT: String(ports.ws),
      HUB_EDITOR_PORT: String(ports.editor),
      HUB_SPARKPLUG_ENABLED: 'false'
    })
    await hub.waitFor(/hub ready/)
    root = (await hub.waitFor(/MES HTTP API at (\S+)/))[1]!
    base = `http://127.0.0.1:${ports.editor}`
  })

  after(async function () {
    if (hub !== undefined && hub.proc.exitCode === null) hub.signal('SIGKILL')
    await hub?.groupGone()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  async function bearer (username: keyof typeof users, scope: string): Promise<Record<string, string>> {
    const res = await fetch(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password: users[username] })
    })
    assert.equal(res.status, 200, await res.clone().text())
    return { authorization: `Bearer ${(await res.json() as { access_token: string }).access_token}` }
  }

  it('a quality engineer with quality.hold holds and releases; a planner with mes.write only is refused 403', async function () {
    const planner = client(root, await bearer('planner', 'mes.read mes.write'))
    const qa = client(root, await bearer('qa', 'mes.read quality.hold'))
    assert.equal((await planner.post('/work-orders', demoOrder('8201'))).status, 201)
    assert.equal((await planner.post('/work-orders/8201/release')).status, 200)

    const refused = await planner.post('/holds', { target: { kind: 'order', id: '8201' }, reason: 'I hold it' })
    assert.equal(refused.status, 403, refused.text)
    assert.equal(refused.body.error.code, 'HTTP_FORBIDDEN')
    assert.match(refused.body.error.message, /does not have the quality\.hold permission/)

    const placed = await qa.post('/holds', { holdId: 'QN-8201', target: { kind: 'order', id: '8201' }, reason: 'first article pending' })
    assert.equal(placed.status, 201, placed.text)
    assert.equal(placed.body.placedBy, 'qa')
    const job = await planner.post('/work-centers/PRESSL1/dispatch', { workUnit: 'PRESS01' })
    assert.equal(job.status, 204, 'the held order is off the dispatch list: nothing is ready')
    assert.equal((await planner.post('/holds/QN-8201/release', { why: 'mine now' })).status, 403)
    assert.equal((await qa.post('/work-orders/8201/hold', { why: 'x' })).status, 403, 'quality.hold is not mes.write')

    const unit = await qa.post('/holds', { holdId: 'CAL-1', target: { kind: 'work-unit', id: 'PRESS01' }, reason: 'die calibration' })
    assert.equal(unit.status, 201, unit.text)
    const notInModel = await qa.post('/holds', { target: { kind: 'work-unit', id: 'PRESS99' }, reason: 'x' })
    assert.deepEqual([notInModel.status, notInModel.body.error.code], [404, 'MES_HOLD_TARGET'])

    assert.equal((await qa.post('/holds/QN-8201/release', { why: 'first article approved' })).status, 200)
    const onHeldUnit = await planner.post('/work-centers/PRESSL1/dispatch', { workUnit: 'PRESS01' })
    assert.equal(onHeldUnit.status, 409, onHeldUnit.text)
    assert.equal(onHeldUnit.body.error.code, 'MES_DISPATCH_REFUSED')
    assert.match(onHeldUnit.body.error.message, /work unit PRESS01 is held \(hold CAL-1 by qa: die calibration\)/)
    assert.equal((await planner.post('/work-centers/PRESSL1/dispatch', { workUnit: 'PRESS02' })).status, 201)
    const list = await planner.get('/holds?status=active')
    assert.deepEqual(list.body.map((h: { holdId: string }) => h.holdId), ['CAL-1'])
  })

  it('stops cleanly, with no error logged along the way', async function () {
    hub.signal('SIGTERM')
    await hub.waitFor(/stopped cleanly/, 10000)
    await hub.groupGone()
    assert.doesNotMatch(hub.output(), /ERROR/)
  })
})
