// The aedes-persistence abstract suite (node:test) run against the hub's own persistence factory, each test on a
// fresh LevelDB directory. persistence.test.ts runs this file in a child process and fails with its output.
import test from 'node:test'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createPersistence, levelAt } from '../../broker/persistence'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const abstractPersistence = require('aedes-persistence/abstract.js') as (opts: unknown) => void

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-persistence-'))
let n = 0

abstractPersistence({
  test,
  persistence: () => createPersistence(levelAt(path.join(root, String(n++)))),
  testAsync: true
})
