// Generators of Sparkplug B payloads for the fuzz targets, and the seeds of issue #8. Payloads are built in the
// specification's protobuf object form and encoded with the independent codec of the host suites (protobufjs on the
// specification's .proto), so they can carry what our own encoder refuses: any datatype with any value field.
import fc from 'fast-check'
import { specEncode, type SpecMetric } from '../../sparkplug/host/edge-node'

const u64 = fc.oneof(fc.nat(), fc.constantFrom(0, 1, 255, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String))

/** The value fields of a metric (protobufjs names), any of them with any datatype. */
const valueField: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ intValue: fc.nat({ max: 2 ** 32 - 1 }) }),
  fc.record({ longValue: u64 }),
  fc.record({ floatValue: fc.float() }),
  fc.record({ doubleValue: fc.double() }),
  fc.record({ booleanValue: fc.boolean() }),
  fc.record({ stringValue: fc.string({ maxLength: 20 }) }),
  fc.record({ bytesValue: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({ isNull: fc.constant(true) }),
  fc.record({ datasetValue: fc.record({ numOfColumns: u64, columns: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }), types: fc.array(fc.nat({ max: 40 }), { maxLength: 3 }), rows: fc.array(fc.record({ elements: fc.array(fc.oneof(fc.record({ intValue: fc.nat() }), fc.record({ stringValue: fc.string({ maxLength: 4 }) }), fc.record({ booleanValue: fc.boolean() }), fc.constant({})), { maxLength: 3 }) }), { maxLength: 3 }) }, { requiredKeys: [] }) }),
  fc.record({ templateValue: fc.record({ version: fc.string({ maxLength: 4 }), templateRef: fc.string({ maxLength: 4 }), isDefinition: fc.boolean(), metrics: fc.array(fc.record({ name: fc.string({ maxLength: 4 }), datatype: fc.nat({ max: 40 }), intValue: fc.nat() }, { requiredKeys: [] }), { maxLength: 2 }), parameters: fc.array(fc.record({ name: fc.string({ maxLength: 4 }), type: fc.nat({ max: 40 }), intValue: fc.nat(), stringValue: fc.string({ maxLength: 4 }) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }) }),
  fc.record({ propertysetValue: fc.record({ keys: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }), values: fc.array(fc.record({ type: fc.nat({ max: 40 }), intValue: fc.nat(), stringValue: fc.string({ maxLength: 4 }), isNull: fc.boolean() }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }) }),
  fc.record({ propertysetsValue: fc.record({ propertyset: fc.array(fc.record({ keys: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }), values: fc.array(fc.record({ type: fc.nat({ max: 40 }), intValue: fc.nat() }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }) }) }),
  fc.constant({})
)

const metricName = fc.oneof(fc.constantFrom('R', 'Temperature', 'Node Control/Rebirth', 'bdSeq', 'Properties/x', 'a/b', '', 'Strokes'),
  fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 }))

export const specMetric: fc.Arbitrary<SpecMetric> = fc.tuple(
  fc.record({
    name: metricName,
    alias: fc.oneof(fc.nat({ max: 8 }), u64),
    timestamp: u64,
    datatype: fc.oneof(fc.integer({ min: 0, max: 34 }), fc.integer({ min: 35, max: 2 ** 31 - 1 })),
    isHistorical: fc.boolean(),
    isTransient: fc.boolean(),
    properties: fc.record({ keys: fc.array(fc.constantFrom('engUnit', 'Quality', 'x'), { maxLength: 2 }), values: fc.array(fc.record({ type: fc.nat({ max: 40 }), stringValue: fc.string({ maxLength: 4 }), intValue: fc.nat() }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] })
  }, { requiredKeys: [] }),
  valueField
).map(([m, v]) => ({ ...m, ...v }))

export interface SpecPayload { timestamp?: unknown, seq?: unknown, metrics: SpecMetric[], uuid?: string }

export const specPayload: fc.Arbitrary<SpecPayload> = fc.record({
  timestamp: u64,
  seq: fc.oneof(fc.nat({ max: 255 }), u64),
  metrics: fc.array(specMetric, { maxLength: 6 }),
  uuid: fc.string({ maxLength: 8 })
}, { requiredKeys: ['metrics'] })

/** Encodes with the specification's codec; a generated object it cannot encode becomes an empty payload. */
export function encodeSpec (p: SpecPayload): Buffer {
  try {
    return specEncode(p as Parameters<typeof specEncode>[0])
  } catch {
    return specEncode({ metrics: [] })
  }
}

/** Raw bytes: random, or an encoded payload with bytes flipped, cut or repeated. */
export const payloadBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  specPayload.map(encodeSpec),
  fc.tuple(specPayload.map(encodeSpec), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 4 }), fc.nat())
    .map(([buf, flips, cut]) => {
      const b = Buffer.from(buf)
      for (const [at, v] of flips) if (b.length > 0) b[at % b.length] = v
      return b.subarray(0, b.length === 0 ? 0 : b.length - (cut % Math.max(1, b.length)) * (cut % 3 === 0 ? 1 : 0))
    })
)

// ---- Seeds of issue #8 ------------------------------------------------------------------------------------------

/** NBIRTH 'R' DataSet is_null, then NDATA 'R' as Int32 5: crashed the UNS bridge (TypeError in json.ts). */
export const SEED_DATASET_BIRTH = Buffer.from('180012070a015220103801', 'hex')
export const SEED_DATASET_AS_INT32 = Buffer.from('180112070a015220035005', 'hex')

/** An NBIRTH with one metric 'R' of `datatype` (is_null), then an NDATA of 'R' as Int32 5. */
export function birthThenInt32 (datatype: number): [Buffer, Buffer] {
  return [specEncode({ seq: 0, metrics: [{ name: 'R', datatype, isNull: true }] }), specEncode({ seq: 1, metrics: [{ name: 'R', datatype: 3, intValue: 5 }] })]
}

/** A BooleanArray of `bytes` bytes of bits (8 booleans a byte): 1 MiB became a 50 MB UNS message. */
export function booleanArrayBirth (bytes: number): Buffer {
  const count = bytes * 8
  const packed = Buffer.alloc(4 + bytes, 0xaa)
  packed.writeUInt32LE(count, 0)
  return specEncode({ seq: 0, metrics: [{ name: 'Flags', datatype: 32, bytesValue: packed }] })
}

/** An NBIRTH with `n` Int32 metrics. */
export function manyMetricsBirth (n: number): Buffer {
  return specEncode({ seq: 0, metrics: Array.from({ length: n }, (_, i) => ({ name: `m${i}`, alias: i + 1, datatype: 3, intValue: i })) })
}

/** An NBIRTH with one metric whose name has `length` characters. */
export function longNameBirth (length: number): Buffer {
  return specEncode({ seq: 0, metrics: [{ name: 'x'.repeat(length), datatype: 3, intValue: 1 }] })
}

/** An NBIRTH that gives `Node Control/Rebirth` an alias (the specification says it must have none). */
export const SEED_REBIRTH_ALIAS = specEncode({ seq: 0, metrics: [{ name: 'Node Control/Rebirth', alias: 7, datatype: 11, booleanValue: false }, { name: 'Speed', alias: 8, datatype: 3, intValue: 1 }] })
