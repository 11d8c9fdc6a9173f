// Version 15: a staging request's attempt. A request cancelled and asked for again (its job still open) is a new
// warehouse task: the WMS adapter's outbox keys and EWM's repeatability id carry the attempt, so that the second
// request is not taken for a resend of the first (which the outbox and the WMS would answer with the first,
// cancelled task). Requests stored before this version are on their first attempt.
import type { Migration } from './migration'

export const migration015: Migration = {
  version: 15,
  name: 'staging request attempts',
  statements: ['ALTER TABLE staging_requests ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1']
}
