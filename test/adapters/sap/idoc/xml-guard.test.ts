import assert from 'node:assert/strict'
import { guardXml } from '../../../../adapters/sap/idoc/xml-guard'
import { parseIdocXml } from '../../../../adapters/sap/idoc/idoc-xml'
import { IdocRefusedError } from '../../../../adapters/sap/errors'
import { controlRecord } from '../idoc-samples'

const refused = (code: string, where?: RegExp) => (err: unknown): boolean => {
  assert.ok(err instanceof IdocRefusedError, String(err))
  assert.equal(err.code, code)
  if (where) assert.match(err.where.path ?? '', where)
  return true
}

describe('SAP IDoc-XML guard: what is refused before parsing', () => {
  it('refuses a document over the size limit, saying its size and the limit', () => {
    const xml = `<LOIPRO05><IDOC>${controlRecord('1')}</IDOC></LOIPRO05>`
    assert.throws(() => parseIdocXml(xml, { maxBytes: 100 }), (err: unknown) => {
      refused('IDOC_TOO_LARGE')(err)
      assert.match((err as Error).message, new RegExp(`${Buffer.byteLength(xml)} bytes is over the limit of 100 bytes`))
      return true
    })
  })

  it('refuses a billion-laughs DOCTYPE (internal entities) with its byte and line, before any expansion', () => {
    const lol = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n' +
      ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n<LOIPRO05><IDOC><EDI_DC40><DOCNUM>&lol3;</DOCNUM></EDI_DC40></IDOC></LOIPRO05>'
    assert.throws(() => parseIdocXml(lol), refused('IDOC_DOCTYPE', /^byte 22, line 2$/))
  })

  it('refuses an external entity (XXE): file:///etc/passwd is never read', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><LOIPRO05><IDOC>' +
      '<EDI_DC40><DOCNUM>&xxe;</DOCNUM></EDI_DC40></IDOC></LOIPRO05>'
    assert.throws(() => parseIdocXml(xxe), (err: unknown) => {
      refused('IDOC_DOCTYPE', /^byte 21, line 1$/)(err)
      assert.doesNotMatch((err as Error).message, /root:/)
      return true
    })
  })

  it('finds a DOCTYPE in any case, after a BOM and comments, and a lone ENTITY declaration', () => {
    assert.throws(() => guardXml(Buffer.from('\uFEFF<!-- a -->\n<!-- b -->\n<!doctype x><x/>'), { maxBytes: 1000 }), refused('IDOC_DOCTYPE', /line 3/))
    assert.throws(() => guardXml('<x><!ENTITY e "x"></x>', { maxBytes: 1000 }), refused('IDOC_ENTITY', /^byte 3, line 1$/))
  })

  it('takes UTF-8 with a BOM, UTF-16 with a BOM and a declared ISO-8859-1, and refuses bytes that are not UTF-8', () => {
    assert.equal(guardXml(Buffer.from('\uFEFF<a>Größe</a>'), { maxBytes: 100 }), '<a>Größe</a>')
    assert.equal(guardXml(Buffer.concat([Buffer.from([0xFF, 0xFE]), Buffer.from('<a>µ</a>', 'utf16le')]), { maxBytes: 100 }), '<a>µ</a>')
    assert.equal(guardXml(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>\xB5</a>', 'latin1'), { maxBytes: 100 }).endsWith('<a>µ</a>'), true)
    assert.throws(() => guardXml(Buffer.from([0x3C, 0x61, 0x3E, 0xC3, 0x28, 0x3C, 0x2F, 0x61, 0x3E]), { maxBytes: 100 }), refused('IDOC_ENCODING'))
  })
})
