// MQTT topic filters over UNS topics (the `sparkplug in` node's filter): '+' matches one level, '#' the rest
// (including the parent level itself, as in MQTT: 'a/#' matches 'a').

/** Why a filter is not a valid MQTT topic filter, or undefined when it is. */
export function topicFilterProblem (filter: string): string | undefined {
  if (filter.length === 0) return 'empty topic filter'
  const levels = filter.split('/')
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return `'#' must be a whole level and the last one ('${filter}')`
    }
    if (level.includes('+') && level !== '+') return `'+' must be a whole level ('${filter}')`
  }
  return undefined
}

/** True when `topic` (a publish topic, no wildcards) matches the MQTT topic filter `filter`. */
export function topicMatches (filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!
    if (level === '#') return true
    if (i >= t.length) return false
    if (level !== '+' && level !== t[i]) return false
  }
  return f.length === t.length
}

/** A compiled filter with a per-topic cache (the metric path calls it once per update). */
export class TopicFilter {
  private readonly cache = new Map<string, boolean>()
  private static readonly MAX_CACHE = 100_000

  constructor (readonly filter: string) {
    const problem = topicFilterProblem(filter)
    if (problem !== undefined) throw new Error(problem)
  }

  matches (topic: string): boolean {
    let m = this.cache.get(topic)
    if (m === undefined) {
      m = topicMatches(this.filter, topic)
      if (this.cache.size >= TopicFilter.MAX_CACHE) this.cache.clear()
      this.cache.set(topic, m)
    }
    return m
  }
}
