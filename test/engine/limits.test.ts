// Deploy-time and run-time bounds on what a diagram may ask: XML shape and size, FEEL length,
// literal ranges, and the evaluation budget that stops a runaway expression at run time.

import { expect } from 'chai';
import { XmlError } from '../../engine/errors.ts';
import { DEFAULT_ENGINE_LIMITS, setEngineLimits, type EngineLimits } from '../../engine/limits.ts';
import { parseBpmnXml } from '../../engine/model/xml.ts';
import { bpmn, compile, flow, model, NS, Sim } from './harness.ts';

async function xmlError(xml: string): Promise<XmlError> {
  try {
    await parseBpmnXml('bad.bpmn', xml);
  } catch (err) {
    if (err instanceof XmlError) return err;
    throw err;
  }
  throw new Error('expected an XmlError');
}

function withLimits(limits: Partial<EngineLimits>): void {
  let before: EngineLimits;
  beforeEach(() => {
    before = setEngineLimits(limits);
  });
  afterEach(() => {
    setEngineLimits(before);
  });
}

const script = (id: string, expression: string, result = 'r') =>
  `<bpmn:scriptTask id="${id}"><bpmn:extensionElements><zeebe:script expression="${expression.replace(/"/g, '&quot;')}" resultVariable="${result}"/></bpmn:extensionElements></bpmn:scriptTask>`;

const scripted = (expression: string) =>
  bpmn('p', `<bpmn:startEvent id="s"/>${script('calc', expression)}<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>
    ${flow('f1', 's', 'calc')}${flow('f2', 'calc', 'after')}${flow('f3', 'after', 'e')}`);

describe('engine limits: diagrams', () => {
  it('refuses 100 000 nested elements before the parser sees them, naming line and column', async () => {
    const started = Date.now();
    const xml = `<bpmn:definitions ${NS} id="d">\n<bpmn:process id="p">${'<bpmn:subProcess>'.repeat(100_000)}${'</bpmn:subProcess>'.repeat(100_000)}</bpmn:process></bpmn:definitions>`;
    const err = await xmlError(xml);
    expect(err.status).to.equal(400);
    expect(err.message).to.equal(`bad.bpmn: elements are nested more than ${DEFAULT_ENGINE_LIMITS.maxXmlDepth} levels deep`);
    expect(err.details[0]).to.include({ line: 2 });
    expect(err.details[0].message).to.include('KARVON_MAX_XML_DEPTH');
    expect(Date.now() - started).to.be.below(5000);
  });

  describe('with a depth limit of 6', () => {
    withLimits({ maxXmlDepth: 6 });

    it('counts only elements: comments, CDATA, processing instructions and self-closing tags do not nest', async () => {
      const xml = `<?xml version="1.0"?>\n<bpmn:definitions ${NS} id="d"><!-- <a><b><c><d><e><f><g> -->
        <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"><bpmn:conditionExpression><![CDATA[=a<b and <c]]></bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:endEvent id="e"/></bpmn:process></bpmn:definitions>`;
      const parsed = await parseBpmnXml('ok.bpmn', xml);
      expect(parsed.definitions.id).to.equal('d');
    });

    it('names the first element past the limit', async () => {
      const xml = `<bpmn:definitions ${NS} id="d">\n<bpmn:process id="p">\n<a><b><c><d title="x>y">\n<e/><f></f></d></c></b></a></bpmn:process></bpmn:definitions>`;
      const err = await xmlError(xml);
      expect(err.details[0]).to.include({ line: 4, column: 5, path: '4:5' }); // <f>: <e/> closes itself
    });
  });

  it('refuses an attribute value longer than the limit, naming where it starts', async () => {
    const xml = `<bpmn:definitions ${NS} id="d">\n  <bpmn:process id="p" name='${'x'.repeat(DEFAULT_ENGINE_LIMITS.maxXmlAttributeLength + 1)}'/></bpmn:definitions>`;
    const err = await xmlError(xml);
    expect(err.message).to.equal(`bad.bpmn: an attribute value is longer than ${DEFAULT_ENGINE_LIMITS.maxXmlAttributeLength} characters`);
    expect(err.details[0]).to.include({ line: 2, column: 29 });
    expect(err.details[0].message).to.include('KARVON_MAX_XML_ATTRIBUTE_LENGTH');
  });

  describe('with a diagram limit of 2 000 bytes', () => {
    withLimits({ maxDiagramBytes: 2000 });

    it('refuses a larger diagram with its size and the limit', async () => {
      const xml = bpmn('p', `<bpmn:startEvent id="s"><bpmn:documentation>${'é'.repeat(1000)}</bpmn:documentation></bpmn:startEvent>`);
      const err = await xmlError(xml);
      expect(err.message).to.match(/^bad\.bpmn is \d+ bytes, larger than the 2000 byte limit for diagrams$/);
      expect(err.details[0].message).to.include('KARVON_MAX_DIAGRAM_BYTES');
    });
  });
});

