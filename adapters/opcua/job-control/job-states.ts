// The MES's job states and events as OPC 10031-4 v2.0.0 names them. The spec's top-level states are the MES's, except
// that the MES splits Interrupted into Paused (the operator) and Held (supervision): both are Interrupted here, and
// the MES state rides along as the job's `MesState` parameter. The numbers are the StateNumber properties of the
// states of ISA95JobOrderReceiverObjectType in the job-control nodeset.
import type { JobEventType, JobState } from '../../../mes/model/types'

export interface Isa95State { readonly name: string, readonly number: number }

const ISA95_STATES: readonly Isa95State[] = [
  { name: 'NotAllowedToStart', number: 1 },
  { name: 'AllowedToStart', number: 2 },
  { name: 'Running', number: 3 },
  { name: 'Interrupted', number: 4 },
  { name: 'Ended', number: 5 },
  { name: 'Aborted', number: 6 }
]

const MES_STATES_OF: Readonly<Record<string, readonly JobState[]>> = {
  NotAllowedToStart: ['NotAllowedToStart'],
  AllowedToStart: ['AllowedToStart'],
  Running: ['Running'],
  Interrupted: ['Interrupted.Paused', 'Interrupted.Held'],
  Ended: ['Ended'],
  Aborted: ['Aborted']
}

export const ACTIVE_JOB_STATES: readonly JobState[] = ['NotAllowedToStart', 'AllowedToStart', 'Running', 'Interrupted.Paused', 'Interrupted.Held']
export const ENDED_JOB_STATES: readonly JobState[] = ['Ended', 'Aborted']

export function isa95StateOf (state: JobState): Isa95State {
  const top = state.startsWith('Interrupted.') ? 'Interrupted' : state
  return ISA95_STATES.find((s) => s.name === top)!
}

/** The MES states a state asked for by number or text stands for; empty when it names none. */
export function mesStatesOf (asked: { stateNumber?: number, stateText?: { text?: string | null } | null }): readonly JobState[] {
  const byNumber = ISA95_STATES.find((s) => s.number === asked.stateNumber)
  const byText = ISA95_STATES.find((s) => s.name === asked.stateText?.text)
  const s = byNumber ?? byText
  return s === undefined ? [] : MES_STATES_OF[s.name]!
}

/** A receiver method on an existing job: the MES event it is, and the states it is offered from if narrower than the event's. */
export interface JobCommand {
  readonly event: JobEventType
  readonly from?: readonly JobState[]
}

/**
 * The receiver's commands on stored jobs. Stop ends a running job (the MES's final complete); Cancel withdraws a job
 * that has not started (the MES aborts it, the only way it drops a job: it keeps every job for the audit trail).
 * Not offered: Clear (the MES never forgets an ended job; ended jobs leave JobOrderList by themselves) and Update
 * (a job's order changes through the ERP update of its work order, not through the job).
 */
export const JOB_COMMANDS = {
  Start: { event: 'start' },
  Pause: { event: 'pause' },
  Resume: { event: 'resume' },
  Stop: { event: 'complete' },
  Abort: { event: 'abort' },
  RevokeStart: { event: 'revokeStart' },
  Cancel: { event: 'abort', from: ['NotAllowedToStart', 'AllowedToStart'] }
} as const satisfies Record<string, JobCommand>

export type JobCommandName = keyof typeof JOB_COMMANDS
