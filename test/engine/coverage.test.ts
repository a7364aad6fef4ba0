// Keeps docs/bpmn-coverage.md true: every row's "Supported" must match the behaviour registry,
// and every registered behaviour must have a row.

import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { behaviorFor, supportedKeys } from '../../engine/behaviors/index.ts';

const table = readFileSync(new URL('../../docs/bpmn-coverage.md', import.meta.url), 'utf8')
  .split('\n')
  .map((line) => /^\| [^|]+ \| `([^`]+)` \| (yes|no) \|/.exec(line))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ key: m[1], supported: m[2] === 'yes' }));

describe('docs/bpmn-coverage.md', () => {
  it('lists a row per element kind', () => {
    expect(table.length).to.be.greaterThan(40);
  });

  for (const row of table) {
    it(`${row.key} is ${row.supported ? '' : 'not '}executed`, () => {
      expect(Boolean(behaviorFor(row.key))).to.equal(row.supported);
    });
  }

  it('documents every behaviour the engine registers', () => {
    const documented = new Set(table.map((r) => r.key));
    expect(supportedKeys().filter((k) => !documented.has(k))).to.deep.equal([]);
  });
});
