// Reads a plant model file (YAML or JSON), checks it against schemas/plant-model.schema.json and then against the
// rules a schema cannot express (unique sibling ids, ids that would clash with data kinds, bindings used twice,
// work units in the wrong kind of work center). Every problem is collected before anything is thrown, each with
// the JSON path of the field and, where the text allows, its line, so that a user fixes the file in one pass.
import fs from 'node:fs'
import path from 'node:path'
import Ajv from 'ajv'
import { LineCounter, parseDocument, type Document } from 'yaml'
import plantModelSchema from '../schemas/plant-model.schema.json'
import { HubError, ValidationError, type Problem } from '../core/errors'
import { PlantModel, WORK_UNIT_KINDS_OF, sapKey, sparkplugKey, type PlantModelDocument, type WorkCenterKind } from './plant-model'
import { schemaProblems } from './schema-problems'
import { isDataKind } from './uns-topic'
import { MAX_YAML_ALIASES, aliasExpansionProblem, aliasProblems, nestingProblem } from './yaml-limits'

const ajv = new Ajv({ allErrors: true, strict: true, verbose: true })
const validateShape = ajv.compile(plantModelSchema)

const HINT = 'the format is described in schemas/plant-model.schema.json; plant/demo-plant.yaml is an example'
const EXTENSIONS = ['.yaml', '.yml', '.json']

/** Loads, validates and indexes a plant model file. Throws ValidationError listing every problem. */
export function loadPlantModel (file: string): PlantModel {
  const ext = path.extname(file).toLowerCase()
  if (!EXTENSIONS.includes(ext)) {
    throw new HubError('PLANT_MODEL_FORMAT', `cannot tell the format of '${path.basename(file)}'`, { source: file },
      'name the plant model file .yaml, .yml or .json')
  }
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw new HubError('PLANT_MODEL_UNREADABLE', `cannot read the plant model: ${(err as Error).message}`, { source: file },
      'check HUB_PLANT_MODEL / --plant-model / plantModel in the config file')
  }
  return parsePlantModel(text, file)
}

/** Validates and indexes plant model text. `source` names it in errors; a '.json' name selects JSON, else YAML. */
export function parsePlantModel (text: string, source: string): PlantModel {
  text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text // a BOM from Windows editors
  const isJson = path.extname(source).toLowerCase() === '.json'
  // Before any recursive parse (JSON is read again as YAML below, for lines): a deep enough nesting overflows the
  // stack of the yaml library, and one in a deep recursion has aborted the process (a V8 regexp compile at the limit).
  const deep = nestingProblem(text)
  if (deep !== undefined) throw new ValidationError(source, [deep], HINT)
  const value = isJson ? parseJson(text, source) : parseYaml(text, source)

  if (value === null || value === undefined) {
    throw new ValidationError(source, [{ path: '', message: 'the plant model is empty: it needs version, enterprise and sites' }], HINT)
  }
  const problems = validateShape(value) ? [] : schemaProblems(validateShape.errors)
  // Semantic checks run even when the shape is wrong, skipping what they cannot read, so that nothing waits for
  // a second attempt.
  problems.push(...semanticProblems(value))
  if (problems.length > 0) throw new ValidationError(source, withLines(problems, text), HINT)
  return new PlantModel(value as PlantModelDocument, source)
}

// ---- Text ---------------------------------------------------------------------------------------------------------

function parseYaml (text: string, source: string): unknown {
  const lines = new LineCounter()
  const doc = parseDocument(text, { prettyErrors: true, lineCounter: lines })
  if (doc.errors.length > 0) {
    throw new ValidationError(source, doc.errors.map((e) => ({
      path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
      // prettyErrors appends the position and a code excerpt; the position is already in the path.
      message: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
    })), 'this is a YAML syntax error; check indentation and quoting around that line')
  }
  const aliases = aliasProblems(doc, lines)
  if (aliases.length > 0) throw new ValidationError(source, aliases, ALIAS_HINT)
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES })
  } catch (err) {
    // The only one aliasProblems leaves: an alias of a list of aliases of lists... (the "billion laughs").
    if (!(err instanceof ReferenceError)) throw err
    throw new ValidationError(source, [aliasExpansionProblem(doc, lines)], ALIAS_HINT)
  }
}

const ALIAS_HINT = "an alias '*name' repeats the node marked '&name' earlier in the file"

function parseJson (text: string, source: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    // V8 quotes part of the text in some messages, line breaks included: keep the message on one line.
    const message = (err as Error).message.replace(/\s*\n\s*/g, ' ')
    const at = /position (\d+)/.exec(message)
    const pos = at ? lineAndColumn(text, Number(at[1])) : firstYamlError(text)
    throw new ValidationError(source, [{ path: pos ? `line ${pos.line}, column ${pos.col}` : '', message: `not valid JSON: ${message}` }])
  }
}

