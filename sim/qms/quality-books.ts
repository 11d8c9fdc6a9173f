// The simulated QMS's records, with the rules of a real one (SAP QM's inspection lot as the model):
//   - an inspection plan per order (seeded, or set over /sim/plans), served by GET; the lot it names is created
//     with it (status 'created');
//   - results recorded against an inspection lot ('results-recorded' after the first); a result for a lot the QMS
//     does not know opens one (the hub made it), a result for a characteristic the lot's plan does not have is
//     refused, and so is a result once the usage decision is made (SAP QM: results can no longer be changed after
//     the usage decision, QE51N);
//   - nonconformances numbered by the QMS (NC-000001, as a quality notification gets its number, QM01);
//   - the usage decision once per lot: a second is refused (SAP QA11/QA12 refuse a lot whose decision is made).
// Every POST is idempotent by its Idempotency-Key (the IETF httpapi draft): the same key with the same body answers
// what it answered first; with another body, 422. A refusal is not kept under the key: the corrected request may
// come under it again.
import crypto from 'node:crypto'

export interface SimCharacteristic {
  characteristic: string
  description?: string
  kind: 'quantitative' | 'qualitative'
  unit?: string
  lowerLimit?: number
  upperLimit?: number
  target?: number
}

export interface SimPlan {
  orderNumber: string
  material?: string
  inspectionLot: string
  lotId?: string
  operations: Array<{ operation: number, characteristics: SimCharacteristic[] }>
}

export interface SimInspectionLot {
  inspectionLot: string
  orderNumber: string
  origin: 'plan' | 'hub'
  status: 'created' | 'results-recorded' | 'decided'
  results: Array<Record<string, unknown> & { qmsId: string }>
  usageDecision: { code: string, decidedBy: string, decidedAt: string, why: string | null, origin: 'hub' | 'qms' } | null
}

export interface SimNonconformance extends Record<string, unknown> {
  ncNumber: string
  ncId: string
  status: 'open' | 'dispositioned'
  disposition: string | null
}

/** A refusal as an RFC 9457 problem. */
export class QmsProblem extends Error {
  constructor (readonly status: number, readonly title: string, readonly detail: string, readonly errors?: Array<{ pointer: string, detail: string }>) {
    super(detail)
  }
}

export interface Answer { status: number, body: Record<string, unknown> }

/** The demo's plan: order 1000001 (the simulated SAP's first order), two stamping operations. */
export function demoPlans (): SimPlan[] {
  return [{
    orderNumber: '1000001', material: 'FG-PANEL-100', inspectionLot: '010000000001',
    operations: [
      { operation: 10, characteristics: [
        { characteristic: '0010', description: 'Panel thickness', kind: 'quantitative', unit: 'MM', lowerLimit: 1.9, upperLimit: 2.1, target: 2.0 },
        { characteristic: '0020', description: 'Surface free of scratches', kind: 'qualitative' }
      ] },
      { operation: 20, characteristics: [
        { characteristic: '0010', description: 'Flatness', kind: 'quantitative', unit: 'MM', lowerLimit: 0, upperLimit: 0.5 }
      ] }
    ]
  }]
}

export class QualityBooks {
  readonly plans = new Map<string, SimPlan>()
  readonly lots = new Map<string, SimInspectionLot>()
  readonly nonconformances: SimNonconformance[] = []
  private readonly idempotent = new Map<string, { hash: string, answer: Answer }>()
  private nextResult = 1
  private nextNc = 1

  constructor (plans: SimPlan[]) { for (const p of plans) this.setPlan(p) }

  setPlan (p: SimPlan): void {
    this.plans.set(p.orderNumber, p)
    const lot = this.lots.get(p.inspectionLot)
    if (lot === undefined) this.lots.set(p.inspectionLot, { inspectionLot: p.inspectionLot, orderNumber: p.orderNumber, origin: 'plan', status: 'created', results: [], usageDecision: null })
  }

  planOf (orderNumber: string): SimPlan | undefined { return this.plans.get(orderNumber) }

  /** Runs a POST once per Idempotency-Key: the same key again answers the first answer of what was accepted. */
  once (key: string, body: unknown, run: () => Answer): Answer {
    const hash = crypto.createHash('sha256').update(JSON.stringify(body)).digest('hex')
    const seen = this.idempotent.get(key)
    if (seen !== undefined) {
      if (seen.hash !== hash) throw new QmsProblem(422, 'Idempotency-Key reused', `the Idempotency-Key '${key}' was used for another request body`)
      return seen.answer
    }
    let answer: Answer
    try { answer = run() } catch (err) {
      if (!(err instanceof QmsProblem)) throw err
      answer = { status: err.status, body: problemBody(err) }
    }
    // Only what was done is remembered (as Stripe keeps no result for a request it refused): a refused message,
    // corrected and sent again under its key (an outbox resubmit), is taken then.
    if (answer.status < 300) this.idempotent.set(key, { hash, answer })
    return answer
  }

