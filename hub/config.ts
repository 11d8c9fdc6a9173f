// The hub's configuration: defaults, then the config file, then environment variables, then command-line flags.
// Each subsystem owns its section (type, defaults, JSON Schema, environment variables); this file merges them into
// the config file's schema, the environment table and `--help`, so none of these can disagree with another.
import fs from 'node:fs'
import path from 'node:path'
import Ajv from 'ajv'
import YAML from 'yaml'
import { HubError, ValidationError, type Problem } from '../core/errors'
import type { ConfigSection, EnvSetting, JsonSchema } from '../core/config-section'
import { EDITOR_SECTION, HUB_SECTION } from './own-config'
import { BROKER_SECTION } from '../broker/config'
import { UNS_SECTION } from '../uns/config'
import { SPARKPLUG_SECTION } from '../sparkplug/config'
import { MES_SECTION } from '../mes/config'
import { OPCUA_SECTION } from '../adapters/opcua/config'
import { SAP_SECTION } from '../adapters/sap/config'
import { QMS_SECTION } from '../adapters/qms/config'
import { WMS_SECTION } from '../adapters/wms/config'

// The sections of the config file, in the order of the schema and of `--help`. A new subsystem (an adapter) writes
// its own `config.ts` with a ConfigSection (core/config-section.ts) and adds one line here; HubConfig, the
// defaults, the schema (`npm run schemas` rewrites schemas/hub-config.schema.json), the environment variables and
// `--help` follow from this list.
export const CONFIG_SECTIONS = [
  HUB_SECTION,
  BROKER_SECTION,
  UNS_SECTION,
  EDITOR_SECTION,
  SPARKPLUG_SECTION,
  MES_SECTION,
  OPCUA_SECTION,
  SAP_SECTION,
  QMS_SECTION,
  WMS_SECTION
] as const

type Section = typeof CONFIG_SECTIONS[number]
type ValueOf<S extends Section> = ReturnType<S['defaults']>

/** The whole configuration: the top-level settings of the hub's own section, then one key per other section. */
export type HubConfig = ValueOf<Extract<Section, { key: '' }>> & {
  [S in Section as S['key'] extends '' ? never : S['key']]: ValueOf<S>
}

// The same list, seen without each section's value type (for what is done to every section alike).
const SECTIONS: ReadonlyArray<ConfigSection<unknown>> = CONFIG_SECTIONS

export const DEFAULT_CONFIG_FILE = 'isa95-hub.yaml'

export function defaultConfig (cwd = process.cwd()): HubConfig {
  const config: Record<string, unknown> = {}
  for (const s of SECTIONS) {
    if (s.key === '') Object.assign(config, s.defaults(cwd))
    else config[s.key] = s.defaults(cwd)
  }
  return config as unknown as HubConfig
}

/** The JSON Schema of the config file: the hub's own keys at the top, each other section under its key. */
export const CONFIG_SCHEMA: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://isa95-hub.dev/schemas/hub-config.schema.json',
  $comment: 'Generated from the config sections that hub/config.ts lists (npm run schemas): edit those, not this file.',
  title: 'isa95-hub configuration',
  description: 'The hub\'s runtime configuration (isa95-hub.yaml). Every key is optional: the defaults start a working hub.',
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(SECTIONS.flatMap((s) =>
    s.key === '' ? Object.entries(s.schema.properties as Record<string, JsonSchema>) : [[s.key, s.schema]]))
}

/** schemas/hub-config.schema.json as `npm run schemas` writes it (a test checks that the file is up to date). */
export function configSchemaText (): string {
  return JSON.stringify(CONFIG_SCHEMA, null, 2) + '\n'
}

/** Every setting that can come from the environment; `--help` prints this table. */
export const SETTINGS: readonly EnvSetting[] = SECTIONS.flatMap((s) => s.settings)

const FILE_PATH_KEYS = SECTIONS.flatMap((s) => s.filePathKeys ?? [])

const ajv = new Ajv({ allErrors: true, strict: true })
const validateConfigShape = ajv.compile(CONFIG_SCHEMA)

export interface LoadOptions {
  /** Explicit config file (--config or HUB_CONFIG); when absent, ./isa95-hub.yaml is read if it exists. */
  file?: string
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Settings from command-line flags, by dotted key; they win over everything. */
  overrides?: Record<string, string>
}

