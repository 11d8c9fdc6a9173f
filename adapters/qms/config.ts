// The QMS adapter's settings (`qms.*` in the config file). Outbound: inspection results, nonconformances and usage
// decisions through the MES outbox (destination 'qms') to one quality system, either the generic REST contract
// (schemas/qms/qms-api.schema.json) or SAP QM over OData; off until enabled with a URL (there is no QMS to send to
// by default). Inbound: the QMS's callbacks (dispositions, holds, usage decisions, inspection plans) at
// POST /qms/webhook, signed with a shared secret (Standard Webhooks 1.0), no login. Retries and dead letters are
// the outbox's, the same for every outbound adapter.
import fs from 'node:fs'
import { secretProblem } from '../../core/webhook-signature'
import type { ConfigSection } from '../../core/config-section'
import type { Problem } from '../../core/errors'

export const QMS_SYSTEMS = ['generic', 'sap-qm'] as const
export type QmsSystem = typeof QMS_SYSTEMS[number]

export interface QmsConfig {
  /** The outbound side (the outbox worker, the feeders) and the webhook endpoint. */
  enabled: boolean
  system: QmsSystem
  /** The QMS's HTTP(S) root, e.g. https://qms.example.com; for 'generic' the API is under /api/v1. */
  url: string
  /**
   * A file holding the QMS credentials, readable by the hub's user only: for 'generic' its first line is the API
   * token (sent as `Authorization: Bearer`); for 'sap-qm' `user:password`. HUB_QMS_CREDENTIALS overrides it.
   */
  credentialsFile: string
  /** A file holding the webhook's signing secret (`whsec_<base64>` or plain text), readable by the hub's user only; HUB_QMS_WEBHOOK_SECRET overrides it. */
  webhookSecretFile: string
  /** A callback whose webhook-timestamp is further than this from the hub's clock is refused (a replay), seconds. */
  webhookToleranceS: number
  /** Largest callback body accepted, bytes. */
  maxWebhookBytes: number
  /** Time for one request to the QMS before it counts as failed (and is retried), ms. */
  timeoutMs: number
  /** How often a GET of an inspection plan is tried again after a network failure or a 5xx (sends are the outbox's). */
  retries: number
  /** Wait before a GET is tried again, ms (doubled on each try). */
  retryDelayMs: number
  /** How often the feeders look for new results and nonconformances, ms. */
  pollMs: number
  /** Fetch an order's inspection plan from the QMS when the order is released (as SAP QM makes its inspection lot then). */
  plansOnRelease: boolean
  /** A plan the QMS could not be asked for is asked again after this long, ms. */
  planRetryMs: number
  /** sap-qm: the plant of the usage decisions' selected set (SAP WERKS). */
  sapPlant: string
  /** sap-qm: the SAP client (sap-client); empty: the system's default. */
  sapClient: string
}

const MS = { type: 'integer', minimum: 1 } as const

