import assert from 'node:assert/strict'
import { parseIdocXml } from '../../../../adapters/sap/idoc/idoc-xml'
import { mapLoiwcs } from '../../../../adapters/sap/mapping/loiwcs'
import { parsePlantModel } from '../../../../plant/load-plant-model'
import { sample } from '../idoc-samples'

const plant = parsePlantModel(JSON.stringify({
  version: 1,
  enterprise: { id: 'acme', name: 'Acme' },
  sites: [{ id: 'dm', name: 'DM plant', sap: { plant: 'DM01' }, areas: [{ id: 'assembly', name: 'Assembly', workCenters: [
    { id: 'cell-az', name: 'AZ cell', kind: 'ProductionLine', sap: { workCenter: 'TEST_AZ' } }
  ] }] }]
}), 'test plant')

describe('SAP LOIWCS into work centers, checked against the plant model', () => {
  it('maps the shared sample to TEST_AZ in DM01, bound to its node in the plant model', () => {
    const r = mapLoiwcs(parseIdocXml(sample('LOIWCS03.xml'))[0], plant)
    assert.deepEqual(r.workCenters, [{ plant: 'DM01', workCenter: 'TEST_AZ', objectId: '40161479', description: 'AAA - Inside Operation', deletionFlag: false, boundTo: 'acme/dm/assembly/cell-az' }])
    assert.deepEqual(r.unbound, [])
  })

  it('reports a work center the plant model does not bind, and still maps it', () => {
    const xml = sample('LOIWCS03.xml').toString('utf8').replace('<ARBPL>TEST_AZ</ARBPL>', '<ARBPL>PRESS01</ARBPL>')
    const r = mapLoiwcs(parseIdocXml(xml)[0], plant)
    assert.equal(r.workCenters[0].workCenter, 'PRESS01')
    assert.equal(r.workCenters[0].boundTo, undefined)
    assert.deepEqual(r.unbound, ["IDOC 1 > E1CRHDL[1]: work center PRESS01 in plant DM01 is not bound in the plant model (add sap: { plant: 'DM01', workCenter: 'PRESS01' } to its node)"])
  })
})
