// How a test or the demo makes the simulated SAP misbehave (POST /sim/control, or `control` in process): down (the
// port closed: connection refused; or up but answering 503 as a web dispatcher does with no application server),
// slow (every SAP request delayed), failing (the next N modifying requests answered 500, or refused with a business
// error), and the end of every CSRF session (the next POST gets 403 `X-CSRF-Token: Required`).

export type ControlCommand =
  | { mode: 'up' }
  | { mode: 'down', how?: 'refused' | '503', forMs?: number }
  | { mode: 'slow', delayMs: number }
  | { mode: 'error', kind?: 'server' | 'business', count?: number }
  | { mode: 'expire-csrf' }

export interface ControlState {
  down: 'refused' | '503' | undefined
  delayMs: number
  failNext: { kind: 'server' | 'business', remaining: number } | undefined
}

/** Validates a control command from JSON; the message names what is wrong. */
export function parseControlCommand (body: unknown): ControlCommand {
  const b = (body ?? {}) as Record<string, unknown>
  switch (b.mode) {
    case 'up': case 'expire-csrf': return { mode: b.mode }
    case 'down': {
      if (b.how !== undefined && b.how !== 'refused' && b.how !== '503') throw new Error("down: 'how' must be 'refused' or '503'")
      if (b.forMs !== undefined && !(Number.isInteger(b.forMs) && (b.forMs as number) > 0)) throw new Error("down: 'forMs' must be a positive integer")
      return { mode: 'down', how: b.how as 'refused' | '503' | undefined, forMs: b.forMs as number | undefined }
    }
    case 'slow':
      if (!(Number.isInteger(b.delayMs) && (b.delayMs as number) >= 0)) throw new Error("slow: 'delayMs' must be an integer >= 0")
      return { mode: 'slow', delayMs: b.delayMs as number }
    case 'error':
      if (b.kind !== undefined && b.kind !== 'server' && b.kind !== 'business') throw new Error("error: 'kind' must be 'server' or 'business'")
      if (b.count !== undefined && !(Number.isInteger(b.count) && (b.count as number) > 0)) throw new Error("error: 'count' must be a positive integer")
      return { mode: 'error', kind: b.kind as 'server' | 'business' | undefined, count: b.count as number | undefined }
    default: throw new Error(`'mode' must be one of up, down, slow, error, expire-csrf, not ${JSON.stringify(b.mode)}`)
  }
}
