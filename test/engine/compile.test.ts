import { expect } from 'chai';
import { bpmn, compile, flow, NS, serviceTask } from './harness.ts';
import { parseBpmnXml } from '../../engine/model/xml.ts';
import { XmlError } from '../../engine/errors.ts';

async function xmlError(xml: string): Promise<XmlError> {
  try {
    await parseBpmnXml('bad.bpmn', xml);
  } catch (err) {
    if (err instanceof XmlError) return err;
    throw err;
  }
  throw new Error('expected an XmlError');
}

describe('deploy-time compilation', () => {
  it('reports malformed XML with line and column', async () => {
    const err = await xmlError(`<?xml version="1.0"?>\n<bpmn:definitions ${NS} id="d">\n  <bpmn:process id="p">\n    <bpmn:startEvent id="s">\n  </bpmn:process>\n</bpmn:definitions>`);
    expect(err.status).to.equal(400);
    expect(err.details[0]).to.include({ line: 5, column: 3 });
    expect(err.message).to.match(/line 5, column 3/);
  });

  it('refuses DOCTYPE and entity declarations before parsing', async () => {
    const err = await xmlError(`<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n<bpmn:definitions ${NS}/>`);
    expect(err.details[0]).to.include({ line: 2, column: 1 });
    expect(err.message).to.match(/document type declarations/);
  });

  it('lists every problem at once: element id, type and reason', async () => {
    const xml = bpmn('p', `
      <bpmn:startEvent id="s"/>
      <bpmn:serviceTask id="noType"/>
      <bpmn:exclusiveGateway id="g"/>
      ${serviceTask('a', 'x')}${serviceTask('b', 'y')}
      <bpmn:complexGateway id="cx"/>
      <bpmn:endEvent id="cancelEnd"><bpmn:cancelEventDefinition/></bpmn:endEvent>
      ${flow('f0', 's', 'noType')}${flow('f1', 'noType', 'g')}${flow('c1', 'g', 'a', '=amount >')}${flow('c2', 'g', 'b')}
      ${flow('lost', 'a', 'nowhere')}${flow('f3', 'b', 'cx')}${flow('f4', 'cx', 'cancelEnd')}`);
    const { problems, models } = await compile(xml);
    expect(models).to.have.length(0);
    const summary = problems.map((p) => `${p.elementId}|${p.elementType}|${p.message}`);
    expect(summary).to.include('noType|bpmn:ServiceTask|ServiceTask has no zeebe:taskDefinition type');
    expect(summary.some((s) => s.startsWith("c1|bpmn:SequenceFlow|condition '=amount >' does not parse"))).to.equal(true, summary.join('\n'));
    expect(summary).to.include("g|bpmn:ExclusiveGateway|sequence flow 'c2' leaves the gateway without a condition and is not its default flow");
    expect(summary).to.include('cx|bpmn:ComplexGateway|bpmn:ComplexGateway is not executed by Karvon');
    expect(summary).to.include('cancelEnd|bpmn:EndEvent|cancel EndEvent is not executed by Karvon yet');
    expect(summary).to.include('lost|bpmn:SequenceFlow|targetRef does not name an element of this process');
  });

  it('rejects vendor extensions and attributes it would ignore, but accepts presentation ones', async () => {
    const xml = `<?xml version="1.0"?>
<bpmn:definitions ${NS} xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:color="http://www.omg.org/spec/BPMN/non-normative/color/1.0" id="d">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s" color:background-color="#fff"/>
    <bpmn:serviceTask id="t" camunda:asyncBefore="true"><bpmn:extensionElements><zeebe:taskDefinition type="x"/><zeebe:executionListeners/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="t"/><bpmn:sequenceFlow id="f1" sourceRef="t" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>`;
    const { problems } = await compile(xml);
    expect(problems.map((p) => `${p.elementId}: ${p.message}`)).to.have.members([
      "t: attribute 'camunda:asyncBefore' is not executed by Karvon",
      't: <zeebe:ExecutionListeners> is not executed by Karvon on bpmn:ServiceTask',
    ]);
  });

  it('compiles a valid diagram into an immutable model', async () => {
    const { models, problems } = await compile(bpmn('ok', `<bpmn:startEvent id="s"/>${serviceTask('t', '=kind')}<bpmn:endEvent id="e"/>${flow('f0', 's', 't')}${flow('f1', 't', 'e')}`));
    expect(problems).to.deep.equal([]);
    const m = models[0];
    expect(m.startEvent).to.equal('s');
    expect(m.elements.get('t')!.job!.type.feel).to.equal(true);
    expect(Object.isFrozen(m.elements.get('t'))).to.equal(true);
  });

  it('a rejected start event is the only problem its scope reports, not also a missing start', async () => {
    const compensationStart = '<bpmn:startEvent id="undo-start"><bpmn:compensateEventDefinition/></bpmn:startEvent>';
    const { problems } = await compile(
      bpmn('p', `<bpmn:startEvent id="s"/>${serviceTask('t', 'work')}<bpmn:endEvent id="e"/>${flow('f1', 's', 't')}${flow('f2', 't', 'e')}
        <bpmn:subProcess id="esp" triggeredByEvent="true">${compensationStart}<bpmn:endEvent id="esp-end"/>${flow('f3', 'undo-start', 'esp-end')}</bpmn:subProcess>`),
    );
    expect(problems).to.deep.equal([
      {
        elementId: 'undo-start',
        elementType: 'bpmn:StartEvent',
        message: 'compensation event sub-processes are not executed: Camunda 8 does not support them either; throw compensation from an error event sub-process instead',
      },
    ]);
    // Two start events, one of them rejected, are still two for the event sub-process.
    const two = await compile(
      bpmn('p', `<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>${flow('f1', 's', 'e')}
        <bpmn:subProcess id="esp" triggeredByEvent="true">${compensationStart}
          <bpmn:startEvent id="late"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>
          <bpmn:endEvent id="esp-end"/>${flow('f3', 'undo-start', 'esp-end')}${flow('f4', 'late', 'esp-end')}</bpmn:subProcess>`),
    );
    expect(two.problems.map((p) => [p.elementId, p.message.slice(0, 40)])).to.deep.equal([
      ['undo-start', 'compensation event sub-processes are not'],
      ['esp', "event sub-process 'esp' needs exactly on"],
    ]);
  });
});
