// Replaces the top-level `timestamp` (field 1, uint64) of an encoded Sparkplug B payload without decoding the rest:
// every other field is copied byte for byte, so metrics the codec might not accept (or would re-encode differently)
// pass untouched. Used by the Sparkplug-aware broker for the NDEATH timestamp rule.

const TIMESTAMP_FIELD = 1

function writeVarint (out: number[], value: number): void {
  // value is a non-negative integer below 2^53 (a millisecond timestamp): plain arithmetic, no bit operators (32-bit).
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80)
    value = Math.floor(value / 0x80)
  }
  out.push(value)
}

/** Reads a varint at `pos`; returns the position after it, or -1 when the buffer ends inside it. */
function skipVarint (buf: Uint8Array, pos: number): number {
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) return -1
    if ((buf[pos++]! & 0x80) === 0) return pos
  }
  return -1
}

function readVarint (buf: Uint8Array, pos: number): { value: number, next: number } | undefined {
  let value = 0
  let scale = 1
  for (let i = 0; i < 8; i++) {
    if (pos >= buf.length) return undefined
    const b = buf[pos++]!
    value += (b & 0x7f) * scale
    if ((b & 0x80) === 0) return { value, next: pos }
    scale *= 0x80
  }
  return undefined // longer than any length or tag this walker needs
}

/**
 * The payload with its timestamp set to `ms` (placed first, as encoders write it), or undefined when the bytes are
 * not a well-formed protobuf message at the top level (the caller then leaves the payload as it was).
 */
export function withPayloadTimestamp (payload: Uint8Array, ms: number): Buffer | undefined {
  const head: number[] = [TIMESTAMP_FIELD << 3]
  writeVarint(head, ms)
  const kept: Buffer[] = [Buffer.from(head)]
  let pos = 0
  while (pos < payload.length) {
    const start = pos
    const tag = readVarint(payload, pos)
    if (!tag || tag.value === 0) return undefined
    pos = tag.next
    const wireType = tag.value % 8
    const field = Math.floor(tag.value / 8)
    switch (wireType) {
      case 0: pos = skipVarint(payload, pos); break
      case 1: pos += 8; break
      case 2: {
        const len = readVarint(payload, pos)
        if (!len) return undefined
        pos = len.next + len.value
        break
      }
      case 5: pos += 4; break
      default: return undefined // groups (3/4) are not used by Sparkplug; 6/7 do not exist
    }
    if (pos < 0 || pos > payload.length) return undefined
    if (field !== TIMESTAMP_FIELD) kept.push(Buffer.from(payload.buffer, payload.byteOffset + start, pos - start))
  }
  return Buffer.concat(kept)
}
