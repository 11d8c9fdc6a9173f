// The as-built record's B2MML as XML, from the record alone: free text of the record (an override's reason, a hold's
// why) stays well-formed XML whatever it holds.
import assert from 'node:assert/strict'
import { XMLParser } from 'fast-xml-parser'
import { toB2mml } from '../../../mes/as-built/b2mml-export'
import { b2mmlXml } from '../../../mes/as-built/b2mml-xml'
import { validateAsBuiltRecord } from '../../../mes/as-built/record-check'
import { threeLevelRecord } from './three-level-record'

/** Characters no XML 1.0 document may hold, not even as a character reference. */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/

describe('as-built record: B2MML XML of free text', function () {
  it('escapes markup and writes characters XML cannot hold as U+FFFD, so the document parses', function () {
    const record = threeLevelRecord()
    record.overrides[0]!.reason = 'feeder jam\u0007 <2 screws> & "dropped"\u0000'
    record.holds[0]!.reason = 'moisture\u001b[31m above 0.2 %'
    const xml = b2mmlXml(toB2mml(validateAsBuiltRecord(record)), record)
    assert.equal(NOT_XML.test(xml), false, 'no character XML 1.0 forbids')
    const parsed = new XMLParser({ ignoreAttributes: false, parseTagValue: false, processEntities: true }).parse(xml) as Record<string, unknown>
    const texts: string[] = []
    JSON.stringify(parsed, (_k, v: unknown) => { if (typeof v === 'string') texts.push(v); return v })
    assert.ok(texts.includes('feeder jam\ufffd <2 screws> & "dropped"\ufffd'), texts.filter((t) => /feeder/.test(t)).join(' | '))
    assert.ok(texts.includes('moisture\ufffd[31m above 0.2 %'), texts.filter((t) => /moisture/.test(t)).join(' | '))
  })
})
