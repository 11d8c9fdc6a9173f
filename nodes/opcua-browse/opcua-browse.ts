// `opcua browse`: lists what is under a node of an OPC UA server that the plant model binds (the equipment's
// `opcua` binding), so that an integrator picks node ids for bindings and flows instead of typing them. The browse
// itself is adapters/opcua/browse.ts; the editor dialog browses through the admin routes below, behind the
// editor's login (permission opcua.read).
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red'
import type { Request, Response } from 'express'
import { hubServicesOf } from '../hub-services'

interface OpcUaBrowseDef extends NodeDef {
  equipment: string
  nodeId: string
}

export = function (RED: NodeAPI): void {
  function OpcUaBrowseNode (this: Node, def: OpcUaBrowseDef): void {
    RED.nodes.createNode(this, def)
    const node = this
    const browser = hubServicesOf(RED)?.opcua
    if (browser === undefined) {
      node.status({ fill: 'red', shape: 'ring', text: 'hub not running' })
    }
    node.on('input', (msg: NodeMessageInFlow & { nodeId?: unknown, equipment?: unknown }, send, done) => {
      if (browser === undefined) return done(new Error('opcua browse: no hub in this Node-RED runtime (the node runs inside isa95-hub)'))
      const equipment = typeof msg.equipment === 'string' && msg.equipment !== '' ? msg.equipment : def.equipment
      const nodeId = typeof msg.nodeId === 'string' && msg.nodeId !== '' ? msg.nodeId
        : typeof msg.payload === 'string' && msg.payload !== '' ? msg.payload : def.nodeId || undefined
      node.status({ fill: 'blue', shape: 'dot', text: `browsing ${nodeId ?? 'root'} ...` })
      browser.browse(equipment, nodeId).then((r) => {
        node.status({ fill: 'green', shape: 'dot', text: `${r.children.length} under ${r.nodeId}` })
        send({ ...msg, topic: equipment, nodeId: r.nodeId, endpoint: r.endpoint, payload: r.children } as never)
        done()
      }, (err: Error) => {
        node.status({ fill: 'red', shape: 'ring', text: 'browse failed: see the debug log' })
        done(err)
      })
    })
  }
  RED.nodes.registerType('opcua browse', OpcUaBrowseNode)

  // The editor dialog's routes: the bound equipment, and one level of a browse.
  const read = RED.auth.needsPermission('opcua.read')
  RED.httpAdmin.get('/isa95-hub/opcua/equipment', read, (_req: Request, res: Response) => {
    const browser = hubServicesOf(RED)?.opcua
    res.json(browser === undefined ? [] : browser.equipment())
  })
  RED.httpAdmin.get('/isa95-hub/opcua/browse', read, (req: Request, res: Response) => {
    const browser = hubServicesOf(RED)?.opcua
    if (browser === undefined) return void res.status(503).json({ error: 'OPCUA_UNAVAILABLE', message: 'no hub in this Node-RED runtime' })
    const equipment = typeof req.query.equipment === 'string' ? req.query.equipment : ''
    const nodeId = typeof req.query.nodeId === 'string' && req.query.nodeId !== '' ? req.query.nodeId : undefined
    browser.browse(equipment, nodeId).then((r) => res.json(r), (err: Error & { code?: string }) => {
      res.status(err.code === 'OPCUA_NOT_BOUND' ? 404 : 502).json({ error: err.code ?? 'OPCUA_BROWSE_FAILED', message: err.message })
    })
  })
}
