// The as-built record built from the store for the three-level product of test/mes/materials/three-levels.ts, on
// both stores: its genealogy, the jobs that made it, holds, the record check and its B2MML (JSON and XML).
import assert from 'node:assert/strict'
import { XMLParser } from 'fast-xml-parser'
import { ValidationError } from '../../../core/errors'
import { NotFoundError } from '../../../mes/errors'
import { validateB2mml } from '../../../mes/as-built/b2mml-schema'
import { validateAsBuiltRecord } from '../../../mes/as-built/record-check'
import { forEachStore } from '../stores'
import { threeLevels } from '../materials/three-levels'
import { credentials, frameOrder } from '../materials/fixture'

// B2MML documents are read here by their element names, as a person reads them.
type Doc = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

forEachStore('as-built record from the store', (ctx) => {
  it('FG-1: its whole backward genealogy, each lot once, with quantities as received or produced', async () => {
    await threeLevels(ctx())
    const r = await ctx().mes.materials.asBuilt({ serial: 'FG-1' })
    assert.equal(r.subject, 'FG-1')
    assert.deepEqual(r.genealogy.nodes.map((n) => n.id).sort(), ['B-1', 'B-2', 'B-M', 'FG-1', 'S-1', 'S-1.1', 'S-1.2', 'SA-1', 'SA-3'])
    const node = (id: string) => r.genealogy.nodes.find((n) => n.id === id)!
    assert.deepEqual(node('S-1'), { id: 'S-1', kind: 'lot', material: 'RM-STEEL', quantity: { value: 100, unit: 'KG' }, status: 'released' })
    assert.deepEqual(node('S-1.1'), { id: 'S-1.1', kind: 'sublot', lotId: 'S-1', material: 'RM-STEEL', quantity: { value: 40, unit: 'KG' }, status: 'released' })
    assert.deepEqual(node('B-M'), { id: 'B-M', kind: 'lot', material: 'RM-BOLT', quantity: { value: 100, unit: 'PCE' }, status: 'released' })
    assert.deepEqual(node('SA-1'), { id: 'SA-1', kind: 'serial', material: 'SA-BRACKET', quantity: { value: 1, unit: 'PCE' }, status: 'consumed' })
    const edges = r.genealogy.edges.map((e) => `${e.from}>${e.to}:${e.kind}`).sort()
    assert.deepEqual(edges, ['B-1>B-M:merge', 'B-2>B-M:merge', 'B-M>SA-1:consumption', 'B-M>SA-3:consumption', 'S-1.1>SA-1:consumption',
      'S-1.2>SA-3:consumption', 'S-1>S-1.1:split', 'S-1>S-1.2:split', 'SA-1>FG-1:consumption', 'SA-3>FG-1:consumption'])
    const bolts = r.genealogy.edges.find((e) => e.from === 'B-M' && e.to === 'SA-3')!
    assert.deepEqual({ ...bolts, at: undefined }, {
      from: 'B-M', to: 'SA-3', kind: 'consumption', quantity: { value: 4, unit: 'PCE' }, jobId: bolts.jobId, orderNumber: '601',
      operationSequence: 10, workUnit: 'PRESS-2', operator: 'op.pete', at: undefined
    })
    assert.deepEqual(r.qualityResults, [])
    assert.deepEqual(r.overrides, [])
    assert.equal(validateAsBuiltRecord(r), r)
  })

  it('the operations of the jobs that made each node: times, operators, signatures, what they moved in the genealogy', async () => {
    const jobs = await threeLevels(ctx())
    const { mes, clock } = ctx()
    clock.advance(20)
    await mes.wip.apply({ jobId: jobs.unit1!, event: 'complete', who: 'op.anna', good: 1 })
    const r = await mes.materials.asBuilt({ serial: 'FG-1' })
    assert.deepEqual(r.operations.map((o) => [o.jobId, o.orderNumber, o.workUnit]).sort(),
      [[jobs.bracketA, '600', 'PRESS-1'], [jobs.bracketB, '601', 'PRESS-2'], [jobs.unit1, '700', 'ASSY-1']].sort())
    const unit = r.operations.find((o) => o.jobId === jobs.unit1)!
    assert.equal(unit.state, 'Ended')
    assert.equal(unit.endedAt, clock.iso())
    assert.ok(unit.startedAt !== null && unit.startedAt < unit.endedAt!)
    // op.olga started every job of the fixture.
    assert.deepEqual(unit.operators, ['op.olga', 'op.anna'])
    assert.equal(unit.good, 1)
    assert.deepEqual(unit.consumed.map((m) => m.nodeId), ['SA-1', 'SA-3'])
    assert.deepEqual(unit.produced.map((m) => [m.nodeId, m.quantity.value]), [['FG-1', 1]])
    // Job 600 made SA-1 and SA-2; only SA-1 went into FG-1.
    const press = r.operations.find((o) => o.jobId === jobs.bracketA)!
    assert.deepEqual(press.produced.map((m) => m.nodeId), ['SA-1'])
    assert.deepEqual(press.consumed.map((m) => [m.nodeId, m.quantity.value]), [['S-1.1', 20], ['B-M', 8]])
    assert.equal(press.state, 'Running')
    assert.equal(press.endedAt, null)
  })

  it('a lot held and released is in the record with who, why and the release', async () => {
    await threeLevels(ctx())
    const m = ctx().mes.materials
    ctx().clock.advance(5)
    await m.setLotStatus('B-M', { status: 'on-hold', who: 'qa.quinn', why: 'torque complaint 4711' })
    const heldAt = ctx().clock.iso()
    ctx().clock.advance(60)
    await m.setLotStatus('B-M', { status: 'released', who: 'qa.quinn', why: 'complaint closed' })
    const r = await m.asBuilt({ serial: 'FG-1' })
    assert.deepEqual(r.holds, [{
      target: { kind: 'lot', id: 'B-M' }, status: 'on-hold', reason: 'torque complaint 4711', by: 'qa.quinn', at: heldAt,
      releasedBy: 'qa.quinn', releasedAt: ctx().clock.iso()
    }])
  })

  it('a raw lot received here has a record of its own; an unknown serial and a bad query are refused', async () => {
    await threeLevels(ctx())
    const m = ctx().mes.materials
    const raw = await m.asBuilt({ lotId: 'B-2' })
    assert.deepEqual(raw.genealogy, { nodes: [{ id: 'B-2', kind: 'lot', material: 'RM-BOLT', quantity: { value: 50, unit: 'PCE' }, status: 'consumed' }], edges: [] })
    assert.deepEqual(raw.operations, [])
    await assert.rejects(m.asBuilt({ serial: 'FG-404' }), (e: unknown) => e instanceof NotFoundError && /serial FG-404 not found/.test(e.message))
    await assert.rejects(m.asBuilt({ serial: 'FG-1', lotId: 'B-2' }), ValidationError)
    await assert.rejects(m.asBuilt({ serial: '' }), ValidationError)
  })

  it('its B2MML validates against MESA\'s schema, and a broken one fails', async () => {
    await threeLevels(ctx())
    const b = await ctx().mes.materials.asBuiltB2mml({ serial: 'FG-1' })
    assert.deepEqual(validateB2mml(b.OperationsPerformance), [])
    assert.deepEqual(validateB2mml(b.MaterialLot), [])
    const lot = b.MaterialLot.MaterialLot as Doc
    // A serial of no lot is a lot of one: FG-1 is the root MaterialLot, its brackets are assembly lots.
    assert.equal(lot.ID, 'FG-1')
    assert.deepEqual(lot.AssemblyLot.map((l: Doc) => l.ID), ['SA-1', 'SA-3'])
    const sa1 = lot.AssemblyLot[0]
    assert.deepEqual(sa1.AssemblySubLot.map((l: Doc) => [l.ID, l.MaterialLotID]), [['S-1.1', 'S-1']])
    const perf = b.OperationsPerformance.OperationsPerformance as Doc
    assert.deepEqual(perf.OperationsResponse.map((r: Doc) => r.ID).sort(), ['600', '601', '700'])
    const broken = structuredClone(b.OperationsPerformance) as Doc
    broken.OperationsPerformance.OperationsResponse[0].SegmentResponse[0].MaterialActual[0].MaterialUse = { $: 'Eaten' }
    const problems = validateB2mml(broken)
    assert.ok(problems.some((p) => /MaterialActual\/0\/MaterialUse/.test(p.path) && /must be one of/.test(p.message)), JSON.stringify(problems))
  })

  it('its XML names B2MML\'s namespace, writes elements in the XSD\'s order, and parses back to the same values', async () => {
    await threeLevels(ctx())
    const m = ctx().mes.materials
    const xml = await m.asBuiltB2mmlXml({ serial: 'FG-1' })
    const json = await m.asBuiltB2mml({ serial: 'FG-1' })
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>/)
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (name) => ['OperationsResponse', 'SegmentResponse', 'MaterialActual', 'AssemblyLot'].includes(name) })
      .parse(xml) as Doc
    const root = parsed.AsBuilt
    assert.equal(root['@xmlns'], 'urn:isa95-hub:as-built:1')
    assert.equal(root['@subject'], 'FG-1')
    assert.equal(root.OperationsPerformance['@xmlns'], 'http://www.mesa.org/xml/B2MML')
    assert.equal(root.MaterialLot['@xmlns'], 'http://www.mesa.org/xml/B2MML')
    const perf = json.OperationsPerformance.OperationsPerformance as Doc
    assert.equal(root.OperationsPerformance.ID, perf.ID)
    assert.deepEqual(root.OperationsPerformance.OperationsResponse.map((r: Doc) => r.ID), perf.OperationsResponse.map((r: Doc) => r.ID))
    const seg = root.OperationsPerformance.OperationsResponse[0].SegmentResponse[0]
    const jsonSeg = perf.OperationsResponse[0].SegmentResponse[0]
    assert.deepEqual(seg.MaterialActual.map((a: Doc) => [a.MaterialUse, a.Quantity.QuantityString]),
      jsonSeg.MaterialActual.map((a: Doc) => [a.MaterialUse.$, a.Quantity[0].QuantityString.$]))
    // XSD order of OperationsPerformanceType: ID, Description, PublishedDate, StartTime, ..., OperationsType, ..., OperationsResponse.
    const opXml = xml.slice(xml.indexOf('<OperationsPerformance'), xml.indexOf('</OperationsPerformance>'))
    const top = [...opXml.matchAll(/^ {4}<(\w+)/gm)].map((x) => x[1])
    assert.deepEqual([...new Set(top)], ['ID', 'Description', 'PublishedDate', 'StartTime', 'OperationsType', 'PerformanceState', 'OperationsResponse'])
    assert.equal(root.MaterialLot.ID, 'FG-1')
    assert.deepEqual(root.MaterialLot.AssemblyLot.map((l: Doc) => l.ID), ['SA-1', 'SA-3'])
  })
})

