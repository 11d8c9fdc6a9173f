// A webhook receiver for the simulated WMS's callbacks in tests: a real HTTP server that keeps each request (its
// raw body and headers) and answers with the statuses it is told, in turn (then 200).
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedCallback {
  body: string
  headers: http.IncomingHttpHeaders
  status: number
}

export interface CallbackReceiver {
  readonly url: string
  readonly calls: ReceivedCallback[]
  /** The next answers' statuses, in turn. */
  answers: number[]
  close (): Promise<void>
}

export async function startCallbackReceiver (): Promise<CallbackReceiver> {
  const calls: ReceivedCallback[] = []
  const r: { answers: number[] } = { answers: [] }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const status = r.answers.shift() ?? 200
      calls.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, status })
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return Object.assign(r, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wms/events`,
    calls,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  })
}
