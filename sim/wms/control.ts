// How a test or the demo makes the simulated WMS misbehave or act (POST /sim/control): down (the port closed, or
// up but answering 503 as a load balancer does with no backend), slow (every request delayed), failing (the next N
// task requests answered 500, or refused 422 as a business error), and whether tasks confirm by themselves, after
// how long. Confirming, cancelling, adding stock and sending a callback twice have endpoints of their own.
export type ControlCommand =
  | { mode: 'up' }
  | { mode: 'down', how?: 'refused' | '503', forMs?: number }
  | { mode: 'slow', delayMs: number }
  | { mode: 'error', kind?: 'server' | 'refuse', count?: number }
  | { mode: 'auto', confirm: boolean, delayMs?: number }

export interface ControlState {
  down: 'refused' | '503' | undefined
  delayMs: number
  failNext: { kind: 'server' | 'refuse', remaining: number } | undefined
  autoConfirm: boolean
  confirmDelayMs: number
}

const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0
const nonNegativeInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0

/** Validates a control command from JSON; the message names what is wrong. */
export function parseControlCommand (body: unknown): ControlCommand {
  const b = (body ?? {}) as Record<string, unknown>
  switch (b.mode) {
    case 'up': return { mode: 'up' }
    case 'down':
      if (b.how !== undefined && b.how !== 'refused' && b.how !== '503') throw new Error("down: 'how' must be 'refused' or '503'")
      if (b.forMs !== undefined && !positiveInt(b.forMs)) throw new Error("down: 'forMs' must be a positive integer")
      return { mode: 'down', how: b.how as 'refused' | '503' | undefined, forMs: b.forMs as number | undefined }
    case 'slow':
      if (!nonNegativeInt(b.delayMs)) throw new Error("slow: 'delayMs' must be an integer >= 0")
      return { mode: 'slow', delayMs: b.delayMs as number }
    case 'error':
      if (b.kind !== undefined && b.kind !== 'server' && b.kind !== 'refuse') throw new Error("error: 'kind' must be 'server' or 'refuse'")
      if (b.count !== undefined && !positiveInt(b.count)) throw new Error("error: 'count' must be a positive integer")
      return { mode: 'error', kind: b.kind as 'server' | 'refuse' | undefined, count: b.count as number | undefined }
    case 'auto':
      if (typeof b.confirm !== 'boolean') throw new Error("auto: 'confirm' must be true or false")
      if (b.delayMs !== undefined && !nonNegativeInt(b.delayMs)) throw new Error("auto: 'delayMs' must be an integer >= 0")
      return { mode: 'auto', confirm: b.confirm, delayMs: b.delayMs as number | undefined }
    default: throw new Error(`'mode' must be one of up, down, slow, error, auto, not ${JSON.stringify(b.mode)}`)
  }
}
