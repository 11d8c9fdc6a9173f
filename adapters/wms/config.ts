// The WMS adapter's settings (`wms.*` in the config file): which warehouse system (the generic REST / webhook
// contract of schemas/wms/, or SAP EWM), where it is, its login, the shared secret of its webhook, the warehouse
// number and the time limits. Off by default (there is no WMS to talk to); staging requests and put-aways wait in
// the outbox until one is configured. Retries and dead letters are the outbox's, as for every outbound adapter.
import fs from 'node:fs'
import type { ConfigSection } from '../../core/config-section'
import type { Problem } from '../../core/errors'

export const WMS_SYSTEMS = ['generic', 'sap-ewm'] as const
export type WmsSystem = typeof WMS_SYSTEMS[number]

export interface WmsConfig {
  /** The webhook endpoint (/wms/events) and the outbound sender. */
  enabled: boolean
  system: WmsSystem
  /** The WMS's HTTP(S) root, e.g. https://wms.example.com/api; '' sends nothing (messages wait in the outbox). */
  url: string
  /** With a username: HTTP Basic; without: the password file's secret as a Bearer token. */
  username: string
  /** A file with the password or API token, readable by the hub's user only; HUB_WMS_PASSWORD overrides it. */
  passwordFile: string
  /** A file with the webhook's shared HMAC secret (one per line while it is rotated), readable by the hub's user only; HUB_WMS_WEBHOOK_SECRET overrides it. */
  webhookSecretFile: string
  /** The warehouse number (EWM LGNUM) the tasks are made in. */
  warehouse: string
  /** Time for one request to the WMS before it counts as failed (and is retried). */
  timeoutMs: number
  /** How often the feeder looks for new staging and put-away requests, ms. */
  pollMs: number
  /** A webhook whose signature timestamp is further than this from now is refused (a replayed capture), seconds. */
  signatureToleranceSeconds: number
  /** Largest webhook body accepted, bytes. */
  maxEventBytes: number
  /** sap-ewm: the warehouse process type of staging tasks to a production supply area (the landscape's customizing). */
  ewmStagingProcessType: string
  /** sap-ewm: the warehouse process type of put-away tasks from production. */
  ewmPutAwayProcessType: string
  /** sap-ewm: how often the open warehouse tasks are read from EWM (it has no webhook), ms. */
  ewmPollMs: number
  /** sap-ewm: the SAP client (sap-client); empty: the system's default one. */
  sapClient: string
}

const SECRET_FILES: ReadonlyArray<readonly [keyof WmsConfig & ('passwordFile' | 'webhookSecretFile'), string]> = [
  ['passwordFile', 'the WMS password or token'],
  ['webhookSecretFile', "the webhook's HMAC secret"]
]

