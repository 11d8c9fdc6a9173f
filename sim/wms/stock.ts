// The simulated warehouse's stock: lots (EWM batches) in storage bins, per material. Staging picks FIFO by expiry
// (first expired, first out: EWM's removal strategy FEFO; lots without an expiry last, then by receipt), so the
// oldest material goes to the line first; a put-away places a produced lot in the next free bin of the put-away area.
export interface StockLot {
  lotId: string
  material: string
  quantity: number
  unit: string
  bin: string
  /** YYYY-MM-DD; none sorts last. */
  expiry?: string
  receivedSeq: number
}

export interface PickedLot {
  lotId: string
  quantity: number
  sourceBin: string
}

/** The demo plant's components (flows/hub-flows.json receives the same lots into the MES: S-1, B-1, B-2, COIL-1). */
export function demoStock (): Array<Omit<StockLot, 'receivedSeq'>> {
  return [
    { lotId: 'S-1', material: 'RM-STEEL', quantity: 100, unit: 'KG', bin: '01-A-01', expiry: '2027-06-30' },
    { lotId: 'B-1', material: 'RM-BOLT', quantity: 50, unit: 'PCE', bin: '01-B-01', expiry: '2027-03-31' },
    { lotId: 'B-2', material: 'RM-BOLT', quantity: 50, unit: 'PCE', bin: '01-B-02', expiry: '2027-09-30' },
    { lotId: 'COIL-1', material: 'RM-STEEL-COIL', quantity: 1000, unit: 'KG', bin: '02-A-01', expiry: '2028-01-31' }
  ]
}

/** Rounds a quantity to what decimal stock keeping shows (no 0.30000000000000004). */
function q (n: number): number {
  return Math.round(n * 1e6) / 1e6
}

export class WarehouseStock {
  private readonly lots: StockLot[] = []
  private seq = 0
  private nextPutAwayBin = 1

  constructor (seed: ReadonlyArray<Omit<StockLot, 'receivedSeq'>> = []) {
    for (const l of seed) this.add(l)
  }

  add (lot: Omit<StockLot, 'receivedSeq'>): StockLot {
    const same = this.lots.find((l) => l.lotId === lot.lotId && l.bin === lot.bin)
    if (same !== undefined) {
      same.quantity = q(same.quantity + lot.quantity)
      return same
    }
    const stored = { ...lot, receivedSeq: ++this.seq }
    this.lots.push(stored)
    return stored
  }

  available (material: string): number {
    return q(this.lots.filter((l) => l.material === material).reduce((s, l) => s + l.quantity, 0))
  }

  /** Takes up to `quantity` of a material, FEFO; returns what was taken (less when stock is short). */
  pick (material: string, quantity: number): PickedLot[] {
    const order = this.lots.filter((l) => l.material === material && l.quantity > 0)
      .sort((a, b) => (a.expiry ?? '9999') < (b.expiry ?? '9999') ? -1 : (a.expiry ?? '9999') > (b.expiry ?? '9999') ? 1 : a.receivedSeq - b.receivedSeq)
    const out: PickedLot[] = []
    let rest = quantity
    for (const l of order) {
      if (rest <= 0) break
      const take = q(Math.min(rest, l.quantity))
      l.quantity = q(l.quantity - take)
      rest = q(rest - take)
      out.push({ lotId: l.lotId, quantity: take, sourceBin: l.bin })
    }
    this.lots.splice(0, this.lots.length, ...this.lots.filter((l) => l.quantity > 0))
    return out
  }

  /** Takes the named lots (a confirmation on command); refuses one the bin does not hold. */
  take (material: string, lots: ReadonlyArray<{ lotId: string, quantity: number }>): PickedLot[] {
    for (const want of lots) {
      const have = q(this.lots.filter((l) => l.lotId === want.lotId && l.material === material).reduce((s, l) => s + l.quantity, 0))
      if (have < want.quantity) throw new Error(`lot ${want.lotId} of ${material} has ${have} in stock, not ${want.quantity}`)
    }
    const out: PickedLot[] = []
    for (const want of lots) {
      let rest = want.quantity
      for (const l of this.lots.filter((x) => x.lotId === want.lotId && x.material === material)) {
        const take = q(Math.min(rest, l.quantity))
        if (take <= 0) continue
        l.quantity = q(l.quantity - take)
        rest = q(rest - take)
        out.push({ lotId: l.lotId, quantity: take, sourceBin: l.bin })
      }
    }
    this.lots.splice(0, this.lots.length, ...this.lots.filter((l) => l.quantity > 0))
    return out
  }

  /** The next bin of the put-away area for a produced lot. */
  putAwayBin (): string {
    return `FG-01-${String(this.nextPutAwayBin++).padStart(2, '0')}`
  }

  list (): StockLot[] {
    return this.lots.map((l) => ({ ...l }))
  }
}
