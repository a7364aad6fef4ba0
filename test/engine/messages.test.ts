import { expect } from 'chai';
import { Engine } from '../../engine/engine.ts';
import { ManualClock } from '../../engine/clock.ts';
import { forEachBackend } from './backends.ts';
import { bpmn, compile, flow, model, Sim, userTask } from './harness.ts';

const message = `<bpmn:message id="Msg" name="paymentReceived"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>`;
const waitForPayment = bpmn('pay', `
  <bpmn:startEvent id="s"/><bpmn:receiveTask id="wait" messageRef="Msg"/>${userTask('ship')}
  ${flow('f0', 's', 'wait')}${flow('f1', 'wait', 'ship')}`, message);

describe('receive task and message correlation', () => {
  it('opens a subscription with the evaluated correlation key and completes on the message', async () => {
    const sim = new Sim(await model(waitForPayment)).start({ orderId: 42 });
    const put = sim.last.find((e) => e.type === 'subscription.put');
    expect(put && put.type === 'subscription.put' && put.subscription).to.deep.include({ messageName: 'paymentReceived', correlationKey: '42', elementId: 'wait' });
    const subscriptionId = put && put.type === 'subscription.put' ? put.subscription.id : '';
    sim.apply({ type: 'correlateMessage', subscriptionId, variables: { paid: 100 } });
    expect(sim.active()).to.deep.equal(['ship']);
    expect(sim.vars().paid).to.equal(100);
    expect(sim.last[0]).to.deep.equal({ type: 'subscription.delete', id: subscriptionId });
  });

  it('canceling the instance closes the subscription', async () => {
    const sim = new Sim(await model(waitForPayment)).start({ orderId: 1 });
    sim.apply({ type: 'cancel' });
    expect(sim.last.map((e) => e.type)).to.include('subscription.delete');
  });

  it('rejects a receive task without a message reference', async () => {
    const { problems } = await compile(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:receiveTask id="r"/>${flow('f', 's', 'r')}`));
    expect(problems.map((p) => p.message)).to.deep.equal(['receive task has no messageRef']);
  });

  forEachBackend('through the engine', (backend) => {
    let engine: Engine;
    let clock: ManualClock;
    beforeEach(async () => {
      clock = new ManualClock();
      engine = await Engine.open({ store: await backend.open(), clock });
      await engine.deploy([{ name: 'pay.bpmn', content: waitForPayment }]);
    });
    afterEach(async () => {
      await engine.close();
      await engine.store.close();
    });

    it('correlates by name and key to the waiting instance only', async () => {
      const a = await engine.startInstance({ processKey: 'pay', variables: { orderId: 'A' } });
      const b = await engine.startInstance({ processKey: 'pay', variables: { orderId: 'B' } });
      const r = await engine.correlateMessage({ name: 'paymentReceived', correlationKey: 'B', variables: { amount: 5 } });
      expect(r).to.deep.equal({ correlated: [b.id], started: [], buffered: false });
      expect((await engine.getInstance(b.id)).activeElements).to.deep.equal(['ship']);
      expect((await engine.getInstance(a.id)).activeElements).to.deep.equal(['wait']);
      expect(await engine.correlateMessage({ name: 'paymentReceived', correlationKey: 'B' })).to.deep.equal({ correlated: [], started: [], buffered: false });
    });

    it('buffers a message for its TTL and delivers it to the first subscription that opens', async () => {
      const r = await engine.correlateMessage({ name: 'paymentReceived', correlationKey: 'C', ttlMs: 60_000, variables: { early: true } });
      expect(r).to.deep.equal({ correlated: [], started: [], buffered: true });
      const c = await engine.startInstance({ processKey: 'pay', variables: { orderId: 'C' } });
      await engine.settle();
      const view = await engine.getInstance(c.id);
      expect(view.activeElements).to.deep.equal(['ship']);
      expect(view.variables.early).to.equal(true);
      const again = await engine.startInstance({ processKey: 'pay', variables: { orderId: 'C' } });
      await engine.settle();
      expect((await engine.getInstance(again.id)).activeElements).to.deep.equal(['wait']);
    });

    it('drops a buffered message after its TTL', async () => {
      await engine.correlateMessage({ name: 'paymentReceived', correlationKey: 'D', ttlMs: 1_000 });
      clock.advance(1_001);
      const d = await engine.startInstance({ processKey: 'pay', variables: { orderId: 'D' } });
      await engine.settle();
      expect((await engine.getInstance(d.id)).activeElements).to.deep.equal(['wait']);
    });

    it('ignores a repeated messageId within the TTL', async () => {
      const e1 = await engine.startInstance({ processKey: 'pay', variables: { orderId: 'E' } });
      const first = await engine.correlateMessage({ name: 'paymentReceived', correlationKey: 'E', messageId: 'm-1', ttlMs: 60_000 });
      expect(first.correlated).to.deep.equal([e1.id]);
      const e2 = await engine.startInstance({ processKey: 'pay', variables: { orderId: 'E' } });
      const repeat = await engine.correlateMessage({ name: 'paymentReceived', correlationKey: 'E', messageId: 'm-1', ttlMs: 60_000 });
      expect(repeat).to.deep.equal({ correlated: [], started: [], buffered: false });
      expect((await engine.getInstance(e2.id)).activeElements).to.deep.equal(['wait']);
    });
  });
});
