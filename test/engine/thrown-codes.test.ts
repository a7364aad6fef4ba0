// Error and escalation codes from FEEL on throw events, evaluated when the token arrives; catch
// events match literal codes only.

import { expect } from 'chai';
import { bpmn, compile, flow, model, Sim, userTask } from './harness.ts';

const roots = '<bpmn:error id="Dyn" errorCode="=reason"/><bpmn:error id="Stock" errorCode="NO_STOCK"/><bpmn:escalation id="DynEsc" escalationCode="=&quot;LEVEL_&quot; + string(level)"/><bpmn:escalation id="L2" escalationCode="LEVEL_2"/>';

const failing = bpmn('p', `<bpmn:startEvent id="s"/>
  <bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/><bpmn:endEvent id="fail"><bpmn:errorEventDefinition errorRef="Dyn"/></bpmn:endEvent>${flow('a0', 'ss', 'fail')}</bpmn:subProcess>
  <bpmn:boundaryEvent id="noStock" attachedToRef="sub"><bpmn:errorEventDefinition errorRef="Stock"/></bpmn:boundaryEvent>
  <bpmn:boundaryEvent id="other" attachedToRef="sub"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>
  ${userTask('restock')}${userTask('investigate')}${flow('f0', 's', 'sub')}${flow('f1', 'noStock', 'restock')}${flow('f2', 'other', 'investigate')}`, roots);

describe('engine step: error and escalation codes from FEEL', () => {
  it('an error end event throws the code its expression gives, caught by the boundary for that code', async () => {
    const m = await model(failing);
    expect(new Sim(m).start({ reason: 'NO_STOCK' }).active()).to.deep.equal(['restock']);
    expect(new Sim(m).start({ reason: 'FRAUD' }).active()).to.deep.equal(['investigate']);
  });

  it('a code expression that fails is an incident on the thrower; resolving it after a fix throws', async () => {
    const sim = new Sim(await model(failing)).start({});
    expect(sim.incidents()).to.have.length(1);
    expect(sim.incidents()[0]).to.contain("errorCode '=reason'");
    sim.apply({ type: 'setVariables', variables: { reason: 'NO_STOCK' } });
    sim.apply({ type: 'resolveIncident', incidentId: Object.keys(sim.s.incidents)[0] });
    expect(sim.active()).to.deep.equal(['restock']);
    sim.completeTask('restock');
    expect(sim.s.status).to.equal('completed');
    sim.assertClean();
  });

  it('an escalation throw raises the code its expression gives', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>
      <bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/><bpmn:intermediateThrowEvent id="raise"><bpmn:escalationEventDefinition escalationRef="DynEsc"/></bpmn:intermediateThrowEvent>${userTask('work')}
        ${flow('a0', 'ss', 'raise')}${flow('a1', 'raise', 'work')}</bpmn:subProcess>
      <bpmn:boundaryEvent id="level2" attachedToRef="sub" cancelActivity="false"><bpmn:escalationEventDefinition escalationRef="L2"/></bpmn:boundaryEvent>
      ${userTask('notify')}${flow('f0', 's', 'sub')}${flow('f1', 'level2', 'notify')}`, roots));
    expect(new Sim(m).start({ level: 2 }).active()).to.deep.equal(['notify', 'sub', 'work']);
    expect(new Sim(m).start({ level: 1 }).active(), 'LEVEL_1: nobody catches it, the token goes on').to.deep.equal(['sub', 'work']);
  });

  it('a catch event with a code expression is rejected at deploy, naming it', async () => {
    const { problems } = await compile(bpmn('p', `<bpmn:startEvent id="s"/>${userTask('t')}
      <bpmn:boundaryEvent id="catchDyn" attachedToRef="t"><bpmn:errorEventDefinition errorRef="Dyn"/></bpmn:boundaryEvent>
      <bpmn:boundaryEvent id="catchEsc" attachedToRef="t"><bpmn:escalationEventDefinition escalationRef="DynEsc"/></bpmn:boundaryEvent>
      <bpmn:endEvent id="e"/>${flow('f0', 's', 't')}${flow('f1', 'catchDyn', 'e')}${flow('f2', 'catchEsc', 'e')}`, roots));
    expect(problems.map((p) => `${p.elementId}: ${p.message}`)).to.deep.equal([
      "catchDyn: errorCode '=reason' is an expression; a catch event matches a literal code (only throw events evaluate FEEL)",
      `catchEsc: escalationCode '="LEVEL_" + string(level)' is an expression; a catch event matches a literal code (only throw events evaluate FEEL)`,
    ]);
  });

  it('a code expression that does not parse is rejected at deploy', async () => {
    const { problems } = await compile(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:endEvent id="e"><bpmn:errorEventDefinition errorRef="Bad"/></bpmn:endEvent>${flow('f0', 's', 'e')}`, '<bpmn:error id="Bad" errorCode="=(("/>'));
    expect(problems.map((p) => p.elementId)).to.deep.equal(['e']);
    expect(problems[0].message).to.match(/^errorCode: FEEL expression '=\(\(' does not parse/);
  });
});
