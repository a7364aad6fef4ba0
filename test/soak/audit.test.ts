// The soak's audit must see what a crash could break. A healthy finished run passes; each kind of
// damage, planted in an otherwise healthy world, is named as an anomaly.

import { expect } from 'chai';
import { audit, type AuditApi } from '../../soak/check.ts';
import type { ShipmentFact, SoakErp, StockFact } from '../../soak/erp.ts';
import type { SoakCase } from '../../soak/workload.ts';

interface World {
  instances: Record<string, { id: string; businessKey: string; state: string; activeElements: string[]; incidents: unknown[]; variables: Record<string, unknown> }[]>;
  history: Record<string, { elementId: string; event: string }[]>;
  tasks: Record<string, { open: { id: string; elementId: string }[]; completed: { id: string; elementId: string }[] }>;
  shipments: ShipmentFact[];
  stock: StockFact;
}

const PRODUCTS = [{ sku: 'SOAK-YARN', name: 'Soak yarn', onHand: 100 }];

function kase(n: number, overrides: Partial<SoakCase> = {}): SoakCase {
  return { n, kind: 'ships', businessKey: `run-${n}`, customerId: 'cus_ipak_yoli', dealId: `deal_${n}`, items: [{ sku: 'SOAK-YARN', quantity: 2 }], instanceId: `pi-${n}`, acknowledged: true, uncertainSince: null, stockDecisions: 0, addressFixes: 0, ...overrides };
}

/** Case 1 shipped and completed, case 2 waiting at "Shipment confirmed": all in order. */
function healthy(): World {
  const shippedHistory = ['StartEvent_ShipGoods', 'Task_GetCustomerCard', 'Task_RequestShipment', 'Task_UpdateDealStage', 'Task_ShipmentConfirmed', 'EndEvent_Shipped'].flatMap((elementId) => [
    { elementId, event: 'activated' },
    { elementId, event: 'completed' },
  ]);
  return {
    instances: {
      'run-1': [{ id: 'pi-1', businessKey: 'run-1', state: 'completed', activeElements: [], incidents: [], variables: { shipment: { id: 'shp-1' } } }],
      'run-2': [{ id: 'pi-2', businessKey: 'run-2', state: 'active', activeElements: ['Task_ShipmentConfirmed'], incidents: [], variables: { shipment: { id: 'shp-2' } } }],
    },
    history: { 'pi-1': shippedHistory, 'pi-2': shippedHistory.slice(0, -3) },
    tasks: {
      'pi-1': { open: [], completed: [{ id: 't1', elementId: 'Task_ShipmentConfirmed' }] },
      'pi-2': { open: [{ id: 't2', elementId: 'Task_ShipmentConfirmed' }], completed: [] },
    },
    shipments: [
      { id: 'shp-1', dealId: 'deal_1', status: 'reserved', reserved: { 'SOAK-YARN': 2 } },
      { id: 'shp-2', dealId: 'deal_2', status: 'reserved', reserved: { 'SOAK-YARN': 2 } },
    ],
    stock: { onHand: 100, reserved: 4 },
  };
}

function run(world: World, cases: SoakCase[] = [kase(1), kase(2)]) {
  const answer = (path: string): unknown => {
    const url = new URL(path, 'http://soak');
    const byKey = url.searchParams.get('businessKey');
    if (url.pathname === '/api/process-instances' && byKey) return world.instances[byKey] ?? [];
    const history = /^\/api\/process-instances\/([^/]+)\/history$/.exec(url.pathname);
    if (history) return world.history[history[1]!];
    const one = /^\/api\/process-instances\/([^/]+)$/.exec(url.pathname);
    if (one) return Object.values(world.instances).flat().find((i) => i.id === one[1]);
    if (url.pathname === '/api/tasks') return world.tasks[url.searchParams.get('processInstanceId')!]![url.searchParams.get('state') as 'open' | 'completed'];
    throw new Error(`unexpected request ${path}`);
  };
  const api = { expect: async (_status: unknown, _user: string, _method: string, path: string) => answer(path) } as unknown as AuditApi;
  const erp: SoakErp = {
    kind: 'built-in',
    seed: async () => {},
    shipments: async (deals) => world.shipments.filter((s) => deals.includes(s.dealId ?? '')),
    stock: async () => world.stock,
  };
  return audit(api, erp, cases, PRODUCTS);
}

describe('soak audit', () => {
  it('passes a healthy run and counts it', async () => {
    const result = await run(healthy());
    expect(result.anomalies).to.deep.equal([]);
    expect(result).to.deep.include({ instances: 2, shipments: 2, completed: { shipped: 1, canceled: 0 }, waiting: { Task_ShipmentConfirmed: 1 }, startsLost: 0 });
  });

  it('names a shipment made twice for one instance', async () => {
    const world = healthy();
    world.shipments.push({ id: 'shp-1b', dealId: 'deal_1', status: 'reserved', reserved: { 'SOAK-YARN': 2 } });
    world.stock.reserved = 6;
    expect((await run(world)).anomalies).to.deep.equal(['instance pi-1 (run-1, ships): 2 shipments for deal deal_1, expected exactly 1']);
  });

  it('names a task created twice', async () => {
    const world = healthy();
    world.tasks['pi-1']!.completed.push({ id: 't1b', elementId: 'Task_ShipmentConfirmed' });
    expect((await run(world)).anomalies).to.deep.equal(['instance pi-1 (run-1, ships): 2 Task_ShipmentConfirmed tasks for 1 activations']);
  });

  it('names an instance whose start was acknowledged but which is gone, and tells a start that never committed apart', async () => {
    const world = healthy();
    delete world.instances['run-2'];
    world.shipments.pop();
    world.stock.reserved = 2;
    const lost = await run(world);
    expect(lost.anomalies).to.deep.equal(['case run-2: the start was answered 201 (pi-2) but the instance is gone']);
    const neverCommitted = await run(world, [kase(1), kase(2, { acknowledged: false, instanceId: null, uncertainSince: 3 })]);
    expect(neverCommitted.anomalies).to.deep.equal([]);
    expect(neverCommitted.startsLost).to.equal(1);
  });

  it('names two instances for one start', async () => {
    const world = healthy();
    world.instances['run-1']!.push({ ...world.instances['run-1']![0]!, id: 'pi-1b' });
    expect((await run(world)).anomalies).to.deep.equal(['case run-1: 2 instances for one start (pi-1, pi-1b)']);
  });

  it('names an instance stuck at a service task without an incident', async () => {
    const world = healthy();
    Object.assign(world.instances['run-2']![0]!, { activeElements: ['Task_RequestShipment'], variables: {} });
    world.tasks['pi-2']!.open = [];
    world.history['pi-2'] = world.history['pi-2']!.slice(0, 5);
    world.shipments.pop();
    world.stock.reserved = 2;
    expect((await run(world)).anomalies).to.deep.equal(['instance pi-2 (run-2, ships): stuck at [Task_RequestShipment], not at a person\'s task and without an incident']);
  });

  it('names stock that does not match the shipments', async () => {
    const world = healthy();
    world.stock = { onHand: 98, reserved: 5 };
    expect((await run(world)).anomalies).to.deep.equal([
      'stock of SOAK-YARN: 98 on hand, started with 100 and nothing shipped',
      'stock of SOAK-YARN: 5 reserved, the shipments hold 4',
    ]);
  });
});
