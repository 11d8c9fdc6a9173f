// Limits on what a YAML (or JSON) plant model may contain beyond its schema, checked before the text becomes data:
// how deep it nests and how it uses anchors and aliases (`&name` ... `*name`). Without them, the yaml library's
// own safeguards surface as a bare ReferenceError (an alias with no anchor, more aliases than its limit) or a
// circular object (an alias inside the node it names), and a deep enough nesting overflows the stack of its
// recursive composer. Each is a problem with a line, reported like any other.
import { LineCounter, Parser, isAlias, isMap, isPair, isScalar, isSeq, type Document, type CST } from 'yaml'
import type { Problem } from '../core/errors'

/** Collections inside collections: the demo plant needs 12 levels; yaml's composer overflows near a thousand. */
export const MAX_YAML_NESTING = 64

/** Aliases in one file, and the yaml library's limit on what they expand to (its default, stated here). */
export const MAX_YAML_ALIASES = 100

const COLLECTIONS: ReadonlySet<string> = new Set(['block-map', 'block-seq', 'flow-collection'])

/**
 * The first collection nested deeper than MAX_YAML_NESTING, as a problem, or undefined. Works on the parser's
 * concrete syntax tree with an explicit stack, since that parser does not recurse; JSON is YAML here too.
 */
export function nestingProblem (text: string): Problem | undefined {
  const lines = new LineCounter()
  const stack: Array<{ token: CST.Token | undefined, depth: number }> = []
  for (const token of new Parser(lines.addNewLine).parse(text)) stack.push({ token, depth: 0 })
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { token, depth } = top
    if (token === undefined) continue
    if (token.type === 'document') {
      stack.push({ token: token.value, depth })
    } else if (COLLECTIONS.has(token.type) && 'items' in token) {
      if (depth + 1 > MAX_YAML_NESTING) {
        return {
          path: at(lines, token.offset),
          message: `nested more than ${MAX_YAML_NESTING} levels deep: a plant model needs about a dozen (enterprise, site, area, ` +
            'work center, work unit and their bindings); check for unclosed brackets'
        }
      }
      for (const item of token.items as Array<{ key?: CST.Token | null, value?: CST.Token }>) {
        if (item.key) stack.push({ token: item.key, depth: depth + 1 })
        if (item.value) stack.push({ token: item.value, depth: depth + 1 })
      }
    }
  }
  return undefined
}

/**
 * Aliases that name no anchor before them, aliases inside the node their anchor is on (a loop), and aliases past
 * MAX_YAML_ALIASES. Call only on a document that passed nestingProblem: this walk recurses.
 */
export function aliasProblems (doc: Document, lines: LineCounter): Problem[] {
  const problems: Problem[] = []
  const anchors = new Map<string, 'open' | 'closed'>()
  let aliases = 0
  const walk = (node: unknown): void => {
    if (isAlias(node)) {
      aliases++
      const state = anchors.get(node.source)
      const where = at(lines, node.range?.[0])
      if (aliases === MAX_YAML_ALIASES + 1) {
        problems.push({ path: where, message: `more than ${MAX_YAML_ALIASES} aliases ('*name'): write the values out instead` })
      }
      if (state === undefined) {
        problems.push({ path: where, message: `alias '*${node.source}' names no anchor: '&${node.source}' must come before it in the file` })
      } else if (state === 'open') {
        problems.push({ path: where, message: `alias '*${node.source}' is inside the node anchored '&${node.source}', so it would contain itself` })
      }
      return
    }
    if (isPair(node)) {
      walk(node.key)
      walk(node.value)
      return
    }
    if (!isMap(node) && !isSeq(node) && !isScalar(node)) return
    const anchor = node.anchor
    if (anchor !== undefined) anchors.set(anchor, 'open')
    if (!isScalar(node)) for (const item of node.items) walk(item)
    if (anchor !== undefined) anchors.set(anchor, 'closed')
  }
  walk(doc.contents)
  return problems
}

/**
 * The problem for a document whose aliases expand beyond MAX_YAML_ALIASES copies (an alias of a list of aliases
 * of lists...): yaml refuses to build it with a ReferenceError that says no more than this.
 */
export function aliasExpansionProblem (doc: Document, lines: LineCounter): Problem {
  let first: number | undefined
  const find = (node: unknown): void => {
    if (first !== undefined) return
    if (isAlias(node)) first = node.range?.[0]
    else if (isPair(node)) { find(node.key); find(node.value) } else if (isMap(node) || isSeq(node)) node.items.forEach(find)
  }
  find(doc.contents)
  return {
    path: at(lines, first),
    message: `the aliases ('*name') from here on expand to more than ${MAX_YAML_ALIASES} copies of their anchors: write the values out instead`
  }
}

function at (lines: LineCounter, offset: number | undefined): string {
  if (offset === undefined) return ''
  const { line, col } = lines.linePos(offset)
  return `line ${line}, column ${col}`
}
