import { expect } from 'chai';
import { evaluate } from '@bpmn-io/feelin';
import { evaluateCondition, evaluateExpr, expr } from '../../engine/feel.ts';
import type { Variables } from '../../engine/types.ts';

describe('FEEL fast paths agree with the interpreter', () => {
  const contexts: Variables[] = [
    { amount: 1500, name: 'Acme', vip: true, order: { total: 20 } },
    { amount: 500, name: 'Zed', vip: false, order: { total: 5 } },
    { amount: '1500', name: 7, vip: 'yes', order: null },
    {},
  ];
  const expressions = [
    'amount > 1000', 'amount >= 1500', 'amount < 1000', 'amount <= 500', 'amount = 500', 'amount != 500',
    'name = "Acme"', 'name > "B"', 'vip = true', 'vip != false', 'order.total > 10', 'amount', 'order.total',
  ];
  for (const text of expressions) {
    it(`=${text}`, () => {
      const e = expr(`=${text}`);
      expect(Boolean(e.path || e.compare), 'takes a fast path').to.equal(true);
      for (const context of contexts) {
        const interpreted = evaluate(text, context).value;
        const r = evaluateExpr(e, context);
        expect(r.ok).to.equal(true);
        expect(r.ok && r.value, JSON.stringify(context)).to.deep.equal(interpreted ?? null);
        const c = evaluateCondition(e, context);
        if (typeof interpreted === 'boolean') expect(c).to.deep.equal({ ok: true, value: interpreted });
        else expect(c.ok).to.equal(false);
      }
    });
  }
});
