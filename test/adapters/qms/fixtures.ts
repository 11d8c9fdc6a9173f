// Neutral forms of what the MES records (mes/quality/types.ts), as the feeders put them in the outbox.
import type { InspectionResult, Nonconformance } from '../../../mes/service'

export function result (over: Partial<InspectionResult> = {}): InspectionResult {
  return {
    id: 1, resultId: null, inspectionLot: '010000000001', orderNumber: '1000001', sequence: 10, jobId: '1000001-10',
    characteristic: '0010', value: 2.02, unit: 'MM', attribute: null, evaluation: 'accepted', lotId: 'LOT-FG-1', serial: null,
    equipment: 'PRESS01', who: 'operator.olga', at: '2025-03-03T06:10:00.000Z', ncId: null, ...over
  }
}

export function nonconformance (over: Partial<Nonconformance> = {}): Nonconformance {
  return {
    ncId: 'NC-HUB-1', status: 'open', source: 'result', resultId: 2, lotId: 'LOT-FG-1', serial: null, orderNumber: '1000001',
    sequence: 10, jobId: '1000001-10', quantity: 5, unit: 'ST', defectCode: 'THICK-HI', description: 'Panel thickness 2.3 mm over 2.1 mm',
    holdId: 'H-1', reportedBy: 'operator.olga', reportedAt: '2025-03-03T06:11:00.000Z', disposition: null, dispositionBy: null,
    dispositionAt: null, dispositionWhy: null, qmsReference: null, ...over
  }
}

/** A JSON POST with a bearer token and an idempotency key; the answer's status and parsed body. */
export async function post (url: string, body: unknown, opts: { token?: string, key?: string } = {}): Promise<{ status: number, type: string, body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.key !== undefined ? { 'idempotency-key': opts.key } : {}) },
    body: JSON.stringify(body)
  })
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() as Record<string, unknown> }
}
