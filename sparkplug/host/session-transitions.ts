// Edge node and device sessions as the host application sees them (specification 3.0 chapter 5, "Operational
// Behavior"), as tables of allowed transitions.
//
// A table entry says, for a state and an incoming message, either the next state or what to do instead:
// `rebirth` (ask the edge node for a new birth sequence, with the reason recorded) or `ignore` (with the reason).
// Every (state, event) pair is listed, so the tables are the complete behaviour and the tests can walk them.

import type { DeviceState, NodeState, RebirthReason } from './session-records'

export type NodeEvent = 'NBIRTH' | 'NDATA' | 'DBIRTH' | 'DDATA' | 'DDEATH' | 'NDEATH' | 'NDEATH_OTHER_BDSEQ' | 'HOST_DISCONNECTED'
export type DeviceEvent = 'DBIRTH' | 'DDATA' | 'DDEATH' | 'NODE_REBIRTH' | 'NODE_OFFLINE'

export type Transition<S> =
  | { readonly to: S }
  | { readonly rebirth: RebirthReason }
  | { readonly ignore: string }

/**
 * Edge node sessions. A node is ONLINE between its NBIRTH and the NDEATH that carries the NBIRTH's bdSeq (or the loss
 * of the host's own broker connection). Anything but an NBIRTH from a node that is not ONLINE asks for a rebirth
 * (chapter 5 "Sparkplug Host Application Receive Data"); a death of another session is ignored.
 */
export const NODE_TRANSITIONS: Readonly<Record<NodeState, Readonly<Record<NodeEvent, Transition<NodeState>>>>> = {
  UNBORN: {
    NBIRTH: { to: 'ONLINE' },
    NDATA: { rebirth: 'DATA_BEFORE_BIRTH' },
    DBIRTH: { rebirth: 'DBIRTH_BEFORE_NBIRTH' },
    DDATA: { rebirth: 'DATA_BEFORE_BIRTH' },
    DDEATH: { rebirth: 'DATA_BEFORE_BIRTH' },
    NDEATH: { ignore: 'NDEATH of a node the host has no birth of' },
    NDEATH_OTHER_BDSEQ: { ignore: 'NDEATH of a node the host has no birth of' },
    HOST_DISCONNECTED: { ignore: 'not online' }
  },
  ONLINE: {
    NBIRTH: { to: 'ONLINE' },
    NDATA: { to: 'ONLINE' },
    DBIRTH: { to: 'ONLINE' },
    DDATA: { to: 'ONLINE' },
    DDEATH: { to: 'ONLINE' },
    NDEATH: { to: 'OFFLINE' },
    NDEATH_OTHER_BDSEQ: { ignore: 'NDEATH bdSeq does not match the current NBIRTH bdSeq (death of an earlier session)' },
    HOST_DISCONNECTED: { to: 'OFFLINE' }
  },
  OFFLINE: {
    NBIRTH: { to: 'ONLINE' },
    NDATA: { rebirth: 'DATA_BEFORE_BIRTH' },
    DBIRTH: { rebirth: 'DBIRTH_BEFORE_NBIRTH' },
    DDATA: { rebirth: 'DATA_BEFORE_BIRTH' },
    DDEATH: { rebirth: 'DATA_BEFORE_BIRTH' },
    NDEATH: { ignore: 'node is already offline' },
    NDEATH_OTHER_BDSEQ: { ignore: 'node is already offline' },
    HOST_DISCONNECTED: { ignore: 'not online' }
  }
}

/**
 * Devices of an ONLINE node (the node table is consulted first). A device is ONLINE between its DBIRTH and its
 * DDEATH, the node's NDEATH, or the node's next NBIRTH (after which it must be born again).
 */
export const DEVICE_TRANSITIONS: Readonly<Record<DeviceState, Readonly<Record<DeviceEvent, Transition<DeviceState>>>>> = {
  UNBORN: {
    DBIRTH: { to: 'ONLINE' },
    DDATA: { rebirth: 'DEVICE_DATA_BEFORE_DBIRTH' },
    DDEATH: { ignore: 'DDEATH of a device the host has no birth of' },
    NODE_REBIRTH: { ignore: 'not online' },
    NODE_OFFLINE: { ignore: 'not online' }
  },
  ONLINE: {
    DBIRTH: { to: 'ONLINE' },
    DDATA: { to: 'ONLINE' },
    DDEATH: { to: 'OFFLINE' },
    NODE_REBIRTH: { to: 'OFFLINE' },
    NODE_OFFLINE: { to: 'OFFLINE' }
  },
  OFFLINE: {
    DBIRTH: { to: 'ONLINE' },
    DDATA: { rebirth: 'DEVICE_DATA_BEFORE_DBIRTH' },
    DDEATH: { ignore: 'device is already offline' },
    NODE_REBIRTH: { ignore: 'not online' },
    NODE_OFFLINE: { ignore: 'not online' }
  }
}

export function nodeTransition (state: NodeState, event: NodeEvent): Transition<NodeState> {
  return NODE_TRANSITIONS[state][event]
}

export function deviceTransition (state: DeviceState, event: DeviceEvent): Transition<DeviceState> {
  return DEVICE_TRANSITIONS[state][event]
}
