'use strict'
// Rewrites schemas/hub-config.schema.json from the config sections the hub merges (hub/config.ts); run through
// `npm run schemas`, which builds first. test/hub/config-sections.test.ts fails while the file is out of date.
const fs = require('node:fs')
const path = require('node:path')
const { configSchemaText } = require('../dist/hub/config')

const file = path.join(__dirname, '..', 'schemas', 'hub-config.schema.json')
const text = configSchemaText()
if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) {
  process.stdout.write(`${path.relative(process.cwd(), file)} is up to date\n`)
} else {
  fs.writeFileSync(file, text)
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`)
}
