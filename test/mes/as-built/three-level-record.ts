// A hand-built as-built record of a three-level product: raw lots -> subassembly serials -> a finished serial.
// Steel lot ST-1 is split into ST-1A and ST-1B; resin lots RS-1 and RS-2 are merged into RS-3, which goes into both
// subassemblies (a DAG, not a tree). The screws were consumed over the BOM tolerance with a signed override.
import type { AsBuiltRecord } from '../../../mes/as-built/as-built-record'

const kg = (value: number) => ({ value, unit: 'kg' })
const ea = (value: number) => ({ value, unit: 'ea' })

export function threeLevelRecord (): AsBuiltRecord {
  return {
    schemaVersion: 1,
    generatedAt: '2025-03-07T16:00:00Z',
    subject: 'FG-0001',
    genealogy: {
      nodes: [
        { id: 'FG-0001', kind: 'serial', lotId: 'FG-LOT-7', material: 'PUMP-200', materialDescription: 'Pump, finished', quantity: ea(1), status: 'released' },
        { id: 'SA-001', kind: 'serial', lotId: 'SA-LOT-3', material: 'HOUSING-20', quantity: ea(1), status: 'consumed' },
        { id: 'SA-002', kind: 'serial', lotId: 'SA-LOT-3', material: 'HOUSING-20', quantity: ea(1), status: 'consumed' },
        { id: 'SCR-9', kind: 'lot', material: 'SCREW-M4', quantity: ea(500), status: 'released', expiresAt: '2027-01-01T00:00:00Z' },
        { id: 'ST-1', kind: 'lot', material: 'STEEL-S235', quantity: kg(100), status: 'consumed' },
        { id: 'ST-1A', kind: 'lot', material: 'STEEL-S235', quantity: kg(40), status: 'consumed' },
        { id: 'ST-1B', kind: 'lot', material: 'STEEL-S235', quantity: kg(60), status: 'released' },
        { id: 'RS-1', kind: 'lot', material: 'RESIN-PA6', quantity: kg(5), status: 'consumed' },
        { id: 'RS-2', kind: 'lot', material: 'RESIN-PA6', quantity: kg(7), status: 'consumed' },
        { id: 'RS-3', kind: 'lot', material: 'RESIN-PA6', quantity: kg(12), status: 'released' }
      ],
      edges: [
        { from: 'ST-1', to: 'ST-1A', kind: 'split', quantity: kg(40), operator: 'wms', at: '2025-03-05T08:00:00Z' },
        { from: 'ST-1', to: 'ST-1B', kind: 'split', quantity: kg(60), operator: 'wms', at: '2025-03-05T08:00:00Z' },
        { from: 'RS-1', to: 'RS-3', kind: 'merge', quantity: kg(5), operator: 'wms', at: '2025-03-05T09:00:00Z' },
        { from: 'RS-2', to: 'RS-3', kind: 'merge', quantity: kg(7), operator: 'wms', at: '2025-03-05T09:00:00Z' },
        ...['SA-001', 'SA-002'].flatMap((sa, i) => [
          { from: i === 0 ? 'ST-1A' : 'ST-1B', to: sa, kind: 'consumption' as const, quantity: kg(2), jobId: 'SUB-100-10-1', orderNumber: 'SUB-100', operationSequence: 10, workUnit: 'press-1', operator: 'anna', at: '2025-03-06T07:10:00Z' },
          { from: 'RS-3', to: sa, kind: 'consumption' as const, quantity: kg(0.4), jobId: 'SUB-100-10-1', orderNumber: 'SUB-100', operationSequence: 10, workUnit: 'press-1', operator: 'anna', at: '2025-03-06T07:12:00Z' }
        ]),
        { from: 'SA-001', to: 'FG-0001', kind: 'consumption', quantity: ea(1), jobId: 'FIN-200-10-1', orderNumber: 'FIN-200', operationSequence: 10, workUnit: 'assembly-1', operator: 'ben', at: '2025-03-07T10:05:00Z' },
        { from: 'SA-002', to: 'FG-0001', kind: 'consumption', quantity: ea(1), jobId: 'FIN-200-10-1', orderNumber: 'FIN-200', operationSequence: 10, workUnit: 'assembly-1', operator: 'ben', at: '2025-03-07T10:06:00Z' },
        { from: 'SCR-9', to: 'FG-0001', kind: 'consumption', quantity: ea(14), jobId: 'FIN-200-10-1', orderNumber: 'FIN-200', operationSequence: 10, workUnit: 'assembly-1', operator: 'ben', at: '2025-03-07T10:08:00Z', overrideId: 'OVR-1' }
      ]
    },
    operations: [
      {
        jobId: 'SUB-100-10-1', orderNumber: 'SUB-100', sequence: 10, name: 'Press housing', workCenter: 'pressing', workUnit: 'press-1',
        state: 'Ended', startedAt: '2025-03-06T07:00:00Z', endedAt: '2025-03-06T08:00:00Z', operators: ['anna'],
        good: 2, scrap: 0, rework: 0, signatures: [],
        consumed: [
          { nodeId: 'ST-1A', quantity: kg(2), at: '2025-03-06T07:10:00Z', operator: 'anna' },
          { nodeId: 'ST-1B', quantity: kg(2), at: '2025-03-06T07:11:00Z', operator: 'anna' },
          { nodeId: 'RS-3', quantity: kg(0.8), at: '2025-03-06T07:12:00Z', operator: 'anna' }
        ],
        produced: [
          { nodeId: 'SA-001', quantity: ea(1), at: '2025-03-06T07:40:00Z', operator: 'anna' },
          { nodeId: 'SA-002', quantity: ea(1), at: '2025-03-06T07:50:00Z', operator: 'anna' }
        ],
        processValues: [
          { topic: 'acme/plant1/pressing/press-1/metrics/force', unit: 'kN', atStart: 0, atComplete: 0.5, min: 0, max: 212.5, mean: 143.1, samples: 3600 }
        ]
      },
      {
        jobId: 'FIN-200-10-1', orderNumber: 'FIN-200', sequence: 10, name: 'Assemble pump', workCenter: 'assembly', workUnit: 'assembly-1',
        state: 'Ended', startedAt: '2025-03-07T10:00:00Z', endedAt: '2025-03-07T11:00:00Z', operators: ['ben'],
        good: 1, scrap: 0, rework: 0,
        signatures: [{ user: 'carla', meaning: 'approved', at: '2025-03-07T10:08:00Z', event: 'override' }],
        consumed: [
          { nodeId: 'SA-001', quantity: ea(1), at: '2025-03-07T10:05:00Z', operator: 'ben' },
          { nodeId: 'SA-002', quantity: ea(1), at: '2025-03-07T10:06:00Z', operator: 'ben' },
          { nodeId: 'SCR-9', quantity: ea(14), at: '2025-03-07T10:08:00Z', operator: 'ben' }
        ],
        produced: [],
        processValues: [
          { topic: 'acme/plant1/assembly/assembly-1/metrics/torque', unit: 'Nm', atStart: 0, atComplete: 2.1, min: 1.8, max: 2.4, mean: 2.05, samples: 14 },
          { topic: 'acme/plant1/assembly/assembly-1/metrics/leak-rate', atStart: null, atComplete: null, min: null, max: null, mean: null, samples: 0 }
        ]
      },
      {
        jobId: 'FIN-200-20-1', orderNumber: 'FIN-200', sequence: 20, name: 'Test and release', workCenter: 'test', workUnit: 'test-1',
        state: 'Ended', startedAt: '2025-03-07T11:10:00Z', endedAt: '2025-03-07T11:30:00Z', operators: ['ben'],
        good: 1, scrap: 0, rework: 0,
        signatures: [{ user: 'ben', meaning: 'performed', at: '2025-03-07T11:30:00Z', event: 'complete' }],
        consumed: [],
        produced: [{ nodeId: 'FG-0001', quantity: ea(1), at: '2025-03-07T11:30:00Z', operator: 'ben' }],
        processValues: []
      }
    ],
    holds: [
      { target: { kind: 'lot', id: 'RS-3' }, status: 'on-hold', reason: 'moisture above 0.2 %', by: 'qa-dora', at: '2025-03-05T10:00:00Z', releasedBy: 'qa-dora', releasedAt: '2025-03-05T14:00:00Z' },
      { target: { kind: 'job', id: 'FIN-200-10-1' }, status: 'Interrupted.Held', reason: 'screw feeder jam', by: 'ben', at: '2025-03-07T10:20:00Z', releasedBy: 'ben', releasedAt: '2025-03-07T10:25:00Z' }
    ],
    overrides: [
      { id: 'OVR-1', jobId: 'FIN-200-10-1', nodeId: 'SCR-9', rule: 'over-tolerance', reason: '2 screws dropped, replaced', operator: 'ben', signature: { user: 'carla', meaning: 'approved', at: '2025-03-07T10:08:00Z' } }
    ],
    qualityResults: [
      { id: 'QR-1', nodeId: 'FG-0001', characteristic: 'leak test', result: 'passed', at: '2025-03-07T11:25:00Z', value: 0.02, unit: 'mbar l/s' }
    ]
  }
}
