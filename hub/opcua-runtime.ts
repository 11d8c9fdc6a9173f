// The hub's OPC UA side, wired: the collector (machines' servers feeding the namespace), the server (the namespace as
// an ISA-95 address space) with MES job control on each work unit that has an SAP work center, and the browser of
// bound servers for the `opcua browse` node. Started after the MES (job control needs it), stopped before it.
import type { Logger } from '../core/logger'
import type { PlantModel } from '../plant/plant-model'
import type { UnsPort } from '../uns/uns-port'
import type { Mes } from '../mes/service'
import type { HubConfig } from './config'
import { startOpcUaCollector, type RunningCollector } from '../adapters/opcua/collector/collector'
import type { RunningOpcUaServer } from '../adapters/opcua/server/opcua-server'
import type { JobControl } from '../adapters/opcua/job-control/install-job-control'
import type { OpcUaBrowser } from '../adapters/opcua/browse'
import { LoginThrottle } from '../broker/login-throttle'

export interface RunningOpcUa {
  readonly collector: RunningCollector
  /** The server (opcua.server), when enabled. */
  readonly server: RunningOpcUaServer | undefined
  readonly jobControl: JobControl | undefined
  /** Browsing bound servers; undefined when the plant model binds none. */
  readonly browser: OpcUaBrowser | undefined
  stop (): Promise<void>
}

export async function startOpcUa (opts: { config: HubConfig, model: PlantModel, uns: UnsPort, mes: Mes, log: Logger }): Promise<RunningOpcUa> {
  const { config, model, uns, mes, log } = opts
  const collector = await startOpcUaCollector({ model, uns, settings: config.opcua.collector, dataDir: config.dataDir, log })
  let server: RunningOpcUaServer | undefined
  let jobControl: JobControl | undefined
  let throttle: LoginThrottle | undefined
  // node-opcua is loaded only when something here needs it (it takes a second or two and ~30 MB).
  const bound = [...model.walk()].some((e) => e.bindings.opcua !== undefined)
  try {
    if (config.opcua.server.enabled) {
      const { startOpcUaServer } = require('../adapters/opcua/server/opcua-server') as typeof import('../adapters/opcua/server/opcua-server')
      const { OpcUaAccess } = require('../adapters/opcua/server/access') as typeof import('../adapters/opcua/server/access')
      const { installJobControl } = require('../adapters/opcua/job-control/install-job-control') as typeof import('../adapters/opcua/job-control/install-job-control')
      const { jobControlUnits } = require('../adapters/opcua/job-control/job-control-units') as typeof import('../adapters/opcua/job-control/job-control-units')
      // Wrong passwords over OPC UA are throttled per address as the broker throttles them over MQTT.
      throttle = new LoginThrottle(config.mqtt.loginThrottle, log.child('login'))
      server = await startOpcUaServer({
        settings: config.opcua.server, model, uns, dataDir: config.dataDir, access: { accounts: config.mqtt.accounts, anonymous: config.mqtt.anonymous, throttle }, log
      })
      const s = server
      const access = new OpcUaAccess({ accounts: config.mqtt.accounts, anonymous: config.mqtt.anonymous, securityNoneRemote: config.opcua.server.securityNoneRemote })
      const units = jobControlUnits(model).flatMap((u) => {
        const parent = s.equipmentObject(u.topic)
        return parent === undefined ? [] : [{ topic: u.topic, workUnit: u.workUnit, parent }]
      })
      // Job control changes the MES: who may is who may write the unit's commands (admin; a machine its own subtree).
      jobControl = installJobControl(s.addressSpace, { mes, units, mayControl: (user, unit) => access.mayWrite(user, unit.topic), log: log.child('jobs') })
      log.info(`OPC UA job control (OPC 10031-4) on ${units.length} work unit${units.length === 1 ? '' : 's'}: ${units.map((u) => u.workUnit).join(', ') || 'none has an sap.workCenter'}`)
    }
  } catch (err) {
    throttle?.close()
    await collector.stop()
    throw err
  }
  const browser = bound
    ? (require('../adapters/opcua/browse') as typeof import('../adapters/opcua/browse')).opcUaBrowser({ model, dataDir: config.dataDir })
    : undefined
  return {
    collector,
    server,
    jobControl,
    browser,
    async stop () {
      await browser?.close()
      jobControl?.stop()
      await server?.stop()
      throttle?.close()
      await collector.stop()
    }
  }
}
