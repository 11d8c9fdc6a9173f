// `npm run qms-sim` options: what a user types, and the refusals naming the option.
import assert from 'node:assert/strict'
import { parseArgs } from '../../../sim/qms/cli'
import { parseArgs as parseWmsArgs } from '../../../sim/wms/cli'

describe('npm run qms-sim options', function () {
  it('take a port, the hub\'s webhook with its secret, and a disposition delay', function () {
    const a = parseArgs(['--port', '8101', '--hub-url', 'http://127.0.0.1:1880/qms/webhook', '--secret', 'whsec_eA==', '--disposition-after-ms', '5000'], {})
    assert.deepEqual([a.port, a.hubUrl, a.secret, a.dispositionAfterMs, a.token], [8101, 'http://127.0.0.1:1880/qms/webhook', 'whsec_eA==', 5000, 'qms-sim-token'])
    assert.equal(parseArgs([], { HUB_QMS_SIM_PORT: '9000', HUB_QMS_SIM_TOKEN: 't' }).port, 9000)
  })

  it('default to port 8200, so that it runs beside the simulated WMS (8100) as the Quality and logistics tab has them', function () {
    assert.deepEqual([parseArgs([], {}).port, parseWmsArgs([], {}).port], [8200, 8100])
  })

  it('refuse a webhook without its secret, a port that is none, and options it does not know', function () {
    assert.throws(() => parseArgs(['--hub-url', 'http://h/qms/webhook'], {}), /--hub-url needs --secret/)
    assert.throws(() => parseArgs(['--port', 'x'], {}), /--port must be a TCP port/)
    assert.throws(() => parseArgs(['--hub-url', 'ftp://h', '--secret', 's'], {}), /must be an http\(s\) URL/)
    assert.throws(() => parseArgs(['--verbose'], {}), /unknown option '--verbose'/)
  })
})
