// The broker's settings (`mqtt.*` in the config file): listeners, anonymous access, accounts, limits, the login
// throttle and the store.
import type { ConfigSection } from '../core/config-section'
import { BCRYPT_HASH_PATTERN } from '../core/passwords'
import { DEFAULT_LOGIN_THROTTLE, type LoginThrottleSettings } from './login-throttle'

export type Role = 'admin' | 'machine' | 'viewer'
export type AnonymousRole = Role | 'none'

export interface MqttAccount {
  username: string
  passwordHash: string
  role: Role
  equipment?: string[]
  sparkplugNodes?: string[]
}

export interface MqttConfig {
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

const PORT = { type: 'integer', minimum: 0, maximum: 65535 } as const

export const BROKER_SECTION: ConfigSection<MqttConfig, 'mqtt'> = {
  key: 'mqtt',
  defaults: () => ({
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
  }),
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'The embedded MQTT broker (Unified Namespace).',
    properties: {
      host: { type: 'string', description: 'Interface the MQTT TCP listener binds to.' },
      port: { ...PORT, description: 'MQTT TCP port (0 picks a free port).' },
      ws: {
        type: 'object',
        additionalProperties: false,
        description: 'MQTT over WebSocket, for browsers.',
        properties: {
          enabled: { type: 'boolean' },
          host: { type: 'string' },
          port: PORT,
          path: { type: 'string', pattern: '^/' }
        }
      },
      tls: {
        type: 'object',
        additionalProperties: false,
        description: 'Optional MQTT over TLS listener.',
        required: ['cert', 'key'],
        properties: {
          host: { type: 'string' },
          port: PORT,
          cert: { type: 'string', description: 'PEM certificate file.' },
          key: { type: 'string', description: 'PEM private key file.' },
          ca: { type: 'string', description: 'PEM CA file; when set, client certificates are requested.' }
        }
      },
      anonymous: {
        type: 'object',
        additionalProperties: false,
        description: 'What a client without username may do: from this machine (loopback) and from elsewhere.',
        properties: {
          local: { enum: ['admin', 'viewer', 'none'] },
          remote: { enum: ['admin', 'viewer', 'none'] }
        }
      },
      maxPayloadBytes: {
        type: 'integer',
        minimum: 1024,
        maximum: 268435455,
        description: 'Largest PUBLISH payload accepted; larger ones are diverted to the error topic.'
      },
      persistence: {
        type: 'object',
        additionalProperties: false,
        description: 'The broker store (data/mqtt).',
        properties: {
          sync: {
            type: 'boolean',
            description: 'fsync before a QoS 1/2 message or a retained message is acknowledged, so that a power loss ' +
              'loses nothing acknowledged (default false: a process crash loses nothing, a power loss may).'
          }
        }
      },
      maxClientIdLength: {
        type: 'integer',
        minimum: 23,
        maximum: 65535,
        description: 'Longest client id accepted (characters); a longer one gets CONNACK 2, identifier rejected.'
      },
      loginThrottle: {
        type: 'object',
        additionalProperties: false,
        description: 'Failed logins per source address: burst at once, then refillPerSecond; beyond, logins from ' +
          'that address are refused unchecked.',
        properties: {
          burst: { type: 'integer', minimum: 1 },
          refillPerSecond: { type: 'number', exclusiveMinimum: 0 }
        }
      },
      accounts: {
        type: 'array',
        description: 'MQTT accounts. Passwords are stored as bcrypt hashes (npm run hash-password).',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'passwordHash', 'role'],
          properties: {
            username: { type: 'string', minLength: 1 },
            passwordHash: { type: 'string', pattern: BCRYPT_HASH_PATTERN, description: 'bcrypt hash of the password, never the password itself.' },
            role: {
              enum: ['admin', 'machine', 'viewer'],
              description: 'admin: everything; machine: publish under its own equipment or Sparkplug node, subscribe ' +
                'there; viewer: subscribe only.'
            },
            equipment: { type: 'array', items: { type: 'string' }, description: 'Plant paths (enterprise/site/area/...) a machine account owns.' },
            sparkplugNodes: {
              type: 'array',
              items: { type: 'string', pattern: '^[^/#+]+/[^/#+]+$' },
              description: 'Sparkplug group/edgeNode ids a machine account may publish as.'
            }
          }
        }
      }
    }
  },
  settings: [
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
    { env: 'HUB_MQTT_MAX_CLIENT_ID_LENGTH', key: 'mqtt.maxClientIdLength', kind: 'int', help: 'longest client id accepted (default 256); longer ones get CONNACK 2' }
  ],
  filePathKeys: ['mqtt.tls.cert', 'mqtt.tls.key', 'mqtt.tls.ca'],
  fileOnlyKeys: ['mqtt.accounts']
}
