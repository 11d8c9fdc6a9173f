// How a test or the demo makes the simulated QMS misbehave (POST /sim/control, or `control` in process): down (the
// port closed: connection refused; or up but answering 503 as a load balancer does with no instance behind it),
// slow (every API request delayed), failing (the next N API requests answered 500, or the next N POSTs refused with
// a business error, 422), and its webhook held (deliveries wait, as a QMS whose event queue is stopped) or let go.

export type ControlCommand =
  | { mode: 'up' }
  | { mode: 'down', how?: 'refused' | '503', forMs?: number }
  | { mode: 'slow', delayMs: number }
  | { mode: 'error', kind?: 'server' | 'business', count?: number }
  | { mode: 'webhook', paused: boolean }

export interface ControlState {
  down: 'refused' | '503' | undefined
  delayMs: number
  failNext: { kind: 'server' | 'business', remaining: number } | undefined
  webhookPaused: boolean
}

/** Validates a control command from JSON; the message names what is wrong. */
export function parseControlCommand (body: unknown): ControlCommand {
  const b = (body ?? {}) as Record<string, unknown>
  switch (b.mode) {
    case 'up': return { mode: 'up' }
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
    case 'webhook':
      if (typeof b.paused !== 'boolean') throw new Error("webhook: 'paused' must be true or false")
      return { mode: 'webhook', paused: b.paused }
    default: throw new Error(`'mode' must be one of up, down, slow, error, webhook, not ${JSON.stringify(b.mode)}`)
  }
}
