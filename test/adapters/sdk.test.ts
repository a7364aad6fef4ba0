import { expect } from 'chai';
import { AdapterDescriptorError, validateAdapterDescriptor } from '../../adapters/sdk/validate.ts';
import { defineAdapter, defineOperation } from '../../adapters/sdk/descriptor.ts';
import { AdapterError, businessError, parseRetryAfter, rateLimited } from '../../adapters/sdk/errors.ts';
import { createRedactor, secretPaths, secretValues } from '../../adapters/sdk/secrets.ts';
import { DecimalError, lineAmountMinor, toMilli, toMinor, fromMilli } from '../../adapters/sdk/decimal.ts';

function validAdapter() {
  return defineAdapter({
    name: 'acme-crm',
    version: '1.2.3',
    title: 'Acme CRM',
    configSchema: {
      type: 'object',
      required: ['baseUrl', 'apiKey'],
      properties: { baseUrl: { type: 'string', format: 'uri' }, apiKey: { type: 'string', 'x-secret': true } },
    },
    operations: [
      defineOperation<{ id: string }, { name: string }>({
        name: 'getThing',
        title: 'Get thing',
        description: 'Reads a thing',
        safeToRetry: true,
        inputSchema: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        outputSchema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
        errors: { THING_NOT_FOUND: 'No such thing' },
        handler: async (input) => ({ name: input.id }),
      }),
    ],
  });
}

function problemsOf(candidate: unknown): { adapter: string; problems: { path: string; message: string }[] } {
  try {
    validateAdapterDescriptor(candidate);
  } catch (error) {
    expect(error).to.be.instanceOf(AdapterDescriptorError);
    const e = error as AdapterDescriptorError;
    return { adapter: e.adapter, problems: e.problems };
  }
  throw new Error('expected the descriptor to be rejected');
}

describe('adapters/sdk', () => {
  describe('descriptor validation', () => {
    it('accepts a well-formed descriptor', () => {
      // given
      const adapter = validAdapter();
      // when / then
      expect(validateAdapterDescriptor(adapter)).to.equal(adapter);
    });

    it('names the adapter and every offending path', () => {
      // given
      const adapter = validAdapter();
      const broken = {
        ...adapter,
        version: 'one',
        operations: [
          { ...adapter.operations[0], errors: { 'not-upper': 'x' }, handler: 'nope' },
          { ...adapter.operations[0], inputSchema: { type: 'object', properties: { id: { type: 'strin' } } } },
        ],
      };
      // when
      const { adapter: name, problems } = problemsOf(broken);
      // then
      expect(name).to.equal('acme-crm');
      const paths = problems.map((p) => p.path);
      expect(paths).to.include('version');
      expect(paths).to.include('operations[0].errors');
      expect(paths).to.include('operations[0].handler');
      expect(paths).to.include('operations[1].name');
      expect(paths).to.include('operations[1].inputSchema');
      expect(problems.find((p) => p.path === 'operations[1].name')!.message).to.match(/duplicates operations\[0\]/);
    });

    it('requires object schemas for input and output', () => {
      const adapter = validAdapter();
      const { problems } = problemsOf({ ...adapter, operations: [{ ...adapter.operations[0], outputSchema: { type: 'string' } }] });
      expect(problems.map((p) => p.path)).to.include('operations[0].outputSchema.type');
    });

    it('rejects something that is not an object with a readable message', () => {
      expect(() => validateAdapterDescriptor(42)).to.throw(AdapterDescriptorError, /Adapter "\(unnamed\)" is invalid/);
    });
  });

  describe('errors', () => {
    it('carries kind, code, details and retry hints', () => {
      const error = businessError('INSUFFICIENT_STOCK', 'short', { shortItems: [] });
      expect(error).to.be.instanceOf(AdapterError);
      expect(error.kind).to.equal('business');
      expect(error.code).to.equal('INSUFFICIENT_STOCK');
      expect(error.retryable).to.equal(false);
      expect(rateLimited('slow down', 5000).retryable).to.equal(true);
    });

    it('parses Retry-After as seconds or as a date', () => {
      const now = Date.parse('2026-03-02T09:00:00Z');
      expect(parseRetryAfter('7', now)).to.equal(7000);
      expect(parseRetryAfter('Mon, 02 Mar 2026 09:00:30 GMT', now)).to.equal(30_000);
      expect(parseRetryAfter(undefined, now)).to.equal(undefined);
    });
  });

  describe('secrets', () => {
    it('finds secret fields, nested ones too, and scrubs their values', () => {
      const schema = {
        type: 'object',
        properties: { url: { type: 'string' }, auth: { type: 'object', properties: { token: { type: 'string', 'x-secret': true } } } },
      } as const;
      expect(secretPaths(schema)).to.deep.equal(['auth.token']);
      const values = secretValues(schema, { url: 'https://x', auth: { token: 's3cr3t-token' } });
      const redactor = createRedactor(values);
      expect(redactor.text('GET ?token=s3cr3t-token failed')).to.equal('GET ?token=[redacted] failed');
      expect(redactor.value({ a: ['x s3cr3t-token'] })).to.deep.equal({ a: ['x [redacted]'] });
      expect(redactor.value({ password: 'p' }, { maskKeys: true })).to.deep.equal({ password: '[redacted]' });
    });
  });

  describe('decimals', () => {
    it('converts exactly and refuses silent rounding', () => {
      expect(toMilli(0.1) + toMilli(0.2)).to.equal(toMilli(0.3));
      expect(fromMilli(toMilli(250.5))).to.equal(250.5);
      expect(toMinor(18_500.5)).to.equal(1_850_050);
      expect(() => toMilli(1.0005)).to.throw(DecimalError, /more than 3 decimal places/);
      expect(lineAmountMinor(toMilli(250.5), toMinor(18_500.5))).to.equal(463_437_525);
    });
  });
});
