// The entity model of each OData service the simulated SAP serves, read from its $metadata file (EDMX) once at
// start: which entity set has which type, the type's keys, properties and navigation properties. The simulator
// answers only properties the metadata declares, and refuses a $filter or $expand on anything else, as SAP does.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { XMLParser } from 'fast-xml-parser'

export interface EntityTypeModel {
  readonly name: string
  readonly qualifiedName: string
  readonly keys: readonly string[]
  readonly properties: ReadonlySet<string>
  readonly navigations: ReadonlySet<string>
}

export interface ServiceModel {
  readonly service: string
  readonly edmx: string
  /** Entity set name -> its type. */
  readonly sets: ReadonlyMap<string, EntityTypeModel>
}

/** Where the .edmx files are: beside the compiled module when copied, else in the source tree (dist/sim/sap -> sim/sap). */
export function metadataDir (): string {
  const beside = path.join(__dirname, 'metadata')
  return existsSync(beside) ? beside : path.join(__dirname, '..', '..', '..', 'sim', 'sap', 'metadata')
}

type Node = Record<string, unknown>
const asList = (v: unknown): Node[] => (v === undefined ? [] : Array.isArray(v) ? v as Node[] : [v as Node])

export function loadServiceModel (service: string, dir = metadataDir()): ServiceModel {
  const edmx = readFileSync(path.join(dir, `${service}.edmx`), 'utf8')
  const doc = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, processEntities: false }).parse(edmx) as Node
  const schemas = asList(((doc.Edmx as Node).DataServices as Node).Schema)
  const types = new Map<string, EntityTypeModel>()
  const sets = new Map<string, EntityTypeModel>()
  for (const schema of schemas) {
    const ns = String(schema['@_Namespace'])
    for (const t of asList(schema.EntityType)) {
      const name = String(t['@_Name'])
      types.set(`${ns}.${name}`, {
        name,
        qualifiedName: `${ns}.${name}`,
        keys: asList((t.Key as Node).PropertyRef).map((r) => String(r['@_Name'])),
        properties: new Set(asList(t.Property).map((p) => String(p['@_Name']))),
        navigations: new Set(asList(t.NavigationProperty).map((p) => String(p['@_Name'])))
      })
    }
  }
  for (const schema of schemas) {
    for (const c of asList(schema.EntityContainer)) {
      for (const s of asList(c.EntitySet)) {
        const type = types.get(String(s['@_EntityType']))
        if (type) sets.set(String(s['@_Name']), type)
      }
    }
  }
  return { service, edmx, sets }
}
