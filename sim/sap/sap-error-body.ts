// SAP Gateway's OData v2 error body (JSON), as S/4HANA answers a refused request: `error.code` is the message class
// and number (`<class>/<number>`), `message` the text in the logon language, `innererror` the service that answered,
// the transaction id (for SAP's error log, /IWFND/ERROR_LOG) and each message of the application log in
// `errordetails`. A successful call's warnings go in the `sap-message` header instead (sapMessageHeader below).
// The message classes and numbers the simulator uses are illustrative, in SAP's shape; they are not SAP's own.
import { randomBytes } from 'node:crypto'

export interface SapMessage {
  readonly code: string
  readonly message: string
  readonly severity: 'error' | 'warning' | 'info' | 'success'
  readonly target?: string
}

export interface SapErrorBody {
  error: {
    code: string
    message: { lang: string, value: string }
    innererror: {
      application: { component_id: string, service_namespace: string, service_id: string, service_version: string }
      transactionid: string
      timestamp: string
      Error_Resolution: { SAP_Transaction: string, SAP_Note: string }
      errordetails: Array<{ code: string, message: string, propertyref: string, severity: string, target: string, transition: boolean }>
    }
  }
}

/** SAP writes the timestamp as YYYYMMDDhhmmss.fffffff (UTC). */
function sapTimestamp (d = new Date()): string {
  const iso = d.toISOString() // 2024-05-01T12:34:56.789Z
  return iso.slice(0, 19).replace(/[-:T]/g, '') + '.' + iso.slice(20, 23) + '0000'
}

export function sapErrorBody (service: string, first: SapMessage, more: readonly SapMessage[] = [], componentId = 'PP-SFC-EXE-CON'): SapErrorBody {
  const all = [first, ...more]
  return {
    error: {
      code: first.code,
      message: { lang: 'en', value: first.message },
      innererror: {
        application: { component_id: componentId, service_namespace: '/SAP/', service_id: service, service_version: '0001' },
        transactionid: randomBytes(16).toString('hex').toUpperCase(),
        timestamp: sapTimestamp(),
        Error_Resolution: {
          SAP_Transaction: 'For backend administrators: use ADT feed reader "SAP Gateway Error Log" or run transaction /IWFND/ERROR_LOG on SAP Gateway hub system and search for entries with the timestamp above for more details',
          SAP_Note: 'See SAP Note 1797736 for error analysis (https://service.sap.com/sap/support/notes/1797736)'
        },
        errordetails: all.map((m) => ({ code: m.code, message: m.message, propertyref: '', severity: m.severity, target: m.target ?? '', transition: false }))
      }
    }
  }
}

/** The `sap-message` header of a successful call: the first message, the others under `details`. */
export function sapMessageHeader (messages: readonly SapMessage[]): string | undefined {
  if (messages.length === 0) return undefined
  const one = (m: SapMessage): Record<string, unknown> => ({ code: m.code, message: m.message, target: m.target ?? '', severity: m.severity, transition: false })
  return JSON.stringify({ ...one(messages[0]!), details: messages.slice(1).map(one) })
}
