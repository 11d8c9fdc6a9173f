// The data directory holds the editor's password hash and credential secret, Node-RED's session tokens and flow
// credentials, the MQTT store and the MES store: nobody but the hub's own user may read it. The directory is 0700
// (also one made by an older version), and the process's umask is 077, because the libraries that write there
// (Node-RED, SQLite, LevelDB) create their files with the default mode (0644 under the usual umask 022).
import fs from 'node:fs'

export const DATA_DIR_MODE = 0o700
/** Cleared from the mode of every file and directory the hub creates: group and others get nothing. */
export const HUB_UMASK = 0o077

export function prepareDataDir (dir: string): void {
  // One hub per process (hub/hub.ts): the umask is the process's, and every file of the hub should have it.
  process.umask(HUB_UMASK)
  fs.mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE })
  fs.chmodSync(dir, DATA_DIR_MODE)
}
