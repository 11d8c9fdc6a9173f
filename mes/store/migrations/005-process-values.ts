// Version 5: process values of operations (issue #12, the as-built record). An operation may name namespace metrics
// to capture while its jobs run (operations.process_values, JSON, from the work order); per job and metric the
// value at start and at complete and the running aggregate (min, max, sum and count, so the mean survives a pause,
// a hold or a hub restart: mes/process-values.ts persists it there and at complete).
import type { Migration } from './migration'

export const migration005: Migration = {
  version: 5,
  name: 'process values of operations',
  statements: [
    // JSON array of { name, topic, unit? } (schemas/mes/work-order.schema.json, operation.processValues).
    'ALTER TABLE operations ADD COLUMN process_values TEXT',
    `CREATE TABLE job_process_values (
      job_id         TEXT NOT NULL REFERENCES job_orders (job_id),
      name           TEXT NOT NULL,
      topic          TEXT NOT NULL,
      unit           TEXT,
      at_start       {{REAL}},
      at_complete    {{REAL}},
      min_value      {{REAL}},
      max_value      {{REAL}},
      sum_value      {{REAL}} NOT NULL DEFAULT 0,
      samples        BIGINT NOT NULL DEFAULT 0,
      updated_at     TEXT NOT NULL,
      PRIMARY KEY (job_id, name)
    )`
  ]
}
