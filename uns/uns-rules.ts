// The plant model's view of the namespace, in the shape the broker's publish guard asks for.
import type { PlantModel } from '../plant/plant-model'
import { parseUnsTopic } from '../plant/uns-topic'
import { validateUnsPayload } from '../plant/uns-payload'
import type { UnsRules } from '../broker/publish-guard'

// The results are handed on as they are: parseUnsTopic shares its results for the heavy non-UNS traffic
// (Sparkplug, $-topics), and a copy per publish would undo that.
export function unsRulesFor (model: PlantModel): UnsRules {
  return {
    checkTopic: (topic) => parseUnsTopic(model, topic),
    checkPayload: validateUnsPayload
  }
}
