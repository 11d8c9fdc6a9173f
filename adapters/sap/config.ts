// The SAP adapter's settings (`sap.*` in the config file). Inbound: IDoc-XML and IDoc-SOAP on the hub's HTTP port at
// SAP's own paths, behind HTTP Basic authentication of an editor user with the permission `sap.write`. Outbound:
// confirmations and goods movements through the MES outbox to one SAP system, each message type over IDoc-XML,
// IDoc-SOAP or OData; off until a URL is set (there is no SAP to send to by default). Retries and dead letters are
// the outbox's (the MES's), the same for every outbound adapter.
import fs from 'node:fs'
import type { ConfigSection } from '../../core/config-section'
import type { Problem } from '../../core/errors'

export const SAP_TRANSPORTS = ['idoc-xml', 'idoc-soap', 'odata'] as const
export type SapTransport = typeof SAP_TRANSPORTS[number]

export interface SapOutboundConfig {
  /** The SAP system's HTTP(S) root, e.g. https://sap.example.com:44300; '' sends nothing. */
  url: string
  /** The SAP client (sap-client, MANDT), e.g. '100'; '' leaves it to the system's default. */
  client: string
  username: string
  /** A file holding the password (readable by the hub's user only); HUB_SAP_PASSWORD overrides it. */
  passwordFile: string
  confirmations: SapTransport
  goodsMovements: SapTransport
  /** IDocs from flows (the idoc out node): IDoc-SOAP or IDoc-XML. */
  idocs: 'idoc-xml' | 'idoc-soap'
  timeoutMs: number
  /**
   * After a post whose outcome is unknown (a timeout or a dropped connection once the request was out), how long
   * before it is looked up and, if SAP does not have it, posted again: longer than SAP may still be working on it.
   */
  settleMs: number
  /** How often the feeders look for new confirmations and material movements, ms. */
  pollMs: number
  /** Our side in the IDoc control record: the logical system (SNDPRN) and port (SNDPOR). */
  senderPartner: string
  senderPort: string
  /** SAP's logical system (RCVPRN) and port (RCVPOR). */
  receiverPartner: string
  receiverPort: string
  /** Storage location (LGORT) components are issued from (261), and the product is received into (101). */
  issueStorageLocation: string
  receiptStorageLocation: string
}

/** Orders pulled from S/4HANA over OData, for landscapes that do not push LOIPRO (needs outbound.url). */
export interface SapPullConfig {
  enabled: boolean
  intervalMs: number
  /** $filter on A_ProductionOrder_2. */
  filter: string
}

export interface SapConfig {
  /** The inbound endpoints, and the outbound side when outbound.url is set. */
  enabled: boolean
  /** Largest IDoc document accepted, bytes. */
  maxDocumentBytes: number
  /** The IANA time zone of the SAP system's dates and times (SAP sends local time without a zone), e.g. 'Europe/Berlin'. */
  timeZone: string
  /** Units in the MES as SAP's internal codes (ST, KG, M) or as ISO codes (PCE, KGM, MTR). */
  unitCodes: 'sap' | 'iso'
  outbound: SapOutboundConfig
  pull: SapPullConfig
}

const MS = { type: 'integer', minimum: 1 } as const
const TEXT = { type: 'string', maxLength: 200 } as const
const TRANSPORT = { enum: SAP_TRANSPORTS } as const

