import assert from 'node:assert/strict'
import { unsPayload, validateUnsPayload } from '../../plant/uns-payload'

const NOW = 1718000000000

describe('UNS payloads', () => {
  function reasonOf (payload: Buffer | string): string {
    const r = validateUnsPayload(payload)
    assert.ok(!r.ok, `should be rejected: ${String(payload)}`)
    return r.reason
  }

  it('a value with a timestamp is accepted, and its quality defaults to GOOD', () => {
    const r = validateUnsPayload(Buffer.from(JSON.stringify({ value: 21.5, timestamp: NOW })))
    assert.ok(r.ok)
    assert.deepEqual(r.payload, { value: 21.5, timestamp: NOW, quality: 'GOOD' })
  })

  it('every optional field and any JSON value are accepted', () => {
    for (const value of [null, true, 'running', [1, 2], { a: { b: 1 } }]) {
      const r = validateUnsPayload(JSON.stringify({ value, timestamp: NOW, quality: 'UNCERTAIN', unit: 'CEL', properties: { sensor: 'tt-101' } }))
      assert.ok(r.ok, JSON.stringify(value))
      assert.deepEqual(r.payload.value, value)
      assert.equal(r.payload.quality, 'UNCERTAIN')
    }
  })

  it('a payload that is not JSON says so, with the parser\'s position', () => {
    assert.match(reasonOf('{"value": oops}'), /^not JSON: .*(position|token)/)
    assert.match(reasonOf(Buffer.from('21.5 degrees')), /^not JSON: /)
  })

  it('an empty payload says what is expected', () => {
    assert.match(reasonOf(''), /^empty payload: expected a JSON object/)
  })

  it('a fractional or text timestamp is refused as not an integer of UTC epoch ms', () => {
    assert.equal(reasonOf(JSON.stringify({ value: 1, timestamp: 1718000000000.5 })), '/timestamp: must be an integer (UTC epoch ms), not number 1718000000000.5')
    assert.match(reasonOf(JSON.stringify({ value: 1, timestamp: '2024-06-10T06:13:20Z' })), /^\/timestamp: must be an integer \(UTC epoch ms\), not '2024-06-10T06:13:20Z'$/)
  })

  it('a timestamp in seconds is refused as implausible', () => {
    assert.match(reasonOf(JSON.stringify({ value: 1, timestamp: 1718000000 })), /^\/timestamp: 1718000000 is before 1973; it looks like seconds/)
  })

  it('a missing value or timestamp is named', () => {
    assert.equal(reasonOf(JSON.stringify({ timestamp: NOW })), '/value: required, but missing')
    assert.equal(reasonOf(JSON.stringify({ value: 1 })), '/timestamp: required, but missing')
  })

  it('a misspelt top-level key is refused, listing the allowed keys', () => {
    assert.equal(reasonOf(JSON.stringify({ value: 1, timestamp: NOW, qualty: 'BAD' })),
      '/qualty: unknown property (allowed: value, timestamp, quality, unit, properties)')
  })

  it('an unknown quality lists the allowed ones', () => {
    assert.equal(reasonOf(JSON.stringify({ value: 1, timestamp: NOW, quality: 'OK' })), "/quality: 'OK' is not one of GOOD, UNCERTAIN, BAD, STALE")
  })

  it('a unit that is not text, and properties that are not an object, are refused', () => {
    assert.match(reasonOf(JSON.stringify({ value: 1, timestamp: NOW, unit: 7 })), /^\/unit: must be a string/)
    assert.match(reasonOf(JSON.stringify({ value: 1, timestamp: NOW, properties: [1] })), /^\/properties: must be an object/)
  })

  it('a payload that is not an object is refused at the root', () => {
    assert.match(reasonOf('21.5'), /^\/: must be an object/)
  })

  it('a payload built with unsPayload passes validation', () => {
    const p = unsPayload(42, { unit: 'KGM' })
    const r = validateUnsPayload(JSON.stringify(p))
    assert.ok(r.ok)
    assert.equal(r.payload.unit, 'KGM')
    assert.ok(Math.abs(r.payload.timestamp - Date.now()) < 5000)
  })
})
