// Remembers which subscriptions match a topic, so that a message on a topic seen before skips the topic matcher.
//
// Why: aedes (mqemitter) asks its Qlobber for the subscribers of every message: the topic is split into levels and
// walked through the subscription trie each time. The UNS republishes every Sparkplug metric on its own topic, the
// same few thousand topics over and over, and that walk was about a tenth of the hub's time at full ingest.
// The answer only changes when a subscription is added or removed, so the cache is emptied then (mqemitter adds and
// removes through the matcher's add/remove/clear, which are wrapped here). Topics nobody reuses cannot grow it
// without bound: it is emptied when it holds MAX_TOPICS or MAX_CHARS of topic text, and a topic longer than
// MAX_TOPIC_LENGTH is never kept (a client may publish topics of up to 64 KB, refused ones included: they are
// re-published on $hub/errors/<topic>).
import type { Aedes } from 'aedes'

interface Matcher {
  match (topic: string, ctx?: unknown): unknown[]
  add (topic: string, value: unknown): unknown
  remove (topic: string, value?: unknown): unknown
  clear (): unknown
}

export const MAX_TOPICS = 20_000
export const MAX_TOPIC_LENGTH = 1024
export const MAX_CHARS = 4_000_000

/** What the cache holds, for tests and diagnostics. */
export interface MatchCacheStats { readonly topics: number, readonly chars: number }

export function cacheTopicMatches (aedes: Aedes): MatchCacheStats {
  const matcher = (aedes as unknown as { mq: { _matcher: Matcher } }).mq._matcher
  const cache = new Map<string, unknown[]>()
  let chars = 0
  const empty = (): void => {
    cache.clear()
    chars = 0
  }
  const match = matcher.match.bind(matcher)
  const add = matcher.add.bind(matcher)
  const remove = matcher.remove.bind(matcher)
  const clear = matcher.clear.bind(matcher)
  // The cached array is handed to every later emit on the topic; mqemitter only reads it.
  matcher.match = (topic, ctx) => {
    if (ctx !== undefined) return match(topic, ctx)
    let found = cache.get(topic)
    if (found === undefined) {
      found = match(topic)
      if (topic.length <= MAX_TOPIC_LENGTH) {
        if (cache.size >= MAX_TOPICS || chars + topic.length > MAX_CHARS) empty()
        cache.set(topic, found)
        chars += topic.length
      }
    }
    return found
  }
  matcher.add = (topic, value) => { empty(); return add(topic, value) }
  matcher.remove = (topic, value) => { empty(); return value === undefined ? remove(topic) : remove(topic, value) }
  matcher.clear = () => { empty(); return clear() }
  return { get topics () { return cache.size }, get chars () { return chars } }
}
