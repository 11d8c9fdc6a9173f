// The host's reorder buffer (tck-id-operational-behavior-host-reordering-*): a message whose seq is ahead of the
// expected one is held (raw bytes, in a 256-slot array indexed by seq) and the Reorder Timeout timer starts. When the missing messages arrive, everything is applied in seq
// order and the timer stops. When the timer fires first, the host sends a rebirth request (SEQ_GAP) and then applies
// what it holds in seq order (the values are real, only their predecessors are lost; the rebirth brings the full
// state back). A message behind the expected seq (after such a gap, or a duplicate) is dropped with a rebirth
// request. A held message is decoded again when applied, so a DBIRTH held before it defines its aliases.
// reorderTimeoutMs 0 means no reordering: a gap asks for a rebirth at once and the message is applied.

import type { NodeSession, PendingMessage } from './session'
import type { RebirthReason } from './session-records'
import type { IngestPort } from './ingest-port'

/** What the buffer needs of the ingest around it. */
export interface ReorderTarget {
  /** Applies a held message (decoded again, so a DBIRTH held before it defines its aliases). */
  applyHeld (node: NodeSession, m: PendingMessage): void
  rebirth (node: NodeSession, reason: RebirthReason, detail: string): void
  emit: IngestPort['emit']
  /** Applying held messages threw: counted and logged, the host carries on. */
  failed (node: NodeSession, err: unknown): void
}

export class ReorderBuffer {
  constructor (private readonly timeoutMs: number, private readonly target: ReorderTarget) {}

  /** reorderTimeoutMs 0: no reordering. */
  get enabled (): boolean {
    return this.timeoutMs > 0
  }

  /** Holds a message ahead of the expected seq (tck-id-operational-behavior-host-reordering-start); false when one with that seq is already held. */
  hold (node: NodeSession, m: PendingMessage): boolean {
    if (!node.hold(m)) return false
    if (node.reorderTimer === undefined) this.startTimer(node)
    this.target.emit('sequence', { groupId: node.groupId, edgeNodeId: node.edgeNodeId, kind: 'HELD', expectedSeq: node.expectedSeq, seq: m.seq, pending: node.pendingCount })
    return true
  }

  private startTimer (node: NodeSession): void {
    node.reorderTimer = setTimeout(() => {
      // Outside the ingest's guard: the same rule, no exception ends the process.
      try {
        this.onTimeout(node)
      } catch (err) {
        this.target.failed(node, err)
      }
    }, this.timeoutMs)
    node.reorderTimer.unref()
  }

  /** Applies held messages that are now in order; stops the timer when the gap closed (tck-id-...-reordering-success). */
  drain (node: NodeSession): void {
    let drained = false
    for (let m = node.takeExpected(); m !== undefined; m = node.takeExpected()) {
      drained = true
      this.target.applyHeld(node, m)
      if (node.state !== 'ONLINE') return // a held DBIRTH/DDATA can not take the node offline, but be safe
    }
    if (!drained) return // the gap is still open: the running timer keeps counting
    if (node.reorderTimer !== undefined) clearTimeout(node.reorderTimer)
    node.reorderTimer = undefined
    if (node.pendingCount > 0) this.startTimer(node) // a further gap: a new window
    this.target.emit('sequence', { groupId: node.groupId, edgeNodeId: node.edgeNodeId, kind: 'FILLED', expectedSeq: node.expectedSeq, pending: node.pendingCount })
  }

  /** tck-id-operational-behavior-host-reordering-rebirth: the gap did not fill in time. */
  private onTimeout (node: NodeSession): void {
    node.reorderTimer = undefined
    if (node.pendingCount === 0 || node.state !== 'ONLINE') return
    node.seqGaps++
    const expectedSeq = node.expectedSeq
    const held = node.takeAllPending()
    this.target.rebirth(node, 'SEQ_GAP', `seq ${node.expectedSeq} did not arrive within the reorder timeout of ${this.timeoutMs} ms ` +
      `(held: ${held.map((m) => m.seq).join(', ')})`)
    for (const m of held) {
      if (node.state !== 'ONLINE') break
      this.target.applyHeld(node, m)
    }
    this.target.emit('sequence', { groupId: node.groupId, edgeNodeId: node.edgeNodeId, kind: 'TIMEOUT', expectedSeq, pending: node.pendingCount })
  }
}
