// The flows the hub ships (flows/hub-flows.json, seeded into a new user's editor): every node on a tab of its own
// file, of a type that this Node-RED has (core or the hub's nodes/), wired to nodes that exist, and laid out so
// that no two nodes of a tab overlap in the editor (Node-RED draws a node 30 px high and as wide as its label,
// at least 100 px; label widths are estimated at 7 px per character plus 50 for the icon and ports).
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT as ROOT } from '../support/child-hub'
type FlowNode = Record<string, unknown> & { id: string, type: string, z?: string, x?: number, y?: number, name?: string, wires?: string[][] }

const CORE_TYPES = new Set(['tab', 'inject', 'debug', 'function', 'comment', 'catch', 'status', 'change', 'switch', 'link in', 'link out', 'delay', 'template', 'http request'])

function hubTypes (): Set<string> {
  const types = new Set<string>()
  const dir = path.join(ROOT, 'nodes')
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue
    for (const f of fs.readdirSync(path.join(dir, d.name)).filter((x) => x.endsWith('.html'))) {
      for (const m of fs.readFileSync(path.join(dir, d.name, f), 'utf8').matchAll(/RED\.nodes\.registerType\('([^']+)'/g)) types.add(m[1]!)
    }
  }
  return types
}

/** The label the editor shows: the name, else what the node's label function would give (topic, equipment). */
function labelOf (n: FlowNode): string {
  if (typeof n.name === 'string' && n.name !== '') return n.name
  if (n.type === 'uns in' || n.type === 'uns out') return String(n.topic ?? n.type)
  if (n.type === 'opcua browse') return typeof n.equipment === 'string' && n.equipment !== '' ? `browse ${n.equipment.split('/').pop()!}` : n.type
  return n.type
}

const widthOf = (n: FlowNode): number => Math.max(100, Math.ceil((labelOf(n).length * 7 + 50) / 20) * 20)

describe('the shipped flows (flows/hub-flows.json)', function () {
  const flows = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'hub-flows.json'), 'utf8')) as FlowNode[]
  const tabs = flows.filter((n) => n.type === 'tab')
  const nodes = flows.filter((n) => n.type !== 'tab')

  it('put every node on a shipped tab, of a known type, wired to nodes that exist', function () {
    const known = new Set([...CORE_TYPES, ...hubTypes()])
    const ids = new Set(flows.map((n) => n.id))
    assert.equal(ids.size, flows.length, 'ids are unique')
    assert.ok(tabs.some((t) => t.label === 'OPC UA'), 'the OPC UA tab is shipped')
    for (const n of nodes) {
      assert.ok(tabs.some((t) => t.id === n.z), `${n.type} ${n.id} is on a shipped tab`)
      assert.ok(known.has(n.type), `${n.type} (${n.id}) is a type this Node-RED has`)
      for (const target of (n.wires ?? []).flat()) assert.ok(ids.has(target), `${n.id} is wired to ${target}, which exists`)
    }
  })

  it('lay out each tab without two nodes overlapping', function () {
    for (const tab of tabs) {
      const on = nodes.filter((n) => n.z === tab.id)
      for (let i = 0; i < on.length; i++) {
        for (let j = i + 1; j < on.length; j++) {
          const a = on[i]!
          const b = on[j]!
          const apartX = Math.abs(a.x! - b.x!) >= (widthOf(a) + widthOf(b)) / 2
          const apartY = Math.abs(a.y! - b.y!) >= 30 + 10
          assert.ok(apartX || apartY, `on tab '${String(tab.label)}': '${labelOf(a)}' (${a.x}, ${a.y}) and '${labelOf(b)}' (${b.x}, ${b.y}) overlap`)
        }
      }
    }
  })
})
