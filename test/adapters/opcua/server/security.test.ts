// Who gets in and what they may do: SecurityPolicy None only from this machine, anonymous sessions as the broker's
// anonymous rules say and read-only, and the certificate trust workflow an OT engineer follows when a client with
// a new certificate is refused (list it, trust it, connect).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { AttributeIds, DataType, MessageSecurityMode, OPCUACertificateManager, SecurityPolicy, StatusCodes } from 'node-opcua'
import type { RunningHub } from '../../../../hub/hub'
import { hashPassword } from '../../../../core/passwords'
import { OpcUaAccess } from '../../../../adapters/opcua/server/access'
import { REJECTED_TOPIC_ROOT, rejectedCertificates } from '../../../../adapters/opcua/server/certificates'
import { startTestHub, tempDir, testConfig } from '../../../support/hub-fixture'
import { PROJECT_ROOT } from '../../../support/child-hub'
import { eventually, openSession } from './support'

const run = promisify(execFile)
const PRESS_1 = 'acme/dallas/press-shop/line-1/press-1'

describe('OPC UA server: who may connect and write', function () {
  const access = new OpcUaAccess({
    accounts: [{ username: 'press-1', passwordHash: 'x', role: 'machine', equipment: [PRESS_1] }, { username: 'ops', passwordHash: 'x', role: 'admin' }, { username: 'v', passwordHash: 'x', role: 'viewer' }],
    anonymous: { local: 'admin', remote: 'none' },
    securityNoneRemote: false
  })

  it('refuses SecurityPolicy None from another machine, and allows it on loopback or when configured', function () {
    const remote = access.activationRefusal({ anonymous: false, remoteAddress: '10.1.2.3', securityNone: true })
    assert.equal(remote?.code, 'BadSecurityModeRejected')
    assert.match(remote!.reason, /10\.1\.2\.3.*Basic256Sha256.*securityNoneRemote/)
    assert.equal(access.activationRefusal({ anonymous: false, remoteAddress: '127.0.0.1', securityNone: true }), undefined)
    assert.equal(access.activationRefusal({ anonymous: false, remoteAddress: '::ffff:127.0.0.1', securityNone: true }), undefined)
    assert.equal(access.activationRefusal({ anonymous: false, remoteAddress: '10.1.2.3', securityNone: false }), undefined)
    const open = new OpcUaAccess({ accounts: [], anonymous: { local: 'none', remote: 'none' }, securityNoneRemote: true })
    assert.equal(open.activationRefusal({ anonymous: false, remoteAddress: '10.1.2.3', securityNone: true }), undefined)
  })

  it('admits anonymous sessions only from where the broker admits anonymous clients', function () {
    assert.equal(access.activationRefusal({ anonymous: true, remoteAddress: '127.0.0.1', securityNone: false }), undefined)
    assert.equal(access.activationRefusal({ anonymous: true, remoteAddress: '10.1.2.3', securityNone: false })?.code, 'BadIdentityTokenRejected')
  })

  it('lets a machine write its own subtree only, an admin everything, a viewer and anonymous nothing', function () {
    assert.equal(access.mayWrite('press-1', PRESS_1), true)
    assert.equal(access.mayWrite('press-1', `${PRESS_1}/spindle`), true)
    assert.equal(access.mayWrite('press-1', `${PRESS_1}0`), false, 'press-10 is not under press-1')
    assert.equal(access.mayWrite('press-1', 'acme/dallas/press-shop/line-1/press-2'), false)
    assert.equal(access.mayWrite('ops', 'acme/dallas'), true)
    assert.equal(access.mayWrite('v', PRESS_1), false)
    assert.equal(access.mayWrite(undefined, PRESS_1), false)
    assert.equal(access.mayWrite('nobody', PRESS_1), false)
  })
})