export const WMS_SECTION: ConfigSection<WmsConfig, 'wms'> = {
  key: 'wms',
  defaults: () => ({
    enabled: false,
    system: 'generic',
    url: '',
    username: '',
    passwordFile: '',
    webhookSecretFile: '',
    warehouse: 'WH01',
    timeoutMs: 10_000,
    pollMs: 1_000,
    // Five minutes, as the common webhook signature schemes allow for clock skew and retries in flight.
    signatureToleranceSeconds: 300,
    maxEventBytes: 1024 * 1024,
    // Examples only: warehouse process types are each landscape's own customizing (SPRO, /SCWM/PRCTYP); set yours.
    ewmStagingProcessType: '2030',
    ewmPutAwayProcessType: '1011',
    // EWM is asked about each open task on every round: every 10 s keeps a line's confirmations quick and SAP quiet.
    ewmPollMs: 10_000,
    sapClient: ''
  }),
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'WMS: staging requests, cancels and put-aways to the warehouse through the outbox; its task confirmations and cancellations in at /wms/events (HMAC-signed webhook).',
    properties: {
      enabled: { type: 'boolean', description: 'Serve /wms/events and send staging and put-away requests.' },
      system: { enum: WMS_SYSTEMS, description: "'generic': the REST / webhook contract of schemas/wms/; 'sap-ewm': SAP EWM warehouse tasks." },
      url: { type: 'string', pattern: '^(|https?://.+)$', description: "The WMS's HTTP root; empty: nothing is sent (messages wait in the outbox)." },
      username: { type: 'string', maxLength: 200, description: 'User for HTTP Basic; empty: the password file holds a Bearer token.' },
      passwordFile: { type: 'string', description: "A file with the WMS password or API token, readable by the hub's user only (HUB_WMS_PASSWORD overrides it)." },
      webhookSecretFile: { type: 'string', description: "A file with the webhook's shared HMAC-SHA256 secret, readable by the hub's user only (HUB_WMS_WEBHOOK_SECRET overrides it); while a secret is rotated, the new and the old one on lines of their own, either accepted." },
      warehouse: { type: 'string', minLength: 1, maxLength: 10, description: 'Warehouse number (EWM LGNUM).' },
      timeoutMs: { type: 'integer', minimum: 1, description: 'Time for one request to the WMS before it counts as failed (and is retried).' },
      pollMs: { type: 'integer', minimum: 1, description: 'How often new staging and put-away requests are looked for.' },
      signatureToleranceSeconds: { type: 'integer', minimum: 1, maximum: 86400, description: 'A webhook signed further than this from now is refused (401).' },
      maxEventBytes: { type: 'integer', minimum: 1024, description: 'Largest webhook body accepted, bytes (larger: 413).' },
      ewmStagingProcessType: { type: 'string', pattern: '^[A-Za-z0-9]{1,4}$', description: 'sap-ewm: warehouse process type (/SCWM/DE_PROCTY, 4 characters) of staging tasks to a production supply area.' },
      ewmPutAwayProcessType: { type: 'string', pattern: '^[A-Za-z0-9]{1,4}$', description: 'sap-ewm: warehouse process type of put-away tasks from production.' },
      ewmPollMs: { type: 'integer', minimum: 100, description: "sap-ewm: how often the open warehouse tasks are read from EWM (EWM has no webhook; failed rounds back off to 10 times this)." },
      sapClient: { type: 'string', pattern: '^[0-9]{0,3}$', description: 'sap-ewm: the SAP client (sap-client); empty: the default one.' }
    }
  },
  settings: [
    { env: 'HUB_WMS_ENABLED', key: 'wms.enabled', kind: 'bool', help: 'WMS webhook and outbound on (default false)' },
    { env: 'HUB_WMS_SYSTEM', key: 'wms.system', kind: 'string', help: "'generic' (default) or 'sap-ewm'" },
    { env: 'HUB_WMS_URL', key: 'wms.url', kind: 'string', help: "the WMS's HTTP root for staging and put-away requests" },
    { env: 'HUB_WMS_USER', key: 'wms.username', kind: 'string', help: 'WMS user (HTTP Basic); empty: a Bearer token' },
    { env: 'HUB_WMS_PASSWORD_FILE', key: 'wms.passwordFile', kind: 'path', help: 'file with the WMS password or token (mode 0600)' },
    { env: 'HUB_WMS_WEBHOOK_SECRET_FILE', key: 'wms.webhookSecretFile', kind: 'path', help: "file with the WMS webhook's HMAC secret (mode 0600)" },
    { env: 'HUB_WMS_WAREHOUSE', key: 'wms.warehouse', kind: 'string', help: 'warehouse number (default WH01; sap-ewm: the EWM warehouse, 4 characters)' },
    { env: 'HUB_WMS_EWM_STAGING_PROCESS_TYPE', key: 'wms.ewmStagingProcessType', kind: 'string', help: 'sap-ewm: warehouse process type of staging tasks (default 2030)' },
    { env: 'HUB_WMS_EWM_PUT_AWAY_PROCESS_TYPE', key: 'wms.ewmPutAwayProcessType', kind: 'string', help: 'sap-ewm: warehouse process type of put-away tasks (default 1011)' },
    { env: 'HUB_WMS_SAP_CLIENT', key: 'wms.sapClient', kind: 'string', help: 'sap-ewm: SAP client (sap-client)' }
  ],
  filePathKeys: ['wms.passwordFile', 'wms.webhookSecretFile'],
  check (value: WmsConfig): Problem[] {
    const problems: Problem[] = []
    for (const [key, what] of SECRET_FILES) {
      const file = value[key]
      if (file === '') continue
      try {
        if ((fs.statSync(file).mode & 0o077) !== 0) problems.push({ path: `/wms/${key}`, message: `${file} can be read by other users: chmod 600 it (it holds ${what})` })
      } catch {
        problems.push({ path: `/wms/${key}`, message: `${file} does not exist or cannot be read` })
      }
    }
    if (value.enabled && value.system === 'sap-ewm') problems.push(...sapEwmProblems(value))
    // EWM has no webhook (its confirmations are polled), so sap-ewm needs no webhook secret.
    if (value.enabled && value.system === 'generic' && value.webhookSecretFile === '' && process.env.HUB_WMS_WEBHOOK_SECRET === undefined) {
      problems.push({ path: '/wms/webhookSecretFile', message: 'the WMS webhook needs its shared secret: set wms.webhookSecretFile (or HUB_WMS_WEBHOOK_SECRET); unsigned callbacks are never accepted' })
    }
    return problems
  }
}

