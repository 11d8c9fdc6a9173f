// HTTP Basic authentication of editor users (SAP's ports send Basic with every request): over real HTTP, the
// answers a caller gets for no login, a wrong one, a user without the permission, and a source that keeps failing.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { basicAuth, basicAuthUser } from '../../hub/basic-auth'
import { hashPassword } from '../../core/passwords'
import { LOGIN_MAX_FAILURES } from '../../hub/editor-login-guard'

describe('HTTP Basic authentication of hub users', function () {
  let server: http.Server
  let url: string

  before(async function () {
    const users = [
      { username: 'sap-rfc', passwordHash: await hashPassword('idoc-secret'), permissions: ['sap.write'] },
      { username: 'viewer', passwordHash: await hashPassword('viewer-secret'), permissions: 'read' as const }
    ]
    const app = express()
    app.post('/in', basicAuth(users, 'sap.write', { realm: 'test' }), (req, res) => { res.send(`hello ${basicAuthUser(req)}`) })
    server = http.createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`
  })
  after(() => { server.close() })

  const post = (auth?: string): Promise<Response> => fetch(url, { method: 'POST', headers: auth === undefined ? {} : { authorization: auth } })
  const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

  it('lets in a user with the permission, twice (the second time without bcrypt), and names the user', async function () {
    for (let i = 0; i < 2; i++) {
      const r = await post(basic('sap-rfc', 'idoc-secret'))
      assert.equal(r.status, 200)
      assert.equal(await r.text(), 'hello sap-rfc')
    }
  })

  it('answers 401 with a Basic challenge without credentials, with a wrong password and for an unknown user', async function () {
    for (const auth of [undefined, 'Bearer abc', basic('sap-rfc', 'wrong'), basic('nobody', 'idoc-secret')]) {
      const r = await post(auth)
      assert.equal(r.status, 401, String(auth))
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="test", charset="UTF-8"')
      assert.doesNotMatch(await r.text(), /idoc-secret/)
    }
  })

  it('answers 403 to a user without the permission', async function () {
    const r = await post(basic('viewer', 'viewer-secret'))
    assert.equal(r.status, 403)
    assert.match(await r.text(), /viewer lacks the permission sap.write/)
  })

  it('answers 429 with Retry-After to a source after repeated failures, even with the right password', async function () {
    for (let i = 0; i < LOGIN_MAX_FAILURES; i++) await post(basic('sap-rfc', `wrong-${i}`))
    const r = await post(basic('sap-rfc', 'idoc-secret'))
    assert.equal(r.status, 429)
    assert.ok(Number(r.headers.get('retry-after')) > 0)
  })
})
