// The `idoc out` node in a real Node-RED runtime on a real hub whose outbox sends to the simulated SAP over
// IDoc-XML: an IDoc from a flow is queued (output 1) and reported sent once SAP has it (output 2); the same
// idempotency key again is the same message, not a second IDoc in SAP; bad input is the node's error.
import assert from 'node:assert/strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import idocOutNode = require('../../nodes/idoc-out/idoc-out')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { Sink } from '../support/node-sink'
import { idocIdentityOf } from '../../adapters/sap/idoc/idoc-writer'
import { sapHubSuite, statusTexts } from './sap-hub-fixture'

helper.init(require.resolve('node-red'))

type Msg = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** The partners of the hub's partner profile in the simulated SAP (the flow's to give). */
const PARTNERS = { SNDPOR: 'ISA95HUB', SNDPRT: 'LS', SNDPRN: 'ISA95HUB', RCVPOR: 'SAPSIM', RCVPRT: 'LS', RCVPRN: 'SIMCLNT100' }

function matmasXml (material: string, partners: Record<string, string> = PARTNERS): string {
  const control = Object.entries(partners).map(([k, v]) => `<${k}>${v}</${k}>`).join('')
  return `<?xml version="1.0" encoding="UTF-8"?><MATMAS05><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><IDOCTYP>MATMAS05</IDOCTYP><MESTYP>MATMAS</MESTYP>${control}</EDI_DC40>` +
    `<E1MARAM SEGMENT="1"><MATNR>${material}</MATNR><MEINS>KG</MEINS></E1MARAM></IDOC></MATMAS05>`
}

describe('idoc out node', function () {
  this.timeout(60000)
  const s = sapHubSuite(helper, 'idoc-xml')

  const flow = [
    { id: 'out', type: 'idoc out', name: 'to SAP', wires: [['queued'], ['done']] },
    { id: 'queued', type: 'helper' }, { id: 'done', type: 'helper' }
  ]

  async function errorOf (node: Msg): Promise<string> {
    return await new Promise<string>((resolve) => node.on('call:error', (call: { args: unknown[] }) => resolve(String(call.args[0]))))
  }

  it('queues an IDoc in the outbox and says sent when the simulated SAP has it; the same key again sends nothing more', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: s().hub.services })
    await helper.load(idocOutNode as never, flow)
    const queued = new Sink(helper.getNode('queued'))
    const done = new Sink(helper.getNode('done'))
    const xml = matmasXml('RM-STEEL-COIL')

    helper.getNode('out').receive({ payload: xml, idempotencyKey: 'matmas-test-1' })
    const q = await queued.next()
    assert.equal(q.payload.destination, 'sap')
    assert.equal(q.payload.type, 'idoc')
    assert.equal(q.payload.idempotencyKey, 'sap:idoc:matmas-test-1')
    assert.equal(q.payload.orderingKey, 'MATMAS')
    assert.equal(q.idempotencyKey, 'matmas-test-1', 'the input message rides along')
    const sent = await done.next(15000)
    assert.equal(sent.payload.id, q.payload.id)
    assert.equal(sent.payload.status, 'sent', sent.payload.lastError)
    assert.equal(s().sim.received.idocs.length, 1)
    assert.equal(s().sim.received.idocs[0]!.idocType, 'MATMAS05')
    assert.equal(s().sim.received.idocs[0]!.transport, 'xml-http')
    // DOCNUM and ARCKEY come from the key: a resend after a crash is the same message to SAP.
    const identity = idocIdentityOf('matmas-test-1')
    assert.equal(s().sim.received.idocs[0]!.senderDocnum, identity.docnum)
    assert.equal(s().sim.received.idocs[0]!.arckey, `urn:sap.com:msgid=${identity.messageId}`)

    // The same key again: the outbox has it (sent), so output 2 says so at once and SAP gets no second IDoc.
    helper.getNode('out').receive({ payload: xml, idempotencyKey: 'matmas-test-1' })
    assert.equal((await queued.next()).payload.id, q.payload.id)
    assert.equal((await done.next()).payload.status, 'sent')
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(s().sim.received.idocs.length, 1)

    // The node's own idoc in output form ({ idocType, control, segments }) is taken as well.
    helper.getNode('out').receive({ payload: { idocType: 'MATMAS05', messageType: 'MATMAS', control: { ...PARTNERS }, segments: [{ name: 'E1MARAM', fields: { MATNR: 'RM-X' }, segments: [] }] } })
    await queued.next()
    assert.equal((await done.next(15000)).payload.status, 'sent')
    assert.equal(s().sim.received.idocs.length, 2)
  })

  it('fails a message that is not an IDoc, or one SAP cannot route (no receiver), and queues nothing', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: s().hub.services })
    await helper.load(idocOutNode as never, flow)
    const before = (await s().hub.mes.mes.outbox.list({ destination: 'sap' })).length
    const out = helper.getNode('out')
    const err = errorOf(out)
    out.receive({ payload: { hello: 'SAP' } })
    assert.match(await err, /msg\.payload must be IDoc-XML text or an IDoc/)
    const bad = errorOf(out)
    out.receive({ payload: '<MATMAS05><IDOC BEGIN="1"><E1MARAM' })
    assert.match(await bad, /msg\.payload/)
    const { RCVPRN: _, ...noReceiver } = PARTNERS
    const unrouted = errorOf(out)
    out.receive({ payload: matmasXml('RM-X', noReceiver) })
    assert.match(await unrouted, /RCVPRN|is required for an inbound IDoc/)
    assert.equal((await s().hub.mes.mes.outbox.list({ destination: 'sap' })).length, before)
  })

  it('shows "SAP adapter not running" without an SAP adapter and fails each message', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: { ...s().hub.services, sap: undefined } })
    await helper.load(idocOutNode as never, flow)
    const out = helper.getNode('out')
    assert.ok(statusTexts(out).includes('SAP adapter not running'))
    const err = errorOf(out)
    out.receive({ payload: 'x' })
    assert.match(await err, /SAP adapter of the isa95-hub runtime is not running/)
  })
})
