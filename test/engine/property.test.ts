// Property test: random well-formed processes built from supported elements, driven along random
// paths. Whatever the shape and the choices, every instance must end completed, leave nothing
// behind (elements, jobs, tasks, timers, subscriptions, join tokens), and record every element it
// activated as completed or terminated. A seeded generator keeps every run reproducible.

import { expect } from 'chai';
import { bpmn, flow, model, Sim } from './harness.ts';

/** Mulberry32: small, fast, good enough to pick shapes and paths. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Built {
  xml: string;
  first: string;
  last: string;
}

/** Builds a random block (a single-entry, single-exit fragment) and returns its XML and ends. */
class Generator {
  private n = 0;
  constructor(private readonly random: () => number) {}

  private id(prefix: string): string {
    return `${prefix}${++this.n}`;
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  block(depth: number): Built {
    const kinds = depth > 2 ? ['service', 'user', 'script', 'manual'] : ['service', 'user', 'script', 'manual', 'xor', 'parallel', 'inclusive', 'sub', 'sequence', 'loop'];
    switch (this.pick(kinds)) {
      case 'service': {
        const id = this.id('svc');
        return { xml: `<bpmn:serviceTask id="${id}"><bpmn:extensionElements><zeebe:taskDefinition type="work"/></bpmn:extensionElements></bpmn:serviceTask>`, first: id, last: id };
      }
      case 'user': {
        const id = this.id('usr');
        const task = `<bpmn:userTask id="${id}"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="g"/></bpmn:extensionElements></bpmn:userTask>`;
        if (this.random() < 0.5) return { xml: task, first: id, last: id };
        // A deadline: an interrupting timer boundary whose path merges back after the task.
        const boundary = this.id('late');
        const merge = this.id('bm');
        const xml = `${task}<bpmn:boundaryEvent id="${boundary}" attachedToRef="${id}"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>`
          + `<bpmn:exclusiveGateway id="${merge}"/>${flow(this.id('f'), id, merge)}${flow(this.id('f'), boundary, merge)}`;
        return { xml, first: id, last: merge };
      }
      case 'script': {
        const id = this.id('scr');
        return { xml: `<bpmn:scriptTask id="${id}"><bpmn:extensionElements><zeebe:script expression="=count + 1" resultVariable="count"/></bpmn:extensionElements></bpmn:scriptTask>`, first: id, last: id };
      }
      case 'manual': {
        const id = this.id('man');
        return { xml: `<bpmn:manualTask id="${id}"/>`, first: id, last: id };
      }
      case 'sequence': {
        const a = this.block(depth + 1);
        const b = this.block(depth + 1);
        return { xml: a.xml + b.xml + flow(this.id('f'), a.last, b.first), first: a.first, last: b.last };
      }
      case 'sub': {
        const id = this.id('sub');
        const inner = this.block(depth + 1);
        const s = this.id('ss');
        const e = this.id('se');
        const body = `<bpmn:startEvent id="${s}"/>${inner.xml}<bpmn:endEvent id="${e}"/>${flow(this.id('f'), s, inner.first)}${flow(this.id('f'), inner.last, e)}`;
        return { xml: `<bpmn:subProcess id="${id}">${body}</bpmn:subProcess>`, first: id, last: id };
      }
      case 'loop': {
        // merge → body → xor: back to merge while `again` is true, else out.
        const merge = this.id('lm');
        const split = this.id('ls');
        const body = this.block(depth + 1);
        const out = this.id('f');
        const xml = `<bpmn:exclusiveGateway id="${merge}"/>${body.xml}<bpmn:exclusiveGateway id="${split}" default="${out}"/>`
          + flow(this.id('f'), merge, body.first) + flow(this.id('f'), body.last, split) + flow(this.id('f'), split, merge, '=again = true');
        // The default flow leaves the block; the caller wires it from `last`, so expose a pass-through.
        const exit = this.id('lx');
        return { xml: `${xml}<bpmn:manualTask id="${exit}"/>${flow(out, split, exit)}`, first: merge, last: exit };
      }
      default: {
        const kind = this.pick(['xor', 'parallel', 'inclusive']);
        const tag = kind === 'xor' ? 'exclusiveGateway' : kind === 'parallel' ? 'parallelGateway' : 'inclusiveGateway';
        const split = this.id('gs');
        const join = this.id('gj');
        const a = this.block(depth + 1);
        const b = this.block(depth + 1);
        const fa = this.id('f');
        const fb = this.id('f');
        const conditions = kind === 'parallel' ? [undefined, undefined] : ['=pickA = true', undefined];
        const defaultAttr = kind === 'parallel' ? '' : ` default="${fb}"`;
        const xml = `<bpmn:${tag} id="${split}"${defaultAttr}/>${a.xml}${b.xml}<bpmn:${tag} id="${join}"/>`
          + flow(fa, split, a.first, conditions[0]) + flow(fb, split, b.first, conditions[1])
          + flow(this.id('f'), a.last, join) + flow(this.id('f'), b.last, join);
        return { xml, first: split, last: join };
      }
    }
  }
}

async function randomProcess(seed: number) {
  const gen = new Generator(rng(seed));
  const body = gen.block(0);
  const xml = bpmn('rand', `<bpmn:startEvent id="start"/>${body.xml}<bpmn:endEvent id="end"/>${flow('fStart', 'start', body.first)}${flow('fEnd', body.last, 'end')}`);
  return { xml, model: await model(xml) };
}

describe('property: random processes along random paths', () => {
  const SEEDS = 150;

  it(`${SEEDS} random processes all end completed and leave nothing behind`, async function () {
    this.timeout(60_000);
    const seen = new Set<string>();
    let looped = 0;
    let fired = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { xml, model: m } = await randomProcess(seed);
      for (const el of m.elements.values()) seen.add(el.behavior);
      const choose = rng(seed * 7919);
      const sim = new Sim(m).start({ count: 0, pickA: choose() < 0.5, again: false });
      let loops = 0;
      for (let step = 0; sim.s.status === 'active'; step++) {
        const waiting = Object.values(sim.s.elements).filter((e) => e.job || e.task);
        const timers = Object.keys(sim.s.timers ?? {});
        const context = `seed ${seed}, step ${step}, active ${sim.active().join(',')}\n${xml}`;
        expect(waiting.length + timers.length, `stuck without a wait state: ${context}`).to.be.greaterThan(0);
        expect(step, `too many steps: ${context}`).to.be.below(500);
        if (timers.length && (waiting.length === 0 || choose() < 0.25)) {
          sim.apply({ type: 'fireTimer', timerId: timers[Math.floor(choose() * timers.length)] });
          fired++;
          continue;
        }
        const target = waiting[Math.floor(choose() * waiting.length)];
        // Loop back at most a few times per instance so every run ends.
        const again = loops < 3 && choose() < 0.3;
        if (again) loops++;
        const variables = { pickA: choose() < 0.5, again };
        if (target.job) sim.apply({ type: 'completeJob', jobKey: target.job, variables });
        else sim.apply({ type: 'completeTask', taskId: target.task!, variables });
        expect(sim.incidents(), `incident: ${context}`).to.deep.equal([]);
      }
      expect(sim.s.status, `seed ${seed}`).to.equal('completed');
      sim.assertClean();
      // Every activation ends as completed or terminated, one for one.
      const count = (event: string) => sim.effects.filter((e) => e.type === 'history' && e.record.event === event).length;
      expect(count('activated'), `seed ${seed}`).to.equal(count('completed') + count('terminated'));
      if (loops > 0) looped++;
    }
    // The generator really exercised the interesting shapes.
    expect([...seen]).to.include.members(['bpmn:ParallelGateway', 'bpmn:InclusiveGateway', 'bpmn:ExclusiveGateway', 'bpmn:SubProcess', 'bpmn:ServiceTask', 'bpmn:UserTask', 'bpmn:ScriptTask']);
    expect(looped, 'instances that went round a loop').to.be.greaterThan(10);
    expect(fired, 'deadlines that fired').to.be.greaterThan(5);
  });
});
