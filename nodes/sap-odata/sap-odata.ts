// `sap odata`: a read or a create on one of the configured SAP system's OData v2 services (S/4HANA APIs such as
// API_PRODUCTION_ORDER_2_SRV), with SAP's CSRF flow, the session cookies and SAP's error body handled by the
// adapter's client. Output: the answer's data with SAP's warnings; a refusal is the node's error, with SAP's words.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onSapInput } from '../sap-node'
import { failed } from '../node-status'

interface SapODataDef extends NodeDef {
  method: 'GET' | 'POST' | ''
  service: string
  path: string
}

type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function SapODataNode (this: Node, def: SapODataDef): void {
    const node = this
    onSapInput<Msg>(RED, node, def, ({ sap }, msg, send, done) => {
      const odata = sap.odata
      if (odata === undefined) return done(new Error('no SAP system is configured: set sap.outbound.url (and its user and password)'))
      const service = def.service || (typeof msg.service === 'string' ? msg.service : '')
      const path = def.path || (typeof msg.path === 'string' ? msg.path : '')
      const method = def.method || (msg.method === 'POST' ? 'POST' : 'GET')
      if (service === '' || path === '') return done(new Error('sap odata needs a service (e.g. API_PRODUCTION_ORDER_2_SRV) and a path or entity set (e.g. A_ProductionOrder_2)'))
      const query = typeof msg.query === 'object' && msg.query !== null ? Object.fromEntries(Object.entries(msg.query).map(([k, v]) => [k, String(v)])) : {}
      const call = method === 'POST' ? odata.post(service, path, msg.payload) : odata.get(service, path, { $format: 'json', ...query })
      call.then((r) => {
        node.status({ fill: 'green', shape: 'dot', text: `${method} ${path}: ${r.status}${r.warnings.length > 0 ? `, ${r.warnings.length} warning(s)` : ''}` })
        send({ ...msg, payload: r.data, statusCode: r.status, warnings: r.warnings })
        done()
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('sap odata', SapODataNode)
}
