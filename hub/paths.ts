// Where the hub's own files are, whether it runs from dist/ (npm start, tests) or is installed as a package.
import path from 'node:path'

/** The package root: the folder with package.json, settings.js and flows/. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..')
/** Compiled Node-RED nodes (dist/nodes): .js runtime files with their .html editor files beside them. */
export const NODES_DIR = path.resolve(__dirname, '..', 'nodes')
export const SETTINGS_FILE = path.join(PACKAGE_ROOT, 'settings.js')
export const SHIPPED_FLOWS_DIR = path.join(PACKAGE_ROOT, 'flows')
