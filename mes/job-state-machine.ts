// Job control state machine after OPC 10031-4 (ISA-95 job control) : the whole behaviour is the TABLE below.
// Interrupted has two sub-states: Paused (by the operator, resumed with `resume`) and Held (by supervision,
// lifted with `release`). A held job returns to where it was, except that a job held while Running comes back
// Paused: production restarts only on an explicit `resume`.
import type { JobEventType, JobState } from './model/types'

export const JOB_STATES: readonly JobState[] = [
  'NotAllowedToStart', 'AllowedToStart', 'Running', 'Interrupted.Paused', 'Interrupted.Held', 'Ended', 'Aborted'
]
export const JOB_EVENTS: readonly JobEventType[] = [
  'allowStart', 'revokeStart', 'start', 'pause', 'resume', 'report', 'complete', 'hold', 'release', 'abort'
]
export const TERMINAL_STATES: readonly JobState[] = ['Ended', 'Aborted']
/** States in which a job occupies its operation (the operation is not offered for dispatch again). */
export const ACTIVE_STATES: readonly JobState[] = [
  'NotAllowedToStart', 'AllowedToStart', 'Running', 'Interrupted.Paused', 'Interrupted.Held'
]

/** Target of a transition: a state, `same` (no state change), or `restore` (back to the state before hold). */
export type Target = JobState | 'same' | 'restore'

export interface TransitionRule {
  event: JobEventType
  from: readonly JobState[]
  to: Target
}

function list (states: readonly JobState[]): string {
  return states.length === 1 ? states[0]! : `${states.slice(0, -1).join(', ')} or ${states[states.length - 1]!}`
}

const NOT_ENDED: readonly JobState[] = ['NotAllowedToStart', 'AllowedToStart', 'Running', 'Interrupted.Paused', 'Interrupted.Held']

export const TRANSITIONS: readonly TransitionRule[] = [
  { event: 'allowStart', from: ['NotAllowedToStart'], to: 'AllowedToStart' },
  { event: 'revokeStart', from: ['AllowedToStart'], to: 'NotAllowedToStart' },
  { event: 'start', from: ['AllowedToStart'], to: 'Running' },
  { event: 'pause', from: ['Running'], to: 'Interrupted.Paused' },
  { event: 'resume', from: ['Interrupted.Paused'], to: 'Running' },
  { event: 'report', from: ['Running'], to: 'same' },
  { event: 'complete', from: ['Running'], to: 'Ended' },
  { event: 'hold', from: ['NotAllowedToStart', 'AllowedToStart', 'Running', 'Interrupted.Paused'], to: 'Interrupted.Held' },
  { event: 'release', from: ['Interrupted.Held'], to: 'restore' },
  { event: 'abort', from: NOT_ENDED, to: 'Aborted' }
]

export type TransitionResult =
  | { ok: true, to: JobState, rule: TransitionRule }
  | { ok: false, reason: string }

/** Looks the event up in the table. `heldFrom` is the state recorded when the job was held. */
export function transition (state: JobState, event: JobEventType, heldFrom: JobState | null = null): TransitionResult {
  const rule = TRANSITIONS.find((r) => r.event === event)
  if (rule === undefined) return { ok: false, reason: `unknown event ${JSON.stringify(event)}` }
  if (!rule.from.includes(state)) {
    return { ok: false, reason: `job is ${state}, not ${list(rule.from)}` }
  }
  let to: JobState
  if (rule.to === 'same') to = state
  else if (rule.to === 'restore') {
    const back = heldFrom ?? 'AllowedToStart'
    to = back === 'Running' ? 'Interrupted.Paused' : back
  } else to = rule.to
  return { ok: true, to, rule }
}

export function isAllowed (state: JobState, event: JobEventType): boolean {
  return TRANSITIONS.some((r) => r.event === event && r.from.includes(state))
}
