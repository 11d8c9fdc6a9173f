// Splitting a lot into sublots and merging lots into one: genealogy links like any other, with the quantities
// moved in the same transaction. A sublot keeps its parent's material, status and expiry; a merged lot takes the
// earliest expiry of its sources, and only released lots of one material merge (mixing a held lot in would launder it).
import type { Tx } from '../store/store'
import { appendAudit } from '../audit-trail'
import { MaterialRefusedError, NotFoundError } from '../errors'
import type { GenealogyLink, Lot, MergeInput, SplitInput } from './types'
import { insertLink, loadLot } from './rows'
import { drawFromLot, insertLot } from './lots'
import { activeHoldsOn, describeHolds } from '../holds/hold-writes'

const EPS = 1e-9

export async function splitLot (tx: Tx, input: SplitInput, at: string): Promise<{ lot: Lot, sublots: Lot[], links: GenealogyLink[] }> {
  const subject = `split lot ${input.lotId}`
  const lot = await loadLot(tx, input.lotId, true)
  if (lot === undefined) throw new NotFoundError('lot', input.lotId)
  if (lot.status === 'consumed') throw new MaterialRefusedError('lot-status', subject, `lot ${lot.lotId} is consumed`)
  // A lot under holds (mes/holds) stays whole: its sublots, born on-hold, would carry no hold of their own to be
  // released by. (A lot set on-hold by hand, with no hold record, splits into sublots on-hold like it.)
  const holds = lot.status === 'on-hold' ? await activeHoldsOn(tx, { kind: 'lot', id: lot.lotId }) : []
  if (holds.length > 0) {
    throw new MaterialRefusedError('lot-held', subject, `lot ${lot.lotId} is on-hold (${describeHolds(holds)})`,
      'nothing was split; release its holds first')
  }
  const total = input.into.reduce((s, p) => s + p.quantity, 0)
  if (total > lot.quantity + EPS) {
    throw new MaterialRefusedError('insufficient-quantity', subject, `lot ${lot.lotId} holds ${lot.quantity} ${lot.unit}, the sublots ask for ${total}`,
      'nothing was split')
  }
  const sublots: Lot[] = []
  const links: GenealogyLink[] = []
  for (const p of input.into) {
    sublots.push(await insertLot(tx, {
      lotId: p.lotId, material: lot.material, quantity: p.quantity, unit: lot.unit, status: lot.status,
      statusReason: lot.statusReason, expiresAt: lot.expiresAt, parentLot: lot.lotId, who: input.who, at
    }))
    links.push(await insertLink(tx, { type: 'split', from: { kind: 'lot', id: lot.lotId }, to: { kind: 'lot', id: p.lotId }, quantity: p.quantity, unit: lot.unit, who: input.who, at }))
  }
  const after = await drawFromLot(tx, lot, total, input.who, at)
  await appendAudit(tx, {
    who: input.who, at, entity: 'MaterialLot', entityId: lot.lotId, action: 'split', why: input.why ?? null,
    oldValue: { quantity: lot.quantity }, newValue: { quantity: after.quantity, sublots: input.into.map((p) => `${p.lotId} ${p.quantity}`) }
  })
  return { lot: after, sublots, links }
}

export async function mergeLots (tx: Tx, input: MergeInput, at: string): Promise<{ lot: Lot, sources: Lot[], links: GenealogyLink[] }> {
  const subject = `merge lots ${input.lotIds.join(', ')} into ${input.into}`
  const sources: Lot[] = []
  // Locked in one order, so that two merges of overlapping lots on PostgreSQL cannot deadlock.
  for (const id of [...input.lotIds].sort()) {
    const l = await loadLot(tx, id, true)
    if (l === undefined) throw new NotFoundError('lot', id)
    if (l.status !== 'released') {
      throw new MaterialRefusedError('lot-status', subject, `lot ${id} is ${l.status}${l.statusReason !== null ? ` (${l.statusReason})` : ''}, not released`,
        'nothing was merged')
    }
    if (l.quantity <= EPS) throw new MaterialRefusedError('insufficient-quantity', subject, `lot ${id} is empty`, 'nothing was merged')
    sources.push(l)
  }
  const first = sources[0]!
  const other = sources.find((l) => l.material !== first.material || l.unit !== first.unit)
  if (other !== undefined) {
    throw new MaterialRefusedError('not-same-material', subject, `lot ${other.lotId} is ${other.material} in ${other.unit}, lot ${first.lotId} ${first.material} in ${first.unit}`,
      'only lots of one material merge')
  }
  const expiries = sources.map((l) => l.expiresAt).filter((e): e is string => e !== null).sort((a, b) => Date.parse(a) - Date.parse(b))
  const total = sources.reduce((s, l) => s + l.quantity, 0)
  const lot = await insertLot(tx, {
    lotId: input.into, material: first.material, quantity: total, unit: first.unit, status: 'released', statusReason: null,
    expiresAt: expiries[0] ?? null, parentLot: null, who: input.who, at
  })
  const links: GenealogyLink[] = []
  const drained: Lot[] = []
  for (const l of sources) {
    links.push(await insertLink(tx, { type: 'merge', from: { kind: 'lot', id: l.lotId }, to: { kind: 'lot', id: lot.lotId }, quantity: l.quantity, unit: l.unit, who: input.who, at }))
    drained.push(await drawFromLot(tx, l, l.quantity, input.who, at))
  }
  await appendAudit(tx, {
    who: input.who, at, entity: 'MaterialLot', entityId: lot.lotId, action: 'merge', why: input.why ?? null,
    newValue: { quantity: total, from: sources.map((l) => `${l.lotId} ${l.quantity}`) }
  })
  return { lot: (await loadLot(tx, lot.lotId))!, sources: drained, links }
}
