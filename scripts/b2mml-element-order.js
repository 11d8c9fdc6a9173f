#!/usr/bin/env node
// Writes schemas/b2mml-v7/element-order.json: for each complex type of MESA's B2MML V7 XSD that the hub's documents
// use (the closure of OperationsPerformance and MaterialLot in AllSchemas.json), its child elements in the order of
// the XSD's sequence. MESA's JSON form lists properties alphabetically; XML needs the XSD's order (mes/as-built/b2mml-xml.ts).
// Usage: node scripts/b2mml-element-order.js <dir of the B2MML V7 .xsd files, e.g. ../shared/spec/b2mml-v7/Schema>
'use strict'
const fs = require('node:fs')
const path = require('node:path')

const dir = process.argv[2]
if (dir === undefined) {
  console.error('usage: node scripts/b2mml-element-order.js <dir of the B2MML V7 .xsd files>')
  process.exit(2)
}
const root = path.join(__dirname, '..')
const defs = JSON.parse(fs.readFileSync(path.join(root, 'schemas/b2mml-v7/AllSchemas.json'), 'utf8')).$defs

const closure = new Set()
const pending = ['OperationsPerformance', 'MaterialLot']
while (pending.length > 0) {
  const name = pending.pop()
  if (closure.has(name)) continue
  closure.add(name)
  JSON.stringify(defs[name], (k, v) => {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) pending.push(v.slice('#/$defs/'.length))
    return v
  })
}

const order = {}
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.xsd')).sort()) {
  const xsd = fs.readFileSync(path.join(dir, file), 'utf8')
  for (const m of xsd.matchAll(/<xsd:complexType\s+name\s*=\s*"([^"]+)"\s*>([\s\S]*?)<\/xsd:complexType>/g)) {
    const [, type, body] = m
    if (!closure.has(type) || !body.includes('<xsd:sequence')) continue
    const elements = [...body.matchAll(/<xsd:element\s+name\s*=\s*"([^"]+)"/g)].map((e) => e[1])
    if (elements.length > 0) order[type] = elements
  }
}
const out = path.join(root, 'schemas/b2mml-v7/element-order.json')
fs.writeFileSync(out, JSON.stringify(Object.fromEntries(Object.entries(order).sort()), null, 1) + '\n')
console.log(`${Object.keys(order).length} types written to ${path.relative(root, out)}`)
