// Acceptance test: a Sparkplug client written independently of the project's codec (the specification's
// sparkplug_b.proto loaded with protobufjs, and array packing written here from the specification's chapter 6)
// round-trips every datatype through the hub to the UNS JSON and back via NCMD.
//
// One NBIRTH carries a metric of every datatype a metric can have (1..19 and the arrays 22..34; 20 PropertySet and
// 21 PropertySetList exist only as property values, never as a metric's datatype), with boundary values. For each:
//   1. the UNS message the hub publishes has the value in the JSON convention (sparkplug/json.ts);
//   2. that same JSON value, published back on `<equipment>/commands/<tag>` by an MQTT client, reaches the edge node
//      as an NCMD which, decoded with the specification's .proto, carries the identical value in the datatype's field.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import type { RunningHub } from '../../hub/hub'
import { startSparkplug, type RunningSparkplug } from '../../sparkplug/sparkplug-runtime'
import { DEFAULT_SPARKPLUG } from '../../sparkplug/config'
import { tagOf } from '../../sparkplug/uns-mapping'
import { validateUnsPayload } from '../../plant/uns-payload'
import { connect, mqttUrl, startTestHub, hostMqtt } from '../support/hub-fixture'
import { TestEdgeNode, hasField, specDecode, specEncode, type SpecMetric } from './host/edge-node'

const LINE_1 = 'acme/dallas/press-shop/line-1' // the demo plant binds edge node dallas/press-line-1 here
const silent = { error () {}, warn () {}, info () {}, debug () {}, child: () => silent }

// ---------------------------------------------------------------------------------------------------------------
// The independent side: datatype numbers and array packing from the specification (chapter 6), not from the hub.

const T = {
  Int8: 1, Int16: 2, Int32: 3, Int64: 4, UInt8: 5, UInt16: 6, UInt32: 7, UInt64: 8, Float: 9, Double: 10, Boolean: 11,
  String: 12, DateTime: 13, Text: 14, UUID: 15, DataSet: 16, Bytes: 17, File: 18, Template: 19, PropertySet: 20,
  PropertySetList: 21, Int8Array: 22, Int16Array: 23, Int32Array: 24, Int64Array: 25, UInt8Array: 26, UInt16Array: 27,
  UInt32Array: 28, UInt64Array: 29, FloatArray: 30, DoubleArray: 31, BooleanArray: 32, StringArray: 33, DateTimeArray: 34
} as const

/** Little-endian fixed-width elements. */
function packLE (width: number, values: Array<number | bigint>, write: (b: Buffer, v: never, at: number) => void): Buffer {
  const b = Buffer.alloc(values.length * width)
  values.forEach((v, i) => write(b, v as never, i * width))
  return b
}
const pack = {
  int8: (v: number[]) => packLE(1, v, (b, x, at) => b.writeInt8(x, at)),
  int16: (v: number[]) => packLE(2, v, (b, x, at) => b.writeInt16LE(x, at)),
  int32: (v: number[]) => packLE(4, v, (b, x, at) => b.writeInt32LE(x, at)),
  int64: (v: bigint[]) => packLE(8, v, (b, x, at) => b.writeBigInt64LE(x, at)),
  uint8: (v: number[]) => packLE(1, v, (b, x, at) => b.writeUInt8(x, at)),
  uint16: (v: number[]) => packLE(2, v, (b, x, at) => b.writeUInt16LE(x, at)),
  uint32: (v: number[]) => packLE(4, v, (b, x, at) => b.writeUInt32LE(x, at)),
  uint64: (v: bigint[]) => packLE(8, v, (b, x, at) => b.writeBigUInt64LE(x, at)),
  float: (v: number[]) => packLE(4, v, (b, x, at) => b.writeFloatLE(x, at)),
  double: (v: number[]) => packLE(8, v, (b, x, at) => b.writeDoubleLE(x, at)),
  /** 4-byte little-endian count, then the bits, most significant bit first in each byte. */
  boolean: (v: boolean[]) => {
    const b = Buffer.alloc(4 + Math.ceil(v.length / 8))
    b.writeUInt32LE(v.length, 0)
    v.forEach((x, i) => { if (x) b[4 + (i >> 3)]! |= 0x80 >> (i & 7) })
    return b
  },
  /** Each string UTF-8, terminated by 0x00. */
  string: (v: string[]) => Buffer.concat(v.map((s) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])])))
}

// ---------------------------------------------------------------------------------------------------------------
// The cases

