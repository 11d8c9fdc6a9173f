// The layers of isa95-hub (docs/architecture.md): imports go only downward, siblings never import each other, and
// nothing imports hub/. `npm run layers` prints the violations; test/repository/layers.test.ts runs the same check in
// `npm test`, on this tree and on a fixture with forbidden imports (test/fixtures/layers/), which it must refuse.
//
// Parsed with swc (TypeScript 7 has no compiler API for dependency-cruiser), which does not tell type-only imports
// from others: every import counts, `import type` included, so there are no cycles at all, type-only or not.
const SOURCE = '^(core|plant|uns|broker|sparkplug|mes|adapters|nodes|hub|sim)/'
/** npm packages only some layers may use (the path they resolve to, also from a fixture tree below the project). */
const AEDES = 'node_modules/aedes'
const NODE_RED = 'node_modules/@?node-red'

/** A layer and what it may import of ours (besides itself). */
const LAYERS = [
  { name: 'core', may: [] },
  { name: 'plant', may: ['core'] },
  { name: 'uns', may: ['core', 'plant'] },
  { name: 'broker', may: ['core', 'plant', 'uns'] },
  { name: 'sparkplug', may: ['core', 'plant', 'uns'] },
  { name: 'mes', may: ['core', 'plant', 'uns'] },
  { name: 'adapters', may: ['core', 'plant', 'uns', 'mes-service'] },
  { name: 'nodes', may: ['core', 'plant', 'uns', 'sparkplug', 'mes-service', 'adapters'] },
  { name: 'sim', may: ['core', 'plant', 'sparkplug'] }
]

/** What "mes-service" means: the MES's typed service interface, its model types and errors, never its classes or store. */
const MES_SERVICE = '^mes/(service|model/types|errors)\\.ts$'

const OURS = ['core', 'plant', 'uns', 'broker', 'sparkplug', 'mes', 'adapters', 'nodes', 'hub', 'sim']

function layerRules ({ name, may }) {
  const forbidden = OURS.filter((l) => l !== name && !may.includes(l) && !(l === 'mes' && may.includes('mes-service')))
  const rules = []
  if (forbidden.length > 0) {
    rules.push({
      name: `${name}-imports-downward`,
      comment: `${name}/ may import only ${may.length ? may.join(', ') : 'nothing of ours'} (docs/architecture.md)`,
      severity: 'error',
      from: { path: `^${name}/` },
      to: { path: `^(${forbidden.join('|')})/` }
    })
  }
  if (may.includes('mes-service')) {
    rules.push({
      name: `${name}-uses-mes-service-only`,
      comment: `${name}/ reaches the MES through its service interface (mes/service.ts), not its classes or its store`,
      severity: 'error',
      from: { path: `^${name}/` },
      to: { path: '^mes/', pathNot: MES_SERVICE }
    })
  }
  return rules
}

module.exports = {
  forbidden: [
    ...LAYERS.flatMap(layerRules),
    {
      name: 'nothing-imports-hub',
      comment: 'hub/ is wiring only: no layer imports it',
      severity: 'error',
      from: { path: SOURCE, pathNot: '^hub/' },
      to: { path: '^hub/' }
    },
    {
      name: 'adapters-are-siblings',
      comment: 'an adapter never imports another adapter',
      severity: 'error',
      from: { path: '^adapters/([^/]+)/' },
      to: { path: '^adapters/', pathNot: '^adapters/$1/' }
    },
    {
      name: 'nodes-are-siblings',
      comment: 'a node never imports another node (shared node helpers live in nodes/*.ts)',
      severity: 'error',
      from: { path: '^nodes/([^/]+)/' },
      to: { path: '^nodes/[^/]+/', pathNot: '^nodes/$1/' }
    },
    {
      name: 'aedes-only-in-broker',
      comment: 'only broker/ knows the embedded broker: the rest reaches the namespace through the UNS port (uns/uns-port.ts)',
      severity: 'error',
      from: { path: SOURCE, pathNot: '^broker/' },
      to: { path: AEDES }
    },
    {
      name: 'node-red-only-in-nodes-and-hub',
      comment: 'logic lives in plain modules that tests drive without Node-RED; nodes/ wires it into flows, hub/ embeds Node-RED',
      severity: 'error',
      from: { path: SOURCE, pathNot: '^(nodes|hub)/' },
      to: { path: NODE_RED }
    },
    {
      name: 'no-cycles',
      comment: 'no import cycle of any kind (type-only imports included)',
      severity: 'error',
      from: { path: SOURCE },
      to: { circular: true }
    }
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    includeOnly: [SOURCE, AEDES, NODE_RED],
    // aedes 1.x is an ES module whose exports name only `types` and `import`: resolve those as TypeScript does.
    enhancedResolveOptions: { conditionNames: ['types', 'import', 'require', 'node', 'default'], exportsFields: ['exports'] }
  }
}
