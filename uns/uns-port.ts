// The UNS port: the one way into and out of the namespace for everything inside the hub (the Sparkplug bridge, the
// MES, the Node-RED nodes, and later OPC UA, the adapters and the web UI). Publishes are judged here by the rules
// of uns/uns-rules.ts, the enforcement mode and the size limit, once, whoever calls; a refusal is reported on
// `$hub/errors/<topic>` in the broker's report shape, naming the publisher. The embedded broker implements it
// (broker/embedded-uns.ts); nothing here names aedes, so an external MQTT 5 broker can implement it too.
import type { Publisher, RejectionReport } from './error-report'
import type { Namespace, NamespaceChild, NamespaceEntry } from './namespace'
import type { Enforcement, UnsRules } from './uns-rules'
import type { UnsPayload } from './uns-publish'

export type { Publisher }

/** A message as a subscriber of the port receives it. */
export interface UnsMessage {
  readonly topic: string
  readonly payload: Buffer
  readonly retain: boolean
  readonly qos: 0 | 1 | 2
}

export interface UnsPublishOptions {
  /** Default false. */
  retain?: boolean
  /** Default 1. */
  qos?: 0 | 1
}

export interface UnsSubscribeOptions {
  /** Deliver the retained messages that match first, as an MQTT subscription does (retain: true on them). */
  retainedFirst?: boolean
}

export interface UnsSubscription {
  close (): Promise<void>
}

/** A refusal by a publisher inside the hub, for `$hub/errors/<topic>`. */
export interface UnsRefusal {
  readonly error: RejectionReport['error']
  readonly reason: string
  readonly topic: string
  readonly payloadBytes?: number
  readonly action?: RejectionReport['action']
}

export interface UnsPort {
  readonly rules: UnsRules
  readonly enforcement: Enforcement
  readonly maxPayloadBytes: number
  /** Last values by topic, as a tree (browse); its events say what changed. */
  readonly namespace: Namespace

  /**
   * Publishes after the rules: a `UnsPayload` is written as JSON, a Buffer as it is, `null` clears a retained topic.
   * Rejects with UnsPublishError: INVALID_TOPIC (a topic MQTT does not allow) or PAYLOAD_TOO_LARGE whatever the
   * mode, UNS_TOPIC or UNS_PAYLOAD when `uns.enforcement` refuses it; a refused or flagged publish is also reported
   * on `$hub/errors/<topic>`.
   */
  publish (by: Publisher, topic: string, payload: UnsPayload | Buffer | null, opts?: UnsPublishOptions): Promise<void>
  /**
   * The Sparkplug stream's fast path: a live QoS 0 message the hub built itself (topic placed by the plant model,
   * size checked by the caller), without a promise per message. Retained copies go through storeRetained.
   */
  publishLive (topic: string, payload: Buffer): void
  /** Stores a retained message without delivering it (for values already delivered live). */
  storeRetained (topic: string, payload: Buffer): Promise<void>

  /** Subscribes by MQTT filter; resolves once subscribed (and, with retainedFirst, once the retained ones are out). */
  subscribe (filter: string, onMessage: (m: UnsMessage) => void, opts?: UnsSubscribeOptions): Promise<UnsSubscription>
  /** The retained messages whose topics match a filter, as a new subscriber would receive them. */
  retainedMatching (filter: string): AsyncIterable<{ topic: string, payload: Buffer }>
  /** The retained message of one topic. */
  retained (topic: string): Promise<Buffer | undefined>
  /** The last value the hub knows of a topic. */
  lastValue (topic: string): NamespaceEntry | undefined
  /** The levels under a path, with their last values. */
  browse (path: string): NamespaceChild[]

  /** Reports a refusal on `$hub/errors/<topic>` (what the publisher did not publish, and why). */
  report (by: Publisher, refusal: UnsRefusal): void
}
