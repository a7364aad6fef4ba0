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
    expect(tally.deployed + tally.rejected).to.equal(21);
  });
});
