// The part of OData v2's system query options the simulated SAP understands: `$filter` with `eq` joined by `and`
// (string literals in single quotes, '' for a quote; numbers; true/false), `$top`, `$skip`, `$expand` (a comma list
// of navigation properties), `$format=json`. What it does not understand it refuses as SAP Gateway does, with a 400
// in SAP's error body, rather than answering something else.

export type Entity = Record<string, unknown>

export interface EntityQuery {
  readonly filter: ReadonlyArray<{ field: string, value: string | number | boolean }>
  readonly top: number | undefined
  readonly skip: number
  readonly expand: readonly string[]
}

export class QueryRefused extends Error {
  constructor (readonly sapCode: string, message: string) { super(message) }
}

const CONDITION = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s+eq\s+('(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false)\s*$/

export function parseQuery (params: URLSearchParams): EntityQuery {
  const known = new Set(['$filter', '$top', '$skip', '$expand', '$format', '$select', '$inlinecount', 'sap-client', 'sap-language'])
  for (const k of params.keys()) {
    if (k.startsWith('$') && !known.has(k)) throw new QueryRefused('/IWBEP/CM_MGW_RT/022', `System query option '${k}' is not supported`)
  }
  const filterText = params.get('$filter')
  const filter: Array<{ field: string, value: string | number | boolean }> = []
  if (filterText !== null && filterText.trim() !== '') {
    for (const cond of filterText.split(/\s+and\s+/)) {
      const m = CONDITION.exec(cond)
      if (!m) throw new QueryRefused('/IWBEP/CM_MGW_RT/022', `Invalid filter expression: '${cond.trim()}' (the simulator takes <Property> eq <literal> joined by 'and')`)
      const lit = m[2]!
      const value = lit.startsWith("'") ? lit.slice(1, -1).replace(/''/g, "'") : lit === 'true' ? true : lit === 'false' ? false : Number(lit)
      filter.push({ field: m[1]!, value })
    }
  }
  const count = (name: string): number | undefined => {
    const v = params.get(name)
    if (v === null) return undefined
    if (!/^\d+$/.test(v)) throw new QueryRefused('/IWBEP/CM_MGW_RT/022', `Invalid value '${v}' for system query option ${name}`)
    return Number(v)
  }
  const format = params.get('$format')
  if (format !== null && format !== 'json') throw new QueryRefused('/IWBEP/CM_MGW_RT/022', `The simulator answers JSON only, not $format=${format}`)
  const expand = (params.get('$expand') ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  return { filter, top: count('$top'), skip: count('$skip') ?? 0, expand }
}

/** Applies $filter, $skip and $top; a filter on a property the entity type lacks is refused as SAP does. */
export function applyQuery<T extends Entity> (rows: readonly T[], q: EntityQuery, properties: ReadonlySet<string>, typeName: string): T[] {
  for (const f of q.filter) {
    if (!properties.has(f.field)) throw new QueryRefused('/IWBEP/CM_MGW_RT/021', `Property '${f.field}' not found in type '${typeName}'`)
  }
  const matching = rows.filter((r) => q.filter.every((f) => String(r[f.field]) === String(f.value)))
  const from = matching.slice(q.skip)
  return q.top === undefined ? from : from.slice(0, q.top)
}

/** OData v2 JSON's Edm.DateTime: `/Date(<ms since epoch>)/`. */
export function edmDate (isoDate: string): string {
  return `/Date(${Date.parse(isoDate + 'T00:00:00Z')})/`
}

/** OData v2 JSON's Edm.Time: an ISO 8601 duration, `PT08H00M00S`. */
export function edmTime (hhmmss: string): string {
  return `PT${hhmmss.slice(0, 2)}H${hhmmss.slice(2, 4)}M${hhmmss.slice(4, 6)}S`
}
