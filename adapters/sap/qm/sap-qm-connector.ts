// The QMS connector for SAP QM (S/4HANA), over API_INSPECTIONLOT_SRV (OData v2, the client in ../odata/):
// - inspectionPlanOf: the order's inspection lot (A_InspectionLot, `ManufacturingOrder eq '<order>'`, origin 03 "in
//   process inspection for a production order"), its operations (A_InspectionOperation) and their characteristics
//   (A_InspectionCharacteristic): quantitative (InspSpecIsQuantitative) with limits and target where the
//   InspSpecHas*Limit flags say they are set, in InspectionSpecificationUnit; qualitative otherwise.
// - 'inspection-result': the characteristic's summarized result (A_InspectionResult, key lot / operation node /
//   characteristic): the mean value of a quantitative one, the valuation (A accepted, R rejected) of a qualitative
//   one; SAP valuates a quantitative result against its own limits. SAP keeps one summarized result per
//   characteristic, so the connector reads it first: the same result already there (a retry after a lost answer) is
//   accepted again, another one is refused (single values, to_InspResultValue, are not mapped).
// - 'usage-decision': A_InspLotUsageDecision with the code of the landscape's selected set (usageDecisionCodes);
//   read first, as above: SAP takes one usage decision per lot.
// - 'nonconformance': refused, not retryable. SAP QM records defects and quality notifications through other APIs
//   (Quality Notification API_QUALITYNOTIFICATION_SRV, Defect API_DEFECT_SRV), which this connector does not speak;
//   the rejected result itself reaches SAP (valuation R), where a landscape can have defects recorded from it.
// The adapter may not import the QMS adapter (adapters are siblings), so the message types below mirror
// adapters/qms/qms-connector.ts and the hub passes the QmsSendError constructor in (`refusal`).
import type { InspectionPlanInput, InspectionResult, Nonconformance, UsageDecisionCode, CharacteristicInput } from '../../../mes/service'
import { createODataClient, type ODataClient } from '../odata/odata-client'
import { sapPassword, type SapOutboundConfig } from '../config'
import { SapODataError } from '../odata/odata-errors'
import { isoUnit, type UnitCodes } from '../units'

export const QM_SERVICE = 'API_INSPECTIONLOT_SRV'

export interface SapQmMessages {
  'inspection-result': { result: InspectionResult }
  nonconformance: { nonconformance: Nonconformance }
  'usage-decision': { inspectionLot: string, code: UsageDecisionCode, who: string, at: string, why: string | null }
}
export type SapQmMessageType = keyof SapQmMessages

/** The code of the usage decision in the landscape's selected set (QM customizing), and its valuation. */
export interface UsageDecisionCoding { code: string, valuation: 'A' | 'R' }

export interface SapQmOptions {
  readonly client: ODataClient
  /** The plant of the selected set (SelectedCodeSetPlant). */
  readonly plant: string
  /** The selected set and code group of usage decisions (catalog 3); SAP's sample customizing uses '01'. */
  readonly selectedSet?: string
  readonly codeGroup?: string
  readonly usageDecisionCodes?: Partial<Record<UsageDecisionCode, UsageDecisionCoding>>
  /** The MES's unit codes (sap.unitCodes): SAP's internal ones, as the characteristics carry them, or ISO. */
  readonly unitCodes?: UnitCodes
  /** Makes the QMS adapter's QmsSendError: (message, retryable, status). */
  readonly refusal: (message: string, retryable: boolean, status?: number) => Error
}

export const DEFAULT_UD_CODES: Record<UsageDecisionCode, UsageDecisionCoding> = {
  accept: { code: 'A', valuation: 'A' },
  restricted: { code: 'A2', valuation: 'A' },
  reject: { code: 'R', valuation: 'R' }
}

