// The SAP IDoc endpoints of a test hub on a real HTTP server of their own (the hub's editor, which mounts them in
// production, is off in tests: Node-RED is one per process), with the hub's HTTP Basic authentication of `users`.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import type { RunningHub } from '../../../hub/hub'
import type { EditorUser } from '../../../hub/own-config'

export interface SapEndpointsServer {
  readonly url: string
  close (): void
}

export async function serveSapEndpoints (hub: RunningHub, users: readonly EditorUser[]): Promise<SapEndpointsServer> {
  const app = express()
  for (const r of hub.sap!.routes(users)) app.use(r.path, r.handler)
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => { server.close() } }
}
