// The hub's configuration: defaults, then the config file, then environment variables, then command-line flags.
// One table (SETTINGS) drives the environment variables and `--help`, so the two can never disagree.
import fs from 'node:fs'
import path from 'node:path'
import Ajv from 'ajv'
import YAML from 'yaml'
import configSchema from '../schemas/hub-config.schema.json'
import { HubError, ValidationError, type Problem } from '../core/errors'
import { DEFAULT_SPARKPLUG, type SparkplugSettings } from '../sparkplug/sparkplug-runtime'
import { DEFAULT_LOGIN_THROTTLE, type LoginThrottleSettings } from '../broker/login-throttle'

export type Role = 'admin' | 'machine' | 'viewer'
export type AnonymousRole = Role | 'none'

export interface MqttAccount {
  username: string
  passwordHash: string
  role: Role
  equipment?: string[]
  sparkplugNodes?: string[]
}

export interface EditorUser {
  username: string
  passwordHash: string
  permissions?: '*' | 'read'
}

export interface HubConfig {
  dataDir: string
  plantModel: string
  logLevel: 'error' | 'warn' | 'info' | 'debug'
  shutdownTimeoutMs: number
  mqtt: {
    host: string
    port: number
    ws: { enabled: boolean, host: string, port: number, path: string }
    tls?: { host?: string, port?: number, cert: string, key: string, ca?: string }
    anonymous: { local: AnonymousRole, remote: AnonymousRole }
    maxPayloadBytes: number
    /** Longest client id accepted; longer ones get CONNACK 2. */
    maxClientIdLength: number
    /** Failed logins per source address before its logins are refused unchecked. */
    loginThrottle: LoginThrottleSettings
    accounts: MqttAccount[]
    /** sync: fsync the broker store before a QoS 1 PUBACK or a retained store completes (survives power loss). */
    persistence: { sync: boolean }
  }
  uns: { enforcement: 'reject' | 'flag' | 'off' }
  editor: { enabled: boolean, host: string, port: number, users: EditorUser[] }
  mes: MesConfig
  sparkplug: SparkplugSettings
}

/** The MES store (work orders, jobs, WIP, confirmations, audit trail): SQLite in the data directory by default. */
export interface MesConfig {
  store: 'sqlite' | 'postgres'
  /** SQLite file; default <dataDir>/mes.sqlite. */
  sqliteFile?: string
  /** PostgreSQL connection string (required with store: postgres). Its password is never logged. */
  postgresUrl?: string
  /** PostgreSQL schema (created if missing); default: the server's search_path. */
  postgresSchema?: string
  /** How far (percent of an operation's quantity) reported quantity may exceed it; default 0. */
  overReportTolerancePct?: number
}

export const DEMO_PLANT_MODEL = path.join(__dirname, '..', 'plant', 'demo-plant.yaml')
export const DEFAULT_CONFIG_FILE = 'isa95-hub.yaml'

export function defaultConfig (cwd = process.cwd()): HubConfig {
  return {
    dataDir: path.resolve(cwd, 'data'),
    plantModel: DEMO_PLANT_MODEL,
    logLevel: 'info',
    shutdownTimeoutMs: 10000,
    mqtt: {
      host: '0.0.0.0',
      port: 1883,
      ws: { enabled: true, host: '0.0.0.0', port: 9001, path: '/mqtt' },
      anonymous: { local: 'admin', remote: 'none' },
      maxPayloadBytes: 1024 * 1024,
      // Sparkplug edge nodes and PLC gateways often use long client ids.
      maxClientIdLength: 256,
      loginThrottle: { ...DEFAULT_LOGIN_THROTTLE },
      accounts: [],
      persistence: { sync: false }
    },
    uns: { enforcement: 'reject' },
    editor: { enabled: true, host: '127.0.0.1', port: 1880, users: [] },
    mes: { store: 'sqlite' },
    sparkplug: { ...DEFAULT_SPARKPLUG }
  }
}

/** Where the MES SQLite store lives for this configuration. */
export function mesSqliteFile (config: HubConfig): string {
  return config.mes.sqliteFile ?? path.join(config.dataDir, 'mes.sqlite')
}

/** A connection string with its password replaced by ***, for logs and messages. */
export function redactUrl (url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}

type Kind = 'string' | 'path' | 'int' | 'bool'
interface Setting { env: string, key: string, kind: Kind, help: string }

