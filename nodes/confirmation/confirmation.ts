// `confirmation`: emits ERP confirmations as the MES queues them (the pending ones on deploy, then each new one),
// and acknowledges one on { action: 'ack', key, erpReference } (or records a failed send on { action: 'fail' }).
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { hubServicesOf } from '../hub-services'
import { ConfirmationFeed, MesCommandError } from '../mes-commands'
import { failed, mesNotRunning } from '../node-status'

interface ConfirmationDef extends NodeDef {
  resendSeconds: string
}

type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function ConfirmationNode (this: Node, def: ConfirmationDef): void {
    RED.nodes.createNode(this, def)
    const node = this
    const mes = hubServicesOf(RED)?.mes
    if (!mes) {
      node.status({ fill: 'red', shape: 'ring', text: 'MES not running' })
      node.on('input', (_msg, _send, done) => done(mesNotRunning()))
      return
    }
    const resendSeconds = Number(def.resendSeconds || 0)
    const feed = new ConfirmationFeed(mes, (c) => {
      node.status({ fill: 'blue', shape: 'dot', text: `sent ${c.orderNumber}/${c.sequence} #${c.id}` })
      node.send([{ topic: c.idempotencyKey, payload: c }, null])
    }, (err) => node.error(err), { resendMs: resendSeconds > 0 ? resendSeconds * 1000 : undefined })
    feed.start()

    node.on('input', (msg: Msg, send, done) => {
      const p = typeof msg.payload === 'object' && msg.payload !== null ? msg.payload as Record<string, unknown> : {}
      const field = (name: string): string | undefined => {
        const v = p[name] ?? msg[name]
        return typeof v === 'string' && v.length > 0 ? v : undefined
      }
      const action = field('action')
      const key = field('key')
      let work: Promise<void>
      if (action === 'resend') {
        work = feed.resend()
      } else if (action === 'ack' || action === 'fail') {
        if (key === undefined) return done(new MesCommandError('confirmation', `${action} needs the confirmation's key (its idempotencyKey)`))
        work = action === 'ack'
          ? feed.acknowledge(key, field('erpReference'), field('who')).then((c) => {
            node.status({ fill: 'green', shape: 'dot', text: `acknowledged ${c.orderNumber}/${c.sequence} #${c.id}` })
            send([null, { ...msg, topic: c.idempotencyKey, payload: c }])
          })
          : feed.fail(key, field('error') ?? 'send failed', field('who')).then((c) => {
            node.status({ fill: 'yellow', shape: 'ring', text: `failed ${c.orderNumber}/${c.sequence}: attempt ${c.attempts}` })
            send([null, { ...msg, topic: c.idempotencyKey, payload: c }])
          })
      } else {
        return done(new MesCommandError('confirmation', action === undefined ? 'no action' : `unknown action '${action}'`,
          "send { action: 'ack', key, erpReference }, { action: 'fail', key, error } or { action: 'resend' }"))
      }
      work.then(() => done(), failed(node, done))
    })
    node.on('close', (done: () => void) => { feed.stop().then(done, done) })
  }
  RED.nodes.registerType('confirmation', ConfirmationNode)
}
