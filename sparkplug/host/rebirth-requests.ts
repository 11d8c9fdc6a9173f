// Rebirth requests of the host application: `Node Control/Rebirth` NCMDs, at most one per edge node per
// rebirthMinIntervalMs; one held back by that limit is sent when the limit allows (unless an NBIRTH, which clears the
// node's timer, comes first). Each request is recorded in the node's session health and emitted as 'rebirth'.
import type { Logger } from '../../core/logger'
import { rebirthCommand } from './commands'
import type { NodeSession } from './session'
import type { RebirthReason, RebirthRecord } from './session-records'
import type { IngestOptions, IngestPort } from './ingest-port'

export class RebirthRequests {
  constructor (private readonly hostId: string, private readonly opts: Pick<IngestOptions, 'rebirthMinIntervalMs' | 'sendRebirths'>,
    private readonly log: Logger, private readonly port: IngestPort) {}

  request (node: NodeSession, reason: RebirthReason, detail: string): void {
    const now = Date.now()
    const wait = node.lastRebirthSentAt + this.opts.rebirthMinIntervalMs - now
    const sent = this.opts.sendRebirths && this.port.online() && wait <= 0
    const record: RebirthRecord = { at: now, reason, detail, sent }
    node.recordRebirth(record)
    this.log[sent ? 'info' : 'debug'](`Sparkplug host '${this.hostId}': rebirth of ${node.groupId}/${node.edgeNodeId} ` +
      `${sent ? 'requested' : wait > 0 ? `held back by the rate limit for ${wait} ms` : 'not sent (offline)'}: ${reason}: ${detail}`)
    if (!sent && wait > 0 && this.opts.sendRebirths && node.rebirthTimer === undefined) {
      // Held back, not dropped: sent when the limit allows, unless an NBIRTH (which clears the timer) comes first.
      node.rebirthTimer = setTimeout(() => {
        node.rebirthTimer = undefined
        if (this.port.online()) this.request(node, reason, detail)
      }, wait)
      node.rebirthTimer.unref()
    }
    if (sent) {
      const command = rebirthCommand(node.groupId, node.edgeNodeId, now)
      this.port.publish(command.topic, command.payload)
    }
    this.port.emit('rebirth', { groupId: node.groupId, edgeNodeId: node.edgeNodeId, ...record })
  }
}
