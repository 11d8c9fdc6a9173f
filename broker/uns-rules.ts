// The plant model's view of the namespace, in the shape the broker's publish guard asks for.
import type { PlantModel } from '../plant/plant-model'
import { parseUnsTopic } from '../plant/uns-topic'
import { validateUnsPayload } from '../plant/uns-payload'
import type { UnsRules } from './publish-guard'

export function unsRulesFor (model: PlantModel): UnsRules {
  return {
    checkTopic (topic) {
      const r = parseUnsTopic(model, topic)
      return r.ok ? { ok: true } : { ok: false, reason: r.reason, notUns: r.notUns }
    },
    checkPayload (payload) {
      const r = validateUnsPayload(payload)
      return r.ok ? { ok: true } : { ok: false, reason: r.reason }
    }
  }
}
