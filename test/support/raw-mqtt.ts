// An MQTT 3.1.1 client over a plain TCP socket that sends exactly the packets a test writes (mqtt-packet encodes and
// parses them): no automatic acknowledgements, so a test can leave a QoS 1/2 exchange half done and reconnect.
import net from 'node:net'
import mqttPacket, { type Packet } from 'mqtt-packet'

export interface RawClient {
  send (packet: Packet): void
  /** The next packet received (of the given command, if given; others received meanwhile are kept in order). */
  next<P extends Packet = Packet> (cmd?: Packet['cmd'], timeoutMs?: number): Promise<P>
  /** Ends the TCP connection without DISCONNECT, as a crashing client or a network failure does. */
  drop (): Promise<void>
  readonly received: Packet[]
}

export async function rawConnect (url: string, connect: { clientId: string, clean: boolean, username?: string, password?: string,
  will?: { topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean } }): Promise<{ client: RawClient, connack: Packet & { cmd: 'connack' } }> {
  const { hostname, port } = new URL(url)
  const socket = net.connect(Number(port), hostname)
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  const parser = mqttPacket.parser({ protocolVersion: 4 })
  const received: Packet[] = []
  const waiters: Array<{ cmd?: string, resolve: (p: Packet) => void }> = []
  parser.on('packet', (p: Packet) => {
    const i = waiters.findIndex((w) => !w.cmd || w.cmd === p.cmd)
    if (i >= 0) waiters.splice(i, 1)[0].resolve(p)
    else received.push(p)
  })
  socket.on('data', (d) => parser.parse(d))
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const client: RawClient = {
    received,
    send: (packet) => { socket.write(mqttPacket.generate(packet, { protocolVersion: 4 })) },
    next<P extends Packet> (cmd?: Packet['cmd'], timeoutMs = 5000): Promise<P> {
      const i = received.findIndex((p) => !cmd || p.cmd === cmd)
      if (i >= 0) return Promise.resolve(received.splice(i, 1)[0] as P)
      return new Promise<P>((resolve, reject) => {
        const w = { cmd, resolve: (p: Packet) => { clearTimeout(timer); resolve(p as P) } }
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1)
          reject(new Error(`no ${cmd ?? 'packet'} from the broker within ${timeoutMs} ms (received meanwhile: ${received.map((p) => p.cmd).join(', ') || 'nothing'})`))
        }, timeoutMs)
        waiters.push(w)
      })
    },
    async drop () {
      socket.destroy()
      await closed
    }
  }
  client.send({
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: connect.clean, clientId: connect.clientId, keepalive: 60,
    username: connect.username, password: connect.password === undefined ? undefined : Buffer.from(connect.password),
    will: connect.will
  })
  const connack = await client.next<Packet & { cmd: 'connack' }>('connack')
  return { client, connack }
}
