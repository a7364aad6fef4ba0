// The end-of-run audit: every case is looked at through the HTTP API and the ERP, and anything
// that a crash could have broken is reported as an anomaly: a lost or doubled instance, an instance
// stuck anywhere but a known wait state, a task created twice, a shipment missing or made twice,
// stock that does not add up.

import type { Api } from './api.ts';
import type { SoakErp, SoakProduct } from './erp.ts';
import { PROCESS_KEY, type SoakCase } from './workload.ts';

/** Where a ship-goods instance may legitimately wait when the run ends: a person's task. */
export const WAIT_STATES = ['Task_ShipmentConfirmed', 'Task_ResolveStock', 'Task_CompleteAddress'] as const;
const END_EVENTS = ['EndEvent_Shipped', 'EndEvent_Canceled'];
const USER_TASKS: readonly string[] = WAIT_STATES;

export interface AuditResult {
  instances: number;
  /** Cases by what was ordered: ships, short of stock, bad address. */
  kinds: Record<string, number>;
  completed: { shipped: number; canceled: number };
  /** Active instances by the element they wait at ("incident" for an open incident). */
  waiting: Record<string, number>;
  /** Starts never committed: the server died before answering and the instance is not there. */
  startsLost: number;
  shipments: number;
  anomalies: string[];
}

interface InstanceView {
  id: string;
  state: string;
  businessKey: string | null;
  variables: Record<string, unknown>;
  activeElements: string[];
  incidents: { id: string; message: string }[];
}

interface HistoryEntry {
  elementId: string;
  event: string;
}

interface TaskView {
  id: string;
  elementId: string;
}

/** What the audit reads through: `Api.expect`. */
export type AuditApi = Pick<Api, 'expect'>;