export const SAP_SECTION: ConfigSection<SapConfig, 'sap'> = {
  key: 'sap',
  defaults: () => ({
    enabled: true,
    maxDocumentBytes: 10 * 1024 * 1024,
    timeZone: 'UTC',
    unitCodes: 'sap',
    outbound: {
      url: '',
      client: '',
      username: '',
      passwordFile: '',
      confirmations: 'idoc-soap',
      goodsMovements: 'idoc-soap',
      idocs: 'idoc-soap',
      timeoutMs: 30_000,
      // SAP ends a dialog work process after rdisp/max_wprun_time, 600 s by default.
      settleMs: 600_000,
      pollMs: 1_000,
      senderPartner: 'ISA95HUB',
      senderPort: 'ISA95HUB',
      receiverPartner: '',
      receiverPort: '',
      issueStorageLocation: '0001',
      receiptStorageLocation: '0001'
    },
    pull: { enabled: false, intervalMs: 60_000, filter: "OrderIsReleased eq 'X'" }
  }),
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'SAP: IDocs in at /sap/bc/idoc_xml and /sap/bc/srt/idoc (editor users with sap.write, HTTP Basic); confirmations and goods movements out through the outbox.',
    properties: {
      enabled: { type: 'boolean', description: 'Serve the IDoc endpoints and run the outbound side.' },
      maxDocumentBytes: { type: 'integer', minimum: 1024, description: 'Largest IDoc document accepted, bytes (larger: 413).' },
      timeZone: { type: 'string', minLength: 1, description: "IANA time zone of the SAP system's dates and times (SAP writes local time), e.g. 'Europe/Berlin'." },
      unitCodes: { enum: ['sap', 'iso'], description: "Units in the MES as SAP's internal codes (ST, KG) or ISO codes (PCE, KGM)." },
      outbound: {
        type: 'object',
        additionalProperties: false,
        description: 'Where confirmations and goods movements go.',
        properties: {
          url: { type: 'string', pattern: '^(|https?://.+)$', description: "The SAP system's HTTP root; empty: nothing is sent (messages wait in the outbox)." },
          client: { type: 'string', pattern: '^(|\\d{3})$', description: 'The SAP client (sap-client), three digits.' },
          username: TEXT,
          passwordFile: { type: 'string', description: "A file with the SAP user's password, readable by the hub's user only (HUB_SAP_PASSWORD overrides it)." },
          confirmations: { ...TRANSPORT, description: 'Confirmations as IDoc-SOAP (exactly once: SAP checks the message id), OData (API_PROD_ORDER_CONFIRMATION_2_SRV, looked up by our key before a post) or IDoc-XML (at least once: SAP has no duplicate check there).' },
          goodsMovements: { ...TRANSPORT, description: 'Goods movements (261, 101) as IDoc-SOAP or IDoc-XML (WMMBXY), or OData (API_MATERIAL_DOCUMENT_SRV); exactly once as for confirmations.' },
          idocs: { enum: ['idoc-xml', 'idoc-soap'], description: 'IDocs from flows (idoc out): IDoc-SOAP (exactly once) or IDoc-XML (at least once).' },
          settleMs: { ...MS, description: "After an OData post whose outcome is unknown (a timeout), how long before it is looked up and posted again if SAP lacks it (default 600000: SAP's rdisp/max_wprun_time)." },
          timeoutMs: { ...MS, description: 'Time for one request to SAP before it counts as failed (and is retried).' },
          pollMs: { ...MS, description: 'How often new confirmations and material movements are looked for.' },
          senderPartner: { ...TEXT, description: 'Our logical system in the IDoc control record (SNDPRN).' },
          senderPort: { ...TEXT, description: 'Our port in the IDoc control record (SNDPOR).' },
          receiverPartner: { ...TEXT, description: "SAP's logical system (RCVPRN)." },
          receiverPort: { ...TEXT, description: "SAP's port (RCVPOR)." },
          issueStorageLocation: { type: 'string', maxLength: 4, description: 'Storage location (LGORT) components are issued from (261).' },
          receiptStorageLocation: { type: 'string', maxLength: 4, description: 'Storage location (LGORT) the product is received into (101).' }
        }
      },
      pull: {
        type: 'object',
        additionalProperties: false,
        description: 'Production orders read from S/4HANA (API_PRODUCTION_ORDER_2_SRV) instead of, or beside, LOIPRO pushed by SAP.',
        properties: {
          enabled: { type: 'boolean', description: 'Pull orders (needs sap.outbound.url and its user).' },
          intervalMs: { type: 'integer', minimum: 1000, description: 'How often the orders are read.' },
          filter: { type: 'string', maxLength: 1000, description: "OData $filter on A_ProductionOrder_2, e.g. \"ProductionPlant eq '1000' and OrderIsReleased eq 'X'\"." }
        }
      }
    }
  },
  settings: [
    { env: 'HUB_SAP_ENABLED', key: 'sap.enabled', kind: 'bool', help: 'IDoc endpoints and SAP outbound on (default true)' },
    { env: 'HUB_SAP_TIME_ZONE', key: 'sap.timeZone', kind: 'string', help: "the SAP system's IANA time zone (default UTC)" },
    { env: 'HUB_SAP_URL', key: 'sap.outbound.url', kind: 'string', help: "SAP system's HTTP root for confirmations and goods movements" },
    { env: 'HUB_SAP_CLIENT', key: 'sap.outbound.client', kind: 'string', help: 'SAP client (sap-client)' },
    { env: 'HUB_SAP_USER', key: 'sap.outbound.username', kind: 'string', help: 'SAP user for outbound calls' },
    { env: 'HUB_SAP_PASSWORD_FILE', key: 'sap.outbound.passwordFile', kind: 'path', help: "file with the SAP user's password (mode 0600)" }
  ],
  filePathKeys: ['sap.outbound.passwordFile'],
  check (value: SapConfig): Problem[] {
    const problems: Problem[] = []
    try {
      new Intl.DateTimeFormat('en', { timeZone: value.timeZone }).format(0)
    } catch {
      problems.push({ path: '/sap/timeZone', message: `'${value.timeZone}' is not an IANA time zone (e.g. 'Europe/Berlin', 'America/Chicago', 'UTC')` })
    }
    if (value.pull.enabled && value.outbound.url === '') {
      problems.push({ path: '/sap/pull/enabled', message: 'pulling orders needs the SAP system: set sap.outbound.url (and its user and password)' })
    }
    const file = value.outbound.passwordFile
    if (file !== '') {
      try {
        if ((fs.statSync(file).mode & 0o077) !== 0) {
          problems.push({ path: '/sap/outbound/passwordFile', message: `${file} can be read by other users: chmod 600 it (it holds the SAP password)` })
        }
      } catch {
        problems.push({ path: '/sap/outbound/passwordFile', message: `${file} does not exist or cannot be read` })
      }
    }
    return problems
  }
}

/** The SAP password: HUB_SAP_PASSWORD, else the password file's first line; '' when neither is set. */
export function sapPassword (config: SapOutboundConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (env.HUB_SAP_PASSWORD !== undefined) return env.HUB_SAP_PASSWORD
  if (config.passwordFile === '') return ''
  return fs.readFileSync(config.passwordFile, 'utf8').split(/\r?\n/)[0] ?? ''
}
