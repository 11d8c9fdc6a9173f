// `idoc out`: an IDoc from a flow to SAP, through the hub's outbox: stored, sent once (its DOCNUM and ARCKEY come from
// the idempotency key, so a resend is the same message to SAP), retried while SAP is down, in order with the other
// messages of its ordering key; a refusal lands in the dead letters. Output 1: queued; output 2: sent or dead.
// The flow gives the partners in the control record (SNDPOR, SNDPRT, SNDPRN, RCVPRT, RCVPRN).
import crypto from 'node:crypto'
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import type { OutboxMessage } from '../../mes/service'
import type { Idoc } from '../../adapters/sap/idoc/idoc'
import { parseIdocXml } from '../../adapters/sap/idoc/idoc-xml'
import { checkInboundControl, idocIdentityOf } from '../../adapters/sap/idoc/idoc-writer'
import { OutboxWaiter, onSapInput } from '../sap-node'
import { failed } from '../node-status'

type Msg = NodeMessage & Record<string, unknown>

function idocsOf (payload: unknown): Idoc[] {
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) return parseIdocXml(payload, { source: 'msg.payload' })
  const p = payload as Partial<Idoc> | undefined
  if (p === undefined || p === null || typeof p.idocType !== 'string' || typeof p.control !== 'object' || !Array.isArray(p.segments)) {
    throw new Error('msg.payload must be IDoc-XML text or an IDoc { idocType, messageType, control, segments } (as idoc in outputs it)')
  }
  return [{ idocType: p.idocType, messageType: p.messageType ?? '', control: p.control, segments: p.segments }]
}

/**
 * The IDoc as SAP takes it inbound: DOCNUM and ARCKEY derived from the idempotency key (a resend is the same message
 * to SAP's duplicate check), TABNAM and DIRECT 2 (inbound), the types from the IDoc; the partners (SNDPOR, SNDPRT,
 * SNDPRN, RCVPRT, RCVPRN) are the flow's. Checked here, so a flow's mistake is its error and nothing is queued.
 */
function inboundIdoc (idoc: Idoc, key: string): Idoc {
  const { docnum, messageId } = idocIdentityOf(key)
  const control = { ...idoc.control, TABNAM: 'EDI_DC40', DIRECT: '2', IDOCTYP: idoc.idocType, MESTYP: idoc.messageType || (idoc.control.MESTYP ?? ''), DOCNUM: docnum, ARCKEY: `urn:sap.com:msgid=${messageId}` }
  const out: Idoc = { ...idoc, messageType: control.MESTYP, control }
  checkInboundControl(out)
  return out
}

export = function (RED: NodeAPI): void {
  function IdocOutNode (this: Node, def: NodeDef): void {
    const node = this
    const waiter = new OutboxWaiter<Msg>((m, original) => {
      node.status({ fill: m.status === 'sent' ? 'green' : 'red', shape: 'dot', text: `#${m.id} ${m.status}${m.reference !== null ? ` ${m.reference}` : ''}` })
      node.send([null, { ...original, payload: m }])
    })
    onSapInput<Msg>(RED, node, def, ({ sap, mes }, msg, send, done) => {
      waiter.attach(mes)
      let idocs: Idoc[]
      try {
        idocs = idocsOf(msg.payload)
      } catch (err) {
        return failed(node, done)(err as Error)
      }
      const who = typeof msg.who === 'string' ? msg.who : `node-red:${def.name || node.id}`
      let ready: Array<{ idoc: Idoc, key: string }>
      try {
        ready = idocs.map((idoc, i) => {
          const given = typeof msg.idempotencyKey === 'string' && msg.idempotencyKey !== '' ? `${msg.idempotencyKey}${idocs.length > 1 ? `:${i + 1}` : ''}` : undefined
          const key = given ?? crypto.createHash('sha256').update(JSON.stringify(idoc)).digest('hex').slice(0, 32)
          return { idoc: inboundIdoc(idoc, key), key }
        })
      } catch (err) {
        return failed(node, done)(err as Error)
      }
      Promise.all(ready.map(async ({ idoc, key }) => {
        const orderingKey = typeof msg.orderingKey === 'string' ? msg.orderingKey : idoc.messageType || idoc.idocType
        return await sap.sendIdoc(idoc, { idempotencyKey: key, orderingKey, who })
      })).then((queued: OutboxMessage[]) => {
        node.status({ fill: 'blue', shape: 'dot', text: `queued ${queued.map((q) => `#${q.id}`).join(', ')}` })
        send([{ ...msg, payload: queued.length === 1 ? queued[0] : queued }, null])
        // Output 2 when SAP has it or refused it; at once for a repeated key already sent or dead.
        for (const q of queued) waiter.track(q, msg)
        done()
      }, failed(node, done))
    })
    node.on('close', () => waiter.close())
  }
  RED.nodes.registerType('idoc out', IdocOutNode)
}