export function loadConfig (opts: LoadOptions = {}): HubConfig {
  const env = opts.env ?? process.env
  const cwd = opts.cwd ?? process.cwd()
  const config = defaultConfig(cwd) as unknown as Record<string, unknown>

  const explicit = opts.file ?? env.HUB_CONFIG
  const file = explicit ? path.resolve(cwd, explicit) : path.resolve(cwd, DEFAULT_CONFIG_FILE)
  if (explicit !== undefined || fs.existsSync(file)) {
    const fromFile = readConfigFile(file)
    resolveFilePaths(fromFile, path.dirname(file))
    deepMerge(config, fromFile)
  }

  const problems: Problem[] = []
  for (const s of SETTINGS) {
    const raw = env[s.env]
    if (raw === undefined || raw === '') continue
    const value = convert(raw, s, cwd)
    if (value === undefined) problems.push({ path: s.env, message: `'${raw}' is not a valid ${s.kind === 'int' ? 'integer' : 'true/false'}` })
    else setPath(config, s.key, value)
  }
  for (const [key, raw] of Object.entries(opts.overrides ?? {})) {
    const s = SETTINGS.find((x) => x.key === key)
    setPath(config, key, s ? convert(raw, s, cwd) ?? raw : raw)
  }
  if (problems.length > 0) throw new ValidationError('environment', problems)

  if (!validateConfigShape(config)) {
    throw new ValidationError(explicit ?? 'configuration', (validateConfigShape.errors ?? []).map((e) => ({
      path: e.instancePath,
      message: e.keyword === 'additionalProperties' ? `unknown setting '${String(e.params.additionalProperty)}'` : e.message ?? 'invalid'
    })), 'see `npm start -- --help` for the settings')
  }
  const ruleProblems = SECTIONS.flatMap((s) => s.check?.(s.key === '' ? config : config[s.key]) ?? [])
  if (ruleProblems.length > 0) throw new ValidationError(explicit ?? 'configuration', ruleProblems)
  return config as unknown as HubConfig
}

function readConfigFile (file: string): Record<string, unknown> {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw new HubError('CONFIG_UNREADABLE', `cannot read the config file: ${(err as Error).message}`, { source: file })
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true })
  if (doc.errors.length > 0) {
    throw new ValidationError(file, doc.errors.map((e) => ({
      path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
      message: e.message.split('\n')[0]
    })))
  }
  const value: unknown = doc.toJS() ?? {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(file, [{ path: '', message: 'must be a mapping of settings' }])
  }
  return value as Record<string, unknown>
}

/** Paths in a config file are relative to the file, not to wherever the hub was started. */
function resolveFilePaths (cfg: Record<string, unknown>, dir: string): void {
  for (const key of FILE_PATH_KEYS) {
    const v = getPath(cfg, key)
    if (typeof v === 'string') setPath(cfg, key, path.resolve(dir, v))
  }
}

function convert (raw: string, s: EnvSetting, cwd: string): unknown {
  switch (s.kind) {
    case 'int': return /^\d+$/.test(raw) ? Number(raw) : undefined
    case 'bool': return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : undefined
    case 'path': return path.resolve(cwd, raw)
    default: return raw
  }
}

function getPath (obj: Record<string, unknown>, key: string): unknown {
  let cur: unknown = obj
  for (const part of key.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined
    cur = (cur as Record<string, unknown>)[part]
  }
  return cur
}

function setPath (obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.')
  let cur = obj
  for (const part of parts.slice(0, -1)) {
    if (typeof cur[part] !== 'object' || cur[part] === null) cur[part] = {}
    cur = cur[part] as Record<string, unknown>
  }
  cur[parts[parts.length - 1]] = value
}

function deepMerge (target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) {
    const t = target[k]
    if (v && typeof v === 'object' && !Array.isArray(v) && t && typeof t === 'object' && !Array.isArray(t)) {
      deepMerge(t as Record<string, unknown>, v as Record<string, unknown>)
    } else {
      target[k] = v
    }
  }
}

export function helpText (): string {
  const rows = SETTINGS.map((s) => `  ${s.env.padEnd(27)} ${s.key.padEnd(22)} ${s.help}`)
  return [
    'isa95-hub: ISA-95 Unified Namespace hub (MQTT broker, Sparkplug B host, Node-RED)',
    '',
    'Usage: npm start [-- options]        or   node dist/hub/cli.js [options]',
    '       npm run hash-password          reads a password on stdin, prints its bcrypt hash',
    '',
    'Options:',
    '  --config <file>       config file (YAML or JSON; default ./isa95-hub.yaml if present; env HUB_CONFIG)',
    '  --data-dir <dir>      data directory (default ./data)',
    '  --plant-model <file>  plant model (default: the demo plant)',
    '  --help                this text',
    '',
    'Environment variables (they override the config file; flags override both):',
    `  ${'variable'.padEnd(27)} ${'config key'.padEnd(22)} meaning`,
    ...rows,
    '',
    ...wrap(`Config file keys not settable from the environment: ${SECTIONS.flatMap((s) => s.fileOnlyKeys ?? []).join(', ')} (see README).`)
  ].join('\n')
}

/** Breaks a sentence into lines of at most `width` characters, at spaces. */
function wrap (text: string, width = 100): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  return [...lines, line]
}
