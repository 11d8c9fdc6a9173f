// The namespace: every UNS topic the hub knows a current value for, with where it came from. A table by topic (the
// ingest path looks a topic up and updates its entry in place) and a tree of topic levels beside it (browse lists
// the children of a path without scanning every topic). The tree changes only when a topic is added or removed.
import { EventEmitter } from 'node:events'
import type { Quality } from '../plant/uns-payload'

export interface NamespaceEntry {
  readonly topic: string
  /** The equipment path the topic belongs to (acme/dallas/press-shop/line-1/press-1). */
  readonly equipment: string
  readonly kind: string
  readonly tag: string
  /** The datatype name at the source (Sparkplug 'Double', 'Int64', ...). */
  readonly datatype: string
  value: unknown
  timestamp: number
  quality: Quality
  readonly unit?: string
  readonly properties?: Record<string, unknown>
  /** Who writes this entry, e.g. 'spBv1.0/dallas/press-line-1/press-1#Die Temperature'. */
  readonly source: string
  /** Why the value went STALE, when it is STALE. */
  staleReason?: string
}

/** One child of a browsed path: a topic level, its value when a topic ends there, and how many levels lie below. */
export interface NamespaceChild {
  readonly name: string
  readonly topic: string
  readonly entry: NamespaceEntry | undefined
  readonly children: number
}

/** What the namespace tells its listeners: an entry added or changed (the same object, updated in place), or gone. */
export interface NamespaceEvents {
  change: [entry: NamespaceEntry]
  remove: [topic: string]
}

interface Level {
  readonly topic: string
  entry: NamespaceEntry | undefined
  readonly children: Map<string, Level>
}

/** The kind of a source: what comes before its first '/' or ':' ('spBv1.0/dallas/...' -> 'spBv1.0', 'flow:n1' -> 'flow'). */
export function sourceKind (source: string): string {
  const slash = source.indexOf('/')
  const colon = source.indexOf(':')
  const end = slash === -1 ? colon : colon === -1 ? slash : Math.min(slash, colon)
  return end === -1 ? source : source.slice(0, end)
}

export class Namespace extends EventEmitter<NamespaceEvents> {
  private readonly entries = new Map<string, NamespaceEntry>()
  private readonly root: Level = { topic: '', entry: undefined, children: new Map() }
  /** Entries per source kind: a source's limit (sparkplug.maxTopics) counts its own topics, not the MES's. */
  private readonly kinds = new Map<string, number>()

  get size (): number { return this.entries.size }

  /** How many entries a kind of source wrote ('spBv1.0' for Sparkplug metrics). */
  sizeOf (kind: string): number {
    return this.kinds.get(kind) ?? 0
  }

  get (topic: string): NamespaceEntry | undefined {
    return this.entries.get(topic)
  }

  /** Adds an entry, or replaces the one of its topic. */
  set (entry: NamespaceEntry): void {
    const had = this.entries.get(entry.topic)
    this.entries.set(entry.topic, entry)
    if (had === undefined) this.levelOf(entry.topic, true)!.entry = entry
    else this.levelOf(entry.topic, false)!.entry = entry
    if (had === undefined || had.source !== entry.source) {
      if (had !== undefined) this.count(had.source, -1)
      this.count(entry.source, 1)
    }
    this.changed(entry)
  }

  /** Says that an entry was updated in place (the ingest path changes value, timestamp and quality, not the object). */
  changed (entry: NamespaceEntry): void {
    // No event object is built; with no listener this is one lookup.
    if (this.listenerCount('change') > 0) this.emit('change', entry)
  }

  delete (topic: string): boolean {
    const had = this.entries.get(topic)
    if (had === undefined) return false
    this.entries.delete(topic)
    this.count(had.source, -1)
    const names = topic.split('/')
    const path: Level[] = [this.root]
    for (const name of names) path.push(path[path.length - 1]!.children.get(name)!)
    path[path.length - 1]!.entry = undefined
    // Levels with neither a value nor children go with it.
    for (let i = path.length - 1; i > 0; i--) {
      const level = path[i]!
      if (level.entry !== undefined || level.children.size > 0) break
      path[i - 1]!.children.delete(names[i - 1]!)
    }
    if (this.listenerCount('remove') > 0) this.emit('remove', topic)
    return true
  }

  /** Entries whose topic starts with a plant path (or every entry). */
  * list (prefix = ''): Generator<NamespaceEntry> {
    for (const e of this.entries.values()) if (e.topic.startsWith(prefix)) yield e
  }

  /** The levels directly under a path ('' for the top), each with its value if a topic ends there. */
  browse (path = ''): NamespaceChild[] {
    const level = path === '' ? this.root : this.levelOf(path, false)
    if (level === undefined) return []
    const out: NamespaceChild[] = []
    for (const [name, child] of level.children) out.push({ name, topic: child.topic, entry: child.entry, children: child.children.size })
    return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  }

  private count (source: string, by: 1 | -1): void {
    const kind = sourceKind(source)
    const n = (this.kinds.get(kind) ?? 0) + by
    if (n === 0) this.kinds.delete(kind)
    else this.kinds.set(kind, n)
  }

  private levelOf (topic: string, create: boolean): Level | undefined {
    let level = this.root
    for (const name of topic.split('/')) {
      let next = level.children.get(name)
      if (next === undefined) {
        if (!create) return undefined
        next = { topic: level === this.root ? name : `${level.topic}/${name}`, entry: undefined, children: new Map() }
        level.children.set(name, next)
      }
      level = next
    }
    return level
  }
}
