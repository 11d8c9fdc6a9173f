// One process, one hub: the plant model (validated before anything listens), the UNS broker, and Node-RED.
import type { HubConfig } from './config'
import { createLogger, type Logger } from '../core/logger'
import { loadPlantModel } from '../plant/load-plant-model'
import type { PlantModel } from '../plant/plant-model'
import { startBroker, type RunningBroker } from '../broker/broker'
import { hostStateTopic } from '../broker/host-state-guard'
import { unsRulesFor } from '../uns/uns-rules'
import { startEditor, type RunningEditor } from './node-red'
import type { HubServices } from '../nodes/hub-services'
import { prepareDataDir } from './data-dir'
import { startMesRuntime, type MesRuntime } from './mes-runtime'
import { EmbeddedUns } from '../broker/embedded-uns'
import type { UnsPort } from '../uns/uns-port'
import { startSparkplug, type RunningSparkplug } from '../sparkplug/sparkplug-runtime'
import { hostClientId } from '../sparkplug/host/host-application'
import { withPayloadTimestamp } from '../sparkplug/payload-timestamp'
import { startOpcUa, type RunningOpcUa } from './opcua-runtime'
import { createSapRuntime, type SapRuntime } from './sap-runtime'
import { createQmsRuntime, type QmsRuntime } from './qms-runtime'
import { createWmsRuntime, type WmsRuntime } from './wms-runtime'

export interface RunningHub {
  readonly config: HubConfig
  readonly model: PlantModel
  readonly broker: RunningBroker
  readonly editor: RunningEditor | undefined
  readonly mes: MesRuntime
  /** The Unified Namespace port: what the Sparkplug side, the MES and the nodes publish and read through. */
  readonly uns: UnsPort
  readonly sparkplug: RunningSparkplug | undefined
  /** OPC UA: the collector (no endpoints when the plant model binds no variables), the server, job control. */
  readonly opcua: RunningOpcUa
  /** The SAP adapter (IDocs in, confirmations and goods movements out); undefined when sap.enabled is false. */
  readonly sap: SapRuntime | undefined
  /** The QMS adapter (results and nonconformances out, the signed webhook in); undefined when qms.enabled is false. */
  readonly qms: QmsRuntime | undefined
  /** The WMS adapter (staging and put-away requests out, task confirmations in); undefined when wms.enabled is false. */
  readonly wms: WmsRuntime | undefined
  /** What the hub's Node-RED nodes use (handed to Node-RED in its settings; a test gives them to its own runtime). */
  readonly services: HubServices
  /** Stops everything; resolves when files are closed. */
  stop (): Promise<void>
}