forEachStore('as-built record from the store: overrides and signatures', (ctx) => {
  it('a consumption admitted by an override is marked on its edge, with the second person\'s signature, also in B2MML', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    const m = c.mes.materials
    const signature = { user: 'qa.quinn', password: 'correct horse', meaning: 'approved' }
    await m.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 100 })
    await m.consume({ jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 2, override: { reason: 'deviation D-12', signature } })
    await m.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: ['FR-1'] })
    c.clock.advance(10)
    await c.mes.wip.apply({ jobId: cutJob, event: 'complete', who: 'op.olga', good: 1, signature: { ...signature, meaning: 'reviewed' } })
    const r = await m.asBuilt({ serial: 'FR-1' })
    assert.deepEqual(r.overrides.map((o) => ({ ...o, id: undefined, signature: { ...o.signature, at: undefined } })), [{
      id: undefined, jobId: cutJob, nodeId: 'P-1', rule: 'not-a-component', reason: 'deviation D-12', operator: 'op.olga',
      signature: { user: 'qa.quinn', meaning: 'approved', at: undefined }
    }])
    const paint = r.genealogy.edges.find((e) => e.from === 'P-1')!
    assert.equal(paint.overrideId, r.overrides[0]!.id)
    assert.equal(r.genealogy.edges.find((e) => e.from === 'T-1')!.overrideId, undefined)
    const op = r.operations.find((o) => o.jobId === cutJob)!
    assert.deepEqual(op.signatures.map((s) => [s.user, s.event, s.meaning]), [['qa.quinn', 'consume-override', 'approved'], ['qa.quinn', 'complete', 'reviewed']])
    assert.equal(op.signatures[1]!.at, c.clock.iso())
    const perf = (await m.asBuiltB2mml({ serial: 'FR-1' })).OperationsPerformance.OperationsPerformance as Doc
    const actual = perf.OperationsResponse[0].SegmentResponse[0].MaterialActual.find((a: Doc) => a.MaterialLotID[0] === 'P-1')
    const props = actual.MaterialActualProperty.find((p: Doc) => p.ID === `override/${r.overrides[0]!.id}`)
    assert.ok(props.Value.some((v: Doc) => v.Key === 'signedBy' && v.ValueString.$ === 'qa.quinn'), JSON.stringify(props))
  })

  it('a sublot split off a held lot is held from its split until its own release', async () => {
    const c = ctx()
    const { weldJob } = await frameOrder(c)
    const m = c.mes.materials
    await m.setLotStatus('W-1', { status: 'on-hold', who: 'qa.quinn', why: 'moisture above 0.2 %' })
    c.clock.advance(1)
    await m.split({ lotId: 'W-1', into: [{ lotId: 'W-1a', quantity: 4 }], who: 'wms:WH1' })
    const splitAt = c.clock.iso()
    c.clock.advance(1)
    await m.setLotStatus('W-1a', { status: 'released', who: 'qa.quinn', why: 'dried, retested' })
    const releasedAt = c.clock.iso()
    await m.consume({ jobId: weldJob, who: 'op.olga', lotId: 'W-1a', quantity: 4 })
    await m.produce({ jobId: weldJob, who: 'op.olga', material: 'FG-FRAME', serials: ['FR-2'] })
    const r = await m.asBuilt({ serial: 'FR-2' })
    assert.deepEqual(r.holds.map((h) => ({ ...h, at: h.target.id === 'W-1' ? undefined : h.at })), [
      { target: { kind: 'lot', id: 'W-1' }, status: 'on-hold', reason: 'moisture above 0.2 %', by: 'qa.quinn', at: undefined },
      {
        target: { kind: 'lot', id: 'W-1a' }, status: 'on-hold', reason: 'split off lot W-1 while on-hold: moisture above 0.2 %', by: 'wms:WH1',
        at: splitAt, releasedBy: 'qa.quinn', releasedAt
      }
    ])
    await m.asBuiltB2mml({ serial: 'FR-2' }) // validated against MESA's schema with the sublot's hold
  })

  it('two overridden consumptions of one lot at one job: each edge carries its own override, not the later one', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    const m = c.mes.materials
    const signature = { user: 'qa.quinn', password: 'correct horse', meaning: 'approved' }
    await m.consume({ jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 2, override: { reason: 'deviation D-12', signature } })
    c.clock.advance(1)
    await m.consume({ jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 3, override: { reason: 'deviation D-13', signature } })
    c.clock.advance(1)
    await m.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: ['FR-1'] })
    const r = await m.asBuilt({ serial: 'FR-1' })
    const reasonOf = new Map(r.overrides.map((o) => [o.id, o.reason]))
    assert.deepEqual(r.genealogy.edges.map((e) => [e.from, e.quantity.value, e.overrideId === undefined ? null : reasonOf.get(e.overrideId)]),
      [['P-1', 2, 'deviation D-12'], ['P-1', 3, 'deviation D-13']])
  })
}, { verifyCredentials: credentials })
