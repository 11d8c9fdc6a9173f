// The hub's own settings: where its data lives, which plant model it loads, its log level and shutdown time (at
// the top of the config file), and the Node-RED editor it embeds (`editor.*`).
import path from 'node:path'
import type { ConfigSection } from '../core/config-section'
import { BCRYPT_HASH_PATTERN } from '../core/passwords'

export const DEMO_PLANT_MODEL = path.join(__dirname, '..', 'plant', 'demo-plant.yaml')

export interface HubSettings {
  dataDir: string
  plantModel: string
  logLevel: 'error' | 'warn' | 'info' | 'debug'
  shutdownTimeoutMs: number
}

export interface EditorUser {
  username: string
  passwordHash: string
  /** '*' (everything), 'read', or a list of permissions (e.g. ['sap.write'] for SAP's technical user, ['mes.read', 'quality.hold'] to hold and release). */
  permissions?: '*' | 'read' | string[]
}

export interface EditorConfig {
  enabled: boolean
  host: string
  port: number
  users: EditorUser[]
}

export const HUB_SECTION: ConfigSection<HubSettings, ''> = {
  key: '',
  defaults: (cwd) => ({
    dataDir: path.resolve(cwd, 'data'),
    plantModel: DEMO_PLANT_MODEL,
    logLevel: 'info',
    shutdownTimeoutMs: 10000
  }),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      dataDir: {
        type: 'string',
        minLength: 1,
        description: 'Directory for everything that must survive a restart (MQTT sessions and retained messages, ' +
          'Node-RED flows and credentials, the MES store).'
      },
      plantModel: {
        type: 'string',
        minLength: 1,
        description: 'YAML or JSON file with the ISA-95 equipment hierarchy. Default: the demo plant shipped with the hub.'
      },
      logLevel: { enum: ['error', 'warn', 'info', 'debug'], description: 'Least severe level written to the log.' },
      shutdownTimeoutMs: {
        type: 'integer',
        minimum: 1000,
        maximum: 60000,
        description: 'How long a clean shutdown may take before the process exits anyway.'
      }
    }
  },
  settings: [
    { env: 'HUB_DATA_DIR', key: 'dataDir', kind: 'path', help: 'data directory (sessions, retained messages, flows, store)' },
    { env: 'HUB_PLANT_MODEL', key: 'plantModel', kind: 'path', help: 'plant model file (YAML or JSON); default: the demo plant' },
    { env: 'HUB_LOG_LEVEL', key: 'logLevel', kind: 'string', help: 'error | warn | info | debug' }
  ],
  filePathKeys: ['dataDir', 'plantModel']
}

export const EDITOR_SECTION: ConfigSection<EditorConfig, 'editor'> = {
  key: 'editor',
  defaults: () => ({ enabled: true, host: '127.0.0.1', port: 1880, users: [] }),
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'The Node-RED runtime and editor.',
    properties: {
      enabled: { type: 'boolean' },
      host: { type: 'string' },
      port: { type: 'integer', minimum: 0, maximum: 65535 },
      users: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'passwordHash'],
          properties: {
            username: { type: 'string', minLength: 1 },
            passwordHash: { type: 'string', pattern: BCRYPT_HASH_PATTERN },
            permissions: {
              description: "'*' (everything), 'read', or a list of permissions such as ['sap.write'] (SAP's technical user: IDocs in, nothing else) or ['mes.read', 'quality.hold'] (a quality engineer: places and releases holds).",
              oneOf: [
                { enum: ['*', 'read'] },
                { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*$' } }
              ]
            }
          }
        }
      }
    }
  },
  settings: [
    { env: 'HUB_EDITOR_ENABLED', key: 'editor.enabled', kind: 'bool', help: 'Node-RED runtime and editor on/off' },
    { env: 'HUB_EDITOR_HOST', key: 'editor.host', kind: 'string', help: 'Node-RED editor interface' },
    { env: 'HUB_EDITOR_PORT', key: 'editor.port', kind: 'int', help: 'Node-RED editor port' }
  ],
  fileOnlyKeys: ['editor.users']
}
