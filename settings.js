/**
 * Node-RED settings for isa95-hub.
 *
 * This is an ordinary Node-RED settings file (https://nodered.org/docs/user-guide/runtime/settings-file).
 * The hub reads it at start-up and then sets what it owns itself, from isa95-hub.yaml / HUB_* variables:
 *   uiHost, uiPort, userDir (<dataDir>/node-red), flowFile, adminAuth (the editor login),
 *   credentialSecret (generated once into the data directory), nodesDir (the hub's own nodes) and logging level.
 * Change anything else here as you would in any Node-RED installation.
 */
module.exports = {
  flowFilePretty: true,

  // Serve the editor at the root of its port and HTTP-in endpoints under /api.
  httpAdminRoot: '/',
  httpNodeRoot: '/api',

  // Function nodes may not load modules unless listed here.
  functionExternalModules: false,

  // Context is kept in memory: nothing the hub must keep lives in Node-RED context (the MES store does that).
  contextStorage: {
    default: { module: 'memory' }
  },

  // Cross-origin requests (a web page of another origin calling this port) get no CORS headers unless set here; the
  // hub applies these itself, in front of Node-RED, preflights included (hub/admin-cors.ts). Options of `cors`.
  // httpAdminCors: { origin: 'https://mes.example.com' },
  // httpNodeCors: { origin: 'https://mes.example.com' },

  // Larger than Node-RED's default: IDocs and B2MML documents arrive through HTTP-in nodes.
  apiMaxLength: '10mb',

  diagnostics: { enabled: true, ui: true },
  // Plant-floor hubs are often offline and must not phone home: no version check, no consent prompt.
  telemetry: { enabled: false, updateNotification: false },
  runtimeState: { enabled: false, ui: false },
  exportGlobalContextKeys: false,
  externalModules: {
    palette: { allowInstall: true, allowUpdate: true, allowUpload: false },
    modules: { allowInstall: true }
  },

  editorTheme: {
    page: { title: 'isa95-hub' },
    header: { title: 'isa95-hub' },
    palette: {
      // The hub's nodes first in the palette.
      categories: ['isa95 hub', 'common', 'function', 'network', 'sequence', 'parser', 'storage']
    },
    tours: false,
    codeEditor: { lib: 'monaco' }
  }
}
