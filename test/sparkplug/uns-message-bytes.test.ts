// The bytes of a Sparkplug metric's UNS message, built from its changing head and a tail kept per topic, are the
// JSON a consumer parses: the same object as building the whole text, for multi-byte text in values and units.
import assert from 'node:assert/strict'
import { messageBytes, messageTail } from '../../sparkplug/uns-message-bytes'

describe('UNS message bytes of a Sparkplug metric', function () {
  it('are the JSON of value, timestamp, quality, unit and properties, in that order', function () {
    const tail = messageTail('Double', 'CEL', false, 'GOOD', 'sparkplug:line-a/press-1')
    const bytes = messageBytes('21.5', true, '1700000000000', tail)
    assert.equal(bytes.toString('utf8'),
      '{"value":21.5,"timestamp":1700000000000,"quality":"GOOD","unit":"CEL","properties":{"datatype":"Double","source":"sparkplug:line-a/press-1"}}')
  })

  it('keep multi-byte UTF-8 of a value and a unit whole (the length is in bytes, not characters)', function () {
    const tail = messageTail('String', 'µm', true, 'UNCERTAIN', 'sparkplug:ä/ö')
    const value = JSON.stringify('Öl – 温度 🌡')
    const bytes = messageBytes(value, false, '1', tail)
    assert.deepEqual(JSON.parse(bytes.toString('utf8')), {
      value: 'Öl – 温度 🌡', timestamp: 1, quality: 'UNCERTAIN', unit: 'µm',
      properties: { datatype: 'String', source: 'sparkplug:ä/ö', historical: true }
    })
    assert.equal(bytes.length, Buffer.byteLength(bytes.toString('utf8')))
    // A value of text that is all ASCII may take either path.
    assert.deepEqual(messageBytes('"plain"', true, '1', tail), messageBytes('"plain"', false, '1', tail))
  })

  it('have no unit field when the metric has none', function () {
    const bytes = messageBytes('null', true, '5', messageTail('Int32', undefined, false, 'STALE', 's'))
    assert.deepEqual(JSON.parse(bytes.toString('utf8')), { value: null, timestamp: 5, quality: 'STALE', properties: { datatype: 'Int32', source: 's' } })
  })
})
