// The Sparkplug B wire layer of the codec: the specification's protobuf schema on a private protobufjs Root, message
// classes that make field presence cheap, and a reader that takes uint64 as number-or-bigint (no Long objects).
// ./decode.ts and ./encode.ts convert between these raw messages and SparkplugPayload.
import * as protobuf from 'protobufjs'
import { SPARKPLUG_B_DESCRIPTOR, SPARKPLUG_B_PACKAGE } from './schema'
import type { U64 } from './types'


const root = protobuf.Root.fromJSON(SPARKPLUG_B_DESCRIPTOR)
export const PayloadType = root.lookupType(`${SPARKPLUG_B_PACKAGE}.Payload`)

// Message classes for decoding. protobufjs' generated classes keep field defaults on the prototype (so presence
// needs Object.hasOwn) and record the oneof member (`m.value = "intValue"`) through a prototype setter that deletes
// every other member: about half of all decode time for a DDATA payload. These classes declare every field as an own
// property, undefined until read, so presence is `!== undefined`, every message of a type has one hidden class, and
// the own `value` data property shadows the oneof setter. They are installed on this module's private Root only;
// protobufjs' shared state is untouched. The loop below checks that they declare exactly the schema's fields.
/* eslint-disable @typescript-eslint/no-explicit-any */
class PayloadMsg extends protobuf.Message<object> {
  timestamp: any = undefined; metrics: any = undefined; seq: any = undefined; uuid: any = undefined; body: any = undefined
}
class MetricMsg extends protobuf.Message<object> {
  name: any = undefined; alias: any = undefined; timestamp: any = undefined; datatype: any = undefined
  isHistorical: any = undefined; isTransient: any = undefined; isNull: any = undefined; metadata: any = undefined
  properties: any = undefined; intValue: any = undefined; longValue: any = undefined; floatValue: any = undefined
  doubleValue: any = undefined; booleanValue: any = undefined; stringValue: any = undefined; bytesValue: any = undefined
  datasetValue: any = undefined; templateValue: any = undefined; extensionValue: any = undefined; value: any = undefined
}
class MetaDataMsg extends protobuf.Message<object> {
  isMultiPart: any = undefined; contentType: any = undefined; size: any = undefined; seq: any = undefined
  fileName: any = undefined; fileType: any = undefined; md5: any = undefined; description: any = undefined
}
class PropertySetMsg extends protobuf.Message<object> { keys: any = undefined; values: any = undefined }
class PropertySetListMsg extends protobuf.Message<object> { propertyset: any = undefined }
class PropertyValueMsg extends protobuf.Message<object> {
  type: any = undefined; isNull: any = undefined; intValue: any = undefined; longValue: any = undefined
  floatValue: any = undefined; doubleValue: any = undefined; booleanValue: any = undefined; stringValue: any = undefined
  propertysetValue: any = undefined; propertysetsValue: any = undefined; extensionValue: any = undefined; value: any = undefined
}
class DataSetMsg extends protobuf.Message<object> {
  numOfColumns: any = undefined; columns: any = undefined; types: any = undefined; rows: any = undefined
}
class RowMsg extends protobuf.Message<object> { elements: any = undefined }
class DataSetValueMsg extends protobuf.Message<object> {
  intValue: any = undefined; longValue: any = undefined; floatValue: any = undefined; doubleValue: any = undefined
  booleanValue: any = undefined; stringValue: any = undefined; extensionValue: any = undefined; value: any = undefined
}
class TemplateMsg extends protobuf.Message<object> {
  version: any = undefined; metrics: any = undefined; parameters: any = undefined; templateRef: any = undefined
  isDefinition: any = undefined
}
class ParameterMsg extends protobuf.Message<object> {
  name: any = undefined; type: any = undefined; intValue: any = undefined; longValue: any = undefined
  floatValue: any = undefined; doubleValue: any = undefined; booleanValue: any = undefined; stringValue: any = undefined
  extensionValue: any = undefined; value: any = undefined
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const KNOWN_FIELDS = new Map<string, Map<number, string>>()
for (const [name, ctor] of [['Payload', PayloadMsg], ['Payload.Metric', MetricMsg], ['Payload.MetaData', MetaDataMsg],
  ['Payload.PropertySet', PropertySetMsg], ['Payload.PropertySetList', PropertySetListMsg],
  ['Payload.PropertyValue', PropertyValueMsg], ['Payload.DataSet', DataSetMsg], ['Payload.DataSet.Row', RowMsg],
  ['Payload.DataSet.DataSetValue', DataSetValueMsg], ['Payload.Template', TemplateMsg],
  ['Payload.Template.Parameter', ParameterMsg]] as const) {
  const t = root.lookupType(`${SPARKPLUG_B_PACKAGE}.${name}`)
  KNOWN_FIELDS.set(name, new Map(t.fieldsArray.map((f) => [f.id, `${f.name} (${f.type})`])))
  const declared = Object.keys(new ctor()).sort().join(',')
  const schema = [...t.fieldsArray.map((f) => f.name), ...t.oneofsArray.map((o) => o.name)].sort().join(',')
  if (declared !== schema) throw new Error(`sparkplug codec: class for ${name} declares ${declared}, schema has ${schema}`)
  t.ctor = ctor
}

// ---------------------------------------------------------------------------------------------------------------
// Reader: uint64 as number-or-bigint

export const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER)

function readUint64 (this: protobuf.Reader): U64 {
  const buf = this.buf
  const len = this.len
  let pos = this.pos
  let value = 0
  let mul = 1
  // Up to 7 bytes carry 49 bits: exact in a double.
  for (let i = 0; i < 7; i++) {
    if (pos >= len) throw new RangeError(`index out of range: ${pos} + 1 > ${len}`)
    const b = buf[pos++]!
    value += (b & 0x7f) * mul
    if (b < 0x80) {
      this.pos = pos
      return value
    }
    mul *= 128
  }
  let big = BigInt(value)
  let shift = 49n
  for (let i = 7; i < 10; i++) {
    if (pos >= len) throw new RangeError(`index out of range: ${pos} + 1 > ${len}`)
    const b = buf[pos++]!
    big |= BigInt(b & 0x7f) << shift
    if (b < 0x80) {
      this.pos = pos
      big = BigInt.asUintN(64, big)
      return big <= MAX_SAFE_BIG ? Number(big) : big
    }
    shift += 7n
  }
  throw new RangeError(`varint longer than 10 bytes at offset ${this.pos}`)
}

export class SparkplugReader extends protobuf.BufferReader {
  constructor (buffer: Buffer) {
    super(buffer)
    // Keep unknown fields so that a known field with the wrong wire type is reported instead of skipped.
    this.discardUnknown = false
  }
}
Object.defineProperty(SparkplugReader.prototype, 'uint64', { value: readUint64, writable: true, configurable: true })

/** Raw protobufjs message objects (instances of the classes above): absent fields, repeated ones too, are undefined. */
export type Raw = Record<string, any>

/** Where a metric is, for errors: `template metric 2 'Speed'` inside its parent's path. */
export function metricPath (parent: string | undefined, kind: string, i: number, m: { name?: string, alias?: U64 }): string {
  const label = m.name !== undefined ? ` '${m.name}'` : m.alias !== undefined ? ` (alias ${m.alias})` : ''
  return `${parent === undefined ? '' : parent + ' > '}${kind} ${i}${label}`
}

export function kindOf (parent: string | undefined): string {
  return parent === undefined ? 'metric' : 'template metric'
}
