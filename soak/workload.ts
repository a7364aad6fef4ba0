// What the employees do during a soak run, through the HTTP API only: sales start "ship goods" for
// a deal (creating the deal, and for some cases a customer whose address the ERP cannot use), sales
// confirm shipments and complete addresses, the warehouse resolves stock shortages, an operator
// resolves incidents. Every request may meet a dead server; the work is simply tried again later.

import { Api, ServerBusy, ServerUnavailable } from './api.ts';

export const PROCESS_KEY = 'ship-goods';

/** Products the soak orders: plenty of one, a few of the other (so some cases run short). */
export const PLENTY = { sku: 'SOAK-YARN', name: 'Soak yarn', onHand: 1_000_000 };
export const SCARCE = { sku: 'SOAK-SCARCE', name: 'Soak scarce platter', onHand: 12 };
const SCARCE_ORDER = 4;
/** Tasks completed at once. */
const EMPLOYEES = 4;

const SHIPS_CUSTOMER = 'cus_ipak_yoli';
const SHORT_CUSTOMER = 'cus_registon_savdo';
const GOOD_ADDRESS = "Farg'ona viloyati, Marg'ilon sh., Mustaqillik ko'chasi 25, 151100";
const BAD_ADDRESS = "Marg'ilon, bozor yonida";

export type CaseKind = 'ships' | 'short' | 'address';

export interface SoakCase {
  n: number;
  kind: CaseKind;
  businessKey: string;
  customerId: string;
  dealId: string;
  items: { sku: string; quantity: number }[];
  instanceId: string | null;
  /** The server answered the start with 201. */
  acknowledged: boolean;
  /** Server generation in which a start got no answer; it is looked up once a restart has happened. */
  uncertainSince: number | null;
  /** Stock decisions the warehouse made for this case. */
  stockDecisions: number;
  addressFixes: number;
}

interface OpenTask {
  id: string;
  elementId: string;
  processInstanceId: string;
  processKey: string;
}

export interface WorkloadCounters {
  startsSent: number;
  startsUnanswered: number;
  tasksCompleted: number;
  /** Completions answered 409: the task was completed before a kill cut the answer off. */
  tasksAlreadyDone: number;
  incidentsResolved: number;
  /** Instances that had at least one incident resolved. */
  instancesWithIncidents: number;
  requestsCutOff: number;
  /** Requests the server turned away as overloaded (429), tried again later. */
  requestsTurnedAway: number;
}

export class Workload {
  readonly cases: SoakCase[] = [];
  private readonly byInstance = new Map<string, SoakCase>();
  readonly counters: WorkloadCounters = { startsSent: 0, startsUnanswered: 0, tasksCompleted: 0, tasksAlreadyDone: 0, incidentsResolved: 0, instancesWithIncidents: 0, requestsCutOff: 0, requestsTurnedAway: 0 };
  private readonly hadIncident = new Set<string>();

  constructor(
    private readonly api: Api,
    private readonly random: () => number,
    private readonly runId: string,
    /** Counts server starts; a start without an answer is looked up only after the next one. */
    private readonly generation: () => number,
  ) {}

  /** Sales starts one more case; the mix is 80 % ships, 10 % short of stock, 10 % bad address. */
  async startNext(): Promise<void> {
    const n = this.cases.length + 1;
    const roll = this.random();
    const kind: CaseKind = roll < 0.8 ? 'ships' : roll < 0.9 ? 'short' : 'address';
    const id = `${this.runId}-${n}`;
    const c: SoakCase = {
      n,
      kind,
      businessKey: id,
      customerId: kind === 'ships' ? SHIPS_CUSTOMER : kind === 'short' ? SHORT_CUSTOMER : `cus_${id}`.replace(/[^A-Za-z0-9_-]/g, '_'),
      dealId: `deal_${id}`.replace(/[^A-Za-z0-9_-]/g, '_'),
      items: kind === 'short' ? [{ sku: SCARCE.sku, quantity: SCARCE_ORDER }] : [{ sku: PLENTY.sku, quantity: 1 + Math.floor(this.random() * 3) }],
      instanceId: null,
      acknowledged: false,
      uncertainSince: null,
      stockDecisions: 0,
      addressFixes: 0,
    };
    this.cases.push(c);
    await this.begin(c);
  }

