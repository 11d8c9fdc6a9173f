// The inbox on the stores of HUB_TEST_STORES: an endpoint stores each IDoc raw before acknowledging it; SAP's resend
// (same sender and DOCNUM, same ARCKEY, or, without either, the same bytes) is a duplicate and changes nothing; what
// became of a message (applied, error with its reason) is recorded, audited and announced.
import assert from 'node:assert/strict'
import { forEachStore } from '../stores'
import { InboxStatusError, NotFoundError } from '../../../mes/errors'
import { ValidationError } from '../../../core/errors'
import { contentHashOf } from '../../../mes/inbox/inbox-service'
import type { InboxChange, InboxReceive } from '../../../mes/service'

const SENDER = 'LS/PRDCLNT100'

/** A LOIPRO IDoc as SAP's XML-HTTP port sends it, its control record naming DOCNUM and sender. */
function idoc (docnum: string, order = '1000', sender = 'PRDCLNT100'): string {
  return `<?xml version="1.0" encoding="UTF-8"?><LOIPRO01><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><TABNAM>EDI_DC40</TABNAM>` +
    `<DOCNUM>${docnum}</DOCNUM><IDOCTYP>LOIPRO01</IDOCTYP><MESTYP>LOIPRO</MESTYP><SNDPRT>LS</SNDPRT><SNDPRN>${sender}</SNDPRN></EDI_DC40>` +
    `<E1AFKOL SEGMENT="1"><AUFNR>00000${order}</AUFNR></E1AFKOL></IDOC></LOIPRO01>`
}

const xmlHttp = (docnum: string, raw = idoc(docnum)): InboxReceive =>
  ({ channel: 'idoc-xml', raw, keys: { sender: SENDER, docnum }, meta: { idocType: 'LOIPRO01' }, who: 'sap-rfc' })

