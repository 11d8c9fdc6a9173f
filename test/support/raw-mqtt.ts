// An MQTT 3.1.1 client over a plain TCP socket that sends exactly the packets a test writes (mqtt-packet encodes and
// parses them): no automatic acknowledgements, so a test can leave a QoS 1/2 exchange half done and reconnect, and
// it can send what mqtt.js refuses to (an empty client id with a persistent session, bytes that are not UTF-8:
// `replace` swaps a placeholder in the encoded packet for other bytes of the same length).
import net from 'node:net'
import mqttPacket, { type Packet } from 'mqtt-packet'

export interface RawClient {
  send (packet: Packet, replace?: { placeholder: string, bytes: Buffer }): void
  sendBytes (bytes: Buffer): void
  /** The next packet received (of the given command, if given; others received meanwhile are kept in order). */
  next<P extends Packet = Packet> (cmd?: Packet['cmd'], timeoutMs?: number): Promise<P>
  readonly received: Packet[]
  /** Resolves when the server has closed the connection. */
  readonly closed: Promise<void>
  isClosed (): boolean
  end (): void
  /** Ends the TCP connection without DISCONNECT, as a crashing client or a network failure does. */
  drop (): Promise<void>
}

export function encode (packet: Packet, replace?: { placeholder: string, bytes: Buffer }): Buffer {
  const buf = mqttPacket.generate(packet, { protocolVersion: 4 })
  if (replace === undefined) return buf
  const at = buf.indexOf(Buffer.from(replace.placeholder))
  if (at === -1 || replace.bytes.length !== Buffer.byteLength(replace.placeholder)) throw new Error('placeholder not found or of another length')
  replace.bytes.copy(buf, at)
  return buf
}

export async function rawClient (port: number, localAddress = '127.0.0.1', host = '127.0.0.1'): Promise<RawClient> {
  const socket = net.connect({ host, port, localAddress })
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  const parser = mqttPacket.parser({ protocolVersion: 4 })
  const received: Packet[] = []
  const waiters: Array<{ cmd?: string, resolve: (p: Packet) => void }> = []
  parser.on('packet', (p: Packet) => {
    const i = waiters.findIndex((w) => !w.cmd || w.cmd === p.cmd)
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(p)
    else received.push(p)
  })
  socket.on('data', (d) => parser.parse(d))
  socket.on('error', () => {})
  let isClosed = false
  const closed = new Promise<void>((resolve) => socket.once('close', () => { isClosed = true; resolve() }))
  return {
    received,
    send: (packet, replace) => { socket.write(encode(packet, replace)) },
    sendBytes: (bytes) => { socket.write(bytes) },
    next<P extends Packet> (cmd?: Packet['cmd'], timeoutMs = 5000): Promise<P> {
      const i = received.findIndex((p) => !cmd || p.cmd === cmd)
      if (i >= 0) return Promise.resolve(received.splice(i, 1)[0] as P)
      return new Promise<P>((resolve, reject) => {
        const w = { cmd, resolve: (p: Packet) => { clearTimeout(timer); resolve(p as P) } }
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1)
          reject(new Error(`no ${cmd ?? 'packet'} from the broker within ${timeoutMs} ms${isClosed ? ' (connection closed)' : ''} ` +
            `(received meanwhile: ${received.map((p) => p.cmd).join(', ') || 'nothing'})`))
        }, timeoutMs)
        waiters.push(w)
      })
    },
    closed,
    isClosed: () => isClosed,
    end: () => { socket.destroy() },
    async drop () {
      socket.destroy()
      await closed
    }
  }
}

export function connectPacket (fields: { clientId: string, clean?: boolean, username?: string, password?: Buffer }): Packet {
  return { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: fields.clean ?? true, keepalive: 30, ...fields } as Packet
}

/** Connects and waits for the CONNACK. */
export async function rawConnect (url: string, connect: { clientId: string, clean: boolean, username?: string, password?: string,
  will?: { topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean } }): Promise<{ client: RawClient, connack: Packet & { cmd: 'connack' } }> {
  const { hostname, port } = new URL(url)
  const client = await rawClient(Number(port), undefined, hostname)
  client.send({
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: connect.clean, clientId: connect.clientId, keepalive: 60,
    username: connect.username, password: connect.password === undefined ? undefined : Buffer.from(connect.password),
    will: connect.will
  })
  const connack = await client.next<Packet & { cmd: 'connack' }>('connack')
  return { client, connack }
}

/**
 * A CONNECT with an empty client id and clean session 0, which mqtt-packet refuses to encode: encoded with clean
 * session 1, then the flag cleared (connect flags: byte 9 of an MQTT 3.1.1 CONNECT this short).
 */
export function persistentConnectWithoutId (): Buffer {
  const buf = mqttPacket.generate(connectPacket({ clientId: '', clean: true }))
  buf[9] = buf[9]! & ~0x02
  return buf
}

/** A CONNECT's CONNACK return code. */
export async function connackCode (port: number, packet: Packet | Buffer, replace?: { placeholder: string, bytes: Buffer },
  localAddress?: string): Promise<number> {
  const c = await rawClient(port, localAddress)
  try {
    if (Buffer.isBuffer(packet)) c.sendBytes(packet)
    else c.send(packet, replace)
    const ack = await c.next('connack') as { returnCode?: number }
    return ack.returnCode ?? -1
  } finally {
    c.end()
  }
}
