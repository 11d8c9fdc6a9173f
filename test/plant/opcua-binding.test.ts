// OPC UA bindings in the plant model: what the collector reads, and the mistakes the loader explains before the
// hub starts (a variable named twice or not at all, a password without a user, one endpoint with two securities).
import assert from 'node:assert/strict'
import { ValidationError } from '../../core/errors'
import { parsePlantModel } from '../../plant/load-plant-model'

type Binding = Record<string, unknown>

/** A plant model (as JSON) with two presses, the first bound as given, the second too when a binding is given. */
function model (press1: Binding, press2?: Binding): string {
  const unit = (id: string, opcua?: Binding): Record<string, unknown> => ({ id, name: id, kind: 'WorkCell', ...(opcua ? { opcua } : {}) })
  return JSON.stringify({
    version: 1,
    enterprise: { id: 'acme', name: 'ACME' },
    sites: [{
      id: 'dallas',
      name: 'Dallas',
      areas: [{ id: 'press-shop', name: 'Press shop', workCenters: [{ id: 'line-1', name: 'Line 1', kind: 'ProductionLine', workUnits: [unit('press-1', press1), unit('press-2', press2)] }] }]
    }]
  })
}

function problems (text: string): ReadonlyArray<{ path: string, message: string }> {
  try {
    parsePlantModel(text, 'plant.json')
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err))
    return err.problems
  }
  assert.fail('the model loaded without an error')
}

const PRESS_1 = '/sites/0/areas/0/workCenters/0/workUnits/0'

describe('plant model: OPC UA bindings', () => {
  it('a work unit binds variables by node id or browse path, with tag, kind and unit', () => {
    const m = parsePlantModel(model({
      endpoint: 'opc.tcp://10.0.0.5:4840',
      nodeId: 'ns=2;s=Press1',
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'Basic256Sha256',
      username: 'collector',
      passwordEnv: 'PRESS1_PASSWORD',
      nodes: [
        { nodeId: 'ns=2;s=Press1.Temperature', tag: 'hydraulic/temperature', unit: 'CEL' },
        { browsePath: '/2:State', tag: 'running', kind: 'state' }
      ]
    }), 'plant.json')
    const press = m.byTopic('acme/dallas/press-shop/line-1/press-1')!
    assert.deepEqual(press.bindings.opcua, {
      endpoint: 'opc.tcp://10.0.0.5:4840',
      nodeId: 'ns=2;s=Press1',
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'Basic256Sha256',
      username: 'collector',
      passwordEnv: 'PRESS1_PASSWORD',
      nodes: [
        { nodeId: 'ns=2;s=Press1.Temperature', tag: 'hydraulic/temperature', unit: 'CEL' },
        { browsePath: '/2:State', tag: 'running', kind: 'state' }
      ]
    })
    assert.deepEqual(m.opcuaCollected().map((e) => e.id), ['press-1'])
  })

  it('a binding without nodes only says where the equipment lives: nothing to collect', () => {
    const m = parsePlantModel(model({ endpoint: 'opc.tcp://10.0.0.5:4840', nodeId: 'ns=2;s=Press1' }), 'plant.json')
    assert.deepEqual(m.opcuaCollected(), [])
  })

  it('a variable named by neither or by both nodeId and browsePath is refused, each with its path', () => {
    const found = problems(model({ endpoint: 'opc.tcp://10.0.0.5:4840', nodes: [{ tag: 'a' }, { nodeId: 'ns=2;s=B', browsePath: '/2:B', tag: 'b' }] }))
    assert.deepEqual(found.map((p) => p.path), [`${PRESS_1}/opcua/nodes/0`, `${PRESS_1}/opcua/nodes/1`])
    assert.match(found[0].message, /neither nodeId nor browsePath: give one of them/)
    assert.match(found[1].message, /gives both nodeId and browsePath/)
  })

  it('two variables feeding one topic are refused, naming the first', () => {
    const found = problems(model({
      endpoint: 'opc.tcp://10.0.0.5:4840',
      nodes: [{ nodeId: 'ns=2;s=A', tag: 'speed' }, { nodeId: 'ns=2;s=B', tag: 'speed', kind: 'state' }, { nodeId: 'ns=2;s=C', tag: 'speed' }]
    }))
    assert.deepEqual(found.map((p) => p.path), [`${PRESS_1}/opcua/nodes/2/tag`])
    assert.match(found[0].message, /'acme\/dallas\/press-shop\/line-1\/press-1\/measurements\/speed' is already fed by .*\/opcua\/nodes\/0/)
  })

  it('a password without a user, a user without a password, and security that does not add up are explained', () => {
    assert.match(problems(model({ endpoint: 'opc.tcp://h:4840', passwordEnv: 'PW' }))[0].message, /add username/)
    assert.match(problems(model({ endpoint: 'opc.tcp://h:4840', username: 'u' }))[0].message, /user 'u' needs passwordEnv/)
    assert.match(problems(model({ endpoint: 'opc.tcp://h:4840', securityMode: 'Sign' }))[0].message, /needs a securityPolicy/)
    assert.match(problems(model({ endpoint: 'opc.tcp://h:4840', securityPolicy: 'Basic256Sha256' }))[0].message, /needs securityMode Sign or SignAndEncrypt/)
  })

  it('the legacy policies are not offered, and a password cannot be written into the file', () => {
    const found = problems(model({ endpoint: 'opc.tcp://h:4840', securityMode: 'Sign', securityPolicy: 'Basic128Rsa15', password: 'secret' }))
    assert.deepEqual(found.map((p) => p.path).sort(), [`${PRESS_1}/opcua/password`, `${PRESS_1}/opcua/securityPolicy`])
    assert.match(found.find((p) => p.path.endsWith('/password'))!.message, /unknown property/)
  })

  it('one endpoint bound by two work units needs the same security and user in both (one session per endpoint)', () => {
    const found = problems(model({ endpoint: 'opc.tcp://h:4840' }, { endpoint: 'opc.tcp://h:4840', securityMode: 'Sign', securityPolicy: 'Basic256Sha256' }))
    assert.deepEqual(found.map((p) => p.path), ['/sites/0/areas/0/workCenters/0/workUnits/1/opcua'])
    assert.match(found[0].message, /also bound at 'acme\/dallas\/press-shop\/line-1\/press-1'.*one session per endpoint/)
    // The same settings twice are fine.
    parsePlantModel(model({ endpoint: 'opc.tcp://h:4840' }, { endpoint: 'opc.tcp://h:4840' }), 'plant.json')
  })
})
