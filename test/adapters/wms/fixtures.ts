// Staging and put-away requests as the MES's Logistics makes them (mes/logistics/types.ts), for the adapter's tests
// that run before Logistics itself is merged: the sender and connector take them from the outbox as they are.
import type { PutAwayRequest, StagingRequest } from '../../../mes/service'

export function stagingRequest (over: Partial<StagingRequest> = {}): StagingRequest {
  return {
    requestId: 'TR-1-10-1/2', jobId: 'TR-1-10-1', orderNumber: 'TR-1', sequence: 10, workUnit: 'PRESS01', location: 'PSA-PRESSL1',
    item: 2, material: 'RM-BOLT', quantity: 20, unit: 'PCE', stagedQuantity: 0, status: 'requested', taskRef: null, attempt: 1, lots: [],
    createdAt: '2025-03-03T06:00:00.000Z', updatedAt: '2025-03-03T06:00:00.000Z', ...over
  }
}

export function putAwayRequest (over: Partial<PutAwayRequest> = {}): PutAwayRequest {
  return {
    requestId: 'putaway/BR-1', lotId: 'BR-1', material: 'SA-BRACKET', quantity: 2, unit: 'PCE', fromLocation: 'PSA-PRESSL1',
    status: 'requested', location: null, taskRef: null, createdAt: '2025-03-03T06:00:00.000Z', updatedAt: '2025-03-03T06:00:00.000Z', ...over
  }
}
