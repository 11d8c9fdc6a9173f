// The statuses of an inbound message as a table of allowed changes. An error may be followed by applied or another
// error when the message is processed again (after its order or material master was corrected); applied is final.
import type { InboxStatus } from './types'

export const INBOX_TRANSITIONS: Readonly<Record<InboxStatus, readonly InboxStatus[]>> = {
  received: ['applied', 'error'],
  error: ['applied', 'error'],
  applied: []
}

export function inboxStatusAllowed (from: InboxStatus, to: InboxStatus): boolean {
  return INBOX_TRANSITIONS[from].includes(to)
}
