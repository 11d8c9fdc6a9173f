// A TCP proxy between the hub and a machine that can cut the line without closing it: while cut, it keeps every
// socket open and forwards nothing in either direction (new connections are accepted and held too), as a broken
// switch or a VPN that lost its peer does. Nothing tells either side; only timeouts and keep-alives can.
import net from 'node:net'

export class SilentCutProxy {
  private forwarding = true
  private readonly sockets = new Set<net.Socket>()

  private constructor (private readonly server: net.Server, readonly port: number) {}

  static async start (targetPort: number): Promise<SilentCutProxy> {
    let proxy: SilentCutProxy | undefined
    const server = net.createServer((client) => proxy!.pipe(client, targetPort))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    proxy = new SilentCutProxy(server, (server.address() as net.AddressInfo).port)
    return proxy
  }

  /** Stops forwarding; every socket stays open. */
  cut (): void { this.forwarding = false }

  /** Forwards again (on the sockets held open and on new ones). */
  restore (): void { this.forwarding = true }

  async close (): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private pipe (client: net.Socket, targetPort: number): void {
    const upstream = net.connect(targetPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      this.sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => {
        this.sockets.delete(s)
        // A side that really closes (the machine shut down, the hub gave up) closes the other side too.
        client.destroy()
        upstream.destroy()
      })
    }
    client.on('data', (chunk) => { if (this.forwarding) upstream.write(chunk) })
    upstream.on('data', (chunk) => { if (this.forwarding) client.write(chunk) })
  }
}
