// The rules of the namespace, judged in one place: the broker's publish guard (MQTT clients) and the UNS port (the
// hub's own publishers) both ask unsVerdict, so a topic or payload is refused for the same reason whoever sends it.
import type { PlantModel } from '../plant/plant-model'
import { parseUnsTopic } from '../plant/uns-topic'
import { validateUnsPayload } from '../plant/uns-payload'

/** `uns.enforcement`: refuse what breaks the rules, let it pass with a report on $hub/errors, or do not judge. */
export type Enforcement = 'reject' | 'flag' | 'off'

/** How UNS topics and payloads are judged; the plant model provides the real one. */
export interface UnsRules {
  /** ok, or why not; `notUns` marks topics outside the UNS (Sparkplug, system) that pass unchecked. */
  checkTopic (topic: string): { ok: true, equipment: { topic: string }, kind: string, tag: string } | { ok: false, reason: string, notUns?: boolean }
  checkPayload (payload: Buffer): { ok: true } | { ok: false, reason: string }
}

/** Why a message breaks the UNS rules, or null when it does not. */
export type UnsVerdict = { error: 'UNS_TOPIC' | 'UNS_PAYLOAD', reason: string } | null

// The results are handed on as they are: parseUnsTopic shares its results for the heavy non-UNS traffic
// (Sparkplug, $-topics), and a copy per publish would undo that.
export function unsRulesFor (model: PlantModel): UnsRules {
  return {
    checkTopic: (topic) => parseUnsTopic(model, topic),
    checkPayload: validateUnsPayload
  }
}

/** The UNS steps of a publish: topic grammar, then payload schema. An empty retained message is a deletion, not data. */
export function unsVerdict (rules: UnsRules, topic: string, payload: Buffer, retain: boolean): UnsVerdict {
  const t = rules.checkTopic(topic)
  if (!t.ok) return t.notUns === true ? null : { error: 'UNS_TOPIC', reason: t.reason }
  if (retain && payload.length === 0) return null
  const p = rules.checkPayload(payload)
  return p.ok ? null : { error: 'UNS_PAYLOAD', reason: p.reason }
}
