// Version 7: a consumption link names the material actual it was made from. A job may consume from one lot more than
// once (a normal consumption, then one admitted by a signed override), and every consumption is linked to every item
// the job produced: without the actual, the as-built record could only guess by time which consumption, and so which
// override and signature, a link stands for. Split and merge links, and links stored before this version, have none.
import type { Migration } from './migration'

export const migration007: Migration = {
  version: 7,
  name: 'genealogy links name their material actual',
  statements: ['ALTER TABLE genealogy_links ADD COLUMN actual_id INTEGER']
}
