// Karvon's checking as a bpmn-js module: @camunda/linting draws the annotations, Problems decides
// what they are.
import lintingModule from '@camunda/linting/modeler';
import Problems from './Problems.ts';

export type { Problem } from './Problems.ts';

export default {
  __depends__: [lintingModule],
  __init__: ['karvonProblems'],
  karvonProblems: ['type', Problems],
};
