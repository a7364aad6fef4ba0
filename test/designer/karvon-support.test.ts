// The designer must not flag conditional events the engine executes, and must keep flagging the
// ones it rejects (a process-level conditional start event).

import { expect } from 'chai';
import { BpmnModdle } from 'bpmn-moddle';
import zeebe from 'zeebe-bpmn-moddle/resources/zeebe.json' with { type: 'json' };
import { executedByKarvon, withoutKarvonExtensions, type BusinessObject } from '../../designer/src/modules/problems/karvon-support.ts';
import { compile } from '../engine/harness.ts';

const cond = '<bpmn:conditionalEventDefinition><bpmn:condition>=go</bpmn:condition></bpmn:conditionalEventDefinition>';
const XML = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="rootStart">${cond}</bpmn:startEvent>
    <bpmn:userTask id="t"/><bpmn:sequenceFlow id="f0" sourceRef="rootStart" targetRef="t"/>
    <bpmn:boundaryEvent id="boundary" attachedToRef="t">${cond}</bpmn:boundaryEvent>
    <bpmn:intermediateCatchEvent id="wait">${cond}</bpmn:intermediateCatchEvent>
    <bpmn:boundaryEvent id="timer" attachedToRef="t"><bpmn:timerEventDefinition/></bpmn:boundaryEvent>
    <bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="espStart">${cond}</bpmn:startEvent></bpmn:subProcess>
  </bpmn:process>
</bpmn:definitions>`;

describe('designer: what Karvon executes beyond the declared Zeebe level', () => {
  let byId: Map<string, BusinessObject>;

  before(async () => {
    const { elementsById } = await new BpmnModdle({ zeebe }).fromXML(XML);
    byId = new Map(Object.entries(elementsById as Record<string, BusinessObject>));
  });

  it('accepts conditional boundary, intermediate catch and event sub-process start events only', () => {
    const accepted = ['rootStart', 'boundary', 'wait', 'timer', 'espStart', 't'].filter((id) => executedByKarvon(byId.get(id)));
    expect(accepted).to.deep.equal(['boundary', 'wait', 'espStart']);
  });

  it('drops only the compatibility linter\'s version reports about those', () => {
    const reports = [
      { id: 'boundary', rule: 'camunda-compat/element-type' },
      { id: 'rootStart', rule: 'camunda-compat/element-type' },
      { id: 'wait', rule: 'label-required' },
    ];
    expect(withoutKarvonExtensions(reports, (id) => byId.get(id)).map((r) => r.id)).to.deep.equal(['rootStart', 'wait']);
  });

  it('agrees with the engine: what the designer accepts compiles, the process-level start is rejected', async () => {
    const { problems } = await compile(XML);
    const rejected = new Set(problems.map((p) => p.elementId));
    expect(rejected.has('rootStart')).to.equal(true);
    for (const id of ['boundary', 'wait', 'espStart']) expect(problems.filter((p) => p.elementId === id && /onditional/.test(p.message))).to.deep.equal([]);
  });
});
