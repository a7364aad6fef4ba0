// Deploy checks of an event-based gateway, after Zeebe's EventBasedGatewayValidator: at least two
// outgoing flows, only message, timer, signal or conditional catch events after it, none of them
// reachable by another flow, and no two of them waiting for the same message, signal or condition.

import { expect } from 'chai';
import { bpmn, compile, flow } from './harness.ts';

const timer = '<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>';
const cond = (c: string) => `<bpmn:conditionalEventDefinition><bpmn:condition>${c}</bpmn:condition></bpmn:conditionalEventDefinition>`;
const catchEvent = (id: string, definition: string) => `<bpmn:intermediateCatchEvent id="${id}">${definition}</bpmn:intermediateCatchEvent>`;
const messageRef = (ref: string) => `<bpmn:messageEventDefinition messageRef="${ref}"/>`;
const signalRef = (ref: string) => `<bpmn:signalEventDefinition signalRef="${ref}"/>`;
const messages = `<bpmn:message id="M1" name="orderCanceled"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>
  <bpmn:message id="M2" name="orderCanceled"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>
  <bpmn:message id="M3" name="orderPaid"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>
  <bpmn:signal id="S1" name="stop"/><bpmn:signal id="S2" name="stop"/>`;

async function problemsOf(body: string): Promise<string[]> {
  const { problems } = await compile(bpmn('p', body, messages));
  return problems.map((p) => `${p.elementId} (${p.elementType}): ${p.message}`);
}

describe('event-based gateway deploy checks', () => {
  it('a valid gateway with a message, a signal, a timer and a condition deploys', async () => {
    expect(
      await problemsOf(`<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>
        ${catchEvent('a', messageRef('M1'))}${catchEvent('b', signalRef('S1'))}${catchEvent('c', timer)}${catchEvent('d', cond('=ok'))}
        ${flow('f0', 's', 'g')}${flow('f1', 'g', 'a')}${flow('f2', 'g', 'b')}${flow('f3', 'g', 'c')}${flow('f4', 'g', 'd')}`),
    ).to.deep.equal([]);
  });

  it('refuses a gateway with fewer than two outgoing flows', async () => {
    expect(await problemsOf(`<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>${catchEvent('a', timer)}${flow('f0', 's', 'g')}${flow('f1', 'g', 'a')}`)).to.deep.equal([
      'g (bpmn:EventBasedGateway): an event-based gateway needs at least two outgoing sequence flows',
    ]);
  });

  it('refuses an event after the gateway that another flow also leads to, naming the gateway and the flow', async () => {
    expect(
      await problemsOf(`<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:eventBasedGateway id="g"/>
        ${catchEvent('a', timer)}${catchEvent('b', messageRef('M1'))}
        ${flow('f0', 's', 'fork')}${flow('f1', 'fork', 'g')}${flow('f2', 'fork', 'a')}${flow('f3', 'g', 'a')}${flow('f4', 'g', 'b')}`),
    ).to.deep.equal([`g (bpmn:EventBasedGateway): 'a' after it has another incoming sequence flow 'f2'; only the gateway may lead to it`]);
  });

  it('refuses two events after the gateway waiting for the same message name, signal name or condition', async () => {
    expect(
      await problemsOf(`<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>
        ${catchEvent('a', messageRef('M1'))}${catchEvent('b', messageRef('M2'))}${catchEvent('c', messageRef('M3'))}
        ${catchEvent('d', signalRef('S1'))}${catchEvent('e', signalRef('S2'))}${catchEvent('x', cond('=ok'))}${catchEvent('y', cond(' =ok '))}
        ${flow('f0', 's', 'g')}${['a', 'b', 'c', 'd', 'e', 'x', 'y'].map((t, i) => flow(`g${i}`, 'g', t)).join('')}`),
    ).to.deep.equal([
      `g (bpmn:EventBasedGateway): 'a' and 'b' after it both wait for the message 'orderCanceled'`,
      `g (bpmn:EventBasedGateway): 'd' and 'e' after it both wait for the signal 'stop'`,
      `g (bpmn:EventBasedGateway): 'x' and 'y' after it both wait for the condition 'ok'`,
    ]);
  });
});