// Some V8 messages give no position; JSON is YAML, and the YAML parser stops at (or near) the same spot.
function firstYamlError (text: string): { line: number, col: number } | undefined {
  return parseDocument(text).errors[0]?.linePos?.[0]
}

function lineAndColumn (text: string, offset: number): { line: number, col: number } {
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return { line, col: offset - lineStart + 1 }
}

/**
 * Adds the line of each problem's field (or of its nearest existing parent, for a missing field) and sorts the
 * problems in file order. JSON is valid YAML, so one YAML parse serves both formats here.
 */
function withLines (problems: Problem[], text: string): Problem[] {
  const lines = new LineCounter()
  let doc: Document | undefined
  try {
    doc = parseDocument(text, { lineCounter: lines })
  } catch {
    return problems
  }
  const located = problems.map((p, order) => {
    const offset = offsetOf(doc, p.path)
    if (offset === undefined) return { p, line: 0, order }
    const line = lines.linePos(offset).line
    return { p: { path: p.path, message: `${p.message} (line ${line})` }, line, order }
  })
  located.sort((a, b) => a.line - b.line || a.order - b.order)
  return located.map((x) => x.p)
}

function offsetOf (doc: Document | undefined, jsonPath: string): number | undefined {
  if (doc === undefined || jsonPath === '') return undefined
  const keys = jsonPath.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
  for (let n = keys.length; n > 0; n--) {
    const node: unknown = doc.getIn(keys.slice(0, n), true)
    const range = (node as { range?: [number, number, number] } | undefined)?.range
    if (range) return range[0]
  }
  return undefined
}

// ---- Rules beyond the schema --------------------------------------------------------------------------------------

const UNKNOWN_PLANT = '\u0000unknown'

interface Seen { readonly topic: string, readonly path: string }

class SemanticCheck {
  readonly problems: Problem[] = []
  private readonly sparkplug = new Map<string, Seen>()
  private readonly sapWorkCenters = new Map<string, Seen>()
  private readonly sapPlants = new Map<string, Seen>()
  /** The first binding of each OPC UA endpoint: one session per endpoint, so one security and one user. */
  private readonly opcuaEndpoints = new Map<string, Seen & { readonly session: string }>()

  run (doc: Record<string, unknown>): void {
    const enterprise = doc.enterprise
    const enterpriseId = isRecord(enterprise) && typeof enterprise.id === 'string' ? enterprise.id : '?'
    const plant = isRecord(enterprise) ? this.node(enterprise, '/enterprise', enterpriseId, 0, undefined, undefined) : undefined
    this.siblings(doc.sites, '/sites', enterpriseId, 1, undefined, plant)
  }

  /** A list of nodes with the same parent: their ids must differ, since each is a topic level. */
  private siblings (list: unknown, jsonPath: string, parentTopic: string, level: number,
    parentKind: unknown, plant: string | undefined): void {
    if (!Array.isArray(list)) return
    const firstIndex = new Map<string, number>()
    list.forEach((item: unknown, i) => {
      if (!isRecord(item)) return
      const p = `${jsonPath}/${i}`
      const id = typeof item.id === 'string' ? item.id : '?'
      const first = firstIndex.get(id)
      if (first !== undefined) {
        this.problem(`${p}/id`, `duplicate id '${id}': ${jsonPath}/${first} already uses it, and siblings need distinct ids because each id is a topic level ('${parentTopic}/${id}')`)
      } else if (id !== '?') {
        firstIndex.set(id, i)
      }
      this.node(item, p, `${parentTopic}/${id}`, level, parentKind, plant)
    })
  }

  private node (node: Record<string, unknown>, p: string, topic: string, level: number,
    parentKind: unknown, inheritedPlant: string | undefined): string | undefined {
    if (typeof node.id === 'string' && isDataKind(node.id)) {
      this.problem(`${p}/id`, `'${node.id}' is a data kind and cannot be an equipment id: in a topic such as '${topic}/...' it could not be told apart from the data kind`)
    }
    if (level === 4 && typeof node.kind === 'string' && typeof parentKind === 'string' && parentKind in WORK_UNIT_KINDS_OF) {
      const allowed = WORK_UNIT_KINDS_OF[parentKind as WorkCenterKind] as readonly string[]
      if (!allowed.includes(node.kind) && ['WorkCell', 'Unit', 'StorageUnit'].includes(node.kind)) {
        this.problem(`${p}/kind`, `a ${node.kind} does not belong in a ${parentKind}: in ISA-95 a ${parentKind} holds ${allowed.join(' or ')} work units`)
      }
    }
    const plant = this.sap(node.sap, p, topic, inheritedPlant)
    this.sparkplugBinding(node.sparkplug, p, topic)
    this.opcuaBinding(node.opcua, p, topic)
    if (level === 4) this.machineEvents(node, p)
    if (level === 1) this.siblings(node.areas, `${p}/areas`, topic, 2, undefined, plant)
    if (level === 2) this.siblings(node.workCenters, `${p}/workCenters`, topic, 3, undefined, plant)
    if (level === 3) this.siblings(node.workUnits, `${p}/workUnits`, topic, 4, node.kind, plant)
    return plant
  }

