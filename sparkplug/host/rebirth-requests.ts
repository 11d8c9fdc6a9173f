// Rebirth requests of the host application: `Node Control/Rebirth` NCMDs, at most one per edge node per
// rebirthMinIntervalMs; one held back by that limit is sent when the limit allows (unless an NBIRTH, which clears the
// node's timer, comes first). Each request is recorded in the node's session health and emitted as 'rebirth'.
import { encodePayload } from '../codec'
import { DataType } from '../datatypes'
import type { Logger } from '../../core/logger'
import { REBIRTH_METRIC } from './birth-check'
import { edgeTopic } from '../../plant/sparkplug-topic'
import type { NodeSession, RebirthReason, RebirthRecord } from './session'
import type { IngestOptions, IngestPort } from './ingest'

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
      // tck-id-operational-behavior-data-commands-ncmd-rebirth-verb/-name/-value; the metric goes by name (the
      // NBIRTH must not alias it) with its datatype, as the specification's example; payload timestamp, no seq.
      const payload = encodePayload({
        timestamp: now,
        metrics: [{ name: REBIRTH_METRIC, datatype: DataType.Boolean, value: true, timestamp: now }]
      })
      this.port.publish(edgeTopic(node.groupId, 'NCMD', node.edgeNodeId), Buffer.from(payload))
    }
    this.port.emit('rebirth', { groupId: node.groupId, edgeNodeId: node.edgeNodeId, ...record })
  }

}
