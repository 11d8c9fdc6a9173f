import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readConfirmationResponse, SapConfirmationError } from '../../../../adapters/sap/outbound/confirmation-response'

const fixture = readFileSync(join(__dirname, '../../../../../test/fixtures/sap/rfc/PRODORDCONF_CREATE_TT_RESPONSE.xml'), 'utf8')

function withItems (items: string): string {
  return '<rfc:CO_MES_PRODORDCONF_CREATE_TT.Response xmlns:rfc="urn:sap-com:document:sap:rfc:functions">' +
    `<ES_RETURN><TYPE/><ID/><NUMBER/><MESSAGE/></ES_RETURN><ET_DETAIL_RETURN>${items}</ET_DETAIL_RETURN>` +
    '</rfc:CO_MES_PRODORDCONF_CREATE_TT.Response>'
}
const item = (type: string, msg: string, extra = ''): string =>
  `<item><TYPE>${type}</TYPE><ID>RU</ID><NUMBER>100</NUMBER><MESSAGE>${msg}</MESSAGE>${extra}</item>`

describe("SAP outbound: SAP's answer to a confirmation (CO_MES_PRODORDCONF_CREATE_TT)", () => {
  it("reads SAP's real answer into the confirmation number and counter, and its messages", () => {
    const r = readConfirmationResponse(fixture)
    assert.equal(r.ok, true)
    assert.equal(r.reference, '0000001114/00000001')
    assert.equal(r.confirmationNumber, '0000001114')
    assert.equal(r.confirmationCounter, '00000001')
    assert.deepEqual(r.messages.map((m) => m.type), ['I', 'S'])
    assert.equal(r.messages[0].message, 'Confirmation of order 000208277436 saved')
    assert.deepEqual(r.warnings, [])
  })

  it('keeps warnings beside a posted confirmation', () => {
    const r = readConfirmationResponse(withItems(item('W', 'Quantity exceeds planned', '<CONF_NO>0000000001</CONF_NO><CONF_CNT>00000002</CONF_CNT>')))
    assert.equal(r.reference, '0000000001/00000002')
    assert.deepEqual(r.warnings.map((w) => w.message), ['Quantity exceeds planned'])
  })

  it("turns an error (TYPE E) into a non-retryable error with SAP's message text", () => {
    assert.throws(() => readConfirmationResponse(withItems(item('E', 'Order 000001895938 is not released'))),
      (e: unknown) => e instanceof SapConfirmationError && !e.retryable && /Order 000001895938 is not released/.test(e.message) &&
        e.code === 'SAP_CONFIRMATION_REJECTED')
  })

  it('turns a lock or an abort into a retryable error', () => {
    assert.throws(() => readConfirmationResponse(withItems(item('E', 'Order locked by user BOB', '<FLG_LOCKED>X</FLG_LOCKED>'))),
      (e: unknown) => e instanceof SapConfirmationError && e.retryable)
    assert.throws(() => readConfirmationResponse(withItems(item('A', 'Update terminated'))),
      (e: unknown) => e instanceof SapConfirmationError && e.retryable)
  })

  it('refuses an answer without a confirmation number, and a DOCTYPE', () => {
    assert.throws(() => readConfirmationResponse(withItems(item('S', 'ok'))), /without a confirmation number/)
    assert.throws(() => readConfirmationResponse('<!DOCTYPE x><x/>'), /DOCTYPE/)
    assert.throws(() => readConfirmationResponse('<other/>'), /not a CO_MES_PRODORDCONF_CREATE_TT.Response/)
  })
})