  private async begin(c: SoakCase): Promise<void> {
    try {
      if (c.kind === 'address') {
        await this.api.expect([201, 409], 'aziz', 'POST', '/api/crm/customers', {
          id: c.customerId, kind: 'company', name: `Soak customer ${c.n}`, taxId: String(300_000_000 + c.n), phones: ['+998 73 244 00 11'], emails: [`soak${c.n}@example.uz`], address: BAD_ADDRESS,
        });
      }
      await this.api.expect([201, 409], 'aziz', 'POST', '/api/crm/deals', { id: c.dealId, customerId: c.customerId, title: `Soak deal ${c.n}`, stage: 'proposal' });
      this.counters.startsSent++;
      const started = await this.api.expect<{ id: string }>(201, 'aziz', 'POST', '/api/process-instances', {
        processKey: PROCESS_KEY,
        businessKey: c.businessKey,
        variables: { customerId: c.customerId, dealId: c.dealId, items: c.items },
      });
      this.adopt(c, started.id);
      c.acknowledged = true;
    } catch (error) {
      if (!(error instanceof ServerUnavailable)) throw error;
      this.counters.startsUnanswered++;
      // Turned away (429) means nothing was done: look it up and start it again at the next turn,
      // without waiting for a restart.
      c.uncertainSince = error instanceof ServerBusy ? this.generation() - 1 : this.generation();
    }
  }

  private adopt(c: SoakCase, instanceId: string): void {
    c.instanceId = instanceId;
    c.uncertainSince = null;
    this.byInstance.set(instanceId, c);
  }

  /**
   * Starts that got no answer: after a restart, look the business key up; if the instance is not
   * there, its start was never committed, so start it again (as an employee would, seeing nothing).
   * With `final`, only looks up: the run is over.
   */
  async settleStarts(final = false): Promise<void> {
    for (const c of this.cases) {
      if (c.instanceId !== null || c.uncertainSince === null) continue;
      if (!final && this.generation() <= c.uncertainSince) continue;
      const found = await this.api.expect<{ id: string }[]>(200, 'anna', 'GET', `/api/process-instances?processKey=${PROCESS_KEY}&businessKey=${encodeURIComponent(c.businessKey)}`);
      if (found.length > 0) this.adopt(c, found[0]!.id);
      else if (!final) await this.begin(c);
    }
  }

  /**
   * Each employee takes the open ship-goods tasks offered to them and completes them, several at
   * once (a team, not one person). An instance has at most one open task, so no two of these
   * touch the same case.
   */
  async workTasks(): Promise<void> {
    const todo: { user: string; c: SoakCase; task: OpenTask }[] = [];
    for (const user of ['aziz', 'timur']) {
      const tasks = await this.api.expect<OpenTask[]>(200, user, 'GET', '/api/tasks?state=open&limit=200');
      for (const task of tasks) {
        if (task.processKey !== PROCESS_KEY) continue;
        const c = this.byInstance.get(task.processInstanceId);
        if (!c) continue; // started by a request whose answer was lost; adopted after the lookup
        todo.push({ user, c, task });
      }
    }
    const worker = async () => {
      for (let item = todo.shift(); item; item = todo.shift()) await this.work(item.user, item.c, item.task);
    };
    await Promise.all(Array.from({ length: EMPLOYEES }, worker));
  }

  private async work(user: string, c: SoakCase, task: OpenTask): Promise<void> {
    let variables: Record<string, unknown> = {};
    if (task.elementId === 'Task_ResolveStock') {
      // The first shortage is retried half of the time, then the warehouse gives up.
      const retry = c.stockDecisions === 0 && this.random() < 0.5;
      c.stockDecisions++;
      variables = { decision: retry ? 'retry' : 'cancel' };
    } else if (task.elementId === 'Task_CompleteAddress') {
      await this.api.expect(200, user, 'PATCH', `/api/crm/customers/${c.customerId}`, { address: GOOD_ADDRESS });
      c.addressFixes++;
      variables = { addressFixed: true };
    } else if (task.elementId !== 'Task_ShipmentConfirmed') {
      throw new Error(`instance ${task.processInstanceId} offers an unknown task ${task.elementId}`);
    }
    const res = await this.api.call(user, 'POST', `/api/tasks/${task.id}/complete`, { variables });
    if (res.status === 200) this.counters.tasksCompleted++;
    else if (res.status === 409) this.counters.tasksAlreadyDone++;
    else throw new Error(`completing ${task.elementId} of ${task.processInstanceId} as ${user}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  }

  /** The operator retries every open incident (when the ERP is believed to be back). */
  async resolveIncidents(): Promise<number> {
    const open = await this.api.expect<{ id: string; processInstanceId: string }[]>(200, 'admin', 'GET', '/api/incidents?state=open');
    for (const incident of open) {
      const res = await this.api.call('admin', 'POST', `/api/incidents/${incident.id}/resolve`);
      if (res.status !== 200) continue;
      this.counters.incidentsResolved++;
      this.hadIncident.add(incident.processInstanceId);
      this.counters.instancesWithIncidents = this.hadIncident.size;
    }
    return open.length;
  }

  /** Cases whose instance is not known to have ended. */
  async unfinished(): Promise<number> {
    const active = await this.api.expect<{ id: string }[]>(200, 'anna', 'GET', `/api/process-instances?processKey=${PROCESS_KEY}&state=active&limit=10000`);
    const ours = active.filter((a) => this.byInstance.has(a.id)).length;
    const unknown = this.cases.filter((c) => c.instanceId === null && c.uncertainSince !== null).length;
    return ours + unknown;
  }
}
