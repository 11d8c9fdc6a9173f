// MQTT packets over a plain socket, for what mqtt.js refuses to send (an empty client id with a persistent session,
// bytes that are not UTF-8). `replace` swaps a placeholder in the encoded packet for other bytes of the same length.
import net from 'node:net'
import mqttPacket, { type Packet } from 'mqtt-packet'

export interface RawClient {
  send (packet: Packet, replace?: { placeholder: string, bytes: Buffer }): void
  sendBytes (bytes: Buffer): void
  next (cmd: string, timeoutMs?: number): Promise<Packet>
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>
  isClosed (): boolean
  end (): void
}

export function encode (packet: Packet, replace?: { placeholder: string, bytes: Buffer }): Buffer {
  const buf = mqttPacket.generate(packet)
  if (replace === undefined) return buf
  const at = buf.indexOf(Buffer.from(replace.placeholder))
  if (at === -1 || replace.bytes.length !== Buffer.byteLength(replace.placeholder)) throw new Error('placeholder not found or of another length')
  replace.bytes.copy(buf, at)
  return buf
}

export async function rawClient (port: number, localAddress = '127.0.0.1'): Promise<RawClient> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress })
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  const parser = mqttPacket.parser()
  const seen: Packet[] = []
  const waiters: Array<{ cmd: string, resolve: (p: Packet) => void }> = []
  parser.on('packet', (p: Packet) => {
    const i = waiters.findIndex((w) => w.cmd === p.cmd)
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(p)
    else seen.push(p)
  })
  socket.on('data', (d) => parser.parse(d))
  socket.on('error', () => {})
  let isClosed = false
  const closed = new Promise<void>((resolve) => socket.once('close', () => { isClosed = true; resolve() }))
  return {
    send: (packet, replace) => { socket.write(encode(packet, replace)) },
    sendBytes: (bytes) => { socket.write(bytes) },
    next (cmd, timeoutMs = 3000) {
      const i = seen.findIndex((p) => p.cmd === cmd)
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0]!)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${cmd} within ${timeoutMs} ms${isClosed ? ' (connection closed)' : ''}`)), timeoutMs)
        waiters.push({ cmd, resolve: (p) => { clearTimeout(timer); resolve(p) } })
      })
    },
    closed,
    isClosed: () => isClosed,
    end: () => { socket.destroy() }
  }
}

export function connectPacket (fields: { clientId: string, clean?: boolean, username?: string, password?: Buffer }): Packet {
  return { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: fields.clean ?? true, keepalive: 30, ...fields } as Packet
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