  /** Checks an SAP binding; returns the SAP plant that applies below this node. */
  private sap (sap: unknown, p: string, topic: string, inherited: string | undefined): string | undefined {
    if (!isRecord(sap)) return inherited
    // A plant the schema already rejects (a number, say) is not reported again as missing below.
    if (sap.plant !== undefined && typeof sap.plant !== 'string') return UNKNOWN_PLANT
    const own = sap.plant
    const plant = own ?? inherited
    if (plant === UNKNOWN_PLANT) return plant
    if (typeof sap.workCenter === 'string') {
      if (plant === undefined) {
        this.problem(`${p}/sap/plant`, `SAP work center '${sap.workCenter}' needs an SAP plant: set sap.plant here or on the site`)
      } else {
        this.once(this.sapWorkCenters, sapKey(plant, sap.workCenter), `${p}/sap/workCenter`, topic,
          `SAP work center '${sap.workCenter}' in plant '${plant}'`)
      }
    } else if (own !== undefined) {
      this.once(this.sapPlants, own, `${p}/sap/plant`, topic, `SAP plant '${own}'`)
    }
    return plant
  }

  private sparkplugBinding (sp: unknown, p: string, topic: string): void {
    if (!isRecord(sp) || typeof sp.groupId !== 'string' || typeof sp.edgeNodeId !== 'string') return
    const device = typeof sp.deviceId === 'string' ? sp.deviceId : undefined
    const what = device === undefined
      ? `Sparkplug edge node '${sp.groupId}/${sp.edgeNodeId}'`
      : `Sparkplug device '${device}' of edge node '${sp.groupId}/${sp.edgeNodeId}'`
    this.once(this.sparkplug, sparkplugKey(sp.groupId, sp.edgeNodeId, device), `${p}/sparkplug`, topic, what)
  }

  private opcuaBinding (ua: unknown, p: string, topic: string): void {
    if (!isRecord(ua) || typeof ua.endpoint !== 'string') return
    const mode = typeof ua.securityMode === 'string' ? ua.securityMode : 'None'
    const policy = typeof ua.securityPolicy === 'string' ? ua.securityPolicy : 'None'
    if (mode === 'None' && policy !== 'None') {
      this.problem(`${p}/opcua/securityMode`, `security policy '${policy}' needs securityMode Sign or SignAndEncrypt (None sends everything in clear)`)
    } else if (mode !== 'None' && policy === 'None') {
      this.problem(`${p}/opcua/securityPolicy`, `securityMode '${mode}' needs a securityPolicy: Basic256Sha256, Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss`)
    }
    if ((ua.username === undefined) !== (ua.passwordEnv === undefined)) {
      this.problem(`${p}/opcua`, ua.username === undefined
        ? 'passwordEnv names the password of a user: add username (or remove passwordEnv for an anonymous session)'
        : `user '${String(ua.username)}' needs passwordEnv: the name of the environment variable that holds the password`)
    }
    const session = `${mode}/${policy}/${typeof ua.username === 'string' ? ua.username : ''}`
    const first = this.opcuaEndpoints.get(ua.endpoint)
    if (first === undefined) {
      this.opcuaEndpoints.set(ua.endpoint, { topic, path: p, session })
    } else if (first.session !== session) {
      this.problem(`${p}/opcua`, `endpoint '${ua.endpoint}' is also bound at '${first.topic}' (${first.path}) with another securityMode, ` +
        'securityPolicy or username; the hub opens one session per endpoint: give every binding of it the same ones')
    }
    if (!Array.isArray(ua.nodes)) return
    const topics = new Map<string, number>()
    ua.nodes.forEach((n: unknown, i) => {
      if (!isRecord(n)) return
      const np = `${p}/opcua/nodes/${i}`
      if ((n.nodeId === undefined) === (n.browsePath === undefined)) {
        this.problem(np, n.nodeId === undefined
          ? 'says which variable by neither nodeId nor browsePath: give one of them'
          : 'gives both nodeId and browsePath: give one of them, so that the variable is not ambiguous')
      }
      if (typeof n.tag !== 'string') return
      const kind = typeof n.kind === 'string' ? n.kind : 'measurements'
      const key = `${kind}/${n.tag}`
      const seen = topics.get(key)
      if (seen !== undefined) {
        this.problem(`${np}/tag`, `'${topic}/${key}' is already fed by ${p}/opcua/nodes/${seen}: a topic can have one source`)
      } else {
        topics.set(key, i)
      }
    })
  }

