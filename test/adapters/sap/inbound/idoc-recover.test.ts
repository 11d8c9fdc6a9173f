// The hub restarted with IDocs and other adapters' callbacks stored in the MES inbox but not applied: the IDoc
// applier takes its own channels only (IDoc-XML, IDoc-SOAP), in the order received; a QMS or WMS callback left
// `received` is the QMS's or WMS's to recover, and is neither applied here nor logged as an unreadable IDoc.
import assert from 'node:assert/strict'
import { forEachStore } from '../../../mes/stores'
import { IdocApplier } from '../../../../adapters/sap/inbound/idoc-applier'
import { receiveIdocs } from '../../../../adapters/sap/inbound/idoc-receiver'
import { ianaZone } from '../../../../adapters/sap/sap-values'
import { loadPlantModel } from '../../../../plant/load-plant-model'
import { DEMO_PLANT_MODEL } from '../../../../hub/own-config'
import type { Logger } from '../../../../core/logger'
import { loiproIdoc, xmlHttp } from '../idoc-samples'

const PRESS_ORDER = '<E1AFVOL SEGMENT="1"><VORNR>0010</VORNR><ARBPL>PRESSL1</ARBPL><LTXA1>Stamp side panel</LTXA1><MGVRG>100.000</MGVRG></E1AFVOL>'

function recordingLogger (lines: string[]): Logger {
  const log: Logger = {
    error: (m) => { lines.push(`error ${m}`) },
    warn: (m) => { lines.push(`warn ${m}`) },
    info: () => {},
    debug: () => {},
    child: () => log
  }
  return log
}

forEachStore('the IDoc applier at start', (ctx) => {
  it('applies the IDocs stored and not applied, and leaves the QMS and WMS callbacks to their adapters', async function () {
    const { mes } = ctx()
    const inbox = mes.inbox
    await receiveIdocs(inbox, Buffer.from(xmlHttp(loiproIdoc('0000000000500001', { aufnr: '000001000001', operations: PRESS_ORDER }))), { channel: 'idoc-xml', who: 'sap-rfc', remote: undefined }, 1024 * 1024)
    const qms = await inbox.receive({ channel: 'qms-webhook', raw: '{"id":"evt_1","type":"hold.placed"}', keys: { sender: 'qms', arckey: 'evt_1' }, meta: { type: 'hold.placed' }, who: 'qms' })
    const wms = await inbox.receive({ channel: 'wms-webhook', raw: '{"id":"wevt_1"}', keys: { sender: 'wms', arckey: 'wevt_1' }, meta: {}, who: 'wms' })
    await receiveIdocs(inbox, Buffer.from(xmlHttp(loiproIdoc('0000000000500002', { aufnr: '000001000002', operations: PRESS_ORDER }))), { channel: 'idoc-xml', who: 'sap-rfc', remote: undefined }, 1024 * 1024)

    const lines: string[] = []
    const applier = new IdocApplier({ mes, model: loadPlantModel(DEMO_PLANT_MODEL), zone: ianaZone('UTC'), unitCodes: 'sap', log: recordingLogger(lines), maxBytes: 1024 * 1024 })
    assert.equal(await applier.recover(), 2, 'the two IDocs, not the callbacks')

    assert.equal((await mes.workOrders.get('1000001')).status, 'released')
    assert.equal((await mes.workOrders.get('1000002')).status, 'released')
    assert.equal((await inbox.get(qms.id)).status, 'received', 'the QMS callback is left for the QMS adapter')
    assert.equal((await inbox.get(wms.id)).status, 'received', 'the WMS callback is left for the WMS adapter')
    assert.deepEqual(lines, [], 'nothing logged as an unreadable IDoc')
    assert.equal(await applier.recover(), 0, 'nothing left of its own')
  })
})
