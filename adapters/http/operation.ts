// Builds one adapter operation from its configuration: fill the URL and headers, map the input to
// a body with FEEL, send, classify failures, and map the answer to the result with FEEL.

import { defineOperation, type ObjectSchema, type OperationDescriptor } from '../sdk/descriptor.ts';
import { AdapterError, businessError } from '../sdk/errors.ts';
import type { Json } from '../sdk/json.ts';
import { createRedactor } from '../sdk/secrets.ts';
import { errorForStatus, parseJson, sendHttp } from './client.ts';
import type { HttpConnectionConfig, HttpOperationConfig } from './config.ts';
import { feel, fillTemplate } from './template.ts';

const ANY_OBJECT: ObjectSchema = { type: 'object' };

export function httpOperation(name: string, op: HttpOperationConfig, connection: HttpConnectionConfig): OperationDescriptor<HttpConnectionConfig> {
  const idempotent = op.safeToRetry ?? (op.method === 'GET' || op.method === 'PUT' || op.method === 'DELETE');
  const errors = Object.fromEntries(Object.entries(op.errors ?? {}).map(([code, e]) => [code, e.description ?? e.message ?? `When ${e.when}`]));
  return defineOperation<Record<string, unknown>, Record<string, Json>, HttpConnectionConfig>({
    name,
    title: op.title ?? name,
    description: op.description ?? `${op.method} ${op.url}`,
    inputSchema: op.inputSchema ?? ANY_OBJECT,
    outputSchema: op.outputSchema ?? ANY_OBJECT,
    errors,
    safeToRetry: idempotent,
    ...(op.timeoutMs ? { timeoutMs: op.timeoutMs } : {}),
    handler: async (input, context) => {
      const secrets = context.config.secrets ?? {};
      const redact = createRedactor(Object.values(secrets).filter((s) => s.length >= 4)).text;
      const where = `${context.connection}.${name}`;
      const scope = { input, secrets };
      const rawUrl = /^https?:\/\//.test(op.url) ? op.url : `${(connection.baseUrl ?? '').replace(/\/+$/, '')}/${op.url.replace(/^\/+/, '')}`;
      const url = fillTemplate(rawUrl, scope, true, where);
      const headers: Record<string, string> = { accept: 'application/json' };
      for (const [k, v] of Object.entries({ ...connection.headers, ...op.headers })) headers[k.toLowerCase()] = fillTemplate(v, scope, false, where);
      let body: string | undefined;
      if (op.body !== undefined) {
        body = JSON.stringify(feel(op.body, { input }, `${where} body`));
        headers['content-type'] ??= 'application/json';
      }
      // The label is the URL template, not the filled URL: a filled one may carry a secret.
      const label = `${where} (${op.method} ${op.url})`;
      const response = await sendHttp({ method: op.method, url, headers, body, idempotent, timeoutMs: op.timeoutMs, signal: context.signal, label });
      const parsed = parseJson(response.text);
      const payload: Json = parsed === undefined ? response.text : (parsed as Json);
      const view = { status: response.status, body: payload, headers: response.headers };
      for (const [code, rule] of Object.entries(op.errors ?? {})) {
        if (feel(rule.when, view, `${where} error ${code}`) === true) {
          throw businessError(code, redact(rule.message ?? `${where}: ${code} (HTTP ${response.status})`), redactJson(payload, redact));
        }
      }
      if (response.status < 200 || response.status >= 300) throw statusError(response.status, response.headers, payload, label, redact, context.now());
      const result = op.response !== undefined ? feel(op.response, { ...view, input }, `${where} response`) : payload;
      const output = result !== null && typeof result === 'object' && !Array.isArray(result) ? result : { result };
      return redactJson(output, redact) as Record<string, Json>;
    },
  });
}

function statusError(status: number, headers: Readonly<Record<string, string>>, payload: Json, label: string, redact: (s: string) => string, now: number): AdapterError {
  const said = payload !== null && typeof payload === 'object' && !Array.isArray(payload)
    ? [payload.message, payload.error, payload.detail].find((v): v is string => typeof v === 'string')
    : typeof payload === 'string' ? payload.slice(0, 200) : undefined;
  return errorForStatus(status, headers, redact(`${label} answered HTTP ${status}${said ? `: ${said}` : ''}`), now);
}

function redactJson(value: Json, redact: (s: string) => string): Json {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, redact));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactJson(v, redact)]));
  return value;
}
