'use strict'
// tsc compiles only .ts; Node-RED editor files (.html), JSON Schemas, flows and the demo plant are copied beside
// the compiled code so that dist/ is self-contained and paths resolve the same way in tests and in `npm start`.
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const copies = [
  { from: 'nodes', ext: ['.html', '.json'] },
  { from: 'plant', ext: ['.yaml', '.yml', '.json'] },
  { from: 'test', ext: ['.yaml', '.yml', '.json', '.xml', '.js'] }
]

function copyTree (from, to, exts) {
  if (!fs.existsSync(from)) return
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name)
    const dst = path.join(to, entry.name)
    if (entry.isDirectory()) copyTree(src, dst, exts)
    else if (exts.some((e) => entry.name.endsWith(e)) && !entry.name.endsWith('.d.ts')) {
      fs.mkdirSync(to, { recursive: true })
      fs.copyFileSync(src, dst)
    }
  }
}

for (const c of copies) copyTree(path.join(root, c.from), path.join(root, 'dist', c.from), c.ext)