interface Case {
  /** What the case shows, for the test name. */
  label: string
  datatype: number
  /** The protobuf value field (protobufjs names) the datatype travels in. */
  field: string
  /** The value in protobufjs object form (fromObject): two's complement for negative integers, as on the wire. */
  wire: unknown
  /** The value the UNS JSON must carry. */
  json: unknown
  /** Further metric fields (metadata of a File). */
  extra?: SpecMetric
}

const I64_MIN = -(1n << 63n)
const I64_MAX = (1n << 63n) - 1n
const U64_MAX = (1n << 64n) - 1n
const FLOAT_MAX = 3.4028234663852886e38
const BOOLS = [false, false, true, true, false, true, false, false, true, true, false, true] // the specification's example

const CASES: Case[] = [
  { label: 'Int8 minimum', datatype: T.Int8, field: 'intValue', wire: -128 >>> 0, json: -128 },
  { label: 'Int8 maximum', datatype: T.Int8, field: 'intValue', wire: 127, json: 127 },
  { label: 'Int16 minimum', datatype: T.Int16, field: 'intValue', wire: -32768 >>> 0, json: -32768 },
  { label: 'Int32 minimum', datatype: T.Int32, field: 'intValue', wire: -2147483648 >>> 0, json: -2147483648 },
  { label: 'Int32 maximum', datatype: T.Int32, field: 'intValue', wire: 2147483647, json: 2147483647 },
  { label: 'Int64 minimum', datatype: T.Int64, field: 'longValue', wire: BigInt.asUintN(64, I64_MIN).toString(), json: '-9223372036854775808' },
  { label: 'Int64 maximum', datatype: T.Int64, field: 'longValue', wire: I64_MAX.toString(), json: '9223372036854775807' },
  { label: 'Int64 -1', datatype: T.Int64, field: 'longValue', wire: U64_MAX.toString(), json: '-1' },
  { label: 'UInt8 maximum', datatype: T.UInt8, field: 'intValue', wire: 255, json: 255 },
  { label: 'UInt16 maximum', datatype: T.UInt16, field: 'intValue', wire: 65535, json: 65535 },
  { label: 'UInt32 maximum', datatype: T.UInt32, field: 'intValue', wire: 4294967295, json: 4294967295 },
  { label: 'UInt64 maximum', datatype: T.UInt64, field: 'longValue', wire: U64_MAX.toString(), json: '18446744073709551615' },
  { label: 'UInt64 2^53+1', datatype: T.UInt64, field: 'longValue', wire: '9007199254740993', json: '9007199254740993' },
  { label: 'Float maximum', datatype: T.Float, field: 'floatValue', wire: FLOAT_MAX, json: FLOAT_MAX },
  { label: 'Float -1.5', datatype: T.Float, field: 'floatValue', wire: -1.5, json: -1.5 },
  { label: 'Float 0.1 (as float32)', datatype: T.Float, field: 'floatValue', wire: 0.1, json: Math.fround(0.1) },
  { label: 'Float NaN', datatype: T.Float, field: 'floatValue', wire: NaN, json: 'NaN' },
  { label: 'Float -0', datatype: T.Float, field: 'floatValue', wire: -0, json: -0 },
  { label: 'Double maximum', datatype: T.Double, field: 'doubleValue', wire: Number.MAX_VALUE, json: Number.MAX_VALUE },
  { label: 'Double smallest subnormal', datatype: T.Double, field: 'doubleValue', wire: 5e-324, json: 5e-324 },
  { label: 'Double -Infinity', datatype: T.Double, field: 'doubleValue', wire: -Infinity, json: '-Infinity' },
  { label: 'Double -0', datatype: T.Double, field: 'doubleValue', wire: -0, json: -0 },
  { label: 'Boolean true', datatype: T.Boolean, field: 'booleanValue', wire: true, json: true },
  { label: 'Boolean false', datatype: T.Boolean, field: 'booleanValue', wire: false, json: false },
  { label: 'String', datatype: T.String, field: 'stringValue', wire: 'Grüße ✓ "quoted" \\ line\nbreak', json: 'Grüße ✓ "quoted" \\ line\nbreak' },
  { label: 'DateTime', datatype: T.DateTime, field: 'longValue', wire: '1700000000000', json: 1700000000000 },
  { label: 'DateTime beyond 2^53', datatype: T.DateTime, field: 'longValue', wire: U64_MAX.toString(), json: '18446744073709551615' },
  { label: 'Text', datatype: T.Text, field: 'stringValue', wire: 'Lorem ipsum\tdolor ' + 'x'.repeat(300), json: 'Lorem ipsum\tdolor ' + 'x'.repeat(300) },
  { label: 'UUID', datatype: T.UUID, field: 'stringValue', wire: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', json: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6' },
  {
    label: 'DataSet of every basic column type',
    datatype: T.DataSet,
    field: 'datasetValue',
    wire: {
      numOfColumns: 15,
      columns: ['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'f', 'd', 'b', 's', 'dt', 'txt', 'uuid'],
      types: [T.Int8, T.Int16, T.Int32, T.Int64, T.UInt8, T.UInt16, T.UInt32, T.UInt64, T.Float, T.Double, T.Boolean, T.String, T.DateTime, T.Text, T.UUID],
      rows: [
        { elements: [{ intValue: -1 >>> 0 }, { intValue: -32768 >>> 0 }, { intValue: 2147483647 }, { longValue: BigInt.asUintN(64, I64_MIN).toString() }, { intValue: 255 }, { intValue: 65535 }, { intValue: 4294967295 }, { longValue: U64_MAX.toString() }, { floatValue: 1.5 }, { doubleValue: 0.1 }, { booleanValue: true }, { stringValue: 'a' }, { longValue: '1700000000000' }, { stringValue: 'text' }, { stringValue: '00000000-0000-0000-0000-000000000000' }] },
        { elements: [{ intValue: 0 }, { intValue: 1 }, { intValue: -2147483648 >>> 0 }, { longValue: '5' }, { intValue: 0 }, { intValue: 0 }, { intValue: 0 }, { longValue: '0' }, { floatValue: -2 }, { doubleValue: -1e300 }, { booleanValue: false }, { stringValue: '' }, { longValue: '0' }, { stringValue: '' }, { stringValue: 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6' }] }
      ]
    },
    json: {
      columns: ['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'f', 'd', 'b', 's', 'dt', 'txt', 'uuid'],
      types: ['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean', 'String', 'DateTime', 'Text', 'UUID'],
      rows: [
        [-1, -32768, 2147483647, '-9223372036854775808', 255, 65535, 4294967295, '18446744073709551615', 1.5, 0.1, true, 'a', 1700000000000, 'text', '00000000-0000-0000-0000-000000000000'],
        [0, 1, -2147483648, '5', 0, 0, 0, '0', -2, -1e300, false, '', 0, '', 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6']
      ]
    }
  },
  { label: 'Bytes', datatype: T.Bytes, field: 'bytesValue', wire: Buffer.from([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff]), json: 'AAECf4D+/w==' },
  {
    label: 'File',
    datatype: T.File,
    field: 'bytesValue',
    wire: Buffer.from('#!recipe\nspeed=24\n'),
    json: Buffer.from('#!recipe\nspeed=24\n').toString('base64'),
    extra: { metadata: { fileName: 'recipe.txt', fileType: 'txt', size: 18 } }
  },
  {
    label: 'Template instance',
    datatype: T.Template,
    field: 'templateValue',
    wire: {
      version: '1.0',
      templateRef: 'Motor',
      isDefinition: false,
      metrics: [{ name: 'Speed', datatype: T.Int32, intValue: 1450 }, { name: 'Running', datatype: T.Boolean, booleanValue: true }],
      parameters: [{ name: 'Rated Power', type: T.Double, doubleValue: 7.5 }, { name: 'Serial', type: T.UInt64, longValue: U64_MAX.toString() }]
    },
    json: {
      version: '1.0',
      templateRef: 'Motor',
      isDefinition: false,
      metrics: [{ name: 'Speed', datatype: 'Int32', value: 1450 }, { name: 'Running', datatype: 'Boolean', value: true }],
      parameters: [{ name: 'Rated Power', type: 'Double', value: 7.5 }, { name: 'Serial', type: 'UInt64', value: '18446744073709551615' }]
    }
  },
  { label: 'Int8Array', datatype: T.Int8Array, field: 'bytesValue', wire: pack.int8([-128, -23, 0, 123, 127]), json: [-128, -23, 0, 123, 127] },
  { label: 'Int16Array', datatype: T.Int16Array, field: 'bytesValue', wire: pack.int16([-32768, -1, 32767]), json: [-32768, -1, 32767] },
  { label: 'Int32Array', datatype: T.Int32Array, field: 'bytesValue', wire: pack.int32([-2147483648, 0, 2147483647]), json: [-2147483648, 0, 2147483647] },
  { label: 'Int64Array', datatype: T.Int64Array, field: 'bytesValue', wire: pack.int64([I64_MIN, -1n, I64_MAX]), json: ['-9223372036854775808', '-1', '9223372036854775807'] },
  { label: 'UInt8Array', datatype: T.UInt8Array, field: 'bytesValue', wire: pack.uint8([0, 23, 255]), json: [0, 23, 255] },
  { label: 'UInt16Array', datatype: T.UInt16Array, field: 'bytesValue', wire: pack.uint16([0, 65535]), json: [0, 65535] },
  { label: 'UInt32Array', datatype: T.UInt32Array, field: 'bytesValue', wire: pack.uint32([0, 4294967295]), json: [0, 4294967295] },
  { label: 'UInt64Array', datatype: T.UInt64Array, field: 'bytesValue', wire: pack.uint64([0n, 9007199254740993n, U64_MAX]), json: ['0', '9007199254740993', '18446744073709551615'] },
  { label: 'FloatArray', datatype: T.FloatArray, field: 'bytesValue', wire: pack.float([1.5, -FLOAT_MAX, 0]), json: [1.5, -FLOAT_MAX, 0] },
  { label: 'DoubleArray', datatype: T.DoubleArray, field: 'bytesValue', wire: pack.double([0.1, -1e308, 5e-324]), json: [0.1, -1e308, 5e-324] },
  { label: 'BooleanArray', datatype: T.BooleanArray, field: 'bytesValue', wire: pack.boolean(BOOLS), json: BOOLS },
  { label: 'StringArray', datatype: T.StringArray, field: 'bytesValue', wire: pack.string(['ABC', 'hello ✓', '']), json: ['ABC', 'hello ✓', ''] },
  { label: 'DateTimeArray', datatype: T.DateTimeArray, field: 'bytesValue', wire: pack.uint64([0n, 1700000000000n, U64_MAX]), json: [0, 1700000000000, '18446744073709551615'] }
]

const VALUE_FIELDS = ['intValue', 'longValue', 'floatValue', 'doubleValue', 'booleanValue', 'stringValue', 'bytesValue', 'datasetValue', 'templateValue', 'extensionValue']
const nameOf = (c: Case): string => `RT ${c.label}`
const topicOf = (c: Case): string => `${LINE_1}/measurements/${tagOf(nameOf(c))}`
const aliasOf = (i: number): number => 100 + i

function specMetric (c: Case, i: number): SpecMetric {
  return { name: nameOf(c), alias: aliasOf(i), datatype: c.datatype, timestamp: 1700000000000, [c.field]: c.wire, ...c.extra }
}

/** The metric as the edge node sent it, decoded with the specification's .proto (the reference for the NCMD). */
function sent (c: Case, i: number): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return specDecode(specEncode({ metrics: [specMetric(c, i)] })).metrics[0]
}

/** Messages by exact topic (a tag may be a prefix of another). */
function exactInbox (client: MqttClient) {
  const seen = new Map<string, Buffer[]>()
  const waiters = new Map<string, (b: Buffer) => void>()
  client.on('message', (topic, payload) => {
    const w = waiters.get(topic)
    if (w) {
      waiters.delete(topic)
      w(payload)
    } else {
      seen.set(topic, [...(seen.get(topic) ?? []), payload])
    }
  })
  return {
    next (topic: string, timeoutMs = 5000): Promise<Buffer> {
      const queued = seen.get(topic)
      if (queued && queued.length > 0) return Promise.resolve(queued.shift()!)
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => { waiters.delete(topic); reject(new Error(`no message on '${topic}' within ${timeoutMs} ms`)) }, timeoutMs)
        waiters.set(topic, (b) => { clearTimeout(t); resolve(b) })
      })
    }
  }
}

describe('A Sparkplug client written independently of the project\'s codec (from the spec\'s sparkplug_b.proto, loaded with protobufjs in the test) round-trips every datatype through the hub to the UNS JSON and back via NCMD', function () {
  let hub: RunningHub
  let sp: RunningSparkplug
  let watcher: MqttClient
  let box: ReturnType<typeof exactInbox>
  let edge: TestEdgeNode

  before(async function () {
    hub = await startTestHub()
    sp = await startSparkplug({ settings: { ...DEFAULT_SPARKPLUG, hostId: 'round-trip', rebirthMinIntervalMs: 0 }, model: hub.model, mqtt: hostMqtt(hub), uns: hub.uns, log: silent })
    watcher = await connect(mqttUrl(hub))
    box = exactInbox(watcher)
    await watcher.subscribeAsync([`${LINE_1}/measurements/#`, '$hub/errors/#'], { qos: 1 })
    edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', 'press-line-1', 7)
    await edge.nbirth([
      // The definition of the Template the instance refers to (templates are defined in the NBIRTH).
      {
        name: '_types_/Motor',
        datatype: T.Template,
        templateValue: {
          version: '1.0',
          isDefinition: true,
          metrics: [{ name: 'Speed', datatype: T.Int32 }, { name: 'Running', datatype: T.Boolean }],
          parameters: [{ name: 'Rated Power', type: T.Double }, { name: 'Serial', type: T.UInt64 }]
        }
      },
      ...CASES.map(specMetric)
    ])
  })
  after(async function () {
    await edge.close()
    await watcher.endAsync()
    await sp.stop()
    await hub.stop()
  })

  it('covers every datatype a metric can have: 1..19 and the arrays 22..34 (20 and 21 are property value types only)', function () {
    const covered = new Set(CASES.map((c) => c.datatype))
    const missing = Object.entries(T).filter(([, n]) => n !== T.PropertySet && n !== T.PropertySetList && !covered.has(n)).map(([name]) => name)
    assert.deepEqual(missing, [])
  })

  CASES.forEach((c, i) => {
    it(`${c.label} (${c.datatype}): the UNS JSON value is ${(Object.is(c.json, -0) ? '-0' : JSON.stringify(c.json)).slice(0, 70)}, and the same JSON on commands/ comes back in the NCMD's ${c.field}, identical`, async function () {
      // Sparkplug -> UNS
      const raw = await box.next(topicOf(c))
      const checked = validateUnsPayload(raw)
      assert.ok(checked.ok, `UNS payload must match the schema: ${checked.ok ? '' : checked.reason}`)
      const uns = JSON.parse(raw.toString()) as { value: unknown, quality: string, properties: { datatype: string } }
      assert.deepEqual(uns.value, c.json)
      assert.equal(uns.quality, 'GOOD')
      assert.equal(uns.properties.datatype, Object.entries(T).find(([, n]) => n === c.datatype)![0])

      // UNS -> Sparkplug: the same JSON value, as any MQTT client would publish it
      // (JSON.stringify writes -0 as 0; a client that keeps the sign of zero sends -0 as the hub wrote it.)
      const valueText = Object.is(uns.value, -0) ? '-0' : JSON.stringify(uns.value)
      await watcher.publishAsync(`${LINE_1}/commands/${tagOf(nameOf(c))}`, `{"value":${valueText},"timestamp":${Date.now()}}`, { qos: 1 })
      const cmd = await edge.nextCommand()
      assert.equal(cmd.topic, 'spBv1.0/dallas/NCMD/press-line-1')
      assert.equal(cmd.payload.metrics.length, 1)
      const m = cmd.payload.metrics[0]
      assert.equal(m.alias, String(aliasOf(i)), 'by the alias the NBIRTH gave')
      assert.deepEqual(VALUE_FIELDS.filter((f) => hasField(m, f)), [c.field], 'the value travels in the field of its datatype, and only there')
      assert.deepEqual(m[c.field], sent(c, i)[c.field], 'the value the edge node receives is the one it sent')
    })
  })

  it('a null value (is_null) of an Int32 metric is null in the UNS JSON and comes back as is_null, with no value field', async function () {
    const name = 'RT Null Int32'
    const tag = tagOf(name)
    const ndata = box.next(`${LINE_1}/measurements/${tag}`)
    await edge.nbirth([{ name, alias: 900, datatype: T.Int32, isNull: true }], { seq: 0 })
    const uns = JSON.parse((await ndata).toString()) as { value: unknown }
    assert.equal(uns.value, null)
    await watcher.publishAsync(`${LINE_1}/commands/${tag}`, JSON.stringify({ value: null, timestamp: Date.now() }), { qos: 1 })
    const m = (await edge.nextCommand()).payload.metrics[0]
    assert.equal(m.alias, '900')
    assert.equal(m.isNull, true)
    assert.deepEqual(VALUE_FIELDS.filter((f) => hasField(m, f)), [])
  })
})