/** Every setting that can come from the environment; `--help` prints this table. */
export const SETTINGS: readonly Setting[] = [
  { env: 'HUB_DATA_DIR', key: 'dataDir', kind: 'path', help: 'data directory (sessions, retained messages, flows, store)' },
  { env: 'HUB_PLANT_MODEL', key: 'plantModel', kind: 'path', help: 'plant model file (YAML or JSON); default: the demo plant' },
  { env: 'HUB_LOG_LEVEL', key: 'logLevel', kind: 'string', help: 'error | warn | info | debug' },
  { env: 'HUB_MQTT_HOST', key: 'mqtt.host', kind: 'string', help: 'MQTT TCP listener interface' },
  { env: 'HUB_MQTT_PORT', key: 'mqtt.port', kind: 'int', help: 'MQTT TCP port' },
  { env: 'HUB_MQTT_WS_ENABLED', key: 'mqtt.ws.enabled', kind: 'bool', help: 'MQTT over WebSocket on/off' },
  { env: 'HUB_MQTT_WS_HOST', key: 'mqtt.ws.host', kind: 'string', help: 'MQTT over WebSocket interface' },
  { env: 'HUB_MQTT_WS_PORT', key: 'mqtt.ws.port', kind: 'int', help: 'MQTT over WebSocket port' },
  { env: 'HUB_MQTT_TLS_PORT', key: 'mqtt.tls.port', kind: 'int', help: 'MQTT over TLS port (with cert and key)' },
  { env: 'HUB_MQTT_TLS_CERT', key: 'mqtt.tls.cert', kind: 'path', help: 'PEM certificate for the TLS listener' },
  { env: 'HUB_MQTT_TLS_KEY', key: 'mqtt.tls.key', kind: 'path', help: 'PEM private key for the TLS listener' },
  { env: 'HUB_MQTT_TLS_CA', key: 'mqtt.tls.ca', kind: 'path', help: 'PEM CA; requests client certificates' },
  { env: 'HUB_MQTT_ANONYMOUS_LOCAL', key: 'mqtt.anonymous.local', kind: 'string', help: 'role of anonymous clients on loopback: admin | viewer | none' },
  { env: 'HUB_MQTT_ANONYMOUS_REMOTE', key: 'mqtt.anonymous.remote', kind: 'string', help: 'role of anonymous clients from elsewhere: admin | viewer | none' },
  { env: 'HUB_MQTT_MAX_PAYLOAD', key: 'mqtt.maxPayloadBytes', kind: 'int', help: 'largest PUBLISH payload in bytes' },
  { env: 'HUB_MQTT_PERSISTENCE_SYNC', key: 'mqtt.persistence.sync', kind: 'bool', help: 'fsync the broker store before acknowledging QoS 1/2 and retained messages (power-loss safe, slower)' },
  { env: 'HUB_MQTT_MAX_CLIENT_ID_LENGTH', key: 'mqtt.maxClientIdLength', kind: 'int', help: 'longest client id accepted (default 256); longer ones get CONNACK 2' },
  { env: 'HUB_UNS_ENFORCEMENT', key: 'uns.enforcement', kind: 'string', help: 'reject | flag | off: what happens to a publish outside the plant model' },
  { env: 'HUB_EDITOR_ENABLED', key: 'editor.enabled', kind: 'bool', help: 'Node-RED runtime and editor on/off' },
  { env: 'HUB_EDITOR_HOST', key: 'editor.host', kind: 'string', help: 'Node-RED editor interface' },
  { env: 'HUB_EDITOR_PORT', key: 'editor.port', kind: 'int', help: 'Node-RED editor port' },
  { env: 'HUB_SPARKPLUG_ENABLED', key: 'sparkplug.enabled', kind: 'bool', help: 'Sparkplug B host application on/off' },
  { env: 'HUB_SPARKPLUG_HOST_ID', key: 'sparkplug.hostId', kind: 'string', help: 'Sparkplug host id (STATE on spBv1.0/STATE/<id>)' },
  { env: 'HUB_SPARKPLUG_MAX_METRICS_PER_NODE', key: 'sparkplug.maxMetricsPerNode', kind: 'int', help: 'metrics one edge node may declare (NBIRTH + DBIRTHs); a birth over it is refused' },
  { env: 'HUB_SPARKPLUG_MAX_TOPICS', key: 'sparkplug.maxTopics', kind: 'int', help: 'UNS topics the Sparkplug bridge may create in all' },
  { env: 'HUB_SPARKPLUG_MAX_ARRAY_LENGTH', key: 'sparkplug.maxArrayLength', kind: 'int', help: 'elements a Sparkplug array metric may have; a message with a longer one is refused' },
  { env: 'HUB_MES_STORE', key: 'mes.store', kind: 'string', help: 'sqlite | postgres: where work orders, jobs and the audit trail are kept' },
  { env: 'HUB_MES_POSTGRES_URL', key: 'mes.postgresUrl', kind: 'string', help: 'PostgreSQL URL for mes.store postgres (postgres://user:pass@host:5432/db)' }
]

const FILE_PATH_KEYS = ['dataDir', 'plantModel', 'mqtt.tls.cert', 'mqtt.tls.key', 'mqtt.tls.ca', 'mes.sqliteFile']

const ajv = new Ajv({ allErrors: true, strict: true })
const validateConfigShape = ajv.compile(configSchema)

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
  const mes = (config as unknown as HubConfig).mes
  if (mes.store === 'postgres' && !mes.postgresUrl) {
    throw new ValidationError(explicit ?? 'configuration', [{
      path: '/mes/postgresUrl',
      message: 'required when mes.store is postgres: set mes.postgresUrl in the config file or HUB_MES_POSTGRES_URL'
    }])
  }
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

function convert (raw: string, s: Setting, cwd: string): unknown {
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
    'Config file keys not settable from the environment: mqtt.accounts, editor.users, mes.sqliteFile,',
    'mes.postgresSchema, mes.overReportTolerancePct (see README).'
  ].join('\n')
}
