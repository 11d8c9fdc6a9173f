// CORS on the editor's port as settings.js configures it: the hub's handler in front, Node-RED's own
// cors({ origin: '*' }) behind it (the same package and options as @node-red/editor-api's), over real HTTP.
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import express, { type RequestHandler } from 'express'
import { adminCors, type CorsSettings } from '../../hub/admin-cors'

const nodeRedCors = createRequire(require.resolve('@node-red/editor-api'))('cors') as (o: object) => RequestHandler

async function withPort (settings: CorsSettings, fn: (base: string) => Promise<void>): Promise<void> {
  const app = express()
  app.use(adminCors(settings))
  app.use(nodeRedCors({ origin: '*', methods: 'GET,PUT,POST,DELETE' }))
  app.get('/mes/v1/work-orders', (_req, res) => { res.json([]) })
  app.get('/api/hook', (_req, res) => { res.json({ ok: true }) })
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  } finally {
    server.closeAllConnections()
    server.close()
  }
}

const preflight = (url: string, origin: string): Promise<Response> => fetch(url, {
  method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' }
})

describe('CORS on the editor port', function () {
  it('is off without httpAdminCors: neither a preflight nor a request gets Access-Control-* headers', async () => {
    await withPort({ httpNodeRoot: '/api' }, async (base) => {
      const p = await preflight(`${base}/mes/v1/work-orders`, 'http://evil.example')
      assert.equal(p.headers.get('access-control-allow-origin'), null)
      const r = await fetch(`${base}/mes/v1/work-orders`, { headers: { origin: 'http://evil.example' } })
      assert.equal(r.status, 200)
      assert.equal(r.headers.get('access-control-allow-origin'), null)
    })
  })

  it('follows httpAdminCors for the admin paths and httpNodeCors under httpNodeRoot, preflights included', async () => {
    await withPort({ httpAdminCors: { origin: 'https://mes.example' }, httpNodeCors: { origin: 'https://shop.example' }, httpNodeRoot: '/api' }, async (base) => {
      const p = await preflight(`${base}/mes/v1/work-orders`, 'https://mes.example')
      assert.equal(p.status, 204)
      assert.equal(p.headers.get('access-control-allow-origin'), 'https://mes.example', 'not Node-RED\'s *')
      const r = await fetch(`${base}/mes/v1/work-orders`, { headers: { origin: 'https://mes.example' } })
      assert.equal(r.headers.get('access-control-allow-origin'), 'https://mes.example')
      const n = await fetch(`${base}/api/hook`, { headers: { origin: 'https://shop.example' } })
      assert.equal(n.headers.get('access-control-allow-origin'), 'https://shop.example')
    })
  })
})
