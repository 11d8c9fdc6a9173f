// The outbox's backoff: doubles per attempt from its base, stops at its cap, and spreads by its jitter both ways.
import assert from 'node:assert/strict'
import { backoffMs, DEFAULT_BACKOFF } from '../../../mes/outbox/backoff'

describe('outbox backoff', () => {
  it('doubles per failed attempt from the base and stops at the cap', () => {
    const opts = { baseMs: 500, maxMs: 10_000, jitter: 0 }
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 30].map((n) => backoffMs(n, opts)), [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000])
  })

  it('spreads each wait by the jitter, and never past the cap', () => {
    const opts = { baseMs: 1000, maxMs: 4000, jitter: 0.25 }
    assert.equal(backoffMs(2, opts, () => 0), 1500)
    assert.equal(backoffMs(2, opts, () => 0.999999), 2500)
    assert.equal(backoffMs(3, opts, () => 0.999999), 4000, 'capped after the jitter too')
    assert.equal(backoffMs(1, {}, () => 0.5), DEFAULT_BACKOFF.baseMs)
  })
})