type Row = Record<string, unknown>
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v))
const num = (v: unknown): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v))
const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`

export class SapQmConnector {
  readonly system = 'sap-qm'
  private readonly codes: Record<UsageDecisionCode, UsageDecisionCoding>

  constructor (private readonly opts: SapQmOptions) {
    this.codes = { ...DEFAULT_UD_CODES, ...opts.usageDecisionCodes }
  }

  async inspectionPlanOf (order: { orderNumber: string, material: string }): Promise<InspectionPlanInput | null> {
    const lots = await this.read<Row[]>(`A_InspectionLot`, { $filter: `ManufacturingOrder eq ${quote(order.orderNumber)}`, $expand: 'to_InspectionLotWithStatus' })
    const open = lots.filter((l) => str(l.InspectionLotOrigin) === '03' && str((l.to_InspectionLotWithStatus as Row | undefined)?.InspLotStatusCanceled) === '')
    const lot = open.sort((a, b) => str(b.InspectionLot).localeCompare(str(a.InspectionLot)))[0]
    if (lot === undefined) return null
    const lotId = str(lot.InspectionLot)
    const [operations, characteristics] = await Promise.all([
      this.read<Row[]>('A_InspectionOperation', { $filter: `InspectionLot eq ${quote(lotId)}` }),
      this.read<Row[]>('A_InspectionCharacteristic', { $filter: `InspectionLot eq ${quote(lotId)}` })
    ])
    return {
      orderNumber: order.orderNumber,
      inspectionLot: lotId,
      operations: operations.map((op) => ({
        sequence: Number(str(op.InspectionOperation)),
        characteristics: characteristics.filter((c) => str(c.InspPlanOperationInternalID) === str(op.InspPlanOperationInternalID)).map((c) => characteristicOf(c, this.opts.unitCodes ?? 'sap'))
      })).filter((op) => op.characteristics.length > 0),
      who: 'sap-qm'
    }
  }

  async send<T extends SapQmMessageType> (type: T, payload: SapQmMessages[T], _idempotencyKey: string): Promise<{ reference?: string }> {
    try {
      switch (type) {
        case 'inspection-result': return await this.sendResult((payload as SapQmMessages['inspection-result']).result)
        case 'usage-decision': return await this.sendUsageDecision(payload as SapQmMessages['usage-decision'])
        case 'nonconformance': {
          const nc = (payload as SapQmMessages['nonconformance']).nonconformance
          throw this.opts.refusal(`nonconformance ${nc.ncId} is not sent to SAP QM: API_INSPECTIONLOT_SRV records results and usage decisions, not defects or quality notifications; ` +
            'a landscape that wants them in SAP connects the Quality Notification (API_QUALITYNOTIFICATION_SRV) or Defect API, or records defects from the rejected result in SAP', false)
        }
        default: throw this.opts.refusal(`the SAP QM connector sends inspection results and usage decisions, not '${String(type)}'`, false)
      }
    } catch (err) {
      if (err instanceof SapODataError) throw this.opts.refusal(err.message, err.retryable, err.status)
      throw err
    }
  }

  private async read<T> (path: string, query?: Record<string, string>): Promise<T> {
    return (await this.opts.client.get<T>(QM_SERVICE, path, query)).data
  }

  /** The operation node of an operation sequence in the lot (InspPlanOperationInternalID). */
  private async nodeOf (lot: string, sequence: number): Promise<string> {
    const ops = await this.read<Row[]>('A_InspectionOperation', { $filter: `InspectionLot eq ${quote(lot)}` })
    const op = ops.find((o) => Number(str(o.InspectionOperation)) === sequence)
    if (op === undefined) {
      throw this.opts.refusal(`SAP inspection lot ${lot} has no operation ${String(sequence).padStart(4, '0')} (it has ${ops.map((o) => str(o.InspectionOperation)).join(', ') || 'none'})`, false)
    }
    return str(op.InspPlanOperationInternalID)
  }

  private async sendResult (r: InspectionResult): Promise<{ reference?: string }> {
    const node = await this.nodeOf(r.inspectionLot, r.sequence)
    const key = `InspectionLot=${quote(r.inspectionLot)},InspPlanOperationInternalID=${quote(node)},InspectionCharacteristic=${quote(r.characteristic)}`
    const reference = `${r.inspectionLot}/${node}/${r.characteristic}`
    const body: Row = {
      InspectionLot: r.inspectionLot,
      InspPlanOperationInternalID: node,
      InspectionCharacteristic: r.characteristic,
      Inspector: r.who.slice(0, 12).toUpperCase(),
      InspectionResultText: [r.lotId, r.serial, r.equipment].filter(Boolean).join(' ').slice(0, 40),
      ...(r.value !== null
        ? { InspectionResultMeanValue: String(r.value), InspectionResultHasMeanValue: 'X' }
        : { InspectionValuationResult: r.attribute === 'rejected' ? 'R' : 'A' })
    }
    const existing = await this.existing(`A_InspectionResult(${key})`)
    if (existing !== undefined) {
      const same = r.value !== null ? Number(str(existing.InspectionResultMeanValue)) === r.value : str(existing.InspectionValuationResult) === body.InspectionValuationResult
      if (same) return { reference }
      throw this.opts.refusal(`SAP already has a result for characteristic ${r.characteristic} of operation ${r.sequence} in inspection lot ${r.inspectionLot} ` +
        `(${str(existing.InspectionResultMeanValue) || str(existing.InspectionValuationResult)}); SAP keeps one summarized result per characteristic, so result ${r.resultId ?? r.id} is not sent`, false)
    }
    await this.opts.client.post(QM_SERVICE, 'A_InspectionResult', body)
    return { reference }
  }

  private async sendUsageDecision (ud: SapQmMessages['usage-decision']): Promise<{ reference?: string }> {
    const coding = this.codes[ud.code]
    const existing = await this.existing(`A_InspLotUsageDecision(${quote(ud.inspectionLot)})`)
    if (existing !== undefined && str(existing.InspectionLotUsageDecisionCode) !== '') {
      if (str(existing.InspectionLotUsageDecisionCode) === coding.code) return { reference: ud.inspectionLot }
      throw this.opts.refusal(`SAP inspection lot ${ud.inspectionLot} already has usage decision ${str(existing.InspectionLotUsageDecisionCode)} by ${str(existing.InspectionLotUsageDecidedBy)}; ` +
        `the MES's '${ud.code}' (${coding.code}) is not sent: change it in SAP (QA12) if it is wrong`, false)
    }
    await this.opts.client.post(QM_SERVICE, 'A_InspLotUsageDecision', {
      InspectionLot: ud.inspectionLot,
      InspLotUsageDecisionLevel: 'L',
      InspLotUsageDecisionCatalog: '3',
      SelectedCodeSetPlant: this.opts.plant,
      InspLotUsgeDcsnSelectedSet: this.opts.selectedSet ?? '01',
      InspLotUsageDecisionCodeGroup: this.opts.codeGroup ?? '01',
      InspectionLotUsageDecisionCode: coding.code,
      InspLotUsageDecisionValuation: coding.valuation,
      InspectionLotUsageDecidedBy: ud.who.slice(0, 12).toUpperCase()
    })
    return { reference: ud.inspectionLot }
  }

  /** The entity at a key, or undefined when SAP answers 404. */
  private async existing (path: string): Promise<Row | undefined> {
    try {
      return await this.read<Row>(path)
    } catch (err) {
      if (err instanceof SapODataError && err.status === 404) return undefined
      throw err
    }
  }
}

