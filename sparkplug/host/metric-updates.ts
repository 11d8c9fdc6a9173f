// How the metrics of a birth or of a DATA message become the MetricUpdates the host delivers: a birth's metrics go
// into the node's alias and name tables with their birth values as current values; a DATA message's metrics are
// looked up in those tables (the decoder did it already) and delivered one update object each. This is the hot
// path of the ingest: per metric one lookup at most, one object, one 'metric' event, nothing else.
import { DataType, dataTypeName } from '../datatypes'
import type { SparkplugMetric, SparkplugPayload } from '../types'
import { engUnitOf } from './birth-check'
import type { IngestPort } from './ingest-port'
import { qualityOf, toNumber } from './payload-facts'
import type { DeviceSession, MetricEntry, NodeSession } from './session'
import type { MetricUpdate, RebirthReason } from './session-records'

/** One metric of a birth or DATA message as the host delivers it, under the entry its birth declared. */
export function metricUpdate (node: NodeSession, e: MetricEntry, m: SparkplugMetric, payloadTs: number): MetricUpdate {
  return {
    groupId: node.groupId,
    edgeNodeId: node.edgeNodeId,
    deviceId: e.deviceId,
    name: e.name,
    alias: e.alias,
    datatype: e.datatype,
    value: m.value,
    timestamp: m.timestamp === undefined ? payloadTs : typeof m.timestamp === 'number' ? m.timestamp : Number(m.timestamp),
    quality: qualityOf(m.properties),
    properties: m.properties,
    historical: m.isHistorical === true,
    unit: engUnitOf(m.properties) ?? e.engUnit
  }
}

/** Birth metrics into the alias and name tables, each with its birth value as the current value. */
export function registerBirthMetrics (node: NodeSession, deviceId: string | undefined, table: Map<string, MetricEntry>,
  p: SparkplugPayload, now: number): MetricEntry[] {
  const entries: MetricEntry[] = []
  const payloadTs = p.timestamp === undefined ? now : toNumber(p.timestamp)
  for (const m of p.metrics) {
    const alias = m.alias === undefined ? undefined : toNumber(m.alias)
    const e: MetricEntry = {
      name: m.name!,
      alias,
      datatype: m.datatype!,
      deviceId,
      engUnit: engUnitOf(m.properties),
      current: undefined as unknown as MetricUpdate
    }
    e.current = metricUpdate(node, e, m, payloadTs)
    table.set(e.name, e)
    if (alias !== undefined) node.aliases.set(alias, e)
    entries.push(e)
  }
  return entries
}

/** What was wrong with a DATA message whose other metrics were delivered: the first problem, as a rebirth reason. */
export interface DataProblem {
  readonly reason: Extract<RebirthReason, 'DATATYPE_MISMATCH' | 'UNKNOWN_ALIAS' | 'UNKNOWN_METRIC'>
  readonly detail: string
}

/**
 * NDATA/DDATA: per metric one alias (or name) lookup, done by the decoder's datatypeOf, and one update object.
 * Metrics the births did not declare, or with another datatype than the birth's, are not delivered; the first such
 * problem is returned (a datatype mismatch before an unknown alias before an unknown name), else undefined.
 */
export function deliverData (node: NodeSession, device: DeviceSession | undefined, p: SparkplugPayload,
  port: Pick<IngestPort, 'emit'>): DataProblem | undefined {
  const metrics = p.metrics
  const n = metrics.length
  const deviceId = device === undefined ? undefined : device.deviceId
  const payloadTs = p.timestamp === undefined ? Date.now() : toNumber(p.timestamp)
  let unknownAlias: string | undefined
  let unknownName: string | undefined
  let mismatch: string | undefined
  node.decodeDevice = device
  for (let i = 0; i < n; i++) {
    const m = metrics[i]!
    let e = node.resolved[i]
    if (e === undefined) e = node.lookup(m.name, m.alias) // the metric carried its datatype: no resolver call
    if (e === undefined || e.deviceId !== deviceId) {
      if (m.alias !== undefined) unknownAlias ??= String(m.alias)
      else unknownName ??= m.name ?? '(no name, no alias)'
      continue
    }
    if (m.datatype !== e.datatype) {
      // The value was decoded by the payload's datatype; delivered under the birth's, it would be read as another
      // type (issue #8: a DataSet birth, then Int32 data). Refused; the rebirth states the datatype anew.
      mismatch ??= `metric '${e.name}' is ${dataTypeName(m.datatype ?? DataType.Unknown)} in this ${deviceId === undefined ? 'NDATA' : 'DDATA'}, ` +
        `but ${dataTypeName(e.datatype)} in its birth`
      continue
    }
    const u = metricUpdate(node, e, m, payloadTs)
    if (!u.historical) e.current = u // is_historical never overwrites the live value
    port.emit('metric', u)
  }
  if (mismatch !== undefined) return { reason: 'DATATYPE_MISMATCH', detail: mismatch }
  if (unknownAlias !== undefined) return { reason: 'UNKNOWN_ALIAS', detail: `${dataMessage(deviceId)}: alias ${unknownAlias} is not in the births` }
  if (unknownName !== undefined) return { reason: 'UNKNOWN_METRIC', detail: `${dataMessage(deviceId)}: metric '${unknownName}' is not in the births` }
  return undefined
}

function dataMessage (deviceId: string | undefined): string {
  return deviceId === undefined ? 'NDATA' : `DDATA of device '${deviceId}'`
}