export async function audit(api: AuditApi, erp: SoakErp, cases: readonly SoakCase[], products: readonly SoakProduct[]): Promise<AuditResult> {
  const result: AuditResult = { instances: 0, kinds: {}, completed: { shipped: 0, canceled: 0 }, waiting: {}, startsLost: 0, shipments: 0, anomalies: [] };
  const anomaly = (text: string) => result.anomalies.push(text);
  const shipments = await erp.shipments(cases.map((c) => c.dealId));
  result.shipments = shipments.length;
  const shipmentsByDeal = new Map<string, typeof shipments>();
  for (const s of shipments) shipmentsByDeal.set(s.dealId ?? '', [...(shipmentsByDeal.get(s.dealId ?? '') ?? []), s]);

  // Cases are read several at once (the audit of a long run on MongoDB is otherwise minutes);
  // their anomalies are listed in case order all the same.
  const perCase: string[][] = cases.map(() => []);
  const checkCase = async (index: number): Promise<void> => {
    const c = cases[index]!;
    const anomaly = (text: string) => perCase[index]!.push(text);
    result.kinds[c.kind] = (result.kinds[c.kind] ?? 0) + 1;
    const found = await api.expect<{ id: string }[]>(200, 'anna', 'GET', `/api/process-instances?processKey=${PROCESS_KEY}&businessKey=${encodeURIComponent(c.businessKey)}`);
    if (found.length > 1) anomaly(`case ${c.businessKey}: ${found.length} instances for one start (${found.map((f) => f.id).join(', ')})`);
    if (found.length === 0) {
      if (c.acknowledged) anomaly(`case ${c.businessKey}: the start was answered 201 (${c.instanceId}) but the instance is gone`);
      else result.startsLost++;
      if ((shipmentsByDeal.get(c.dealId) ?? []).length > 0) anomaly(`case ${c.businessKey}: no instance, yet the ERP has a shipment for deal ${c.dealId}`);
      return;
    }
    const id = found[0]!.id;
    if (c.instanceId !== null && c.instanceId !== id) anomaly(`case ${c.businessKey}: answered with instance ${c.instanceId}, found ${id}`);
    result.instances++;
    const where = `instance ${id} (${c.businessKey}, ${c.kind})`;
    const view = await api.expect<InstanceView>(200, 'anna', 'GET', `/api/process-instances/${id}`);
    const history = await api.expect<HistoryEntry[]>(200, 'anna', 'GET', `/api/process-instances/${id}/history`);
    const open = await api.expect<TaskView[]>(200, 'admin', 'GET', `/api/tasks?state=open&processInstanceId=${id}`);
    const done = await api.expect<TaskView[]>(200, 'admin', 'GET', `/api/tasks?state=completed&processInstanceId=${id}`);

    // State: ended at one of the two end events, or waiting at a person's task (or an incident).
    const endedAt = history.filter((h) => h.event === 'completed' && END_EVENTS.includes(h.elementId)).map((h) => h.elementId);
    let shipped = false;
    if (view.state === 'completed') {
      if (endedAt.length !== 1) anomaly(`${where}: completed, but ended at [${endedAt.join(', ')}]`);
      if (view.activeElements.length > 0) anomaly(`${where}: completed with active elements ${view.activeElements.join(', ')}`);
      if (open.length > 0) anomaly(`${where}: completed with open tasks ${open.map((t) => t.elementId).join(', ')}`);
      shipped = endedAt[0] === 'EndEvent_Shipped';
      if (shipped) result.completed.shipped++;
      else result.completed.canceled++;
    } else if (view.state === 'active') {
      if (endedAt.length > 0) anomaly(`${where}: active, yet ended at ${endedAt.join(', ')}`);
      if (view.incidents.length > 0) {
        result.waiting.incident = (result.waiting.incident ?? 0) + 1;
      } else if (view.activeElements.length !== 1 || !USER_TASKS.includes(view.activeElements[0]!)) {
        anomaly(`${where}: stuck at [${view.activeElements.join(', ')}], not at a person's task and without an incident`);
      } else {
        const at = view.activeElements[0]!;
        result.waiting[at] = (result.waiting[at] ?? 0) + 1;
        if (open.length !== 1 || open[0]!.elementId !== at) anomaly(`${where}: waits at ${at} but its open tasks are [${open.map((t) => t.elementId).join(', ')}]`);
        shipped = at === 'Task_ShipmentConfirmed';
      }
    } else {
      anomaly(`${where}: state ${view.state}; nobody cancels a soak instance`);
    }

    // Tasks: one per activation of a user task, never two at once.
    for (const element of USER_TASKS) {
      const activations = history.filter((h) => h.elementId === element && h.event === 'activated').length;
      const tasks = [...open, ...done].filter((t) => t.elementId === element);
      if (tasks.length !== activations) anomaly(`${where}: ${tasks.length} ${element} tasks for ${activations} activations`);
      if (open.filter((t) => t.elementId === element).length > 1) anomaly(`${where}: ${element} is open twice`);
    }

    // Shipments: exactly the one the instance holds, and only when it got past the ERP.
    const mine = shipmentsByDeal.get(c.dealId) ?? [];
    const held = (view.variables.shipment as { id?: string } | undefined)?.id;
    if (shipped) {
      if (mine.length !== 1) anomaly(`${where}: ${mine.length} shipments for deal ${c.dealId}, expected exactly 1`);
      else if (held !== mine[0]!.id) anomaly(`${where}: holds shipment ${held ?? '(none)'}, the ERP has ${mine[0]!.id}`);
      else if (mine[0]!.status !== 'reserved' && mine[0]!.status !== 'assigned') anomaly(`${where}: its shipment ${held} is ${mine[0]!.status}, not reserved`);
    } else if (view.state === 'completed' && mine.length > 0) {
      anomaly(`${where}: canceled, yet deal ${c.dealId} has shipments ${mine.map((s) => s.id).join(', ')}`);
    } else if (view.state === 'active' && mine.length > 1) {
      anomaly(`${where}: ${mine.length} shipments for deal ${c.dealId}`);
    }
  };
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < cases.length) await checkCase(next++);
  }));
  for (const list of perCase) result.anomalies.push(...list);

  // Stock: nothing left the warehouse (shipments are only reserved), and what is reserved is what
  // the shipments hold.
  for (const p of products) {
    const stock = await erp.stock(p.sku);
    const reserved = shipments.reduce((sum, s) => sum + (s.reserved[p.sku] ?? 0), 0);
    if (stock.onHand !== p.onHand) anomaly(`stock of ${p.sku}: ${stock.onHand} on hand, started with ${p.onHand} and nothing shipped`);
    if (Math.abs(stock.reserved - reserved) > 1e-9) anomaly(`stock of ${p.sku}: ${stock.reserved} reserved, the shipments hold ${reserved}`);
    if (stock.onHand - stock.reserved < 0) anomaly(`stock of ${p.sku}: ${stock.onHand - stock.reserved} available`);
  }
  return result;
}
