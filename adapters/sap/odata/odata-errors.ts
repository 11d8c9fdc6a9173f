// What can go wrong when the hub talks OData to SAP, as typed errors: SapODataError says which service and entity
// set, what SAP said (its error body's code, message and details, turned into one readable sentence), the HTTP status,
// and whether the same request may be sent again. Retryable: the network (refused, reset, DNS), timeouts, 5xx, 429,
// and a CSRF refusal that persists after the one re-fetch; not retryable: 4xx business errors and a wrong login (401),
// which only a person can fix.
import { HubError } from '../../../core/errors'

export interface SapErrorDetail { readonly code: string, readonly message: string, readonly severity: string, readonly target: string }

export type SapFailureKind = 'business' | 'authentication' | 'csrf' | 'server' | 'network' | 'timeout' | 'protocol'

export class SapODataError extends HubError {
  constructor (
    readonly kind: SapFailureKind,
    message: string,
    readonly service: string,
    readonly resource: string,
    readonly retryable: boolean,
    readonly status: number | undefined,
    readonly sapCode: string | undefined,
    readonly details: readonly SapErrorDetail[],
    hint?: string
  ) {
    // The message names the service itself ("SAP <service>/<set> refused ..."), so no separate place.
    super(`SAP_ODATA_${kind.toUpperCase()}`, message, {}, hint)
  }
}

interface ErrorBody { error?: { code?: unknown, message?: { value?: unknown } | unknown, details?: unknown, innererror?: { errordetails?: unknown } } }

/** SAP's error body (JSON), or undefined when the body is not one (an HTML page of a proxy, plain text). */
export function parseSapErrorBody (text: string): { code: string, message: string, details: SapErrorDetail[] } | undefined {
  let body: ErrorBody
  try { body = JSON.parse(text) as ErrorBody } catch { return undefined }
  const e = body?.error
  if (!e || typeof e !== 'object') return undefined
  const msg = e.message
  const message = typeof msg === 'string' ? msg : (msg && typeof msg === 'object' && typeof (msg as { value?: unknown }).value === 'string') ? (msg as { value: string }).value : ''
  // OData v2 (SAP Gateway): innererror.errordetails; OData v4 (RAP): details, the severity as @Common.numericSeverity.
  const raw = Array.isArray(e.innererror?.errordetails) ? e.innererror!.errordetails as Array<Record<string, unknown>>
    : Array.isArray(e.details) ? e.details as Array<Record<string, unknown>> : []
  const severityOf = (d: Record<string, unknown>): string => d.severity !== undefined ? String(d.severity)
    : ({ 1: 'success', 2: 'info', 3: 'warning', 4: 'error' } as Record<string, string>)[String(d['@Common.numericSeverity'] ?? '')] ?? ''
  const details = raw.map((d) => ({ code: String(d.code ?? ''), message: String(d.message ?? ''), severity: severityOf(d), target: String(d.target ?? '') }))
  return { code: String(e.code ?? ''), message, details }
}

/** "the confirmation" for ProdnOrdConf2, "the material document" for A_MaterialDocumentHeader, else the entity set. */
export function whatIsPosted (entitySet: string): string {
  if (entitySet === 'ProdnOrdConf2') return 'the confirmation'
  if (entitySet === 'A_MaterialDocumentHeader') return 'the material document'
  return `the ${entitySet} entity`
}