/** One A_InspectionCharacteristic as the MES's characteristic. */
export function characteristicOf (c: Row, unitCodes: UnitCodes = 'sap'): CharacteristicInput {
  const quantitative = c.InspSpecIsQuantitative === true || c.InspSpecIsQuantitative === 'true'
  const out: CharacteristicInput = {
    characteristic: str(c.InspectionCharacteristic),
    kind: quantitative ? 'quantitative' : 'qualitative'
  }
  if (str(c.InspectionSpecificationText) !== '') out.description = str(c.InspectionSpecificationText)
  if (!quantitative) return out
  const unit = str(c.InspectionSpecificationUnit)
  if (unit !== '') out.unit = unitCodes === 'iso' ? isoUnit(unit).code : unit
  if (str(c.InspSpecHasLowerLimit) === 'X') out.lowerLimit = num(c.InspSpecLowerLimit)
  if (str(c.InspSpecHasUpperLimit) === 'X') out.upperLimit = num(c.InspSpecUpperLimit)
  if (str(c.InspSpecHasTargetValue) === 'X') out.target = num(c.InspSpecTargetValue)
  return out
}

/** The connector over the SAP settings (url, client, user, password file; HUB_SAP_PASSWORD overrides the file). */
export function sapQmConnector (outbound: SapOutboundConfig, opts: Omit<SapQmOptions, 'client'> & { fetch?: typeof globalThis.fetch }): SapQmConnector {
  const client = createODataClient({
    baseUrl: outbound.url, username: outbound.username, password: sapPassword(outbound), timeoutMs: outbound.timeoutMs,
    ...(outbound.client !== '' ? { sapClient: outbound.client } : {}), ...(opts.fetch ? { fetch: opts.fetch } : {})
  })
  return new SapQmConnector({ ...opts, client })
}
