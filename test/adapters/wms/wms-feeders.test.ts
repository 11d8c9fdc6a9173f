// What the WMS feeder enqueues for each logistics change: a staging request or a put-away once per request (its key),
// a cancel after the request (the same ordering key), nothing for a confirmation's change. The feeder's walk over
// the MES's Logistics with its durable cursor is tested once mes/logistics is merged.
import assert from 'node:assert/strict'
import { messageOf } from '../../../adapters/wms/wms-feeders'
import { putAwayRequest, stagingRequest } from './fixtures'

describe('the WMS feeder', function () {
  it('enqueues a staging request, its cancel and a put-away with one key each, ordered by request', function () {
    const requested = messageOf({ seq: 1, kind: 'staging', request: stagingRequest() })!
    assert.deepEqual([requested.destination, requested.type, requested.idempotencyKey, requested.orderingKey],
      ['wms', 'staging-request', 'wms:staging:TR-1-10-1/2', 'TR-1-10-1/2'])
    const cancel = messageOf({ seq: 2, kind: 'staging', request: stagingRequest({ status: 'cancelled' }) })!
    assert.deepEqual([cancel.type, cancel.idempotencyKey, cancel.orderingKey], ['staging-cancel', 'wms:staging-cancel:TR-1-10-1/2', 'TR-1-10-1/2'])
    assert.match((cancel.payload as { why: string }).why, /job TR-1-10-1 no longer needs it/)
    const putAway = messageOf({ seq: 3, kind: 'put-away', request: putAwayRequest() })!
    assert.deepEqual([putAway.type, putAway.idempotencyKey], ['put-away-request', 'wms:put-away:putaway/BR-1'])
  })

  it('enqueues nothing for a confirmation', function () {
    assert.equal(messageOf({ seq: 4, kind: 'staging', request: stagingRequest({ status: 'partial' }) }), undefined)
    assert.equal(messageOf({ seq: 5, kind: 'staging', request: stagingRequest({ status: 'staged' }) }), undefined)
    assert.equal(messageOf({ seq: 6, kind: 'put-away', request: putAwayRequest({ status: 'confirmed', location: 'FG-01-01' }) }), undefined)
  })
})