export const QMS_SECTION: ConfigSection<QmsConfig, 'qms'> = {
  key: 'qms',
  defaults: () => ({
    enabled: false,
    system: 'generic',
    url: '',
    credentialsFile: '',
    webhookSecretFile: '',
    // Standard Webhooks 1.0 recommends refusing timestamps more than five minutes off.
    webhookToleranceS: 300,
    maxWebhookBytes: 1024 * 1024,
    timeoutMs: 30_000,
    retries: 2,
    retryDelayMs: 500,
    pollMs: 1_000,
    plansOnRelease: true,
    planRetryMs: 60_000,
    sapPlant: '',
    sapClient: ''
  }),
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'QMS: inspection results, nonconformances and usage decisions out through the outbox; dispositions, holds, usage decisions and inspection plans in at POST /qms/webhook (signed).',
    properties: {
      enabled: { type: 'boolean', description: 'Send to the QMS and serve its webhook (needs qms.url and the webhook secret).' },
      system: { enum: QMS_SYSTEMS, description: "'generic': the hub's REST / webhook contract (schemas/qms/); 'sap-qm': SAP QM over OData (API_INSPECTIONLOT_SRV)." },
      url: { type: 'string', pattern: '^(|https?://.+)$', description: "The QMS's HTTP root; empty: nothing is sent (messages wait in the outbox)." },
      credentialsFile: { type: 'string', description: "A file with the QMS credentials (generic: the API token; sap-qm: user:password), readable by the hub's user only (HUB_QMS_CREDENTIALS overrides it)." },
      webhookSecretFile: { type: 'string', description: "A file with the webhook signing secret (whsec_<base64> or text), readable by the hub's user only (HUB_QMS_WEBHOOK_SECRET overrides it)." },
      webhookToleranceS: { type: 'integer', minimum: 1, maximum: 86400, description: "Callbacks signed further than this from the hub's clock are refused as replays, seconds (default 300)." },
      maxWebhookBytes: { type: 'integer', minimum: 1024, description: 'Largest callback body accepted, bytes (larger: 413).' },
      timeoutMs: { ...MS, description: 'Time for one request to the QMS before it counts as failed (and is retried).' },
      retries: { type: 'integer', minimum: 0, maximum: 10, description: 'Further tries of a GET (inspection plan) after a network failure or 5xx; sends are retried by the outbox.' },
      retryDelayMs: { ...MS, description: 'Wait before the first further try of a GET, doubled on each.' },
      pollMs: { ...MS, description: 'How often new inspection results and nonconformances are looked for.' },
      plansOnRelease: { type: 'boolean', description: "Fetch an order's inspection plan from the QMS when it is released (default true); at start, for released orders without one." },
      planRetryMs: { ...MS, description: 'A plan the QMS could not be asked for is asked again after this long (default 60 s).' },
      sapPlant: { type: 'string', maxLength: 4, description: "sap-qm: the plant (WERKS) of the usage decisions' selected set; required for sap-qm." },
      sapClient: { type: 'string', pattern: '^[0-9]{0,3}$', description: 'sap-qm: the SAP client (sap-client); empty: the default one.' }
    }
  },
  settings: [
    { env: 'HUB_QMS_ENABLED', key: 'qms.enabled', kind: 'bool', help: 'QMS outbound and webhook on (default false)' },
    { env: 'HUB_QMS_SYSTEM', key: 'qms.system', kind: 'string', help: "the QMS: generic or sap-qm (default generic)" },
    { env: 'HUB_QMS_URL', key: 'qms.url', kind: 'string', help: "the QMS's HTTP root" },
    { env: 'HUB_QMS_CREDENTIALS_FILE', key: 'qms.credentialsFile', kind: 'path', help: 'file with the QMS token or user:password (mode 0600)' },
    { env: 'HUB_QMS_WEBHOOK_SECRET_FILE', key: 'qms.webhookSecretFile', kind: 'path', help: "file with the QMS webhook's signing secret (mode 0600)" }
  ],
  filePathKeys: ['qms.credentialsFile', 'qms.webhookSecretFile'],
  check (value: QmsConfig): Problem[] {
    const problems: Problem[] = []
    for (const [key, what] of [['credentialsFile', 'the QMS credentials'], ['webhookSecretFile', 'the webhook secret']] as const) {
      const file = value[key]
      if (file === '') continue
      try {
        if ((fs.statSync(file).mode & 0o077) !== 0) problems.push({ path: `/qms/${key}`, message: `${file} can be read by other users: chmod 600 it (it holds ${what})` })
      } catch {
        problems.push({ path: `/qms/${key}`, message: `${file} does not exist or cannot be read` })
      }
    }
    if (value.enabled && value.system === 'sap-qm' && value.sapPlant === '') {
      problems.push({ path: '/qms/sapPlant', message: 'qms.system sap-qm needs the plant of its usage decisions: set qms.sapPlant (SAP WERKS, e.g. 1010)' })
    }
    const secret = value.webhookSecretFile === '' || problems.some((p) => p.path === '/qms/webhookSecretFile') ? process.env.HUB_QMS_WEBHOOK_SECRET : qmsWebhookSecret(value)
    const unusable = secret === undefined || secret === '' ? undefined : secretProblem(secret)
    if (unusable !== undefined) problems.push({ path: '/qms/webhookSecretFile', message: `the webhook secret cannot sign: ${unusable} (write whsec_ and the key in base64, as the QMS shows it)` })
    if (value.enabled && value.url === '') problems.push({ path: '/qms/url', message: "the QMS is enabled but has no URL: set qms.url (or HUB_QMS_URL), or qms.enabled false" })
    return problems
  }
}

function firstLine (file: string): string {
  return fs.readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? ''
}

/** The QMS credentials: HUB_QMS_CREDENTIALS, else the credentials file's first line; '' when neither is set. */
export function qmsCredentials (config: QmsConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (env.HUB_QMS_CREDENTIALS !== undefined) return env.HUB_QMS_CREDENTIALS
  return config.credentialsFile === '' ? '' : firstLine(config.credentialsFile)
}

/** The webhook's signing secret: HUB_QMS_WEBHOOK_SECRET, else the secret file's first line; '' when neither is set. */
export function qmsWebhookSecret (config: QmsConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (env.HUB_QMS_WEBHOOK_SECRET !== undefined) return env.HUB_QMS_WEBHOOK_SECRET
  return config.webhookSecretFile === '' ? '' : firstLine(config.webhookSecretFile)
}
