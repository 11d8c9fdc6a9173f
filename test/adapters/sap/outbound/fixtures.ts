// A confirmation and material actuals as the MES hands them to the SAP adapter.
import type { Confirmation } from '../../../../mes/model/types'
import type { MaterialActual } from '../../../../mes/service'
import type { IdocPartners } from '../../../../adapters/sap/idoc/idoc-writer'

export const PARTNERS: IdocPartners = {
  senderPort: 'HUB', senderPartnerType: 'LS', senderPartner: 'ISA95HUB',
  receiverPort: 'SAPS4H', receiverPartnerType: 'LS', receiverPartner: 'S4HCLNT100'
}

export function confirmation (over: Partial<Confirmation> = {}): Confirmation {
  return {
    id: 7,
    idempotencyKey: '3f2a9c0d1e4b5a6978877665544332211ffeedd0',
    orderNumber: '1895938',
    sequence: 10,
    workCenter: 'WC-PRESS',
    jobId: 'job-1',
    eventSeq: 4,
    yield: 0.1 + 0.2,
    scrap: 1,
    rework: 0,
    unit: 'ST',
    scrapReason: 'bent',
    reworkReason: null,
    setupMinutes: 15,
    runMinutes: 42.5,
    final: true,
    who: 'operator.anna.long.name',
    // 22:30 UTC on 31 March is 1 April 00:30 in Berlin (CEST): the posting date is the plant's date.
    at: '2025-03-31T22:30:05.000Z',
    status: 'pending',
    attempts: 0,
    lastError: null,
    erpReference: null,
    acknowledgedAt: null,
    ...over
  }
}

export function actual (over: Partial<MaterialActual> = {}): MaterialActual {
  return {
    id: 31,
    direction: 'consumed',
    node: { kind: 'lot', id: 'L-4711' },
    material: '9990007',
    quantity: 2.5,
    unit: 'KG',
    jobId: 'job-1',
    orderNumber: '1895938',
    sequence: 10,
    workUnit: 'press-1',
    who: 'anna',
    at: '2025-04-01T08:00:00.000Z',
    bomItem: 1,
    override: null,
    ...over
  }
}
