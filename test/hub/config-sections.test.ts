// Each subsystem owns a section of the config (its folder's config.ts); the hub merges them into the published
// schema, the environment variables and `--help`. These tests hold the sections to what the merge relies on.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import Ajv from 'ajv'
import type { JsonSchema } from '../../core/config-section'
import { CONFIG_SECTIONS, configSchemaText, helpText, loadConfig } from '../../hub/config'
import { PROJECT_ROOT } from '../support/child-hub'
import { tempDir } from '../support/hub-fixture'

const SCHEMA_FILE = path.join(PROJECT_ROOT, 'schemas', 'hub-config.schema.json')

/** The schema of a dotted key inside a section's own fragment, or undefined when the fragment has no such key. */
function fragmentAt (section: { key: string, schema: JsonSchema }, key: string): JsonSchema | undefined {
  const prefix = section.key === '' ? '' : `${section.key}.`
  if (!key.startsWith(prefix)) return undefined
  let cur: JsonSchema | undefined = section.schema
  for (const part of key.slice(prefix.length).split('.')) {
    cur = (cur?.properties as Record<string, JsonSchema> | undefined)?.[part]
  }
  return cur
}

describe('hub config: one section per subsystem', function () {
  it('publishes schemas/hub-config.schema.json as the merge of the sections (`npm run schemas` rewrites it)', function () {
    assert.equal(fs.readFileSync(SCHEMA_FILE, 'utf8'), configSchemaText(),
      'schemas/hub-config.schema.json differs from the config sections: run `npm run schemas`')
  })

  it('gives each environment variable one setting, at a key of its own section\'s schema, of the type that key takes', function () {
    const envs = new Set<string>()
    const keys = new Set<string>()
    for (const section of CONFIG_SECTIONS) {
      for (const s of section.settings) {
        assert.ok(!envs.has(s.env), `${s.env} is used twice`)
        assert.ok(!keys.has(s.key), `${s.key} has two environment variables`)
        envs.add(s.env)
        keys.add(s.key)
        assert.match(s.env, /^HUB_[A-Z0-9_]+$/)
        const schema = fragmentAt(section, s.key)
        assert.ok(schema, `${s.env}: '${s.key}' is not a key of the '${section.key}' section's schema`)
        const type = schema.type ?? (Array.isArray(schema.enum) ? 'string' : undefined)
        const expected = { int: 'integer', bool: 'boolean', string: 'string', path: 'string' }[s.kind]
        assert.equal(type, expected, `${s.env} (${s.kind}) sets '${s.key}', whose schema type is ${String(type)}`)
        assert.match(helpText(), new RegExp(`${s.env}\\s+${s.key.replace(/\./g, '\\.')}\\s`), `${s.env} missing from --help`)
      }
    }
  })

  it('names only keys of its own schema as file paths and as file-only keys', function () {
    for (const section of CONFIG_SECTIONS) {
      for (const key of [...section.filePathKeys ?? [], ...section.fileOnlyKeys ?? []]) {
        assert.ok(fragmentAt(section, key), `'${key}' is not a key of the '${section.key}' section's schema`)
      }
      for (const key of section.filePathKeys ?? []) assert.equal(fragmentAt(section, key)?.type, 'string', `${key} is a path`)
    }
  })

  it('starts from defaults that each section\'s own schema accepts', function () {
    const ajv = new Ajv({ allErrors: true, strict: true })
    for (const section of CONFIG_SECTIONS) {
      const validate = ajv.compile(section.schema)
      const defaults = section.defaults(PROJECT_ROOT)
      assert.ok(validate(defaults), `'${section.key}' defaults: ${ajv.errorsText(validate.errors)}`)
      assert.deepEqual(section.check?.(defaults as never) ?? [], [], `'${section.key}' defaults break its rules`)
    }
  })

  it('resolves a section\'s file paths against the config file, and leaves other strings as written', function () {
    const dir = tempDir()
    const file = path.join(dir, 'hub.yaml')
    fs.writeFileSync(file, 'mqtt:\n  host: 127.0.0.1\n  tls: { cert: tls/hub.pem, key: tls/hub.key }\nmes:\n  sqliteFile: db/mes.db\n')
    const c = loadConfig({ file, env: {}, cwd: '/' })
    assert.equal(c.mqtt.tls?.cert, path.join(dir, 'tls', 'hub.pem'))
    assert.equal(c.mqtt.tls?.key, path.join(dir, 'tls', 'hub.key'))
    assert.equal(c.mes.sqliteFile, path.join(dir, 'db', 'mes.db'))
    assert.equal(c.mqtt.host, '127.0.0.1')
  })
})
