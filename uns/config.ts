// The Unified Namespace's settings (`uns.*`): how strictly the plant model's topic grammar and payload schema apply.
import type { ConfigSection } from '../core/config-section'
import type { Enforcement } from './uns-rules'

export type { Enforcement }

export interface UnsConfig {
  enforcement: Enforcement
}

export const UNS_SECTION: ConfigSection<UnsConfig, 'uns'> = {
  key: 'uns',
  defaults: () => ({ enforcement: 'reject' }),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      enforcement: {
        enum: ['reject', 'flag', 'off'],
        description: 'reject: a publish outside the plant model or with an invalid payload is diverted to the error ' +
          'topic; flag: delivered and also reported there; off: no checks.'
      }
    }
  },
  settings: [
    { env: 'HUB_UNS_ENFORCEMENT', key: 'uns.enforcement', kind: 'string', help: 'reject | flag | off: what happens to a publish outside the plant model' }
  ]
}