  /**
   * `mes:` on a work unit names metrics of the unit's own Sparkplug binding and reports them to the jobs of its own
   * SAP work center: without either binding it could never work, so it is refused rather than silently ignored.
   */
  /** Each metric of `mes:` means one thing: a consumption's lot or counter is no other counter, state or lot. */
  private consumptionMetrics (mes: Record<string, unknown>, p: string): void {
    if (!Array.isArray(mes.consumption)) return
    const owner = new Map<string, string>()
    for (const k of ['goodCounter', 'scrapCounter'] as const) if (typeof mes[k] === 'string') owner.set(mes[k], k)
    if (isRecord(mes.state) && typeof mes.state.metric === 'string') owner.set(mes.state.metric, 'state metric')
    mes.consumption.forEach((c: unknown, i) => {
      if (!isRecord(c)) return
      for (const k of ['lotMetric', 'counter'] as const) {
        const name = c[k]
        if (typeof name !== 'string') continue
        const first = owner.get(name)
        if (first !== undefined) this.problem(`${p}/mes/consumption/${i}/${k}`, `'${name}' is already the ${first}: a metric means one thing`)
        else owner.set(name, `${k} of consumption ${i}`)
      }
    })
  }

  private machineEvents (node: Record<string, unknown>, p: string): void {
    const mes = node.mes
    if (!isRecord(mes)) return
    const sp = node.sparkplug
    if (!isRecord(sp)) {
      this.problem(`${p}/mes`, 'job events from the machine need a Sparkplug binding on this work unit: the metrics named here are ' +
        'those of its own device or edge node; add sparkplug: { groupId, edgeNodeId, deviceId } (or remove mes)')
    }
    const sap = node.sap
    if (!isRecord(sap) || typeof sap.workCenter !== 'string') {
      this.problem(`${p}/mes`, 'job events from the machine need an SAP work center on this work unit: the MES finds the job running ' +
        'on the unit by it; add sap: { workCenter: ... } (or remove mes)')
    }
    const counters: Array<[string, unknown]> = [['goodCounter', mes.goodCounter], ['scrapCounter', mes.scrapCounter]]
    if (typeof mes.goodCounter === 'string' && mes.goodCounter === mes.scrapCounter) {
      this.problem(`${p}/mes/scrapCounter`, `'${mes.goodCounter}' is already the goodCounter: one counter cannot count good and scrap parts`)
    }
    this.consumptionMetrics(mes, p)
    const state = mes.state
    if (!isRecord(state)) return
    const used = counters.find(([, name]) => typeof name === 'string' && name === state.metric)
    if (used !== undefined) {
      this.problem(`${p}/mes/state/metric`, `'${String(state.metric)}' is already the ${used[0]}: a metric is either a counter or a state`)
    }
    const lists = (['running', 'stopped', 'held'] as const).filter((k) => state[k] !== undefined)
    if (lists.length === 0) {
      this.problem(`${p}/mes/state`, 'says nothing to do: list the metric\'s values under running, stopped and/or held')
    }
    const owner = new Map<string, string>()
    for (const k of lists) {
      const values = state[k]
      if (!Array.isArray(values)) continue
      values.forEach((v: unknown, i) => {
        if (typeof v !== 'string') return
        const first = owner.get(v)
        if (first !== undefined && first !== k) {
          this.problem(`${p}/mes/state/${k}/${i}`, `'${v}' is already listed under ${first}: a machine state means one thing`)
        } else {
          owner.set(v, k)
        }
      })
    }
  }

  /** A binding may point at one equipment only: otherwise incoming data would have two homes. */
  private once (seen: Map<string, Seen>, key: string, p: string, topic: string, what: string): void {
    const first = seen.get(key)
    if (first === undefined) {
      seen.set(key, { topic, path: p })
    } else {
      this.problem(p, `${what} is already bound to '${first.topic}' (${first.path}); a binding can belong to one equipment only`)
    }
  }

  private problem (p: string, message: string): void {
    this.problems.push({ path: p, message })
  }
}

function semanticProblems (doc: unknown): Problem[] {
  if (!isRecord(doc)) return []
  const check = new SemanticCheck()
  check.run(doc)
  return check.problems
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
