// Import fidelity on the OMG BPMN MIWG reference diagrams: each one either compiles or is
// rejected with a precise list (element, type, reason); none crashes the parser or the compiler.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { compileDefinitions } from '../../engine/model/compile.ts';
import { parseBpmnXml } from '../../engine/model/xml.ts';

const corpus = fileURLToPath(new URL('../../../shared/corpus/miwg/', import.meta.url));

describe('MIWG reference diagrams', function () {
  this.timeout(60_000);
  before(function () {
    if (!existsSync(corpus)) {
      console.log(`  MIWG corpus not found at ${corpus}: skipped`);
      this.skip();
    }
  });

  it('every file deploys or is rejected with element, type and reason', async () => {
    const files = readdirSync(corpus).filter((f) => f.endsWith('.bpmn')).sort();
    expect(files).to.have.length(21);
    const tally = { deployed: 0, rejected: 0 };
    for (const f of files) {
      const parsed = await parseBpmnXml(f, readFileSync(corpus + f, 'utf8'));
      const { processes, problems } = compileDefinitions(parsed.definitions, parsed.warnings);
      if (problems.length === 0) {
        expect(processes.length, f).to.be.greaterThan(0);
        tally.deployed++;
        continue;
      }
      tally.rejected++;
      for (const p of problems) {
        expect(p.message, `${f}: ${JSON.stringify(p)}`).to.be.a('string').and.not.equal('');
        expect(p.elementType, `${f}: ${JSON.stringify(p)}`).to.be.a('string').and.not.equal('');
      }
    }
    // Tally: 1 deploys (C.9.2, a Camunda 8 diagram with an embedded form), 20 are rejected.
    expect(tally).to.deep.equal({ deployed: 1, rejected: 20 });
  });

  it('C.9.2: the form embedded by an older Camunda Modeler deploys and is linked to its user task', async () => {
    const parsed = await parseBpmnXml('C.9.2.bpmn', readFileSync(corpus + 'C.9.2.bpmn', 'utf8'));
    const { processes, problems } = compileDefinitions(parsed.definitions, parsed.warnings);
    expect(problems).to.deep.equal([]);
    const model = processes[0].model;
    const task = [...model.elements.values()].find((e) => e.userTask?.formKey === 'camunda-forms:bpmn:userTaskForm_2s8lq02');
    expect(task, 'a user task on the embedded form').to.not.equal(undefined);
    expect(model.embeddedForms.get('userTaskForm_2s8lq02')).to.have.property('components').that.is.an('array').and.not.empty;
  });

  it('C.6.0: the compensation event sub-process is one problem on its start event, no follow-on on the sub-process', async () => {
    const parsed = await parseBpmnXml('C.6.0.bpmn', readFileSync(corpus + 'C.6.0.bpmn', 'utf8'));
    const { problems } = compileDefinitions(parsed.definitions, parsed.warnings);
    const onHandler = problems.filter((p) => ['_8af17ed4-6e13-463b-8333-d397b3002c65', '_e880bf53-84ca-4776-aa75-d1bf53172240'].includes(p.elementId));
    expect(onHandler).to.deep.equal([
      {
        elementId: '_8af17ed4-6e13-463b-8333-d397b3002c65',
        elementType: 'bpmn:StartEvent',
        message: 'compensation event sub-processes are not executed: Camunda 8 does not support them either; throw compensation from an error event sub-process instead',
      },
    ]);
    // Every other problem names a different element once for each distinct reason.
    const keys = problems.map((p) => `${p.elementId}|${p.message}`);
    expect(new Set(keys).size).to.equal(keys.length);
  });
});