  recordResult (r: Record<string, unknown>): Answer {
    const lotId = String(r.inspectionLot)
    let lot = this.lots.get(lotId)
    if (lot === undefined) {
      lot = { inspectionLot: lotId, orderNumber: String(r.orderNumber), origin: 'hub', status: 'created', results: [], usageDecision: null }
      this.lots.set(lotId, lot)
    }
    if (lot.status === 'decided') {
      throw new QmsProblem(409, 'Inspection lot decided', `inspection lot ${lotId} has its usage decision (${lot.usageDecision?.code ?? ''}): results can no longer be recorded`, [{ pointer: '/inspectionLot', detail: 'usage decision made' }])
    }
    const plan = lot.origin === 'plan' ? this.planOf(lot.orderNumber) : undefined
    if (plan !== undefined) {
      const op = plan.operations.find((o) => o.operation === r.operation)
      if (op === undefined) throw new QmsProblem(422, 'Unknown operation', `inspection lot ${lotId} has no operation ${String(r.operation)} (operations ${plan.operations.map((o) => o.operation).join(', ')})`, [{ pointer: '/operation', detail: 'not in the inspection plan' }])
      const c = op.characteristics.find((x) => x.characteristic === r.characteristic)
      if (c === undefined) throw new QmsProblem(422, 'Unknown characteristic', `operation ${String(r.operation)} of inspection lot ${lotId} has no characteristic ${String(r.characteristic)}`, [{ pointer: '/characteristic', detail: 'not in the inspection plan' }])
      if (c.kind === 'quantitative' && c.unit !== undefined && r.unit !== c.unit) throw new QmsProblem(422, 'Wrong unit', `characteristic ${c.characteristic} is measured in ${c.unit}, not ${String(r.unit)}`, [{ pointer: '/unit', detail: `must be ${c.unit}` }])
    }
    const qmsId = `R-${String(this.nextResult++).padStart(6, '0')}`
    lot.results.push({ ...r, qmsId })
    lot.status = 'results-recorded'
    return { status: 201, body: { id: qmsId, status: 'recorded', inspectionLot: lotId } }
  }

  openNonconformance (n: Record<string, unknown>): { answer: Answer, nc: SimNonconformance } {
    const known = this.nonconformances.find((x) => x.ncId === n.ncId)
    if (known !== undefined) throw new QmsProblem(409, 'Nonconformance known', `nonconformance ${String(n.ncId)} is already ${known.ncNumber}`)
    const nc: SimNonconformance = { ...n, ncNumber: `NC-${String(this.nextNc++).padStart(6, '0')}`, ncId: String(n.ncId), status: 'open', disposition: null }
    this.nonconformances.push(nc)
    return { answer: { status: 201, body: { id: nc.ncNumber, status: 'open', ncId: nc.ncId } }, nc }
  }

  findNonconformance (ref: { ncNumber?: string, ncId?: string }): SimNonconformance {
    const nc = this.nonconformances.find((x) => (ref.ncNumber !== undefined && x.ncNumber === ref.ncNumber) || (ref.ncId !== undefined && x.ncId === ref.ncId))
    if (nc === undefined) throw new QmsProblem(404, 'Unknown nonconformance', `no nonconformance ${ref.ncNumber ?? ref.ncId ?? '(none named)'}`)
    return nc
  }

  /** A usage decision, from the hub (POST) or made in the QMS (a /sim command): once per lot. */
  decide (inspectionLot: string, d: { code: string, decidedBy: string, decidedAt: string, why: string | null }, origin: 'hub' | 'qms'): Answer {
    const lot = this.lots.get(inspectionLot)
    if (lot === undefined) throw new QmsProblem(404, 'Unknown inspection lot', `no inspection lot ${inspectionLot}`)
    if (lot.usageDecision !== null) {
      throw new QmsProblem(409, 'Usage decision already made', `inspection lot ${inspectionLot} already has the usage decision ${lot.usageDecision.code} (by ${lot.usageDecision.decidedBy} at ${lot.usageDecision.decidedAt}): a second is refused`)
    }
    lot.usageDecision = { ...d, origin }
    lot.status = 'decided'
    return { status: 201, body: { id: inspectionLot, status: 'decided', code: d.code } }
  }
}

export function problemBody (p: QmsProblem): Record<string, unknown> {
  return { type: 'about:blank', title: p.title, status: p.status, detail: p.detail, ...(p.errors !== undefined ? { errors: p.errors } : {}) }
}
