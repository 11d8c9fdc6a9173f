import assert from 'node:assert/strict'
import { OrderedWork, flushAll } from '../../mes/ordered-work'

describe('ordered work of one source (mes/ordered-work.ts)', function () {
  it('runs each piece after the one before, reports a failure without stopping the rest, and flushes work added meanwhile', async function () {
    const done: string[] = []
    const errors: string[] = []
    const a = new OrderedWork((err) => errors.push((err as Error).message))
    const b = new OrderedWork((err) => errors.push((err as Error).message))
    a.add(async () => { await Promise.resolve(); done.push('a1') })
    a.add(async () => { throw new Error('a2 failed') })
    a.add(async () => {
      done.push('a3')
      // Added to the other source while the flush waits: the flush waits for it too.
      b.add(async () => { await Promise.resolve(); done.push('b2') })
    })
    b.add(async () => { done.push('b1') })
    await flushAll([a, b])
    assert.deepEqual(done.filter((d) => d.startsWith('a')), ['a1', 'a3'])
    assert.deepEqual(done.filter((d) => d.startsWith('b')), ['b1', 'b2'])
    assert.deepEqual(errors, ['a2 failed'])
  })
})