export async function startHub (config: HubConfig, log: Logger = createLogger(config.logLevel)): Promise<RunningHub> {
  const model = loadPlantModel(config.plantModel)
  log.info(`plant model ${config.plantModel}: ${describeModel(model)}`)
  prepareDataDir(config.dataDir)

  const rules = unsRulesFor(model)
  // The broker keeps the hub's own Sparkplug host apart: its client id and its STATE topic are the host's alone.
  const hostId = config.sparkplug.enabled ? config.sparkplug.hostId : undefined
  const broker = await startBroker({
    mqtt: config.mqtt,
    dataDir: config.dataDir,
    uns: rules,
    enforcement: config.uns.enforcement,
    reservedClientIds: hostId === undefined ? [] : [hostClientId(hostId)],
    hostStateTopic: hostStateTopic(hostId),
    sparkplugAware: { stampPayload: withPayloadTimestamp },
    log: log.child('broker')
  })
  for (const l of broker.listeners) log.info(`${l.name.padEnd(5)} listening on ${l.url} (bound to ${l.bound})`)

  const uns: UnsPort = new EmbeddedUns({ broker, rules, enforcement: config.uns.enforcement, maxPayloadBytes: config.mqtt.maxPayloadBytes, log: log.child('uns') })
  let sparkplug: RunningSparkplug | undefined
  let mes: MesRuntime
  let opcua: RunningOpcUa
  let sap: SapRuntime | undefined
  let qms: QmsRuntime | undefined
  let wms: WmsRuntime | undefined
  try {
    if (config.sparkplug.enabled) {
      const mqtt = { connect: () => broker.connectInternal(), forgetWill: (clientId: string) => broker.forgetWill(clientId) }
      sparkplug = await startSparkplug({ settings: config.sparkplug, model, mqtt, uns, log, maxMessageBytes: config.mqtt.maxPayloadBytes })
    }
    mes = await startMesRuntime({ config, model, uns, log: log.child('mes'), sparkplug: sparkplug?.stream })
    try {
      opcua = await startOpcUa({ config, model, uns, mes: mes.mes, log: log.child('opcua') })
    } catch (err) {
      await mes.close()
      throw err
    }
    try {
      sap = createSapRuntime({ config, model, uns, mes: mes.mes, log: log.child('sap') })
      await sap?.start()
      wms = createWmsRuntime({ config, uns, mes: mes.mes, log: log.child('wms') })
      await wms?.start()
      qms = createQmsRuntime({ config, uns, mes: mes.mes, log: log.child('qms') })
      await qms?.start()
    } catch (err) {
      await qms?.stop()
      await wms?.stop()
      await sap?.stop()
      await opcua.stop()
      await mes.close()
      throw err
    }
  } catch (err) {
    await sparkplug?.stop()
    await broker.close()
    throw err
  }
  const sparkplugServices = sparkplug ? { host: sparkplug.host, stream: sparkplug.stream } : undefined
  const services: HubServices = { model, uns, mes: mes.mes, sparkplug: sparkplugServices, opcua: opcua.browser, sap: sap?.adapter, qms: qms?.adapter, wms: wms?.adapter }
  log.info(`MES store: ${mes.description}`)

  let editor: RunningEditor | undefined
  if (config.editor.enabled) {
    try {
      editor = await startEditor(config, log.child('node-red'), {
        mes: mes.mes,
        services,
        routes: (users, throttle) => [...(sap?.routes(users, throttle) ?? []), ...(qms?.routes() ?? []), ...(wms?.routes() ?? [])]
      })
    } catch (err) {
      await wms?.stop()
      await qms?.stop()
      await sap?.stop()
      await opcua.stop()
      await mes.close()
      await sparkplug?.stop()
      await broker.close()
      throw err
    }
    log.info(`editor listening on ${editor.url} (login required)`)
    if (sap !== undefined) log.info(`SAP IDoc endpoints at ${new URL('/sap/bc/idoc_xml', editor.url).href} and ${new URL('/sap/bc/srt/idoc', editor.url).href} (HTTP Basic, a user with sap.write)`)
    if (qms !== undefined) log.info(`QMS webhook at ${new URL(qms.adapter.webhook().path, editor.url).href} (no login: signed with the webhook secret)`)
    if (wms !== undefined) log.info(`WMS webhook at ${new URL('/wms/events', editor.url).href} (no login: Standard Webhooks signature with wms.webhookSecretFile)`)
    if (editor.mesApiUrl !== undefined) log.info(`MES HTTP API at ${editor.mesApiUrl} (editor login; mes.read to read, mes.write to change, quality.hold for holds)`)
  }

  let stopping: Promise<void> | undefined
  return {
    config,
    model,
    broker,
    editor,
    mes,
    uns,
    sparkplug,
    opcua,
    sap,
    qms,
    wms,
    services,
    stop () {
      stopping ??= (async () => {
        if (editor) await editor.close()
        await wms?.stop()
        await qms?.stop()
        await sap?.stop()
        await opcua.stop()
        await mes.close()
        // The host's STATE death goes out before the broker closes (a clean death, not its Will).
        await sparkplug?.stop()
        await broker.close()
      })()
      return stopping
    }
  }
}

function describeModel (model: PlantModel): string {
  const counts = new Map<string, number>()
  for (const e of model.walk()) counts.set(e.level, (counts.get(e.level) ?? 0) + 1)
  return [...counts].map(([level, n]) => `${n} ${level}${n === 1 ? '' : 's'}`).join(', ')
}
