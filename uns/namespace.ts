// The namespace: every UNS topic the hub knows a current value for, with where it came from. One in-memory table
// that the Sparkplug bridge writes and the browsers of the plant (Node-RED nodes, the OPC UA mirror) read.
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

export class Namespace {
  private readonly entries = new Map<string, NamespaceEntry>()

  get size (): number { return this.entries.size }

  get (topic: string): NamespaceEntry | undefined {
    return this.entries.get(topic)
  }

  set (entry: NamespaceEntry): void {
    this.entries.set(entry.topic, entry)
  }

  delete (topic: string): boolean {
    return this.entries.delete(topic)
  }

  /** Entries whose topic starts with a plant path (or every entry). */
  * list (prefix = ''): Generator<NamespaceEntry> {
    for (const e of this.entries.values()) if (e.topic.startsWith(prefix)) yield e
  }
}
