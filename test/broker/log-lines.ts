// A hub whose log lines are kept, for tests of what the hub logs.
import { createLogger } from '../../core/logger'
import { startHub, type RunningHub } from '../../hub/hub'
import type { HubConfig } from '../../hub/config'

export async function startLoggedHub (config: HubConfig): Promise<{ hub: RunningHub, lines: string[] }> {
  const lines: string[] = []
  const hub = await startHub(config, createLogger('debug', 'hub', (line) => lines.push(line)))
  return { hub, lines }
}
