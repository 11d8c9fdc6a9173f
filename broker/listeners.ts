// The network faces of the broker: MQTT over TCP, over TLS and over WebSocket. Nagle's algorithm is off on every
// socket: with it on, small MQTT packets wait for ACKs and p99 latency here is 30-45 ms even at idle; off, 1-2 ms.
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import tls from 'node:tls'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, createWebSocketStream } from 'ws'
import type { Aedes } from 'aedes'

export interface Listener {
  readonly name: string
  /** Where a client on this machine connects (a wildcard address shown as 127.0.0.1). */
  readonly url: string
  /** The address and port the socket is bound to, e.g. `0.0.0.0:1883`: who can reach it. */
  readonly bound: string
  readonly port: number
  close (): Promise<void>
}

interface Bound { port: number, bound: string }

function listen (server: net.Server, port: number, host: string): Promise<Bound> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(err.code === 'EADDRINUSE'
        ? new Error(`port ${port} on ${host} is already in use: stop the other program or choose another port`)
        : err)
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      const a = server.address() as AddressInfo
      resolve({ port: a.port, bound: a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}` })
    })
  })
}

function closeServer (server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    for (const s of sockets) s.destroy()
  })
}

function track (server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>()
  server.on('connection', (s: net.Socket) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  return sockets
}

/**
 * Writes made in one event-loop turn leave in one syscall: the first write corks the socket and uncorking is
 * scheduled for the end of the turn (setImmediate: after the I/O callbacks of this turn and every nextTick and
 * promise job they started). With Nagle off every MQTT packet was its own writev, the largest single cost of fanning
 * out Sparkplug metrics. Measured: uncorking on nextTick still gave one writev per UNS message (aedes hands each
 * message to the socket in its own tick), about 42,000 a second; on setImmediate, about 1,000 a second carrying the
 * same messages. Nothing waits longer than the rest of the current turn.
 */
export function coalesceWrites (socket: net.Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean
  let corked = false
  const uncork = (): void => {
    corked = false
    socket.uncork()
  }
  socket.write = ((...args: unknown[]): boolean => {
    if (!corked) {
      corked = true
      socket.cork()
      setImmediate(uncork)
    }
    return write(...args)
  }) as typeof socket.write
}

function displayHost (host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
}

export async function listenTcp (broker: Aedes, host: string, port: number): Promise<Listener> {
  const server = net.createServer({ noDelay: true }, (socket) => {
    coalesceWrites(socket)
    broker.handle(socket)
  })
  const sockets = track(server)
  const { port: actual, bound } = await listen(server, port, host)
  return { name: 'mqtt', url: `mqtt://${displayHost(host)}:${actual}`, bound, port: actual, close: () => closeServer(server, sockets) }
}

export async function listenTls (broker: Aedes, opts: { host: string, port: number, cert: string, key: string, ca?: string }): Promise<Listener> {
  const server = tls.createServer({
    cert: fs.readFileSync(opts.cert),
    key: fs.readFileSync(opts.key),
    ...(opts.ca ? { ca: fs.readFileSync(opts.ca), requestCert: true, rejectUnauthorized: true } : {})
  }, (socket) => {
    socket.setNoDelay(true)
    coalesceWrites(socket)
    broker.handle(socket)
  })
  const sockets = track(server)
  const { port: actual, bound } = await listen(server, opts.port, opts.host)
  return { name: 'mqtts', url: `mqtts://${displayHost(opts.host)}:${actual}`, bound, port: actual, close: () => closeServer(server, sockets) }
}

export async function listenWebSocket (broker: Aedes, host: string, port: number, path: string): Promise<Listener> {
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end(`MQTT over WebSocket: connect with an MQTT client to ws://<host>:${port}${path}\n`)
  })
  const sockets = track(server)
  const wss = new WebSocketServer({
    server,
    path,
    // MQTT clients offer the 'mqtt' subprotocol (older ones 'mqttv3.1'); echo one back or browsers refuse.
    handleProtocols: (protocols) => ['mqtt', 'mqttv3.1'].find((p) => protocols.has(p)) ?? false
  })
  wss.on('connection', (ws, req) => {
    req.socket.setNoDelay(true)
    broker.handle(createWebSocketStream(ws), req)
  })
  const { port: actual, bound } = await listen(server, port, host)
  return {
    name: 'ws',
    url: `ws://${displayHost(host)}:${actual}${path}`,
    bound,
    port: actual,
    close: async () => {
      for (const c of wss.clients) c.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await closeServer(server, sockets)
    }
  }
}