/** What SAP EWM needs: its URL, a user and password (EWM takes HTTP Basic, not a Bearer token), a warehouse that fits /SCWM/LGNUM. */
function sapEwmProblems (value: WmsConfig): Problem[] {
  const problems: Problem[] = []
  if (value.url === '') problems.push({ path: '/wms/url', message: "wms.system sap-ewm needs the SAP system's HTTP root: set wms.url (or HUB_WMS_URL), e.g. https://s4.example.com" })
  if (value.username === '') problems.push({ path: '/wms/username', message: 'wms.system sap-ewm needs the SAP user of the warehouse task API: set wms.username (or HUB_WMS_USER)' })
  if (value.passwordFile === '' && process.env.HUB_WMS_PASSWORD === undefined) {
    problems.push({ path: '/wms/passwordFile', message: "wms.system sap-ewm needs the SAP user's password: set wms.passwordFile (or HUB_WMS_PASSWORD)" })
  }
  if (value.warehouse.length > 4) problems.push({ path: '/wms/warehouse', message: `'${value.warehouse}' is not an EWM warehouse number (4 characters, e.g. 1710): set wms.warehouse` })
  return problems
}

function firstLine (file: string): string {
  return fs.readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? ''
}

/** The WMS password or token: HUB_WMS_PASSWORD, else the file's first line; '' when neither is set. */
export function wmsPassword (config: WmsConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (env.HUB_WMS_PASSWORD !== undefined) return env.HUB_WMS_PASSWORD
  return config.passwordFile === '' ? '' : firstLine(config.passwordFile)
}

/** The webhook secret: HUB_WMS_WEBHOOK_SECRET, else the file's first line; '' when neither is set (every callback refused). */
export function wmsWebhookSecret (config: WmsConfig, env: NodeJS.ProcessEnv = process.env): string {
  return wmsWebhookSecrets(config, env)[0] ?? ''
}

/**
 * Every webhook secret accepted: HUB_WMS_WEBHOOK_SECRET, else each non-empty line of the file (while a secret is
 * rotated the file holds the new one and the old one, and a callback signed with either is taken; Standard Webhooks'
 * rotation). None: every callback is refused.
 */
export function wmsWebhookSecrets (config: WmsConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.HUB_WMS_WEBHOOK_SECRET !== undefined) return env.HUB_WMS_WEBHOOK_SECRET === '' ? [] : [env.HUB_WMS_WEBHOOK_SECRET]
  if (config.webhookSecretFile === '') return []
  return fs.readFileSync(config.webhookSecretFile, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')
}
