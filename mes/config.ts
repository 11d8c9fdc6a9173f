// The MES core's settings (`mes.*`): which store keeps work orders, jobs, WIP, confirmations and the audit trail.
import path from 'node:path'
import type { ConfigSection } from '../core/config-section'

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
  /** Staging of a job's components at its work unit by the WMS (mes/logistics; README "Logistics"); default { trigger: dispatch, requiredToStart: false }. */
  staging?: StagingConfig
}

export const STAGING_TRIGGERS = ['dispatch', 'release', 'manual'] as const

export interface StagingConfig {
  /** When a job's staging requests are made: in its dispatch (default), at its order's release, or only when asked. */
  trigger: typeof STAGING_TRIGGERS[number]
  /** A job starts only when every component of its operation is staged; default false. */
  requiredToStart: boolean
}

export const MES_SECTION: ConfigSection<MesConfig, 'mes'> = {
  key: 'mes',
  defaults: () => ({ store: 'sqlite', staging: { trigger: 'dispatch', requiredToStart: false } }),
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'The MES core: work orders, dispatch, WIP, ERP confirmations and the audit trail, kept in one store.',
    properties: {
      store: { enum: ['sqlite', 'postgres'], description: 'sqlite: a file in the data directory (default); postgres: the server named by postgresUrl.' },
      sqliteFile: { type: 'string', minLength: 1, description: 'SQLite database file. Default: <dataDir>/mes.sqlite.' },
      postgresUrl: {
        type: 'string',
        pattern: '^postgres(ql)?://',
        description: 'PostgreSQL connection string, e.g. postgres://mes:secret@db:5432/mes. Required with store: postgres; its password is never logged.'
      },
      postgresSchema: {
        type: 'string',
        pattern: '^[a-z_][a-z0-9_]{0,62}$',
        description: 'PostgreSQL schema for the MES tables (created if missing). Default: the server\'s search_path.'
      },
      overReportTolerancePct: {
        type: 'number',
        minimum: 0,
        maximum: 100,
        description: 'How far (percent of an operation\'s quantity) reported good+scrap+rework may exceed it. Default 0.'
      },
      staging: {
        type: 'object',
        additionalProperties: false,
        description: 'Staging of each job\'s components at its work unit\'s supply location by the WMS (plant model supplyLocation).',
        properties: {
          trigger: { enum: STAGING_TRIGGERS, description: 'When the staging requests are made: dispatch (in the dispatch, default), release (at the order\'s release), manual (only when asked).' },
          requiredToStart: { type: 'boolean', description: 'A job starts only when every component of its operation is staged (refused naming what is missing). Default false.' }
        }
      }
    }
  },
  settings: [
    { env: 'HUB_MES_STORE', key: 'mes.store', kind: 'string', help: 'sqlite | postgres: where work orders, jobs and the audit trail are kept' },
    { env: 'HUB_MES_POSTGRES_URL', key: 'mes.postgresUrl', kind: 'string', help: 'PostgreSQL URL for mes.store postgres (postgres://user:pass@host:5432/db)' },
    { env: 'HUB_MES_STAGING_TRIGGER', key: 'mes.staging.trigger', kind: 'string', help: 'dispatch (default) | release | manual: when staging requests go to the WMS' },
    { env: 'HUB_MES_STAGING_REQUIRED', key: 'mes.staging.requiredToStart', kind: 'bool', help: 'a job starts only once its components are staged (default false)' }
  ],
  filePathKeys: ['mes.sqliteFile'],
  fileOnlyKeys: ['mes.sqliteFile', 'mes.postgresSchema', 'mes.overReportTolerancePct'],
  check: (mes) => mes.store === 'postgres' && !mes.postgresUrl
    ? [{ path: '/mes/postgresUrl', message: 'required when mes.store is postgres: set mes.postgresUrl in the config file or HUB_MES_POSTGRES_URL' }]
    : []
}

/** Where the MES SQLite store lives for this configuration. */
export function mesSqliteFile (config: { readonly dataDir: string, readonly mes: MesConfig }): string {
  return config.mes.sqliteFile ?? path.join(config.dataDir, 'mes.sqlite')
}

/** A connection string with its password replaced by ***, for logs and messages. */
export function redactUrl (url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}