describe('OPC UA server: sessions and the certificate trust workflow', function () {
  let hub: RunningHub
  let dataDir: string
  let clientPki: OPCUACertificateManager

  before(async function () {
    dataDir = tempDir('hub-opcua-')
    const config = testConfig(dataDir, (c) => { c.opcua.server.enabled = true })
    config.mqtt.accounts = [{ username: 'ops', passwordHash: await hashPassword('ops-secret'), role: 'admin' }]
    hub = await startTestHub(config)
    clientPki = new OPCUACertificateManager({ rootFolder: path.join(tempDir('opcua-client-'), 'pki'), automaticallyAcceptUnknownCertificate: true })
    await clientPki.initialize()
  })

  after(async function () {
    await clientPki?.dispose()
    await hub?.stop()
  })

  it('gives an anonymous session on this machine read access and no write access', async function () {
    await hub.uns.publish({ kind: 'flow', id: 'sensor' }, `${PRESS_1}/measurements/ambient`, { value: 21.5, timestamp: Date.now() })
    const anon = await openSession(hub.opcua.server!.url)
    try {
      const nodeId = `ns=${hub.opcua.server!.namespace.index};s=${PRESS_1}/measurements/ambient`
      await eventually(async () => (await anon.session.read({ nodeId, attributeId: AttributeIds.Value })).value.value === 21.5, 3000, 'the value')
      const code = await anon.session.write({ nodeId, attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 1 } } })
      assert.ok(code.equals(StatusCodes.BadNotWritable) || code.equals(StatusCodes.BadUserAccessDenied), code.toString())
    } finally {
      await anon.close()
    }
  })

  it('refuses an unknown client certificate, lists it (CLI and UNS), and accepts it once trusted with the CLI', async function () {
    const secure = { securityMode: MessageSecurityMode.SignAndEncrypt, securityPolicy: SecurityPolicy.Basic256Sha256, clientCertificateManager: clientPki, user: { name: 'ops', password: 'ops-secret' } }
    await assert.rejects(openSession(hub.opcua.server!.url, secure))
    await eventually(() => rejectedCertificates(dataDir).length === 1, 5000, 'the certificate in rejected/')
    const [cert] = rejectedCertificates(dataDir)
    assert.match(cert!.thumbprint, /^[0-9a-f]{40}$/)
    assert.match(cert!.subject, /hub-test-client|CN=/)

    const topic = `${REJECTED_TOPIC_ROOT}/${cert!.thumbprint}`
    await eventually(async () => (await hub.uns.retained(topic)) !== undefined, 5000, `retained ${topic}`)
    const listed = JSON.parse((await hub.uns.retained(topic))!.toString()) as { value: { thumbprint: string, subject: string, firstSeen: number } }
    assert.equal(listed.value.thumbprint, cert!.thumbprint)
    assert.equal(listed.value.subject, cert!.subject)
    assert.ok(listed.value.firstSeen > 0)

    const cli = path.join(PROJECT_ROOT, 'dist', 'hub', 'opcua-cli.js')
    const list = await run(process.execPath, [cli, 'certificates', '--data-dir', dataDir], { cwd: PROJECT_ROOT })
    assert.match(list.stdout, new RegExp(cert!.thumbprint))
    const trust = await run(process.execPath, [cli, 'trust', cert!.thumbprint, '--data-dir', dataDir], { cwd: PROJECT_ROOT })
    assert.match(trust.stdout, /trusted/)
    assert.equal(rejectedCertificates(dataDir).length, 0)

    // The running server picks the trusted folder up by itself (node-opcua watches it).
    let session: Awaited<ReturnType<typeof openSession>> | undefined
    await eventually(async () => {
      session = await openSession(hub.opcua.server!.url, secure).catch(() => undefined)
      return session !== undefined
    }, 10000, 'a secure session after trusting')
    await session!.close()
    await eventually(async () => (await hub.uns.retained(topic)) === undefined, 5000, `${topic} cleared`)
  })

  it('says what to do when a thumbprint is unknown', async function () {
    const cli = path.join(PROJECT_ROOT, 'dist', 'hub', 'opcua-cli.js')
    await assert.rejects(run(process.execPath, [cli, 'trust', 'deadbeefdeadbeef', '--data-dir', dataDir], { cwd: PROJECT_ROOT }),
      (err: { stderr: string, code: number }) => /no rejected certificate.*npm run opcua -- certificates/.test(err.stderr) && err.code === 1)
  })
})

describe('OPC UA server: password guessing', function () {
  let hub: RunningHub

  before(async function () {
    const config = testConfig(undefined, (c) => {
      c.opcua.server.enabled = true
      // The broker's throttle settings, so low that no token comes back while the test runs.
      c.mqtt.loginThrottle = { burst: 3, refillPerSecond: 0.001 }
    })
    config.mqtt.accounts = [{ username: 'ops', passwordHash: await hashPassword('ops-secret'), role: 'admin' }]
    hub = await startTestHub(config)
  })

  after(async function () {
    await hub?.stop()
  })

  it('is throttled per address as over MQTT: after the burst of wrong passwords even the right one is refused for a while', async function () {
    const url = hub.opcua.server!.url
    const right = await openSession(url, { user: { name: 'ops', password: 'ops-secret' } })
    await right.close()
    for (let i = 0; i < 3; i++) {
      await assert.rejects(openSession(url, { user: { name: 'ops', password: `guess-${i}` } }), /BadUserAccessDenied|BadIdentityTokenRejected/)
    }
    await assert.rejects(openSession(url, { user: { name: 'ops', password: 'ops-secret' } }), /BadUserAccessDenied|BadIdentityTokenRejected/,
      'the address has used its burst: the password is not even checked')
  })
})
