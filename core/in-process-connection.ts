// A connected pair of in-memory Duplex streams: what one side writes, the other reads. Used to connect the hub's own
// MQTT clients (the Sparkplug host application) straight into `aedes.handle(stream)`, as real MQTT sessions.
//
// Not node:stream's duplexPair: that one does not pass a destroy() on to the other side, and both ends must see a
// connection that aedes drops (a client taken over, a broker shutting down), as a TCP socket would.

import { Duplex } from 'node:stream'

class Side extends Duplex {
  other!: Side
  /** The write callback held until the other side reads again (backpressure, as a socket would). */
  private pendingWrite: ((err?: Error | null) => void) | undefined

  constructor (readonly remoteAddress: string | undefined) {
    super()
  }

  override _read (): void {
    const cb = this.other.pendingWrite
    if (cb !== undefined) {
      this.other.pendingWrite = undefined
      cb()
    }
  }

  override _write (chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.other.destroyed) return cb(new Error('the other side of the in-process connection is closed'))
    if (this.other.push(chunk)) cb()
    else this.pendingWrite = cb
  }

  override _final (cb: (err?: Error | null) => void): void {
    if (!this.other.destroyed) this.other.push(null)
    cb()
  }

  override _destroy (err: Error | null, cb: (err?: Error | null) => void): void {
    const held = this.pendingWrite
    this.pendingWrite = undefined
    held?.(err ?? new Error('in-process connection closed'))
    if (!this.other.destroyed) this.other.destroy()
    cb(err)
  }
}

/**
 * Two connected streams. `remoteAddress` is what each end reports as its peer's address; the broker's access
 * control reads it from the broker-side end (see host-application.ts for why the host's end says loopback).
 */
export function inProcessPair (clientAddress: string | undefined): { client: Duplex, server: Duplex } {
  const client = new Side(undefined)
  const server = new Side(clientAddress)
  client.other = server
  server.other = client
  return { client, server }
}