forEachStore('inbox', (ctx) => {
  it('stores a message raw with its keys and meta, status received, audited', async () => {
    const { inbox, audit } = ctx().mes
    const raw = idoc('0000000000123456')
    const r = await inbox.receive(xmlHttp('0000000000123456', raw))
    assert.deepEqual(r, { id: r.id, duplicate: false, status: 'received' })
    const m = await inbox.get(r.id, { raw: true })
    assert.equal(m.raw, raw)
    assert.equal(m.contentHash, contentHashOf(raw))
    assert.equal(m.rawBytes, Buffer.byteLength(raw))
    assert.deepEqual([m.channel, m.sender, m.docnum, m.arckey, m.status], ['idoc-xml', SENDER, '0000000000123456', null, 'received'])
    assert.deepEqual(m.meta, { idocType: 'LOIPRO01' })
    assert.equal((await inbox.get(r.id)).raw, undefined, 'raw only when asked for')
    assert.deepEqual((await audit.forEntity('InboundMessage', String(r.id))).map((a) => [a.action, a.who]), [['receive', 'sap-rfc']])
  })

  it('takes the same DOCNUM from the same sender as a duplicate, whatever the bytes or port; another sender\'s is new', async () => {
    const { inbox } = ctx().mes
    const first = await inbox.receive(xmlHttp('0000000000000042'))
    const resent = await inbox.receive({ ...xmlHttp('0000000000000042', idoc('0000000000000042', '2000')), channel: 'idoc-soap' })
    assert.deepEqual(resent, { id: first.id, duplicate: true, status: 'received' })
    const other = await inbox.receive({ ...xmlHttp('0000000000000042'), keys: { sender: 'LS/QASCLNT200', docnum: '0000000000000042' } })
    assert.equal(other.duplicate, false)
    assert.equal((await inbox.list()).length, 2)
  })

  it('takes the same ARCKEY (the IDoc-SOAP message id) as a duplicate', async () => {
    const { inbox } = ctx().mes
    const arckey = 'urn:sap.com:msgid=0050569A-1B2C-1EDF-A0B1-1234567890AB'
    const soap = (raw: string): InboxReceive => ({ channel: 'idoc-soap', raw, keys: { sender: SENDER, arckey } })
    const first = await inbox.receive(soap('<soap>one</soap>'))
    const again = await inbox.receive(soap('<soap>one, resent with a new envelope</soap>'))
    assert.equal(again.duplicate, true)
    assert.equal(again.id, first.id)
  })

  it('takes the same bytes as a duplicate when a message has neither DOCNUM nor ARCKEY', async () => {
    const { inbox } = ctx().mes
    const first = await inbox.receive({ channel: 'idoc-xml', raw: '<IDOC>no keys</IDOC>', keys: {} })
    const same = await inbox.receive({ channel: 'idoc-xml', raw: '<IDOC>no keys</IDOC>', keys: { contentHash: contentHashOf('<IDOC>no keys</IDOC>') } })
    assert.deepEqual(same, { id: first.id, duplicate: true, status: 'received' })
    assert.equal((await inbox.receive({ channel: 'idoc-xml', raw: '<IDOC>other</IDOC>', keys: {} })).duplicate, false)
    // With a DOCNUM, the same bytes are judged by the DOCNUM: a new IDoc number is a new IDoc.
    assert.equal((await inbox.receive({ channel: 'idoc-xml', raw: '<IDOC>no keys</IDOC>', keys: { docnum: '7' } })).duplicate, false)
  })

  it('stores the IDocs of one document together, a duplicate among them included, and refuses bad input whole', async () => {
    const { inbox } = ctx().mes
    const r = await inbox.receiveAll([xmlHttp('1'), xmlHttp('2'), xmlHttp('1')])
    assert.deepEqual(r.map((x) => x.duplicate), [false, false, true])
    assert.equal(r[2]!.id, r[0]!.id)
    await assert.rejects(inbox.receiveAll([xmlHttp('3'), { ...xmlHttp('4'), channel: 'fax' } as unknown as InboxReceive]),
      (err: unknown) => err instanceof ValidationError && /inbound message 1/.test(err.message) && /channel/.test(err.message))
    assert.equal((await inbox.list()).length, 2)
  })

  it('records applied or error with its reason and results, audited and announced; applied is final', async () => {
    const { inbox, audit } = ctx().mes
    const seen: InboxChange[] = []
    inbox.onChange((c) => seen.push(c))
    const a = await inbox.receive(xmlHttp('10'))
    const b = await inbox.receive(xmlHttp('11'))
    await inbox.receive(xmlHttp('10'))
    const applied = await inbox.setStatus(a.id, 'applied', { results: { orders: ['1000'] }, who: 'sap-adapter' })
    assert.deepEqual([applied.status, applied.results], ['applied', { orders: ['1000'] }])
    await assert.rejects(inbox.setStatus(b.id, 'error', {}), (err: unknown) => err instanceof ValidationError && /reason/.test(err.message))
    const failed = await inbox.setStatus(b.id, 'error', { reason: 'E1AFKOL-MATNR: material FG-9 unknown', who: 'sap-adapter' })
    assert.equal(failed.reason, 'E1AFKOL-MATNR: material FG-9 unknown')
    await assert.rejects(inbox.setStatus(a.id, 'error', { reason: 'late' }), InboxStatusError)
    await assert.rejects(inbox.setStatus(999, 'applied'), NotFoundError)
    assert.equal((await inbox.setStatus(b.id, 'applied', { who: 'sap-adapter' })).status, 'applied', 'reprocessed after the fix')
    assert.deepEqual((await inbox.list({ status: 'applied' })).map((m) => m.id), [a.id, b.id])
    assert.deepEqual(seen.map((c) => c.kind), ['received', 'received', 'applied', 'error', 'applied'])
    assert.deepEqual((await audit.forEntity('InboundMessage', String(b.id))).map((x) => x.action), ['receive', 'error', 'applied'])
    assert.equal((await audit.verify()).ok, true)
  })

  it('lists by status and channel, paged by id', async () => {
    const { inbox } = ctx().mes
    for (const n of ['1', '2', '3']) await inbox.receive(xmlHttp(n))
    await inbox.receive({ channel: 'idoc-soap', raw: '<x/>', keys: { arckey: 'urn:sap.com:msgid=1' } })
    const page = await inbox.list({ channel: 'idoc-xml', limit: 2 })
    assert.deepEqual(page.map((m) => m.docnum), ['1', '2'])
    assert.deepEqual((await inbox.list({ channel: 'idoc-xml', after: page[1]!.id })).map((m) => m.docnum), ['3'])
    assert.ok((await inbox.list()).every((m) => m.raw === undefined))
  })
})
