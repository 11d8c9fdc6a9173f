// Sparkplug topic parsing and the session transition tables (pure functions: no broker needed).
import assert from 'node:assert/strict'
import {
  DEVICE_TRANSITIONS, HOST_TRANSITIONS, NODE_TRANSITIONS, parseTopic, edgeTopic, stateTopic
} from '../../../sparkplug/host'

describe('Sparkplug host application: topics and transition tables', function () {
  it('tck-id-topic-structure: spBv1.0/<group>/<type>/<edge node>[/<device>] and spBv1.0/STATE/<host id> parse into their parts', () => {
    // Also: tck-id-topic-structure-namespace-a, tck-id-topics-nbirth-topic, -ndata-topic, -ndeath-topic, -dbirth-topic,
    // -ddata-topic, -ddeath-topic, tck-id-host-topic-phid-birth-topic.
    assert.deepEqual(parseTopic('spBv1.0/plant/NBIRTH/node-1'),
      { ok: true, kind: 'edge', type: 'NBIRTH', groupId: 'plant', edgeNodeId: 'node-1', deviceId: undefined })
    assert.deepEqual(parseTopic('spBv1.0/Sparkplug B Devices/DDATA/Raspberry Pi/Pibrella'),
      { ok: true, kind: 'edge', type: 'DDATA', groupId: 'Sparkplug B Devices', edgeNodeId: 'Raspberry Pi', deviceId: 'Pibrella' })
    assert.deepEqual(parseTopic('spBv1.0/STATE/isa95-hub'), { ok: true, kind: 'state', hostId: 'isa95-hub' })
    for (const t of ['NBIRTH', 'NDEATH', 'NDATA', 'NCMD'] as const) {
      assert.deepEqual(parseTopic(edgeTopic('g', t, 'n')), { ok: true, kind: 'edge', type: t, groupId: 'g', edgeNodeId: 'n', deviceId: undefined })
    }
    for (const t of ['DBIRTH', 'DDEATH', 'DDATA', 'DCMD'] as const) {
      assert.deepEqual(parseTopic(edgeTopic('g', t, 'n', 'd')), { ok: true, kind: 'edge', type: t, groupId: 'g', edgeNodeId: 'n', deviceId: 'd' })
    }
    assert.equal(stateTopic('h'), 'spBv1.0/STATE/h')
  })

  it('tck-id-topic-structure-namespace-device-id-associated-message-types: wrong shapes give a reason, never a throw', () => {
    // Also: -device-id-non-associated-message-types, -valid-group-id, -valid-edge-node-id, -valid-device-id.
    const cases: Array<[string, RegExp]> = [
      ['acme/dallas/line-1', /not in the Sparkplug B namespace/],
      ['spBv1.0/plant', /no message type/],
      ['spBv1.0/plant/NDATA', /no edge node id/],
      ['spBv1.0/plant/NDATA/', /empty edge node id/],
      ['spBv1.0//NDATA/n', /empty group id/],
      ['spBv1.0/plant/XDATA/n', /not a Sparkplug message type/],
      ['spBv1.0/plant/DDATA/n', /needs a device id/],
      ['spBv1.0/plant/NDATA/n/d', /takes no device id/],
      ['spBv1.0/plant/DDATA/n/d/extra', /levels after the device id/],
      ['spBv1.0/plant/DDATA/n/', /empty device id/],
      ['spBv1.0/STATE/', /empty host id/],
      ['spBv1.0/STATE/a/b', /one level after STATE/],
      ['spBv1.0/pl+nt/NDATA/n', /may not contain/]
    ]
    for (const [topic, reason] of cases) {
      const r = parseTopic(topic)
      assert.equal(r.ok, false, topic)
      if (!r.ok) assert.match(r.reason, reason, topic)
    }
  })

  it('the transition tables list every (state, event) pair, and every target is a state of the table', () => {
    for (const [table, states] of [[NODE_TRANSITIONS, ['UNBORN', 'ONLINE', 'OFFLINE']], [DEVICE_TRANSITIONS, ['UNBORN', 'ONLINE', 'OFFLINE']]] as const) {
      const events = Object.keys(Object.values(table)[0]!).sort()
      assert.deepEqual(Object.keys(table).sort(), [...states].sort())
      for (const [state, row] of Object.entries(table)) {
        assert.deepEqual(Object.keys(row).sort(), events, `row ${state}`)
        for (const t of Object.values(row) as Array<Record<string, string>>) {
          if ('to' in t) assert.ok((states as readonly string[]).includes(t.to!), `${state} -> ${t.to}`)
        }
      }
    }
    // Only an NBIRTH brings a node online; data before a birth asks for a rebirth.
    for (const s of ['UNBORN', 'OFFLINE'] as const) {
      assert.deepEqual(NODE_TRANSITIONS[s].NBIRTH, { to: 'ONLINE' })
      assert.deepEqual(NODE_TRANSITIONS[s].NDATA, { rebirth: 'DATA_BEFORE_BIRTH' })
      assert.deepEqual(NODE_TRANSITIONS[s].DBIRTH, { rebirth: 'DBIRTH_BEFORE_NBIRTH' })
    }
    assert.ok('ignore' in NODE_TRANSITIONS.ONLINE.NDEATH_OTHER_BDSEQ)
    for (const row of Object.values(HOST_TRANSITIONS)) {
      for (const to of Object.values(row)) assert.ok(to in HOST_TRANSITIONS)
    }
  })
})