describe('engine limits: FEEL at deploy', () => {
  it('refuses an expression longer than the limit without parsing it, and shortens it in the message', async () => {
    const long = `=${'a + '.repeat(DEFAULT_ENGINE_LIMITS.maxFeelLength / 4)}1`;
    const { problems } = await compile(scripted(long));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({ elementId: 'calc', elementType: 'bpmn:ScriptTask' });
    expect(problems[0].message).to.match(/^zeebe:script expression: FEEL expression '=a \+ a .{60,90}… \(\d+ characters\)' is \d+ characters long; the limit is 10000 \(KARVON_MAX_FEEL_LENGTH\)$/);
  });

  it('refuses literal ranges larger than the limit, nested ones multiplied', async () => {
    const { problems } = await compile(scripted('=for i in 1..1000000000 return i'));
    expect(problems.map((p) => [p.elementId, p.message])).to.deep.equal([
      ['calc', "zeebe:script expression: FEEL expression '=for i in 1..1000000000 return i' iterates over 1..1000000000 (1000000000 items); the limit is 100000 (KARVON_MAX_FEEL_RANGE)"],
    ]);
    const nested = await compile(scripted('=for a in 1..1000, b in 0..999 return a * b'));
    expect(nested.problems[0].message).to.include('iterates over 1..1000 × 0..999 (1000000 items)');
    const condition = await compile(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>${flow('f', 's', 'e', '=some x in 1..10000000 satisfies x > 5')}`));
    expect(condition.problems.map((p) => p.elementId)).to.include('f');
  });

  it('accepts ranges within the limit and ranges over variables', async () => {
    await model(scripted('=sum(for i in 1..1000 return i)'));
    await model(scripted('=for i in 1..n return i'));
  });
});

describe('engine limits: FEEL evaluation budget', () => {
  withLimits({ feelBudgetMs: 50 });

  it('stops a range over a variable that would run for minutes, with an incident naming the element and the expression', async () => {
    const sim = new Sim(await model(scripted('=count(for i in 1..n return i)')));
    const started = Date.now();
    sim.start({ n: 1_000_000_000 });
    expect(Date.now() - started).to.be.below(5000);
    expect(sim.active()).to.deep.equal(['calc']);
    const [message] = sim.incidents();
    expect(message).to.include("'=count(for i in 1..n return i)'");
    expect(message).to.include('took longer than the 50 ms evaluation budget (KARVON_FEEL_BUDGET_MS)');
    expect(Object.values(sim.s.incidents)[0]).to.include({ elementId: 'calc' });
  });

  it('stops a backtracking regular expression', async () => {
    const sim = new Sim(await model(scripted('=matches(text, "^(a+)+$")')));
    sim.start({ text: `${'a'.repeat(40)}!` });
    expect(sim.incidents()[0]).to.include('evaluation budget');
  });

  describe('with a generous budget', () => {
    // Generous so that a GC pause on a busy machine cannot fail an expression that must pass.
    withLimits({ feelBudgetMs: 10_000 });

    it('evaluates normally afterwards, through the budgeted path and the plain one', async () => {
      const sim = new Sim(await model(scripted('=sum(for i in 1..n return i) + offset')));
      sim.start({ n: 100, offset: 1 });
      expect(sim.incidents()).to.deep.equal([]);
      expect(sim.vars().r).to.equal(5051);
      sim.completeTask('after');
      sim.assertClean();
    });
  });
});

describe('engine limits: parallel multi-instance', () => {
  withLimits({ maxParallelMultiInstance: 3 });

  const mi = (sequential: boolean) =>
    bpmn('p', `<bpmn:startEvent id="s"/>
      <bpmn:userTask id="check"><bpmn:multiInstanceLoopCharacteristics isSequential="${sequential}"><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=lines" inputElement="line"/></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>
      <bpmn:endEvent id="e"/>${flow('f1', 's', 'check')}${flow('f2', 'check', 'e')}`);

  it('opens an incident instead of starting more parallel items than the limit', async () => {
    const sim = new Sim(await model(mi(false)));
    sim.start({ lines: [1, 2, 3, 4] });
    expect(sim.tasks()).to.deep.equal([]);
    expect(sim.incidents()).to.deep.equal([
      "inputCollection '=lines' of 'check' has 4 items; a parallel multi-instance runs at most 3 (KARVON_MAX_PARALLEL_MULTI_INSTANCE)",
    ]);
    const within = new Sim(await model(mi(false)));
    within.start({ lines: [1, 2, 3] });
    expect(within.tasks()).to.have.length(3);
  });

  it('leaves sequential multi-instance alone: it runs one item at a time', async () => {
    const sim = new Sim(await model(mi(true)));
    sim.start({ lines: [1, 2, 3, 4, 5] });
    expect(sim.incidents()).to.deep.equal([]);
    expect(sim.tasks()).to.have.length(1);
  });
});
