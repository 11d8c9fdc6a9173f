// What the ingest and its parts (the reorder buffer, rebirth requests) are given by the host around them: its limits
// and a small port to emit events and send NCMDs. A file of its own so that those parts need not import the ingest.
import type { HostEvents } from './host-types'

export interface IngestOptions {
  reorderTimeoutMs: number
  rebirthMinIntervalMs: number
  sendRebirths: boolean
  maxMetricsPerNode: number
  maxArrayLength: number
}

/** What the ingest needs of the host around it. */
export interface IngestPort {
  emit<K extends keyof HostEvents> (event: K, ...args: HostEvents[K]): void
  /** Whether the host's own connection is online (rebirth requests are sent only then). */
  online (): boolean
  /** Sends an NCMD (QoS 0, not retained). */
  publish (topic: string, payload: Buffer): void
  /** A message on the host's own STATE topic. */
  onOwnState (payload: Buffer): void
}
